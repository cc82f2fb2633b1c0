//! Pacers shared by every server on one PostgreSQL database (migration 0013): each call to a
//! rate-limited API takes the next free slot from one row, by the database's clock, so several
//! servers together keep to the rate. SQLite serves one process, which paces in memory.

use super::Db;

/// Reserves the next slot of `name`, `interval_ms` after the previous one, and no earlier than
/// `not_before_ms` from now; returns how many milliseconds to wait for it. None on SQLite.
pub async fn reserve(db: &Db, name: &str, interval_ms: i64, not_before_ms: i64) -> Result<Option<i64>, sqlx::Error> {
    let Db::Postgres(pool) = db else { return Ok(None) };
    let wait: i64 = sqlx::query_scalar(
        "WITH clock AS (SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT AS now_ms) \
         INSERT INTO rate_pacers (name, next_ms) SELECT $1, now_ms + $3 + $2 FROM clock \
         ON CONFLICT (name) DO UPDATE \
           SET next_ms = GREATEST(rate_pacers.next_ms, (SELECT now_ms FROM clock) + $3) + $2 \
         RETURNING next_ms - $2 - (SELECT now_ms FROM clock)",
    )
    .bind(name)
    .bind(interval_ms)
    .bind(not_before_ms)
    .fetch_one(crate::server::db::counted::Counted(pool))
    .await?;
    Ok(Some(wait.max(0)))
}
