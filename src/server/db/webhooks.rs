//! The club webhook's outbox (migration 0012): messages written once by their key, sent by one
//! background worker, retried until sent or given up.

use super::{on_pool, Db};

/// A message waiting to be sent.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub message_key: String,
    pub payload: String,
    pub attempts: i32,
}
crate::from_row!(Outgoing { id, message_key, payload, attempts });

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

/// Claims message `id` for one attempt by `claimant` (a token of its own), for `secs` by the
/// database's clock: its next attempt moves past the claim, so no other sender (on this server or
/// another) takes it meanwhile. True if the claim is this sender's; false if another sender took
/// the message first, or it is no longer due.
pub async fn claim(db: &Db, id: i64, claimant: &str, secs: i64) -> Result<bool, sqlx::Error> {
    // Each backend's own clock expression; the statement is otherwise the same.
    let clock = match db {
        Db::Sqlite(_) => "CAST(strftime('%s', 'now') AS INTEGER)",
        Db::Postgres(_) => "EXTRACT(EPOCH FROM clock_timestamp())::BIGINT",
    };
    let sql = format!(
        "UPDATE webhook_outbox SET claimed_by = $2, next_attempt_at = {clock} + $3 \
         WHERE id = $1 AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= {clock}"
    );
    let claimed = on_pool!(db, |pool| {
        sqlx::query(&sql).bind(id).bind(claimant).bind(secs).execute(pool).await.map(|r| r.rows_affected())
    })?;
    Ok(claimed == 1)
}

/// What became of one attempt.
pub enum Outcome<'a> {
    Sent,
    /// Try again at this time.
    RetryAt(i64, &'a str),
    /// Never again.
    GiveUp(&'a str),
}

/// Records an attempt's outcome, if `claimant` still holds the message's claim (a sender that
/// stalled past its claim records nothing: another has taken the message over).
pub async fn record(db: &Db, id: i64, claimant: &str, at: i64, outcome: Outcome<'_>) -> Result<(), sqlx::Error> {
    // Each statement binds exactly the parameters it names (PostgreSQL counts them).
    on_pool!(db, |pool| {
        match outcome {
            Outcome::Sent => {
                sqlx::query(
                    "UPDATE webhook_outbox SET attempts = attempts + 1, sent_at = $3 WHERE id = $1 AND claimed_by = $2",
                )
                .bind(id)
                .bind(claimant)
                .bind(at)
                .execute(pool)
                .await
            }
            Outcome::RetryAt(next, error) => {
                sqlx::query(
                    "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4 \
                     WHERE id = $1 AND claimed_by = $2",
                )
                .bind(id)
                .bind(claimant)
                .bind(next)
                .bind(error)
                .execute(pool)
                .await
            }
            Outcome::GiveUp(error) => {
                sqlx::query(
                    "UPDATE webhook_outbox SET attempts = attempts + 1, failed_at = $3, last_error = $4 \
                     WHERE id = $1 AND claimed_by = $2",
                )
                .bind(id)
                .bind(claimant)
                .bind(at)
                .bind(error)
                .execute(pool)
                .await
            }
        }
        .map(|_| ())
    })
}
