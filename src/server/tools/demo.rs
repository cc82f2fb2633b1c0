//! The demo dataset: real films (facts only; metric values approximate), festivals, canonical
//! lists, and a small club with proposals and votes.

use crate::server::db::dataset::*;
use crate::server::db::{on_pool, Db};

/// The list the predictions page forecasts.
pub const TARGET_LIST: &str = "1001-movies";
/// The demo member who is the club's admin.
pub const ADMIN: &str = "ada";

const FILMS: &str = include_str!("demo/films.tsv");

pub fn reference_festivals() -> Vec<Festival> {
    [
        ("oscars", "Academy Awards", "US"),
        ("cannes", "Cannes Film Festival", "FR"),
        ("venice", "Venice Film Festival", "IT"),
        ("berlin", "Berlin International Film Festival", "DE"),
        ("bafta", "BAFTA Film Awards", "GB"),
        ("golden-globes", "Golden Globe Awards", "US"),
        ("sundance", "Sundance Film Festival", "US"),
    ]
    .into_iter()
    .map(|(slug, name, country)| Festival { slug: slug.into(), name: name.into(), country: Some(country.into()) })
    .collect()
}

pub fn reference_lists() -> Vec<ListDef> {
    [
        (
            TARGET_LIST,
            "1001 Movies You Must See Before You Die",
            "The book's list, with the edition in which each film was added.",
            true,
        ),
        (
            "sight-and-sound-2022",
            "Sight and Sound Greatest Films of All Time (2022)",
            "The critics' poll top 100.",
            false,
        ),
        (
            "afi-100-2007",
            "AFI's 100 Years...100 Movies (2007)",
            "The American Film Institute's 10th-anniversary list.",
            false,
        ),
        (
            "ebert-great-movies",
            "Roger Ebert's Great Movies",
            "Films Roger Ebert wrote about in his Great Movies series.",
            false,
        ),
    ]
    .into_iter()
    .map(|(slug, name, description, is_target)| ListDef {
        slug: slug.into(),
        name: name.into(),
        description: description.into(),
        is_target,
    })
    .collect()
}

/// Award codes used in films.tsv: festival, category, and the ceremony's year relative to the film's.
fn award(code: &str) -> Option<(&'static str, &'static str, i32)> {
    Some(match code {
        "oscar-picture" => ("oscars", "Best Picture", 1),
        "oscar-director" => ("oscars", "Best Director", 1),
        "oscar-international" => ("oscars", "Best International Feature", 1),
        "oscar-animated" => ("oscars", "Best Animated Feature", 1),
        "oscar-screenplay" => ("oscars", "Best Original Screenplay", 1),
        "cannes-palme" => ("cannes", "Palme d'Or", 0),
        "cannes-grandprix" => ("cannes", "Grand Prix", 0),
        "cannes-jury" => ("cannes", "Jury Prize", 0),
        "venice-lion" => ("venice", "Golden Lion", 0),
        "venice-silver" => ("venice", "Silver Lion", 0),
        "berlin-bear" => ("berlin", "Golden Bear", 0),
        "bafta-film" => ("bafta", "Best Film", 1),
        "globe-drama" => ("golden-globes", "Best Motion Picture – Drama", 1),
        "globe-comedy" => ("golden-globes", "Best Motion Picture – Musical or Comedy", 1),
        "sundance-jury" => ("sundance", "Grand Jury Prize", 0),
        _ => return None,
    })
}

fn list_slug(code: &str) -> Option<&'static str> {
    Some(match code {
        "1001" => TARGET_LIST,
        "ss2022" => "sight-and-sound-2022",
        "afi2007" => "afi-100-2007",
        "ebert" => "ebert-great-movies",
        _ => return None,
    })
}

/// A line of films.tsv that could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("films.tsv line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Columns (tab-separated): imdb_id, title, year, runtime, genres (comma-separated), directors
/// (comma-separated), IMDb rating, IMDb votes in thousands, Metascore, Tomatometer, awards
/// (space-separated `code:W` or `code:N`), lists (space-separated `code` or `code:edition`).
/// Empty fields mean "unknown".
pub fn parse_films(text: &str) -> Result<Vec<NewMovie>, ParseError> {
    let mut movies = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        movies.push(parse_film(raw).map_err(|message| ParseError { line: i + 1, message })?);
    }
    Ok(movies)
}

/// One line of films.tsv; the error says what is wrong with it.
fn parse_film(raw: &str) -> Result<NewMovie, String> {
    let cols: Vec<&str> = raw.split('\t').map(str::trim).collect();
    if cols.len() != 12 {
        return Err(format!("expected 12 tab-separated columns, found {}", cols.len()));
    }
    let opt_num = |idx: usize, what: &str| -> Result<Option<f64>, String> {
        if cols[idx].is_empty() {
            Ok(None)
        } else {
            cols[idx].parse::<f64>().map(Some).map_err(|_| format!("{what} {:?} is not a number", cols[idx]))
        }
    };
    let imdb_id = cols[0];
    if !(imdb_id.starts_with("tt")
        && (9..=10).contains(&imdb_id.len())
        && imdb_id[2..].bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("{imdb_id:?} is not an IMDb id like tt0111161"));
    }
    let year = cols[2].parse::<i32>().map_err(|_| format!("year {:?} is not a number", cols[2]))?;
    let mut metrics = Vec::new();
    // (column, name, source, metric, given in thousands)
    for (idx, what, source, metric, thousands) in [
        (6, "IMDb rating", IMDB, "rating", false),
        (7, "IMDb votes", IMDB, "votes", true),
        (8, "Metascore", METACRITIC, "metascore", false),
        (9, "Tomatometer", ROTTEN_TOMATOES, "tomatometer", false),
    ] {
        if let Some(v) = opt_num(idx, what)? {
            let value = if thousands { (v * 1000.0).round() } else { v };
            metrics.push(NewMetric { source, metric, value });
        }
    }
    let runtime_minutes = match cols[3] {
        "" => None,
        text => Some(text.parse().map_err(|_| format!("runtime {text:?} is not a number"))?),
    };
    Ok(NewMovie {
        imdb_id: imdb_id.into(),
        title: cols[1].into(),
        original_title: None,
        year: Some(year),
        release_date: None,
        runtime_minutes,
        genres: cols[4].split(',').map(str::trim).filter(|g| !g.is_empty()).map(String::from).collect(),
        plot: None,
        poster_url: None,
        credits: cols[5]
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|name| NewCredit {
                person_key: person_key_for_name(name),
                name: name.into(),
                role: "director".into(),
                quality: None,
            })
            .collect(),
        metrics,
        nominations: parse_awards(cols[10], year)?,
        lists: parse_lists(cols[11])?,
    })
}

/// Space-separated `code:W` (won) or `code:N` (nominated), of the film's `year`.
fn parse_awards(field: &str, year: i32) -> Result<Vec<NewNomination>, String> {
    let mut nominations = Vec::new();
    for item in field.split_whitespace() {
        let (code, result) = item.split_once(':').ok_or_else(|| format!("award {item:?} needs :W or :N"))?;
        let (festival, category, offset) = award(code).ok_or_else(|| format!("unknown award code {code:?}"))?;
        let won = match result {
            "W" => true,
            "N" => false,
            _ => return Err(format!("award {item:?} must end in :W or :N")),
        };
        nominations.push(NewNomination {
            festival: festival.into(),
            category: category.into(),
            year: year + offset,
            won,
        });
    }
    Ok(nominations)
}

/// Space-separated `code` or `code:edition`.
fn parse_lists(field: &str) -> Result<Vec<NewMembership>, String> {
    let mut lists = Vec::new();
    for item in field.split_whitespace() {
        let (code, edition) = match item.split_once(':') {
            Some((c, e)) => (c, Some(e.parse::<i32>().map_err(|_| format!("list edition {e:?} is not a year"))?)),
            None => (item, None),
        };
        let list = list_slug(code).ok_or_else(|| format!("unknown list code {code:?}"))?;
        lists.push(NewMembership { list: list.into(), edition_year: edition });
    }
    Ok(lists)
}

fn club() -> (Vec<NewUser>, Vec<NewProposal>) {
    let users = [
        ("ada", "Ada", "admin"),
        ("ben", "Ben", "member"),
        ("chloe", "Chloé", "member"),
        ("dev", "Dev", "member"),
        ("emma", "Emma", "member"),
        ("farid", "Farid", "member"),
    ]
    .into_iter()
    .map(|(username, display_name, role)| NewUser {
        username: username.into(),
        display_name: display_name.into(),
        role,
    })
    .collect();
    let proposal = |imdb_id: &str, proposer: &str, status: &'static str, age_hours: i64, voters: &[&str]| NewProposal {
        imdb_id: imdb_id.into(),
        proposer: proposer.into(),
        status,
        age_hours,
        voters: voters.iter().map(|v| v.to_string()).collect(),
    };
    let proposals = vec![
        proposal("tt7160372", "ada", "active", 30, &["ada", "ben", "chloe", "emma"]),
        proposal("tt13238346", "chloe", "active", 52, &["chloe", "dev", "emma"]),
        proposal("tt17009710", "ben", "active", 20, &["ben", "farid", "ada"]),
        proposal("tt14230458", "dev", "active", 70, &["dev", "emma"]),
        proposal("tt10366460", "emma", "active", 12, &["emma", "chloe"]),
        proposal("tt11813216", "farid", "active", 90, &["farid"]),
        proposal("tt15239678", "ben", "active", 6, &["ben", "dev"]),
        proposal("tt14444726", "chloe", "active", 100, &["ada"]),
        proposal("tt14849194", "ada", "active", 3, &[]),
        proposal("tt6710474", "dev", "watched", 400, &["dev", "ada", "ben", "chloe", "emma", "farid"]),
        proposal("tt10272386", "emma", "watched", 300, &["emma", "farid", "ben"]),
    ];
    (users, proposals)
}

/// Posters for the demo: drawn here (a gradient, a disc and a band in the film's own colours), then
/// made and stored like downloaded ones. For the films the first pages show: the 2020s (the
/// predictions), the proposals, and the most rated. Returns how many were made.
pub async fn seed_posters(
    db: &Db,
    posters: &crate::server::services::posters::Posters,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let films: Vec<String> = on_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT imdb_id FROM movies WHERE poster_url IS NULL \
               AND (year >= 2020 OR imdb_id IN (SELECT imdb_id FROM proposals) \
                    OR id IN (SELECT id FROM movies ORDER BY COALESCE(popularity, -1) DESC, id LIMIT 40)) \
             ORDER BY imdb_id LIMIT 400",
        )
        .fetch_all(pool)
        .await
    })?;
    for imdb_id in &films {
        let url = format!("demo:{imdb_id}");
        let id = imdb_id.clone();
        let source = tokio::task::spawn_blocking(move || demo_poster(&id)).await??;
        posters.keep(&url, source).await?;
        on_pool!(db, |pool| {
            sqlx::query("UPDATE movies SET poster_url = $1 WHERE imdb_id = $2")
                .bind(&url)
                .bind(imdb_id)
                .execute(pool)
                .await?;
            sqlx::query("UPDATE proposals SET poster_url = $1 WHERE imdb_id = $2 AND poster_url IS NULL")
                .bind(&url)
                .bind(imdb_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
    }
    Ok(films.len())
}

/// A 320 × 480 JPEG in colours taken from `seed`.
fn demo_poster(seed: &str) -> Result<Vec<u8>, image::ImageError> {
    let hash = seed.bytes().fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    let hue = (hash % 360) as f32;
    let (cx, cy, r) =
        (60.0 + (hash >> 9) as f32 % 200.0, 140.0 + (hash >> 17) as f32 % 120.0, 50.0 + (hash >> 3) as f32 % 60.0);
    let image = image::RgbImage::from_fn(320, 480, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let t = fy / 480.0;
        let mut rgb = hsl(hue, 0.45, 0.14 + 0.3 * t);
        if (fx - cx).powi(2) + (fy - cy).powi(2) <= r * r {
            rgb = hsl((hue + 180.0) % 360.0, 0.6, 0.62 - 0.15 * ((fy - cy + r) / (2.0 * r)));
        }
        if (360..372).contains(&y) || (y >= 400 && (x / 8 + y / 8) % 2 == 0 && x % 3 == 0) {
            rgb = hsl((hue + 40.0) % 360.0, 0.35, 0.8);
        }
        image::Rgb(rgb)
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

fn hsl(h: f32, s: f32, l: f32) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    [r, g, b].map(|v| ((v + m).clamp(0.0, 1.0) * 255.0).round() as u8)
}

pub fn dataset() -> Dataset {
    // The file ships inside the binary and is checked by a test, so a failure here is a build defect.
    let movies = parse_films(FILMS).expect("the bundled demo film list is valid");
    let (users, proposals) = club();
    Dataset { festivals: reference_festivals(), lists: reference_lists(), movies, users, proposals }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn bundled_films_parse_and_meet_the_size_promised() {
        let films = parse_films(FILMS).unwrap();
        assert!(films.len() >= 300, "{} films", films.len());
        let recent = films.iter().filter(|m| crate::scoring::CANDIDATE_YEARS.contains(&m.year.unwrap())).count();
        assert!(recent >= 100, "{recent} films from the 2020s");
        let decades: HashSet<i32> = films.iter().map(|m| m.year.unwrap() / 10 * 10).collect();
        for decade in (1920..=2020).step_by(10) {
            assert!(decades.contains(&decade), "no film from the {decade}s");
        }
        let ids: HashSet<&str> = films.iter().map(|m| m.imdb_id.as_str()).collect();
        assert_eq!(ids.len(), films.len(), "duplicate IMDb ids in films.tsv");
        assert!(films.iter().all(|m| !m.credits.is_empty() && !m.genres.is_empty()));
    }

    /// A decade where every film is on the list backtests at 100 % whatever the weights; the demo
    /// keeps at least three films off the list for each one on it, in every decade before the 2020s.
    #[test]
    fn every_past_decade_has_three_films_off_the_list_for_each_on_it() {
        let films = parse_films(FILMS).unwrap();
        for decade in (1920..=2010).step_by(10) {
            let of_decade: Vec<_> = films.iter().filter(|m| m.year.unwrap() / 10 * 10 == decade).collect();
            let on_list = of_decade.iter().filter(|m| m.lists.iter().any(|l| l.list == TARGET_LIST)).count();
            let off_list = of_decade.len() - on_list;
            assert!(on_list > 0, "no list film from the {decade}s");
            assert!(off_list >= 3 * on_list, "the {decade}s: {on_list} films on the list, only {off_list} off it");
        }
    }

    #[test]
    fn every_proposal_names_a_bundled_film_and_a_member() {
        let data = dataset();
        let ids: HashSet<&str> = data.movies.iter().map(|m| m.imdb_id.as_str()).collect();
        let members: HashSet<&str> = data.users.iter().map(|u| u.username.as_str()).collect();
        for p in &data.proposals {
            assert!(ids.contains(p.imdb_id.as_str()), "{} is not in films.tsv", p.imdb_id);
            assert!(members.contains(p.proposer.as_str()));
            assert!(p.voters.iter().all(|v| members.contains(v.as_str())));
        }
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = "# header\ntt0111161\tX\t1994\t142\tDrama\tA B\t9.3\t3000\t82\t91\t\t\nbad line\n";
        assert_eq!(parse_films(text).unwrap_err().line, 3);
        let text = "tt0111161\tX\t1994\t142\tDrama\tA B\t9.3\t3000\t82\t91\toscar-picture:Q\t\n";
        assert!(parse_films(text).unwrap_err().message.contains(":W or :N"));
        let text = "tt0111161\tX\t1994\t142\tDrama\tA B\tnine\t3000\t82\t91\t\t\n";
        assert!(parse_films(text).unwrap_err().message.contains("IMDb rating"));
    }

    #[test]
    fn awards_and_lists_are_read() {
        let text = "tt0111161\tX\t1994\t142\tDrama\tA B\t9.3\t3000\t82\t91\toscar-picture:N cannes-palme:W\t1001:2003 ss2022\n";
        let film = &parse_films(text).unwrap()[0];
        assert_eq!(film.nominations.len(), 2);
        assert_eq!(film.nominations[0].year, 1995);
        assert!(film.nominations[1].won && film.nominations[1].year == 1994);
        assert_eq!(film.lists[0], NewMembership { list: TARGET_LIST.into(), edition_year: Some(2003) });
        assert_eq!(film.metric(IMDB, "votes"), Some(3_000_000.0));
    }
}
