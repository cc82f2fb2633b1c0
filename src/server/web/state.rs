use crate::error::AppError;
use crate::server::config::Config;
use crate::server::db::Db;
use crate::server::services::accounts::Accounts;
use crate::server::services::catalogue::Catalogue;
use crate::server::services::club::Club;
use crate::server::services::coherence::Coherence;
use crate::server::services::imdb::ImdbClient;
use crate::server::services::leases::Lease;
use crate::server::services::predictions::Predictions;
use crate::server::services::refresher::Refresher;
use crate::server::services::versions::ClubVersion;
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
    pub new_tokens: crate::server::cache::Cache<String, String>,
    pub accounts: Accounts,
    pub tokens: crate::server::services::tokens::Tokens,
    pub letterboxd: crate::server::services::letterboxd::Letterboxd,
    pub imports: crate::server::services::import::Imports,
    pub catalogue: Arc<Catalogue>,
    pub club: Club,
    pub rounds: crate::server::services::rounds::Rounds,
    /// What this server tells, and hears from, the other servers sharing its database.
    pub coherence: Arc<Coherence>,
    /// Rendered pages kept per version of their data.
    pub pages: crate::server::web::kept_pages::Pages,
    /// The version of the club's data that kept club pages were built from.
    pub club_version: ClubVersion,
    /// The job leases this server competes for, given up when it stops.
    leases: Arc<std::sync::Mutex<Vec<Arc<Lease>>>>,
}

impl AppState {
    /// Scores every film and warms the caches, so the first visitor waits for nothing.
    pub async fn build(config: Config, db: Db) -> Result<AppState, sqlx::Error> {
        let ttl = Duration::from_secs(config.cache.predictions_ttl_secs.max(1));
        let started = std::time::Instant::now();
        let predictions = Arc::new(Predictions::load(db.clone(), ttl, config.predictions.min_dimensions).await?);
        let warm = predictions.clone();
        tokio::task::spawn_blocking(move || warm.warm()).await.ok();
        crate::server::observe::job_finished("predictions-score", started.elapsed(), Ok(()));
        let limits = &config.limits;
        let live = crate::server::services::live::Live::new(limits.live_streams, limits.live_streams_per_client);
        let coherence = Coherence::new(db.clone(), live);
        let catalogue =
            Arc::new(Catalogue::load(db.clone(), &config.cache, config.imdb.fresh_hours, coherence.clone()).await?);
        let club_version = ClubVersion::default();
        let club = Club::new(db.clone(), catalogue.clone(), club_version.clone(), &config);
        let webhook = crate::server::services::webhook::Webhook::new(db.clone(), &config.club);
        let letterboxd = crate::server::services::letterboxd::Letterboxd::new(db.clone(), catalogue.clone());
        let imports = crate::server::services::import::Imports::new(db.clone(), catalogue.clone(), predictions.clone());
        let state = AppState {
            letterboxd,
            imports,
            rounds: crate::server::services::rounds::Rounds::new(db.clone(), club.clone(), webhook),
            club,
            coherence,
            pages: crate::server::web::kept_pages::Pages::new(ttl),
            club_version: club_version.clone(),
            catalogue,
            leptos_options: leptos_options(&config),
            imdb: Arc::new(ImdbClient::new(&config.imdb).shared_with(&db)),
            refresher: Arc::new(Refresher::new(club_version.clone())),
            posters: Arc::new(crate::server::services::posters::Posters::new(
                &config.posters,
                &config.imdb.base_url,
                db.clone(),
            )),
            accounts: Accounts::new(db.clone(), &config.accounts),
            tokens: crate::server::services::tokens::Tokens::new(db.clone()),
            new_tokens: crate::server::cache::Cache::new(
                10_000,
                crate::server::cache::Expiry::live(Duration::from_secs(600)),
            ),
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
    pub fn lease(&self, job: &'static str) -> Arc<Lease> {
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
}

/// The state inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// Where the site's files are, and whether the pages ask for content-hashed bundle names.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    // A release build writes the bundle's content hashes beside the binary (as cargo-leptos does);
    // then the pages ask for the hashed file names.
    let hashed = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join("hash.txt").exists()));
    LeptosOptions::builder()
        .hash_files(hashed.unwrap_or(false))
        .output_name(config.site.output_name.as_str())
        .site_root(config.site.root.as_str())
        .site_pkg_dir(config.site.pkg_dir.as_str())
        .site_addr(config.site.addr.parse::<std::net::SocketAddr>().expect("validated in Config::validate"))
        .build()
}
