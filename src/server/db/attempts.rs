//! Counted sign-in attempts (migration 0008): one row per account or address, with its window.

use super::{on_pool, Db};

/// Takes one attempt from `subject`'s allowance of `limit` per window, atomically: true if one was
/// left. Each attempt taken moves the window's end to `now + window`, so the count starts again
/// only after that long without attempts.
pub async fn take(db: &Db, subject: &str, limit: u32, now: i64, window: i64) -> Result<bool, sqlx::Error> {
    on_pool!(db, |pool| {
        let taken: Option<i64> = sqlx::query_scalar(
            "INSERT INTO sign_in_attempts (subject, attempts, window_ends) VALUES ($1, 1, $2) \
             ON CONFLICT (subject) DO UPDATE SET \
                attempts = CASE WHEN sign_in_attempts.window_ends <= $3 THEN 1 ELSE sign_in_attempts.attempts + 1 END, \
                window_ends = $2 \
             WHERE sign_in_attempts.window_ends <= $3 OR sign_in_attempts.attempts < $4 \
             RETURNING CAST(attempts AS BIGINT)",
        )
        .bind(subject)
        .bind(now + window)
        .bind(now)
        .bind(limit as i64)
        .fetch_optional(pool)
        .await?;
        Ok(taken.is_some())
    })
}

/// Gives one attempt back (it was taken for a request that did not count as a failure).
pub async fn give_back(db: &Db, subject: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query("UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE subject = $1 AND attempts > 0")
            .bind(subject)
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// Forgets `subject`'s attempts, and every subject's whose window has ended.
pub async fn clear(db: &Db, subject: &str, now: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query("DELETE FROM sign_in_attempts WHERE subject = $1 OR window_ends <= $2")
            .bind(subject)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
    })
}
