use crate::error::AppError;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::services::catalogue::Catalogue;
use crate::server::services::club::Club;
use crate::server::services::coherence::{Change, Coherence};
use crate::server::services::imdb::ImdbClient;
use crate::server::services::leases::Lease;
use crate::server::services::predictions::Predictions;
use crate::server::services::refresher::Refresher;
use crate::server::web::auth::SignInThrottle;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use std::sync::Arc;
use std::time::Duration;

/// What every request handler and server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub predictions: Arc<Predictions>,
    pub imdb: Arc<ImdbClient>,
    pub refresher: Arc<Refresher>,
    pub posters: Arc<crate::server::services::posters::Posters>,
    /// API tokens just made, by the session that made them: shown once on its next account page.
    pub new_tokens: moka::sync::Cache<String, String>,
    pub throttle: Arc<SignInThrottle>,
    pub catalogue: Arc<Catalogue>,
    pub club: Club,
    pub rounds: crate::server::services::rounds::Rounds,
    /// What this server tells, and hears from, the other servers sharing its database.
    pub coherence: Arc<Coherence>,
    /// Rendered pages kept per version of their data.
    pub pages: crate::server::web::page_cache::Pages,
    /// The job leases this server competes for, given up when it stops.
    leases: Arc<std::sync::Mutex<Vec<Arc<Lease>>>>,
}

impl AppState {
    /// Scores every film and warms the caches, so the first visitor waits for nothing.
    pub async fn build(config: Config, db: Db) -> Result<AppState, sqlx::Error> {
        let ttl = Duration::from_secs(config.cache.predictions_ttl_secs.max(1));
        let started = std::time::Instant::now();
        let predictions = Arc::new(Predictions::load(&db, ttl, config.predictions.min_dimensions).await?);
        let warm = predictions.clone();
        tokio::task::spawn_blocking(move || warm.warm()).await.ok();
        crate::server::observe::job_finished("predictions-score", started.elapsed(), Ok(()));
        let accounts = &config.accounts;
        let throttle = SignInThrottle::new(
            accounts.failures_per_account,
            accounts.failures_per_ip,
            Duration::from_secs(accounts.lockout_minutes * 60),
        );
        let limits = &config.limits;
        let live = crate::server::services::live::Live::new(limits.live_streams, limits.live_streams_per_client);
        let coherence = Coherence::new(db.clone(), live);
        let catalogue =
            Arc::new(Catalogue::load(&db, &config.cache, config.imdb.fresh_hours, coherence.clone()).await?);
        let club = Club::new(db.clone(), catalogue.clone(), &config);
        let webhook = crate::server::services::webhook::Webhook::new(db.clone(), &config.club);
        let state = AppState {
            rounds: crate::server::services::rounds::Rounds::new(db.clone(), club.clone(), webhook),
            club,
            coherence,
            pages: crate::server::web::page_cache::Pages::new(ttl),
            catalogue,
            leptos_options: crate::server::web::http::leptos_options(&config),
            imdb: Arc::new(ImdbClient::new(&config.imdb).shared_with(&db)),
            refresher: Arc::new(Refresher::default()),
            posters: Arc::new(crate::server::services::posters::Posters::new(
                &config.posters,
                &config.imdb.base_url,
                crate::server::services::posters::PosterStore::from_config(&config.posters, &db),
            )),
            throttle: Arc::new(throttle),
            new_tokens: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
            db,
            config: Arc::new(config),
            predictions,
            leases: Default::default(),
        };
        match state.rounds.hash_old_calendar_keys().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "calendar link keys made before they were hashed: hashed now"),
            Err(err) => tracing::warn!(%err, "could not hash the calendar link keys made before they were hashed"),
        }
        Ok(state)
    }

    /// A lease for `job`, held by this server's name and given up when it stops.
    fn lease(&self, job: &'static str) -> Arc<Lease> {
        let holder = crate::server::services::leases::server_name();
        let lease = Lease::new(job, holder, Duration::from_secs(self.config.imdb.refresh_lease_secs));
        self.leases.lock().unwrap_or_else(|e| e.into_inner()).push(lease.clone());
        lease
    }

    /// Gives up every job lease this server holds (on shutdown), so another server takes the jobs
    /// over at once instead of after the leases run out.
    pub async fn release_leases(&self) {
        let leases = std::mem::take(&mut *self.leases.lock().unwrap_or_else(|e| e.into_inner()));
        for lease in leases {
            lease.release(&self.db).await;
        }
    }

    /// Starts the background IMDb metadata refresher.
    pub fn refresh_imdb_in_background(&self) {
        let imdb = &self.config.imdb;
        let predictions = self.predictions.clone();
        // One server at a time refreshes, when several share the database: a lease renewed every
        // third of its lifetime, so another takes over within about 4/3 of it after a holder's death.
        let lease = self.lease("imdb-refresh");
        let refresher = self.refresher.clone();
        lease.keep(self.db.clone(), move || refresher.nudge());
        let coherence = self.coherence.clone();
        let posters = self.posters.clone();
        self.refresher.spawn(
            self.db.clone(),
            self.imdb.clone(),
            Duration::from_secs(imdb.fresh_hours * 3600),
            Duration::from_secs(imdb.refresh_interval_secs.max(1)),
            lease,
            move || {
                predictions.inputs_changed();
                // New poster addresses may have come with the metadata.
                posters.nudge();
                // Posters, plots and ratings show on every server's club pages.
                let coherence = coherence.clone();
                tokio::spawn(async move { coherence.announce(Change::Club { movie: None }).await });
            },
        );
    }

    /// Downloads and makes the posters of proposals and films in the background (one server at a
    /// time); pages show the new ones once a batch is stored.
    pub fn fetch_posters_in_background(&self) {
        let lease = self.lease("poster-fetch");
        let posters = self.posters.clone();
        lease.keep(self.db.clone(), move || posters.nudge());
        let predictions = self.predictions.clone();
        let coherence = self.coherence.clone();
        self.posters.spawn(
            self.db.clone(),
            Duration::from_secs(self.config.imdb.refresh_interval_secs.max(1)),
            lease,
            move || {
                predictions.inputs_changed();
                crate::server::services::versions::club_changed();
                let coherence = coherence.clone();
                tokio::spawn(async move { coherence.announce(Change::Club { movie: None }).await });
            },
        );
    }

    /// Closes each voting round at its deadline (one server at a time, checking every second).
    pub fn close_rounds_on_time(&self) {
        let lease = self.lease("round-closer");
        self.rounds.close_on_time(lease, Duration::from_secs(1));
    }

    /// Sends the club webhook's messages (one server at a time, checking every second).
    pub fn send_webhook_messages(&self) {
        let lease = self.lease("webhook-sender");
        self.rounds.webhook().send_in_background(lease, Duration::from_secs(1));
    }

    /// Re-scores when the inputs changed, then re-warms: every `every` for another process's changes
    /// (an import beside the server, hand-written SQL), at once when this process says so.
    pub fn watch_for_changes(&self, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = state.predictions.until_changed() => {}
                }
                let started = std::time::Instant::now();
                let result = match state.predictions.refresh_if_changed(&state.db).await {
                    Ok(true) => {
                        tracing::info!("inputs changed: predictions rebuilt");
                        // Every server sees the new data version itself: nothing to announce.
                        if let Err(err) = state.catalogue.reload(&state.db).await {
                            tracing::warn!(%err, "could not reload the catalogue");
                        }
                        let warm = state.predictions.clone();
                        tokio::task::spawn_blocking(move || warm.warm()).await.ok();
                        Ok(())
                    }
                    Ok(false) => Ok(()),
                    Err(err) => {
                        tracing::warn!(%err, "could not check prediction inputs");
                        Err(err.to_string())
                    }
                };
                crate::server::observe::job_finished("predictions-refresh", started.elapsed(), result);
            }
        });
    }
}

impl AppState {
    /// Applies the other servers' changes to this one's caches as they are announced (PostgreSQL).
    pub fn follow_other_servers(&self) {
        let ping = Duration::from_secs(self.config.database.listener_ping_secs);
        let Some(mut changes) = self.coherence.listen(ping) else { return };
        let state = self.clone();
        tokio::spawn(async move {
            while let Some(change) = changes.recv().await {
                crate::server::services::versions::club_changed();
                match state.catalogue.apply(&state.db, &change).await {
                    Ok(dropped) => metrics::counter!("cache_entries_dropped_by_notifications_total").increment(dropped),
                    Err(err) => tracing::warn!(%err, ?change, "could not apply another server's change"),
                }
                // A cheap check of the data version; rescored only if the inputs really changed.
                state.predictions.inputs_changed();
            }
        });
    }
}

/// The state inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
