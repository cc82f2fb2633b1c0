//! What a bulk import writes: films with their genres and metrics, in batches of one transaction
//! each, and IMDb's ratings of films already in the catalogue.

use super::counted::CountedConn;
use super::dataset::{fold_text, IMDB};
use super::{now, on_pool, on_tx, Db, Tx};

/// One film to import, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub line: usize,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub genres: Vec<String>,
    pub runtime_minutes: Option<i32>,
    pub plot: Option<String>,
    pub poster_url: Option<String>,
    /// (source, metric, value)
    pub metrics: Vec<(&'static str, &'static str, f64)>,
}

/// Writes one batch in one transaction (or only counts, in a dry run): (created, updated).
pub async fn write_batch(db: &Db, rows: &[ImportRow], dry_run: bool) -> Result<(usize, usize), sqlx::Error> {
    let at = now();
    let mut tx = db.begin().await?;
    let existing = known_ids(&mut tx, rows).await?;
    let updated = rows.iter().filter(|r| existing.contains(&r.imdb_id)).count();
    if dry_run {
        tx.rollback().await?;
        return Ok((rows.len() - updated, updated));
    }
    for r in rows {
        let id = upsert_movie(&mut tx, r, at).await?;
        write_genres_and_metrics(&mut tx, id, r, at).await?;
    }
    tx.commit().await?;
    Ok((rows.len() - updated, updated))
}

/// Which of the rows' IMDb ids the catalogue has already.
async fn known_ids(tx: &mut Tx, rows: &[ImportRow]) -> Result<Vec<String>, sqlx::Error> {
    on_tx!(tx, |conn| {
        let mut q = sqlx::QueryBuilder::new("SELECT imdb_id FROM movies WHERE imdb_id IN (");
        let mut sep = q.separated(", ");
        for r in rows {
            sep.push_bind(r.imdb_id.clone());
        }
        q.push(")");
        q.build_query_scalar().fetch_all(CountedConn(&mut *conn)).await
    })
}

/// Adds the film, or fills in what the catalogue's copy lacks; returns its id.
async fn upsert_movie(tx: &mut Tx, r: &ImportRow, at: i64) -> Result<i64, sqlx::Error> {
    let metric = |source: &str, name: &str| r.metrics.iter().find(|m| m.0 == source && m.1 == name).map(|m| m.2);
    on_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO movies (imdb_id, title, year, runtime_minutes, genres, plot, poster_url, title_search, \
                                 popularity, rating, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             ON CONFLICT (imdb_id) DO UPDATE SET title = excluded.title, \
                year = COALESCE(excluded.year, movies.year), \
                runtime_minutes = COALESCE(excluded.runtime_minutes, movies.runtime_minutes), \
                genres = CASE WHEN excluded.genres = '' THEN movies.genres ELSE excluded.genres END, \
                plot = COALESCE(excluded.plot, movies.plot), \
                poster_url = COALESCE(excluded.poster_url, movies.poster_url), \
                title_search = excluded.title_search, \
                popularity = COALESCE(excluded.popularity, movies.popularity), \
                rating = COALESCE(excluded.rating, movies.rating), \
                updated_at = excluded.updated_at \
             RETURNING id",
        )
        .bind(&r.imdb_id)
        .bind(&r.title)
        .bind(r.year)
        .bind(r.runtime_minutes)
        .bind(r.genres.join(", "))
        .bind(&r.plot)
        .bind(&r.poster_url)
        .bind(fold_text(&r.title))
        .bind(metric(IMDB, "votes"))
        .bind(metric(IMDB, "rating"))
        .bind(at)
        .fetch_one(CountedConn(&mut *conn))
        .await
    })
}

/// The row's genres replace the film's (when it names any); its metrics are added or updated.
async fn write_genres_and_metrics(tx: &mut Tx, id: i64, r: &ImportRow, at: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        if !r.genres.is_empty() {
            sqlx::query("DELETE FROM movie_genres WHERE movie_id = $1")
                .bind(id)
                .execute(CountedConn(&mut *conn))
                .await?;
            for g in &r.genres {
                sqlx::query("INSERT INTO movie_genres (movie_id, genre) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(g)
                    .execute(CountedConn(&mut *conn))
                    .await?;
            }
        }
        for (source, name, value) in &r.metrics {
            sqlx::query(
                "INSERT INTO metrics (movie_id, source, metric, value, fetched_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (movie_id, source, metric) DO UPDATE SET value = excluded.value, fetched_at = excluded.fetched_at",
            )
            .bind(id)
            .bind(*source)
            .bind(*name)
            .bind(*value)
            .bind(at)
            .execute(CountedConn(&mut *conn))
            .await?;
        }
        Ok(())
    })
}

/// Sets IMDb ratings and vote counts, `(imdb id, rating, votes)`, of films already in the catalogue;
/// returns how many were.
pub async fn write_ratings(db: &Db, batch: &[(String, f64, f64)]) -> Result<usize, sqlx::Error> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let mut updated = 0;
        for (id, rating, votes) in batch {
            let changed =
                sqlx::query("UPDATE movies SET rating = $1, popularity = $2, updated_at = $3 WHERE imdb_id = $4")
                    .bind(rating)
                    .bind(votes)
                    .bind(at)
                    .bind(id)
                    .execute(CountedConn(&mut *tx))
                    .await?
                    .rows_affected();
            if changed == 0 {
                continue;
            }
            updated += 1;
            for (metric, value) in [("rating", rating), ("votes", votes)] {
                sqlx::query(
                    "INSERT INTO metrics (movie_id, source, metric, value, fetched_at) \
                     SELECT id, 'imdb', $1, $2, $3 FROM movies WHERE imdb_id = $4 \
                     ON CONFLICT (movie_id, source, metric) DO UPDATE SET value = excluded.value, fetched_at = excluded.fetched_at",
                )
                .bind(metric)
                .bind(value)
                .bind(at)
                .bind(id)
                .execute(CountedConn(&mut *tx))
                .await?;
            }
        }
        tx.commit().await?;
        Ok(updated)
    })
}
