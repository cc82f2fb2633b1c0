//! Deterministic synthetic films for benchmarks: the same count and seed give the same data.

use crate::server::db::dataset::*;
use crate::server::tools::demo::{reference_festivals, reference_lists, TARGET_LIST};

const ADJECTIVES: &[&str] = &[
    "Silent", "Crimson", "Last", "Hidden", "Golden", "Broken", "Distant", "Burning", "Quiet", "Wild", "Electric",
    "Frozen", "Lost", "Midnight", "Northern", "Paper", "Restless", "Secret", "Velvet", "Winter",
];
const NOUNS: &[&str] = &[
    "River", "City", "Garden", "Mirror", "Harbor", "Season", "Station", "Letter", "Horizon", "Orchard", "Empire",
    "Signal", "Shadow", "Island", "Promise", "Machine", "Daughter", "Stranger", "Frontier", "Summer",
];
const GENRES: &[&str] = &[
    "Drama",
    "Comedy",
    "Thriller",
    "Romance",
    "Crime",
    "Horror",
    "Sci-Fi",
    "Adventure",
    "Animation",
    "Documentary",
    "Fantasy",
    "Mystery",
    "War",
    "Western",
    "Musical",
    "Action",
];
const FIRST: &[&str] =
    &["Ada", "Bruno", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kaia", "Luis"];
const LAST: &[&str] =
    &["Moreau", "Okafor", "Lindqvist", "Tanaka", "Varga", "Rossi", "Novak", "Haddad", "Silva", "Kowalski"];

/// A made-up film's people: directors and actors, each with a quality.
struct Cast {
    director_quality: Vec<f64>,
    actor_quality: Vec<f64>,
}

impl Cast {
    fn new(rng: &mut fastrand::Rng, movies: usize) -> Cast {
        let (directors, actors) = ((movies / 8).max(1), (movies / 2).max(1));
        let director_quality = (0..directors).map(|_| 20.0 + 70.0 * rng.f64()).collect();
        let actor_quality = (0..actors).map(|_| 15.0 + 75.0 * rng.f64()).collect();
        Cast { director_quality, actor_quality }
    }

    fn name(i: usize) -> String {
        format!("{} {} {}", FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()], i)
    }

    /// A director and up to two actors.
    fn credits(&self, rng: &mut fastrand::Rng) -> Vec<NewCredit> {
        let (directors, actors) = (self.director_quality.len(), self.actor_quality.len());
        let d = rng.usize(0..directors);
        let mut credits = vec![NewCredit {
            person_key: format!("nm9{d:07}"),
            name: Cast::name(d),
            role: "director".into(),
            quality: Some((self.director_quality[d] * 10.0).round() / 10.0),
        }];
        for _ in 0..2 {
            let a = rng.usize(0..actors);
            let key = format!("nm8{a:07}");
            if credits.iter().all(|c| c.person_key != key) {
                credits.push(NewCredit {
                    person_key: key,
                    name: Cast::name(directors + a),
                    role: "cast".into(),
                    quality: Some((self.actor_quality[a] * 10.0).round() / 10.0),
                });
            }
        }
        credits
    }
}

fn noise(rng: &mut fastrand::Rng, spread: f64) -> f64 {
    (rng.f64() - 0.5) * spread
}

/// A film's ratings and popularity: each follows its hidden merit, with noise, so the scores
/// correlate as real data do; the sources other than IMDb cover only some films.
fn metrics(rng: &mut fastrand::Rng, merit: f64) -> Vec<NewMetric> {
    let imdb = (4.0 + 5.0 * merit + noise(rng, 1.6)).clamp(1.0, 9.8);
    let mut metrics = vec![
        NewMetric { source: IMDB, metric: "rating", value: (imdb * 10.0).round() / 10.0 },
        NewMetric {
            source: IMDB,
            metric: "votes",
            value: (10f64.powf(2.0 + 4.0 * rng.f64() * (0.5 + merit / 2.0))).round(),
        },
    ];
    if rng.f64() < 0.8 {
        let tmdb = (imdb + noise(rng, 1.0)).clamp(1.0, 10.0);
        metrics.push(NewMetric { source: TMDB, metric: "rating", value: (tmdb * 10.0).round() / 10.0 });
    }
    if rng.f64() < 0.85 {
        metrics.push(NewMetric { source: TMDB, metric: "popularity", value: (300.0 * merit * rng.f64()).round() });
    }
    if rng.f64() < 0.6 {
        let mc = (30.0 + 65.0 * merit + noise(rng, 20.0)).clamp(1.0, 100.0);
        metrics.push(NewMetric { source: METACRITIC, metric: "metascore", value: mc.round() });
    }
    if rng.f64() < 0.55 {
        let rt = (20.0 + 80.0 * merit + noise(rng, 30.0)).clamp(0.0, 100.0);
        metrics.push(NewMetric { source: ROTTEN_TOMATOES, metric: "tomatometer", value: rt.round() });
    }
    metrics
}

fn genres(rng: &mut fastrand::Rng) -> Vec<String> {
    let genre_count = 1 + rng.usize(0..3);
    let mut genres: Vec<String> = Vec::with_capacity(genre_count);
    while genres.len() < genre_count {
        let g = GENRES[rng.usize(0..GENRES.len())].to_string();
        if !genres.contains(&g) {
            genres.push(g);
        }
    }
    genres
}

/// The best films win prizes and join lists, the list's own a year or so after release.
fn honours(rng: &mut fastrand::Rng, merit: f64, year: i32) -> (Vec<NewNomination>, Vec<NewMembership>) {
    const CATEGORIES: &[(&str, &str)] = &[
        ("oscars", "Best Picture"),
        ("cannes", "Palme d'Or"),
        ("venice", "Golden Lion"),
        ("berlin", "Golden Bear"),
        ("bafta", "Best Film"),
        ("golden-globes", "Best Motion Picture – Drama"),
    ];
    let mut nominations = Vec::new();
    if merit > 0.85 && rng.f64() < 0.5 {
        let (festival, category) = CATEGORIES[rng.usize(0..CATEGORIES.len())];
        let offset = if matches!(festival, "oscars" | "bafta" | "golden-globes") { 1 } else { 0 };
        nominations.push(NewNomination {
            festival: festival.into(),
            category: category.into(),
            year: year + offset,
            won: merit > 0.95 && rng.f64() < 0.4,
        });
    }
    let mut lists = Vec::new();
    if merit + noise(rng, 0.2) > 0.975 {
        let edition = if year < 2003 { 2003 } else { (year + 1 + rng.i32(0..3)).min(2025) };
        lists.push(NewMembership { list: TARGET_LIST.into(), edition_year: Some(edition) });
    }
    if merit + noise(rng, 0.2) > 0.99 {
        lists.push(NewMembership { list: "ebert-great-movies".into(), edition_year: None });
    }
    (nominations, lists)
}

/// `movies` films with metrics, credits, festival records and list memberships.
pub fn generate(movies: usize, seed: u64) -> Dataset {
    let mut rng = fastrand::Rng::with_seed(seed);
    let cast = Cast::new(&mut rng, movies);
    let festivals = reference_festivals();
    let mut out = Vec::with_capacity(movies);
    for i in 0..movies {
        // Recent decades hold more films, as in any real catalogue.
        let year = 1920 + (105.0 * rng.f64().sqrt()) as i32;
        // A hidden "merit" drives every signal.
        let merit = rng.f64();
        let metrics = metrics(&mut rng, merit);
        let genres = genres(&mut rng);
        let credits = cast.credits(&mut rng);
        let (nominations, lists) = honours(&mut rng, merit, year);
        out.push(NewMovie {
            imdb_id: format!("tt9{i:07}"),
            title: format!(
                "The {} {}{}",
                ADJECTIVES[rng.usize(0..ADJECTIVES.len())],
                NOUNS[rng.usize(0..NOUNS.len())],
                if rng.bool() { format!(" {}", 2 + i % 7) } else { String::new() }
            ),
            original_title: None,
            year: Some(year),
            release_date: Some(format!("{year}-{:02}-{:02}", 1 + rng.u8(0..12), 1 + rng.u8(0..28))),
            runtime_minutes: Some(75 + rng.i32(0..110)),
            genres,
            plot: Some(format!("Synthetic film number {i}, generated for benchmarks.")),
            poster_url: None,
            credits,
            metrics,
            nominations,
            lists,
        });
    }
    Dataset { festivals, lists: reference_lists(), movies: out, users: Vec::new(), proposals: Vec::new() }
}

/// Adds `members` members and `proposals` active proposals (of the first generated films), each
/// with up to ten votes from random members. Deterministic for a seed.
pub fn add_club(data: &mut Dataset, members: usize, proposals: usize, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_c1b5);
    data.users = (0..members)
        .map(|i| NewUser { username: format!("member{i:05}"), display_name: format!("Member {i}"), role: "member" })
        .collect();
    if members == 0 {
        return;
    }
    data.proposals = data
        .movies
        .iter()
        .take(proposals)
        .enumerate()
        .map(|(i, m)| {
            let mut voters: Vec<String> =
                (0..rng.usize(0..=10)).map(|_| data.users[rng.usize(0..members)].username.clone()).collect();
            voters.sort();
            voters.dedup();
            NewProposal {
                imdb_id: m.imdb_id.clone(),
                proposer: data.users[i % members].username.clone(),
                status: "active",
                age_hours: rng.i64(1..2000),
                voters,
            }
        })
        .collect();
}

/// Gives every proposal exactly `votes` votes (from different members, as far as there are enough).
pub fn set_votes(data: &mut Dataset, votes: usize) {
    let members = data.users.len();
    if members == 0 {
        return;
    }
    for (i, p) in data.proposals.iter_mut().enumerate() {
        p.voters = (0..votes.min(members)).map(|k| data.users[(i + k) % members].username.clone()).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn club_data_is_deterministic_and_consistent() {
        let mut a = generate(500, 3);
        add_club(&mut a, 40, 120, 3);
        let mut b = generate(500, 3);
        add_club(&mut b, 40, 120, 3);
        assert_eq!(a, b);
        assert_eq!((a.users.len(), a.proposals.len()), (40, 120));
        let names: std::collections::HashSet<&str> = a.users.iter().map(|u| u.username.as_str()).collect();
        assert!(a
            .proposals
            .iter()
            .all(|p| p.voters.len() <= 10 && p.voters.iter().all(|v| names.contains(v.as_str()))));
        let names: std::collections::HashSet<String> = names.into_iter().map(String::from).collect();
        set_votes(&mut a, 10);
        assert!(a.proposals.iter().all(|p| {
            let distinct: std::collections::HashSet<&String> = p.voters.iter().collect();
            p.voters.len() == 10 && distinct.len() == 10 && p.voters.iter().all(|v| names.contains(v.as_str()))
        }));
    }

    #[test]
    fn same_seed_same_data() {
        assert_eq!(generate(300, 7), generate(300, 7));
    }

    #[test]
    fn different_seed_different_data() {
        assert_ne!(generate(300, 7).movies, generate(300, 8).movies);
    }

    #[test]
    fn ids_are_unique_and_synthetic() {
        let data = generate(2_000, 1);
        let mut ids: Vec<&str> = data.movies.iter().map(|m| m.imdb_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 2_000);
        assert!(ids.iter().all(|id| id.starts_with("tt9") && id.len() == 10));
    }

    #[test]
    fn some_films_are_on_the_target_list_and_have_awards() {
        let data = generate(10_000, 42);
        let on_list = data.movies.iter().filter(|m| m.lists.iter().any(|l| l.list == TARGET_LIST)).count();
        let nominated = data.movies.iter().filter(|m| !m.nominations.is_empty()).count();
        assert!((20..800).contains(&on_list), "{on_list} films on the target list");
        assert!(nominated > 100, "{nominated} nominated films");
        assert!(data.movies.iter().all(|m| (1920..=2025).contains(&m.year.unwrap())));
    }
}
