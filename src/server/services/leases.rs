//! One server at a time for a background job, when several share a database: a lease in the
//! database, renewed by its holder every third of its lifetime and taken over by another server
//! once a dead holder's lease has run out.

use crate::server::db::{leases, now, Db};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// This server's name for itself, random per process: the holder of its leases, and the sender
/// of its change notices.
pub fn server_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| crate::server::services::accounts::new_token().0[..16].to_string())
}

pub struct Lease {
    job: &'static str,
    /// This server's name for itself: random per process.
    holder: String,
    lifetime: Duration,
    held: AtomicBool,
    /// Given up for good (the server is stopping): never taken or renewed again.
    released: AtomicBool,
}

impl Lease {
    pub fn new(job: &'static str, holder: &str, lifetime: Duration) -> Arc<Lease> {
        Arc::new(Lease {
            job,
            holder: holder.to_string(),
            lifetime,
            held: AtomicBool::new(false),
            released: AtomicBool::new(false),
        })
    }

    /// Whether this server holds the lease (as of its last renewal).
    pub fn held(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }

    /// Tries once to take or renew the lease; returns whether this server holds it now.
    pub async fn renew(&self, db: &Db) -> bool {
        if self.released.load(Ordering::SeqCst) {
            return false;
        }
        let at = now();
        let held = match leases::acquire(db, self.job, &self.holder, at, at + self.lifetime.as_secs() as i64).await {
            Ok(held) => held,
            Err(err) => {
                // Unsure whether the lease is still ours: stop working until a renewal succeeds.
                tracing::warn!(job = self.job, %err, "could not renew the job lease");
                false
            }
        };
        if held != self.held.swap(held, Ordering::SeqCst) {
            tracing::info!(job = self.job, held, "job lease changed hands");
        }
        held
    }

    /// Renews the lease every third of its lifetime, for as long as the server runs; `gained` is
    /// called when this server takes the lease over (so the job can start without waiting).
    pub fn keep(self: &Arc<Self>, db: Db, gained: impl Fn() + Send + 'static) -> tokio::task::JoinHandle<()> {
        let lease = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval((lease.lifetime / 3).max(Duration::from_millis(100)));
            loop {
                tick.tick().await;
                let before = lease.held();
                if lease.renew(&db).await && !before {
                    gained();
                }
            }
        })
    }

    /// Runs `work` every `every` while this server holds the lease (kept meanwhile), for as long as
    /// the server runs; each run is timed and counted as job `self.job`.
    pub fn run_every<F, Fut, E>(self: &Arc<Self>, db: Db, every: Duration, work: F)
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<(), E>> + Send,
        E: std::fmt::Display,
    {
        self.keep(db, || {});
        let lease = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if !lease.held() {
                    continue;
                }
                let started = std::time::Instant::now();
                let result = work().await.map_err(|e| e.to_string());
                crate::server::observe::job_finished(lease.job, started.elapsed(), result);
            }
        });
    }

    /// Gives the lease up (on shutdown), so another server takes the job over at once.
    pub async fn release(&self, db: &Db) {
        self.released.store(true, Ordering::SeqCst);
        self.held.store(false, Ordering::SeqCst);
        if let Err(err) = leases::release(db, self.job, &self.holder).await {
            tracing::warn!(job = self.job, %err, "could not release the job lease");
        }
    }
}
