//! Keeps the IMDb metadata of proposals fresh, away from page requests: picks stale or missing
//! entries, fetches them five at a time at the API's pace, and records what happened.

use crate::server::db::{imdb_cache, now, Db};
use crate::server::services::imdb::{FetchError, ImdbClient, BATCH_SIZE};
use crate::server::services::leases::Lease;
use crate::server::services::versions::ClubVersion;
use std::sync::Arc;
use std::time::Duration;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Ids that were due (missing or stale, not backing off), up to the limit.
    pub due: usize,
    pub fetched: usize,
    pub not_found: usize,
    pub failed: usize,
    /// Due ids not tried this pass (the API kept throttling).
    pub deferred: usize,
    /// Stale ids left for later because an earlier failure's backoff has not run out.
    pub skipped: i64,
    pub requests: usize,
    pub throttled: usize,
    pub retries: usize,
}

impl std::fmt::Display for RefreshReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} due: {} fetched, {} not found, {} failed, {} deferred; {} skipped (backing off); \
             {} requests, {} throttled, {} retries",
            self.due,
            self.fetched,
            self.not_found,
            self.failed,
            self.deferred,
            self.skipped,
            self.requests,
            self.throttled,
            self.retries
        )
    }
}

/// How a pass retries: tries per batch, and the pause before a retry after a transient failure.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one ends the pass (the next one resumes).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 3, first_backoff: Duration::from_millis(500), max_retry_after: Duration::from_secs(30) }
    }
}

/// One pass over due entries (at most `limit` ids). `progress` is told after each batch.
pub async fn refresh_once(
    db: &Db,
    client: &ImdbClient,
    fresh_for: Duration,
    limit: u32,
    policy: &RetryPolicy,
    mut progress: impl FnMut(usize, usize),
) -> Result<RefreshReport, sqlx::Error> {
    let at = now();
    let stale_before = at - fresh_for.as_secs() as i64;
    let ids = imdb_cache::due_ids(db, stale_before, at, limit).await?;
    let mut report = RefreshReport {
        due: ids.len(),
        skipped: imdb_cache::backing_off(db, stale_before, at).await?,
        ..Default::default()
    };
    let mut done = 0;
    'batches: for batch in ids.chunks(BATCH_SIZE) {
        let mut attempt = 0;
        let outcome = loop {
            attempt += 1;
            report.requests += 1;
            match client.batch_get(batch).await {
                Ok(titles) => break Ok(titles),
                Err(FetchError::Throttled { retry_after }) => {
                    report.throttled += 1;
                    let pause = retry_after.unwrap_or(policy.first_backoff * 2u32.pow(attempt));
                    if attempt >= policy.attempts || pause > policy.max_retry_after {
                        tracing::warn!(?pause, "IMDb API keeps throttling; the rest waits for the next pass");
                        report.deferred = ids.len() - done;
                        break 'batches;
                    }
                    client.back_off(pause).await;
                    report.retries += 1;
                }
                Err(err) if err.is_transient() && attempt < policy.attempts => {
                    tracing::info!(%err, attempt, "IMDb batch failed; retrying");
                    tokio::time::sleep(policy.first_backoff * 2u32.pow(attempt - 1)).await;
                    report.retries += 1;
                }
                Err(err) => break Err(err),
            }
        };
        let at = now();
        let (fetched, failed) = match outcome {
            Ok(titles) => {
                let failed: Vec<(String, String)> = batch
                    .iter()
                    .filter(|id| !titles.iter().any(|t| &t.imdb_id == *id))
                    .map(|id| (id.clone(), format!("title not found: {id}")))
                    .collect();
                report.not_found += failed.len();
                (titles.into_iter().filter(|t| batch.contains(&t.imdb_id)).collect::<Vec<_>>(), failed)
            }
            Err(FetchError::NotFound) => {
                report.not_found += batch.len();
                (Vec::new(), batch.iter().map(|id| (id.clone(), format!("title not found: {id}"))).collect())
            }
            Err(err) => {
                tracing::warn!(%err, ids = ?batch, "IMDb batch failed; cached data kept");
                report.failed += batch.len();
                (Vec::new(), batch.iter().map(|id| (id.clone(), err.to_string())).collect())
            }
        };
        report.fetched += fetched.len();
        imdb_cache::store_batch(db, &fetched, &failed, at).await?;
        done += batch.len();
        progress(done, ids.len());
    }
    Ok(report)
}

/// What the server's refresher shares with request handlers: a way to ask for an early pass
/// (after a new proposal) without waiting for the next cycle.
pub struct Refresher {
    wake: tokio::sync::Notify,
    club_version: ClubVersion,
}

impl Refresher {
    pub fn new(club_version: ClubVersion) -> Refresher {
        Refresher { wake: tokio::sync::Notify::new(), club_version }
    }

    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// Runs a pass every `every` (or sooner when nudged) while this server holds `lease` (one
    /// server at a time calls the API, whose rate limit they share); `stored` is called after a
    /// pass that stored metadata, so what shows it (the predictions' posters and titles) can follow.
    pub fn spawn(
        self: &Arc<Self>,
        db: Db,
        client: Arc<ImdbClient>,
        fresh_for: Duration,
        every: Duration,
        lease: Arc<Lease>,
        stored: impl Fn() + Send + 'static,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                if !lease.renew(&db).await {
                    // Another server runs the job; wait to be nudged (the lease came to us) or the
                    // next turn.
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = me.wake.notified() => {}
                    }
                    continue;
                }
                let started = std::time::Instant::now();
                // Posters, plots and ratings show on the club's pages: each stored batch shows at once.
                let batch_stored = |_, _| me.club_version.bump();
                let result = refresh_once(&db, &client, fresh_for, 200, &RetryPolicy::default(), batch_stored).await;
                let outcome = match &result {
                    Ok(report) if report.due > 0 => {
                        tracing::info!(%report, "IMDb metadata refreshed");
                        if report.fetched > 0 {
                            stored();
                        }
                        Ok(())
                    }
                    Ok(_) => Ok(()),
                    Err(err) => {
                        tracing::warn!(%err, "IMDb refresh could not read or write the database");
                        Err(err.to_string())
                    }
                };
                crate::server::observe::job_finished("imdb-refresh", started.elapsed(), outcome);
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = me.wake.notified() => {
                        // Let a burst of new proposals gather into one pass.
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
    }
}
