use crate::error::AppError;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::services::catalogue::Catalogue;
use crate::server::services::club::Club;
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
    pub throttle: Arc<SignInThrottle>,
    pub catalogue: Arc<Catalogue>,
    pub club: Club,
    /// Rendered pages kept per version of their data.
    pub pages: crate::server::web::page_cache::Pages,
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
        let catalogue = Arc::new(Catalogue::load(&db, &config.cache, config.imdb.fresh_hours).await?);
        let club = Club::new(db.clone(), catalogue.clone(), &config);
        Ok(AppState {
            club,
            pages: crate::server::web::page_cache::Pages::new(ttl),
            catalogue,
            leptos_options: crate::server::web::http::leptos_options(&config),
            imdb: Arc::new(ImdbClient::new(&config.imdb)),
            refresher: Arc::new(Refresher::default()),
            throttle: Arc::new(throttle),
            db,
            config: Arc::new(config),
            predictions,
        })
    }

    /// Starts the background IMDb metadata refresher.
    pub fn refresh_imdb_in_background(&self) {
        let imdb = &self.config.imdb;
        let predictions = self.predictions.clone();
        // One server at a time refreshes, when several share the database: a lease of 30 s,
        // renewed every 10 s, so another takes over within about 40 s of a holder's death.
        let holder = crate::server::services::accounts::new_token().0[..16].to_string();
        let lease = Lease::new("imdb-refresh", &holder, Duration::from_secs(30));
        let refresher = self.refresher.clone();
        lease.keep(self.db.clone(), move || refresher.nudge());
        self.refresher.spawn(
            self.db.clone(),
            self.imdb.clone(),
            Duration::from_secs(imdb.fresh_hours * 3600),
            Duration::from_secs(imdb.refresh_interval_secs.max(1)),
            lease,
            move || predictions.inputs_changed(),
        );
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
                        if let Err(err) = state.catalogue.catalogue_changed(&state.db).await {
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

/// The state inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
