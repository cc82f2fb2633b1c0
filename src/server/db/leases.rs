//! Job leases (migration 0009): which server runs a one-at-a-time background job.

use super::{on_pool, Db};

/// Takes or renews `job`'s lease for `holder` until `expires_at`: true if `holder` has it now
/// (it held it already, or nobody did, or the last holder's lease ran out before `now`).
pub async fn acquire(db: &Db, job: &str, holder: &str, now: i64, expires_at: i64) -> Result<bool, sqlx::Error> {
    on_pool!(db, |pool| {
        let got: Option<String> = sqlx::query_scalar(
            "INSERT INTO job_leases (job, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $4 \
             RETURNING holder",
        )
        .bind(job)
        .bind(holder)
        .bind(expires_at)
        .bind(now)
        .fetch_optional(pool)
        .await?;
        Ok(got.is_some())
    })
}

/// Gives the lease up, if `holder` has it (a server shutting down lets another take over at once).
pub async fn release(db: &Db, job: &str, holder: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query("DELETE FROM job_leases WHERE job = $1 AND holder = $2")
            .bind(job)
            .bind(holder)
            .execute(pool)
            .await
            .map(|_| ())
    })
}
