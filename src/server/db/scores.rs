//! Reads what the scoring model needs, and stores its per-film dimension scores.
//!
//! Nothing here lets a film's score see the target list: list counts exclude it, and people
//! quality is built from ratings only.

use super::{now, on_pool, Db};
use crate::scoring::Dims;
use sqlx::QueryBuilder;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct FilmRow {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    /// The stored poster's image key.
    pub poster: Option<String>,
}
crate::from_row!(FilmRow { id, imdb_id, title, year, poster });

#[derive(Debug, Clone)]
pub struct ProfileRow {
    pub slug: String,
    pub name: String,
    pub w_popular: f64,
    pub w_critical: f64,
    pub w_industry: f64,
    pub w_cultural: f64,
    pub w_people: f64,
    pub is_default: bool,
}
crate::from_row!(ProfileRow { slug, name, w_popular, w_critical, w_industry, w_cultural, w_people, is_default });

/// Everything the model reads, keyed by movie id.
#[derive(Debug, Default)]
pub struct RawInputs {
    pub target_list: Option<i64>,
    pub films: Vec<FilmRow>,
    pub directors: HashMap<i64, String>,
    /// Per film, the values of `SCORED_METRICS`, in that order.
    pub metrics: HashMap<i64, [Option<f64>; SCORED_METRICS.len()]>,
    /// (wins, nominations)
    pub awards: HashMap<i64, (i64, i64)>,
    pub other_lists: HashMap<i64, i64>,
    pub target_editions: HashMap<i64, Option<i32>>,
    /// (person id, stored quality) per film
    pub credits: HashMap<i64, Vec<(i64, Option<f64>)>>,
    pub profiles: Vec<ProfileRow>,
}

/// The metrics scoring reads, as (source, metric).
pub const SCORED_METRICS: [(&str, &str); 6] = [
    ("imdb", "rating"),
    ("tmdb", "rating"),
    ("metacritic", "metascore"),
    ("rotten_tomatoes", "tomatometer"),
    ("tmdb", "popularity"),
    ("imdb", "votes"),
];

/// Everything scoring reads, in one pass per table. The large tables (metrics, credits) are read as
/// streams into compact per-film values, so loading never holds every row twice.
pub async fn load_raw_inputs(db: &Db) -> Result<RawInputs, sqlx::Error> {
    use futures::TryStreamExt;
    on_pool!(db, |pool| {
        let mut raw = RawInputs {
            target_list: sqlx::query_scalar("SELECT id FROM canonical_lists WHERE is_target = $1 ORDER BY id LIMIT 1")
                .bind(true)
                .fetch_optional(pool)
                .await?,
            films: sqlx::query_as("SELECT m.id, m.imdb_id, m.title, m.year, \
                 (SELECT ps.image_key FROM posters ps WHERE ps.source_url = m.poster_url) AS poster FROM movies m ORDER BY m.id")
                .fetch_all(pool)
                .await?,
            ..Default::default()
        };
        let mut directors = sqlx::query_as::<_, (i64, String)>(
            "SELECT c.movie_id, p.name FROM credits c JOIN people p ON p.id = c.person_id \
             WHERE c.role = 'director' ORDER BY c.movie_id, c.billing DESC",
        )
        .fetch(pool);
        while let Some((movie, name)) = directors.try_next().await? {
            // Ordered by billing descending, so the first-billed director is inserted last and wins.
            raw.directors.insert(movie, name);
        }
        drop(directors);
        let mut metrics =
            sqlx::query_as::<_, (i64, String, String, f64)>("SELECT movie_id, source, metric, value FROM metrics")
                .fetch(pool);
        while let Some((movie, source, metric, value)) = metrics.try_next().await? {
            if let Some(k) = SCORED_METRICS.iter().position(|&(s, m)| s == source && m == metric) {
                raw.metrics.entry(movie).or_default()[k].get_or_insert(value);
            }
        }
        drop(metrics);
        raw.awards = sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT movie_id, SUM(CASE WHEN won THEN 1 ELSE 0 END), COUNT(*) FROM nominations GROUP BY movie_id",
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(m, w, n)| (m, (w, n)))
        .collect();
        raw.other_lists = sqlx::query_as::<_, (i64, i64)>(
            "SELECT lm.movie_id, COUNT(*) FROM list_memberships lm \
             JOIN canonical_lists l ON l.id = lm.list_id WHERE l.is_target = $1 GROUP BY lm.movie_id",
        )
        .bind(false)
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
        raw.target_editions = sqlx::query_as::<_, (i64, Option<i32>)>(
            "SELECT lm.movie_id, lm.edition_year FROM list_memberships lm \
             JOIN canonical_lists l ON l.id = lm.list_id WHERE l.is_target = $1",
        )
        .bind(true)
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
        let mut credits = sqlx::query_as::<_, (i64, i64, Option<f64>)>(
            "SELECT c.movie_id, c.person_id, p.quality FROM credits c JOIN people p ON p.id = c.person_id \
             ORDER BY c.movie_id, c.person_id",
        )
        .fetch(pool);
        while let Some((movie, person, quality)) = credits.try_next().await? {
            raw.credits.entry(movie).or_default().push((person, quality));
        }
        drop(credits);
        raw.profiles = sqlx::query_as(
            "SELECT slug, name, w_popular, w_critical, w_industry, w_cultural, w_people, is_default \
             FROM weight_profiles WHERE is_system = $1 ORDER BY id",
        )
        .bind(true)
        .fetch_all(pool)
        .await?;
        Ok(raw)
    })
}

/// The version of everything the scores depend on: a counter the database's own triggers move on
/// every insert, update and delete of those tables (migration 0006), whoever makes the change.
pub async fn inputs_version(db: &Db) -> Result<i64, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT version FROM data_versions WHERE name = 'scoring_inputs'").fetch_one(pool).await
    })
}

/// Stores the scores that differ from what is stored; returns how many rows were written.
pub async fn store_dimension_scores(db: &Db, list_id: i64, scores: &[(i64, Dims, f64)]) -> Result<usize, sqlx::Error> {
    type Stored = (i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>, Option<f64>, f64);
    let now = now();
    on_pool!(db, |pool| {
        let stored: HashMap<i64, (Dims, f64)> = sqlx::query_as::<_, Stored>(
            "SELECT movie_id, popular, critical, industry, cultural, people, completeness \
             FROM dimension_scores WHERE list_id = $1",
        )
        .bind(list_id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| (r.0, ([r.1, r.2, r.3, r.4, r.5], r.6)))
        .collect();
        let same = |a: &Dims, b: &Dims| {
            a.iter().zip(b).all(|(x, y)| match (x, y) {
                (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                (None, None) => true,
                _ => false,
            })
        };
        let changed: Vec<&(i64, Dims, f64)> = scores
            .iter()
            .filter(|(id, dims, c)| stored.get(id).is_none_or(|(d, sc)| !same(d, dims) || (sc - c).abs() > 1e-9))
            .collect();
        for chunk in changed.chunks(super::load::BATCH) {
            let mut tx = pool.begin().await?;
            let mut q = QueryBuilder::new(
                "INSERT INTO dimension_scores (movie_id, list_id, popular, critical, industry, cultural, people, \
                 completeness, computed_at) ",
            );
            q.push_values(chunk, |mut b, (id, d, c)| {
                b.push_bind(*id).push_bind(list_id);
                for v in d {
                    b.push_bind(*v);
                }
                b.push_bind(*c).push_bind(now);
            });
            q.push(
                " ON CONFLICT (list_id, movie_id) DO UPDATE SET popular = excluded.popular, \
                 critical = excluded.critical, industry = excluded.industry, cultural = excluded.cultural, \
                 people = excluded.people, completeness = excluded.completeness, computed_at = excluded.computed_at",
            );
            q.build().execute(&mut *tx).await?;
            tx.commit().await?;
        }
        Ok(changed.len())
    })
}
