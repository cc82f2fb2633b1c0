//! Letterboxd imports: the dry run kept for review, and applying it to the member's own ratings and
//! viewings.

use super::audit::{self, Actor};
use super::counted::CountedConn;
use super::{now, on_pool, on_tx, Db, StepError, Tx};
use crate::letterboxd::CatalogueTitle;
use crate::model::{CatalogueFilm, ImportFilm, ImportReview, MatchState, MATCHED_PER_PAGE};
use std::collections::{HashMap, HashSet};

mod apply;
pub use apply::*;

mod review;
pub use review::*;

/// Every catalogue film's titles and year, for matching.
pub async fn catalogue_titles(db: &Db) -> Result<Vec<CatalogueTitle>, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>, Option<i32>)> = on_pool!(db, |pool| {
        sqlx::query_as("SELECT id, title, original_title, year FROM movies").fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, title, original_title, year)| CatalogueTitle { id, title, original_title, year })
        .collect())
}

/// One film of a dry run, as stored.
#[derive(Debug, Clone)]
pub struct DryRunFilm {
    pub name: String,
    pub year: Option<i32>,
    pub half_stars: Option<i32>,
    pub rated_on: Option<String>,
    /// 'YYYY-MM-DD' or 'YYYY-MM-DD r' (a rewatch), joined by ','.
    pub watches: String,
    pub state: MatchState,
    pub movie_id: Option<i64>,
    /// Movie ids, joined by ','.
    pub candidates: String,
}

/// Rows per INSERT: 10 values each, well under either database's limit on parameters.
const CHUNK: usize = 1000;

/// Keeps a dry run for the member to review; their earlier unapplied ones go. Returns its id.
pub async fn save(
    db: &Db,
    user: i64,
    file_name: &str,
    skipped: &[String],
    films: &[DryRunFilm],
) -> Result<i64, sqlx::Error> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM letterboxd_imports WHERE user_id = $1 AND applied_at IS NULL")
            .bind(user)
            .execute(CountedConn(&mut *tx))
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO letterboxd_imports (user_id, file_name, created_at, films, skipped) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user)
        .bind(file_name)
        .bind(at)
        .bind(films.len() as i32)
        .bind(skipped.join("\n"))
        .fetch_one(CountedConn(&mut *tx))
        .await?;
        for (chunk_no, chunk) in films.chunks(CHUNK).enumerate() {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO letterboxd_import_films \
                 (import_id, position, name, year, half_stars, rated_on, watches, state, movie_id, candidates) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut row, (i, f)| {
                row.push_bind(id)
                    .push_bind((chunk_no * CHUNK + i) as i32)
                    .push_bind(f.name.clone())
                    .push_bind(f.year)
                    .push_bind(f.half_stars)
                    .push_bind(f.rated_on.clone())
                    .push_bind(f.watches.clone())
                    .push_bind(f.state.slug())
                    .push_bind(f.movie_id)
                    .push_bind(f.candidates.clone());
            });
            q.build().execute(CountedConn(&mut *tx)).await?;
        }
        tx.commit().await?;
        Ok(id)
    })
}

/// The member's newest import, if any.
pub async fn latest(db: &Db, user: i64) -> Result<Option<i64>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT id FROM letterboxd_imports WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(user)
        .fetch_optional(pool)
        .await
    })
}

/// The films the member has watched on their own (imported viewings).
pub async fn watched_movies(db: &Db, user: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT DISTINCT movie_id FROM member_watches WHERE user_id = $1")
            .bind(user)
            .fetch_all(pool)
            .await
    })
}
