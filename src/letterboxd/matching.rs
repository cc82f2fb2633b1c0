//! Matching an export's films to the catalogue by normalised title and year.

use super::*;

pub(super) const ARTICLES: [&str; 17] =
    ["the", "a", "an", "le", "la", "les", "l", "el", "los", "las", "il", "lo", "gli", "der", "die", "das", "un"];

/// A title as matching sees it: case, accents, punctuation and a leading (or trailing, as in
/// "Godfather, The") article do not count, so "Amélie" finds "Amelie" and "The 400 Blows" finds
/// "400 Blows".
pub fn title_key(title: &str) -> String {
    let folded = crate::validate::fold_text(title).replace('&', " and ");
    // An elided article ("L'Avventura") is a word of its own; other apostrophes join ("Schindler's").
    let folded = match folded.strip_prefix("l'").or_else(|| folded.strip_prefix("l\u{2019}")) {
        Some(rest) => format!("l {rest}"),
        None => folded,
    };
    let joined: String = folded.chars().filter(|c| !matches!(c, '\'' | '\u{2019}' | '`')).collect();
    let mut words: Vec<&str> = joined.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if words.len() > 1 && ARTICLES.contains(&words[words.len() - 1]) && title.contains(',') {
        words.pop();
    }
    if words.len() > 1 && ARTICLES.contains(&words[0]) {
        words.remove(0);
    }
    words.join(" ")
}

/// A catalogue film as matching sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueTitle {
    pub id: i64,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
}

/// How a film of the export was matched.
#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    Found(i64),
    /// Several films fit; the member picks (nearest year first).
    Several(Vec<i64>),
    Missing,
}

/// At most this many candidates are offered for one film.
pub const MAX_CANDIDATES: usize = 8;

/// The catalogue by title key.
pub struct TitleIndex {
    by_key: HashMap<String, Vec<(i64, Option<i32>)>>,
}

impl TitleIndex {
    pub fn new(films: impl IntoIterator<Item = CatalogueTitle>) -> TitleIndex {
        let mut by_key: HashMap<String, Vec<(i64, Option<i32>)>> = HashMap::new();
        for film in films {
            let title = title_key(&film.title);
            let original = film.original_title.as_deref().map(title_key).filter(|o| *o != title);
            for key in std::iter::once(title).chain(original) {
                if !key.is_empty() {
                    by_key.entry(key).or_default().push((film.id, film.year));
                }
            }
        }
        TitleIndex { by_key }
    }

    /// The film that is `name` of `year`: the same title, and the same year or one either side
    /// (release years differ between countries and databases).
    pub fn find(&self, name: &str, year: Option<i32>) -> Match {
        let Some(films) = self.by_key.get(&title_key(name)) else { return Match::Missing };
        let mut near: Vec<(i64, i32)> = films
            .iter()
            .filter_map(|&(id, y)| match (year, y) {
                (Some(want), Some(have)) => ((want - have).abs() <= 1).then_some((id, (want - have).abs())),
                // Either year unknown: only the title says anything.
                _ => Some((id, 2)),
            })
            .collect();
        near.sort_by_key(|&(id, distance)| (distance, id));
        near.dedup_by_key(|(id, _)| *id);
        let exact: Vec<i64> = near.iter().filter(|(_, d)| *d == 0).map(|(id, _)| *id).collect();
        match (exact.len(), near.len()) {
            (1, _) => Match::Found(exact[0]),
            (_, 0) => Match::Missing,
            (_, 1) => Match::Found(near[0].0),
            _ => Match::Several(near.into_iter().take(MAX_CANDIDATES).map(|(id, _)| id).collect()),
        }
    }
}

/// A made-up export for tests and benchmarks, drawn from `catalogue`: most films are catalogue
/// films written the way Letterboxd writes them (other case, no accents, the article moved, the
/// year one off), some are not in the catalogue at all. Returns the ZIP's bytes.
pub fn sample_export(catalogue: &[CatalogueTitle], films: usize, seed: u64) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut rng = seed.max(1);
    let mut next = move || {
        // xorshift: reproducible without a dependency.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut watched = String::from("Date,Name,Year,Letterboxd URI\n");
    let mut ratings = String::from("Date,Name,Year,Letterboxd URI,Rating\n");
    let mut diary = String::from("Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n");
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for i in 0..films {
        let roll = next() % 100;
        let (name, year) = if roll < 8 || catalogue.is_empty() {
            (format!("Unseen Picture Number {i}"), Some(1950 + (i % 70) as i32))
        } else {
            let film = &catalogue[(i * 7919) % catalogue.len()];
            let name = match roll % 5 {
                0 => film.title.to_uppercase(),
                1 => crate::validate::fold_text(&film.title),
                2 => match film.title.strip_prefix("The ") {
                    Some(rest) => format!("{rest}, The"),
                    None => film.title.clone(),
                },
                _ => film.title.clone(),
            };
            let year = film.year.map(|y| if roll == 97 { y + 1 } else { y });
            (name, year)
        };
        let year_text = year.map(|y| y.to_string()).unwrap_or_default();
        let day = format!("20{:02}-{:02}-{:02}", 10 + next() % 15, 1 + next() % 12, 1 + next() % 28);
        let uri = format!("https://boxd.it/{i:x}");
        let _ = writeln!(watched, "{day},{},{year_text},{uri}", quote(&name));
        if next() % 10 < 7 {
            let half = 1 + next() % 10;
            let _ = writeln!(ratings, "{day},{},{year_text},{uri},{}", quote(&name), half as f64 / 2.0);
        }
        if next() % 10 < 4 {
            let _ = writeln!(diary, "{day},{},{year_text},{uri},,No,,{day}", quote(&name));
            if next() % 4 == 0 {
                let again = format!("2025-{:02}-{:02}", 1 + next() % 12, 1 + next() % 28);
                let _ = writeln!(diary, "{again},{},{year_text},{uri},,Yes,,{again}", quote(&name));
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in [
            ("watched.csv", watched.as_str()),
            ("ratings.csv", ratings.as_str()),
            ("diary.csv", diary.as_str()),
            ("watchlist.csv", "Date,Name,Year,Letterboxd URI\n"),
            ("reviews.csv", "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"),
        ] {
            let _ = zip.start_file(name, options);
            let _ = std::io::Write::write_all(&mut zip, text.as_bytes());
        }
        let _ = zip.finish();
    }
    out.into_inner()
}
