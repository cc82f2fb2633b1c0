//! The IMDb metadata cache kept in proposal rows (and in the catalogue's movie rows).

use super::counted::CountedConn;
use super::{on_pool, Db};

/// The fields Marquee keeps from a title, plus the title's JSON as received.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedTitle {
    pub imdb_id: String,
    pub title: Option<String>,
    pub year: Option<i32>,
    pub runtime_minutes: Option<i32>,
    pub genres: Option<String>,
    pub plot: Option<String>,
    pub poster_url: Option<String>,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub json: String,
}

/// Ids whose metadata is missing or older than `stale_before`, and not waiting out a backoff.
/// Oldest (and never fetched) first.
pub async fn due_ids(db: &Db, stale_before: i64, at: i64, limit: u32) -> Result<Vec<String>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar::<_, String>(
            "SELECT imdb_id FROM proposals \
             WHERE status IN ('active', 'watched') \
               AND (cached_at IS NULL OR cached_at <= $1) \
               AND (next_fetch_at IS NULL OR next_fetch_at <= $2) \
             GROUP BY imdb_id \
             ORDER BY MIN(COALESCE(cached_at, 0)), imdb_id LIMIT $3",
        )
        .bind(stale_before)
        .bind(at)
        .bind(limit as i64)
        .fetch_all(pool)
        .await
    })
}

/// Stale ids left alone because an earlier failure's backoff has not run out.
pub async fn backing_off(db: &Db, stale_before: i64, at: i64) -> Result<i64, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(DISTINCT imdb_id) FROM proposals \
             WHERE status IN ('active', 'watched') AND (cached_at IS NULL OR cached_at <= $1) AND next_fetch_at > $2",
        )
        .bind(stale_before)
        .bind(at)
        .fetch_one(pool)
        .await
    })
}

/// Writes one batch's results in one transaction: fetched titles replace the cached fields;
/// failures keep whatever was cached, note the error and push the next try further out
/// (5 minutes, doubling with each failure, at most a day).
pub async fn store_batch(
    db: &Db,
    fetched: &[CachedTitle],
    failed: &[(String, String)],
    at: i64,
) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        for t in fetched {
            sqlx::query(
                "UPDATE proposals SET title = COALESCE($1, title), year = COALESCE($2, year), \
                        runtime_minutes = COALESCE($3, runtime_minutes), genres = COALESCE($4, genres), \
                        plot = COALESCE($5, plot), poster_url = COALESCE($6, poster_url), \
                        imdb_rating = COALESCE($7, imdb_rating), imdb_votes = COALESCE($8, imdb_votes), \
                        imdb_json = $9, cached_at = $10, last_fetch_error = NULL, fetch_failures = 0, \
                        next_fetch_at = NULL \
                 WHERE imdb_id = $11",
            )
            .bind(&t.title)
            .bind(t.year)
            .bind(t.runtime_minutes)
            .bind(&t.genres)
            .bind(&t.plot)
            .bind(&t.poster_url)
            .bind(t.imdb_rating)
            .bind(t.imdb_votes)
            .bind(&t.json)
            .bind(at)
            .bind(&t.imdb_id)
            .execute(CountedConn(&mut *tx))
            .await?;
            sqlx::query(
                "UPDATE movies SET poster_url = COALESCE($1, poster_url), plot = COALESCE($2, plot), \
                        runtime_minutes = COALESCE(runtime_minutes, $3), imdb_cached_at = $4, imdb_last_error = NULL \
                 WHERE imdb_id = $5",
            )
            .bind(&t.poster_url)
            .bind(&t.plot)
            .bind(t.runtime_minutes)
            .bind(at)
            .bind(&t.imdb_id)
            .execute(CountedConn(&mut *tx))
            .await?;
        }
        for (imdb_id, error) in failed {
            sqlx::query(
                "UPDATE proposals SET last_fetch_error = $1, fetch_failures = fetch_failures + 1, \
                        next_fetch_at = $2 + CASE WHEN fetch_failures >= 8 THEN 86400 \
                                                  ELSE 300 * (1 << CAST(fetch_failures AS INTEGER)) END \
                 WHERE imdb_id = $3",
            )
            .bind(error)
            .bind(at)
            .bind(imdb_id)
            .execute(CountedConn(&mut *tx))
            .await?;
            sqlx::query("UPDATE movies SET imdb_last_error = $1 WHERE imdb_id = $2")
                .bind(error)
                .bind(imdb_id)
                .execute(CountedConn(&mut *tx))
                .await?;
        }
        tx.commit().await
    })
}
