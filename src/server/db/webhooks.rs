//! The club webhook's outbox (migration 0012): messages written once by their key, sent by one
//! background worker, retried until sent or given up.

use super::{on_pool, Db};

/// A message waiting to be sent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub message_key: String,
    pub payload: String,
    pub attempts: i32,
}

/// Writes a message to send, unless one with `key` was written already; true if written now.
pub async fn enqueue(db: &Db, key: &str, payload: &str, at: i64) -> Result<bool, sqlx::Error> {
    let done = on_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO webhook_outbox (message_key, payload, created_at, next_attempt_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (message_key) DO NOTHING",
        )
        .bind(key)
        .bind(payload)
        .bind(at)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Messages due at `at`, oldest first.
pub async fn due(db: &Db, at: i64, limit: u32) -> Result<Vec<Outgoing>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT id, message_key, payload, attempts FROM webhook_outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(at)
        .bind(limit as i64)
        .fetch_all(pool)
        .await
    })
}

/// What became of one attempt.
pub enum Outcome<'a> {
    Sent,
    /// Try again at this time.
    RetryAt(i64, &'a str),
    /// Never again.
    GiveUp(&'a str),
}

pub async fn record(db: &Db, id: i64, at: i64, outcome: Outcome<'_>) -> Result<(), sqlx::Error> {
    // Each statement binds exactly the parameters it names (PostgreSQL counts them).
    on_pool!(db, |pool| {
        match outcome {
            Outcome::Sent => {
                sqlx::query("UPDATE webhook_outbox SET attempts = attempts + 1, sent_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(pool)
                    .await
            }
            Outcome::RetryAt(next, error) => {
                sqlx::query(
                    "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 \
                     WHERE id = $1",
                )
                .bind(id)
                .bind(next)
                .bind(error)
                .execute(pool)
                .await
            }
            Outcome::GiveUp(error) => {
                sqlx::query(
                    "UPDATE webhook_outbox SET attempts = attempts + 1, failed_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(at)
                .bind(error)
                .execute(pool)
                .await
            }
        }
        .map(|_| ())
    })
}
