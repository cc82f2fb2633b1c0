//! Runtime settings: `Leptos.toml`, then environment variables on top.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub site: SiteConfig,
    pub database: DatabaseConfig,
    pub cache: CacheConfig,
    pub imdb: ImdbConfig,
    pub pages: PagesConfig,
    pub predictions: PredictionsConfig,
    pub demo: DemoConfig,
    pub metrics: MetricsConfig,
    pub accounts: AccountsConfig,
    pub limits: LimitsConfig,
    pub club: ClubConfig,
    pub posters: PostersConfig,
}

/// The club's announcements outside Marquee.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClubConfig {
    /// A Discord or Slack incoming webhook: told when a round opens, an hour before its deadline
    /// and when its winner is picked. Empty: no messages.
    pub webhook_url: String,
    /// The address members reach Marquee at ("https://club.example"), for links in those messages.
    pub public_url: String,
}

/// How much work the server takes on at once; past that it answers 503 quickly rather than slowly.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Requests handled at the same time (health checks and metrics are not counted).
    pub max_in_flight: u32,
    /// How long a write or a signed-in member's request may wait for one of those places before it
    /// gets 503 with `Retry-After`; a visitor's read waits half as long, and takes at most three
    /// quarters of the places, so members and their votes are served first when it is busy.
    pub queue_timeout_ms: u64,
    /// A client has this long to send a request's headers; also how long an idle keep-alive
    /// connection stays open.
    pub header_timeout_secs: u64,
    /// A client has this long, from its headers, to send the whole request body (a slow upload
    /// holds no place among those in flight while it arrives, up to 64 KiB).
    pub body_timeout_secs: u64,
    /// The longest a request may hold its place: its answer's work and sending it. A page still
    /// being read after this goes on, but no longer keeps others waiting.
    pub request_timeout_secs: u64,
    /// On SIGTERM, how long requests in flight get to finish before the server stops anyway.
    pub shutdown_grace_secs: u64,
    /// Live event streams (open vote pages) this server keeps at once, and per client address.
    pub live_streams: u32,
    pub live_streams_per_client: u32,
    /// How often a quiet stream gets a comment: keeps proxies from closing it, and finds the ones
    /// whose page was closed (a stream's place is given back then).
    pub live_keep_alive_secs: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 64,
            queue_timeout_ms: 10_000,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            request_timeout_secs: 30,
            shutdown_grace_secs: 10,
            live_streams: 1000,
            live_streams_per_client: 32,
            live_keep_alive_secs: 15,
        }
    }
}

/// Who may register, how long sessions last, how many proposals a member may have.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsConfig {
    /// "open": anyone may register; "invite": only with an invitation from an admin.
    pub registration: String,
    pub session_days: u64,
    pub proposal_limit: i64,
    /// Failed sign-ins allowed per account and per address within `lockout_minutes`.
    pub failures_per_account: u32,
    pub failures_per_ip: u32,
    pub lockout_minutes: u64,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            registration: "open".into(),
            session_days: 30,
            proposal_limit: 10,
            failures_per_account: 5,
            failures_per_ip: 20,
            lockout_minutes: 15,
        }
    }
}

impl AccountsConfig {
    pub fn invite_only(&self) -> bool {
        self.registration == "invite"
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Serve `/metrics` to any client, not only loopback (put it behind your own access control).
    pub allow_remote: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    pub addr: String,
    /// Where the built bundle (`pkg/`) and the public files live.
    pub root: String,
    pub pkg_dir: String,
    pub output_name: String,
    /// Mark cookies `Secure`; turn on when served over https.
    pub https: bool,
    /// Addresses of the load balancers or proxies in front of the server: from these, the client's
    /// address is read from `X-Forwarded-For` (for sign-in throttling and the audit log).
    pub trusted_proxies: Vec<String>,
    /// Signs the error messages carried in links after a form post. Empty: a random key per process
    /// (give several instances behind one load balancer the same value).
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
    /// PostgreSQL: after this long without a notice, the change listener pings its connection, and
    /// one that does not answer within as long again is given up for a new one.
    pub listener_ping_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    pub predictions_ttl_secs: u64,
    pub movie_list_ttl_secs: u64,
    pub popular_ttl_secs: u64,
    pub movie_detail_ttl_secs: u64,
    pub recommendations_ttl_secs: u64,
    pub stats_ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImdbConfig {
    pub base_url: String,
    pub timeout_ms: u64,
    pub fresh_hours: u64,
    pub requests_per_second: f64,
    /// How often the server looks for stale or missing metadata.
    pub refresh_interval_secs: u64,
    /// With several servers on one database, one refreshes at a time; another takes over within
    /// about this long after it stops.
    pub refresh_lease_secs: u64,
}

/// Posters: downloaded once from their source, resized, and served by Marquee.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostersConfig {
    /// Where the images are kept. Empty: a `posters` directory beside the SQLite file, or the
    /// database itself on PostgreSQL (which every server sees without a shared disk).
    pub dir: String,
    /// Hosts posters may be downloaded from (over https); the IMDb API's own address always may.
    pub hosts: Vec<String>,
    /// The largest source image downloaded, in bytes.
    pub max_bytes: u64,
    pub timeout_ms: u64,
}

impl Default for PostersConfig {
    fn default() -> Self {
        Self {
            dir: String::new(),
            hosts: vec!["m.media-amazon.com".into(), "ia.media-imdb.com".into()],
            max_bytes: 5_000_000,
            timeout_ms: 10_000,
        }
    }
}

/// How films are ranked.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PredictionsConfig {
    /// Dimensions (of five) a film needs data for to be ranked as a candidate; the others are
    /// listed apart as "not enough data yet".
    pub min_dimensions: u32,
}

impl Default for PredictionsConfig {
    fn default() -> Self {
        Self { min_dimensions: 3 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagesConfig {
    pub predictions: u32,
    pub proposals: u32,
    pub movies: u32,
    pub max_page_size: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// Load the demo films, members and proposals when the database has no films yet.
    pub seed_on_first_start: bool,
}

impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:3000".into(),
            root: "target/site".into(),
            pkg_dir: "pkg".into(),
            output_name: "marquee".into(),
            https: false,
            trusted_proxies: Vec::new(),
            secret: String::new(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/marquee.db".into(),
            max_connections: 8,
            acquire_timeout_secs: 5,
            listener_ping_secs: 10,
        }
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            predictions_ttl_secs: 600,
            movie_list_ttl_secs: 900,
            popular_ttl_secs: 600,
            movie_detail_ttl_secs: 3600,
            recommendations_ttl_secs: 1800,
            stats_ttl_secs: 60,
        }
    }
}

impl Default for ImdbConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.imdbapi.dev".into(),
            timeout_ms: 3000,
            fresh_hours: 24,
            requests_per_second: 2.0,
            refresh_interval_secs: 300,
            refresh_lease_secs: 30,
        }
    }
}

impl Default for PagesConfig {
    fn default() -> Self {
        Self { predictions: 25, proposals: 20, movies: 20, max_page_size: 100 }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self { seed_on_first_start: true }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the settings file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the settings file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}={value:?} is not valid: {expected}")]
    Env { var: &'static str, value: String, expected: &'static str },
    #[error("setting {name} is not valid: {message}")]
    Invalid { name: &'static str, message: String },
}

/// Every environment variable that overrides a setting, with the setting it sets.
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("MARQUEE_SITE_ADDR", "site.addr"),
    ("LEPTOS_SITE_ADDR", "site.addr"),
    ("LEPTOS_SITE_ROOT", "site.root"),
    ("MARQUEE_HTTPS", "site.https"),
    ("MARQUEE_TRUSTED_PROXIES", "site.trusted_proxies"),
    ("DATABASE_URL", "database.url"),
    ("MARQUEE_DB_MAX_CONNECTIONS", "database.max_connections"),
    ("MARQUEE_DB_ACQUIRE_TIMEOUT_SECS", "database.acquire_timeout_secs"),
    ("MARQUEE_DB_LISTENER_PING_SECS", "database.listener_ping_secs"),
    ("MARQUEE_PREDICTIONS_TTL_SECS", "cache.predictions_ttl_secs"),
    ("MARQUEE_MOVIE_LIST_TTL_SECS", "cache.movie_list_ttl_secs"),
    ("MARQUEE_POPULAR_TTL_SECS", "cache.popular_ttl_secs"),
    ("MARQUEE_MOVIE_DETAIL_TTL_SECS", "cache.movie_detail_ttl_secs"),
    ("MARQUEE_RECOMMENDATIONS_TTL_SECS", "cache.recommendations_ttl_secs"),
    ("MARQUEE_STATS_TTL_SECS", "cache.stats_ttl_secs"),
    ("MARQUEE_IMDB_BASE_URL", "imdb.base_url"),
    ("MARQUEE_IMDB_TIMEOUT_MS", "imdb.timeout_ms"),
    ("MARQUEE_IMDB_FRESH_HOURS", "imdb.fresh_hours"),
    ("MARQUEE_IMDB_REQUESTS_PER_SECOND", "imdb.requests_per_second"),
    ("MARQUEE_IMDB_REFRESH_INTERVAL_SECS", "imdb.refresh_interval_secs"),
    ("MARQUEE_IMDB_REFRESH_LEASE_SECS", "imdb.refresh_lease_secs"),
    ("MARQUEE_REGISTRATION", "accounts.registration"),
    ("MARQUEE_SESSION_DAYS", "accounts.session_days"),
    ("MARQUEE_PROPOSAL_LIMIT", "accounts.proposal_limit"),
    ("MARQUEE_PAGE_PREDICTIONS", "pages.predictions"),
    ("MARQUEE_PAGE_PROPOSALS", "pages.proposals"),
    ("MARQUEE_PAGE_MOVIES", "pages.movies"),
    ("MARQUEE_MAX_PAGE_SIZE", "pages.max_page_size"),
    ("MARQUEE_MIN_DIMENSIONS", "predictions.min_dimensions"),
    ("MARQUEE_SEED_DEMO", "demo.seed_on_first_start"),
    ("MARQUEE_METRICS_ALLOW_REMOTE", "metrics.allow_remote"),
    ("MARQUEE_SECRET", "site.secret"),
    ("MARQUEE_MAX_IN_FLIGHT", "limits.max_in_flight"),
    ("MARQUEE_QUEUE_TIMEOUT_MS", "limits.queue_timeout_ms"),
    ("MARQUEE_HEADER_TIMEOUT_SECS", "limits.header_timeout_secs"),
    ("MARQUEE_BODY_TIMEOUT_SECS", "limits.body_timeout_secs"),
    ("MARQUEE_REQUEST_TIMEOUT_SECS", "limits.request_timeout_secs"),
    ("MARQUEE_SHUTDOWN_GRACE_SECS", "limits.shutdown_grace_secs"),
    ("MARQUEE_LIVE_STREAMS", "limits.live_streams"),
    ("MARQUEE_LIVE_STREAMS_PER_CLIENT", "limits.live_streams_per_client"),
    ("MARQUEE_LIVE_KEEP_ALIVE_SECS", "limits.live_keep_alive_secs"),
    ("MARQUEE_WEBHOOK_URL", "club.webhook_url"),
    ("MARQUEE_PUBLIC_URL", "club.public_url"),
    ("MARQUEE_POSTERS_DIR", "posters.dir"),
    ("MARQUEE_POSTER_HOSTS", "posters.hosts"),
    ("MARQUEE_POSTER_MAX_BYTES", "posters.max_bytes"),
    ("MARQUEE_POSTER_TIMEOUT_MS", "posters.timeout_ms"),
];

impl Config {
    /// Reads `path` (a missing default file means built-in defaults), then applies the environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("Leptos.toml"), false),
        };
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_toml(&text).map_err(|message| ConfigError::Parse { path: path.clone(), message })?,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.validate()?;
        Ok(config)
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().to_string())
    }

    /// `lookup` is the environment; tests pass their own.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        for (var, key) in ENV_OVERRIDES {
            if let Some(value) = lookup(var).filter(|v| !v.trim().is_empty()) {
                self.set(var, key, value)?;
            }
        }
        Ok(())
    }

    fn set(&mut self, var: &'static str, key: &str, value: String) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(var: &'static str, v: &str) -> Result<T, ConfigError> {
            v.trim().parse().map_err(|_| ConfigError::Env { var, value: v.to_string(), expected: "expected a number" })
        }
        fn flag(var: &'static str, v: &str) -> Result<bool, ConfigError> {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::Env { var, value: v.to_string(), expected: "expected true or false" }),
            }
        }
        match key {
            "site.addr" => self.site.addr = value,
            "site.root" => self.site.root = value,
            "site.https" => self.site.https = flag(var, &value)?,
            "site.trusted_proxies" => {
                self.site.trusted_proxies =
                    value.split(',').map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect()
            }
            "database.url" => self.database.url = value,
            "database.max_connections" => self.database.max_connections = num(var, &value)?,
            "database.acquire_timeout_secs" => self.database.acquire_timeout_secs = num(var, &value)?,
            "database.listener_ping_secs" => self.database.listener_ping_secs = num(var, &value)?,
            "cache.predictions_ttl_secs" => self.cache.predictions_ttl_secs = num(var, &value)?,
            "cache.movie_list_ttl_secs" => self.cache.movie_list_ttl_secs = num(var, &value)?,
            "cache.popular_ttl_secs" => self.cache.popular_ttl_secs = num(var, &value)?,
            "cache.movie_detail_ttl_secs" => self.cache.movie_detail_ttl_secs = num(var, &value)?,
            "cache.recommendations_ttl_secs" => self.cache.recommendations_ttl_secs = num(var, &value)?,
            "cache.stats_ttl_secs" => self.cache.stats_ttl_secs = num(var, &value)?,
            "imdb.base_url" => self.imdb.base_url = value,
            "imdb.timeout_ms" => self.imdb.timeout_ms = num(var, &value)?,
            "imdb.fresh_hours" => self.imdb.fresh_hours = num(var, &value)?,
            "imdb.requests_per_second" => self.imdb.requests_per_second = num(var, &value)?,
            "imdb.refresh_interval_secs" => self.imdb.refresh_interval_secs = num(var, &value)?,
            "imdb.refresh_lease_secs" => self.imdb.refresh_lease_secs = num(var, &value)?,
            "accounts.registration" => self.accounts.registration = value.trim().to_ascii_lowercase(),
            "accounts.session_days" => self.accounts.session_days = num(var, &value)?,
            "accounts.proposal_limit" => self.accounts.proposal_limit = num(var, &value)?,
            "pages.predictions" => self.pages.predictions = num(var, &value)?,
            "pages.proposals" => self.pages.proposals = num(var, &value)?,
            "pages.movies" => self.pages.movies = num(var, &value)?,
            "pages.max_page_size" => self.pages.max_page_size = num(var, &value)?,
            "predictions.min_dimensions" => self.predictions.min_dimensions = num(var, &value)?,
            "demo.seed_on_first_start" => self.demo.seed_on_first_start = flag(var, &value)?,
            "metrics.allow_remote" => self.metrics.allow_remote = flag(var, &value)?,
            "site.secret" => self.site.secret = value,
            "limits.max_in_flight" => self.limits.max_in_flight = num(var, &value)?,
            "limits.queue_timeout_ms" => self.limits.queue_timeout_ms = num(var, &value)?,
            "limits.header_timeout_secs" => self.limits.header_timeout_secs = num(var, &value)?,
            "limits.body_timeout_secs" => self.limits.body_timeout_secs = num(var, &value)?,
            "limits.request_timeout_secs" => self.limits.request_timeout_secs = num(var, &value)?,
            "limits.shutdown_grace_secs" => self.limits.shutdown_grace_secs = num(var, &value)?,
            "limits.live_streams" => self.limits.live_streams = num(var, &value)?,
            "limits.live_streams_per_client" => self.limits.live_streams_per_client = num(var, &value)?,
            "limits.live_keep_alive_secs" => self.limits.live_keep_alive_secs = num(var, &value)?,
            "club.webhook_url" => self.club.webhook_url = value.trim().to_string(),
            "club.public_url" => self.club.public_url = value.trim().trim_end_matches('/').to_string(),
            "posters.dir" => self.posters.dir = value.trim().to_string(),
            "posters.hosts" => {
                self.posters.hosts = value.split(',').map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect()
            }
            "posters.max_bytes" => self.posters.max_bytes = num(var, &value)?,
            "posters.timeout_ms" => self.posters.timeout_ms = num(var, &value)?,
            other => unreachable!("ENV_OVERRIDES names an unknown setting {other}"),
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.site.addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                name: "site.addr",
                message: format!("{:?} is not an address like 127.0.0.1:3000", self.site.addr),
            });
        }
        if let Some(bad) = self.site.trusted_proxies.iter().find(|a| a.parse::<std::net::IpAddr>().is_err()) {
            return Err(ConfigError::Invalid {
                name: "site.trusted_proxies",
                message: format!("{bad:?} is not an IP address like 10.0.0.5"),
            });
        }
        if !(1..=5).contains(&self.predictions.min_dimensions) {
            return Err(ConfigError::Invalid {
                name: "predictions.min_dimensions",
                message: format!(
                    "must be from 1 to 5 (of the five dimensions), not {}",
                    self.predictions.min_dimensions
                ),
            });
        }
        if !(10_000..=50_000_000).contains(&self.posters.max_bytes) {
            return Err(ConfigError::Invalid {
                name: "posters.max_bytes",
                message: format!("must be from 10000 to 50000000 bytes, not {}", self.posters.max_bytes),
            });
        }
        if !(100..=120_000).contains(&self.posters.timeout_ms) {
            return Err(ConfigError::Invalid {
                name: "posters.timeout_ms",
                message: format!("must be from 100 to 120000 milliseconds, not {}", self.posters.timeout_ms),
            });
        }
        if let Some(bad) = self
            .posters
            .hosts
            .iter()
            .find(|h| h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        {
            return Err(ConfigError::Invalid {
                name: "posters.hosts",
                message: format!("{bad:?} is not a host name like m.media-amazon.com"),
            });
        }
        if self.limits.max_in_flight == 0 {
            return Err(ConfigError::Invalid { name: "limits.max_in_flight", message: "must be at least 1".into() });
        }
        for (name, secs) in [
            ("limits.header_timeout_secs", self.limits.header_timeout_secs),
            ("limits.body_timeout_secs", self.limits.body_timeout_secs),
            ("limits.request_timeout_secs", self.limits.request_timeout_secs),
            ("limits.shutdown_grace_secs", self.limits.shutdown_grace_secs),
            ("database.listener_ping_secs", self.database.listener_ping_secs),
        ] {
            if !(1..=3600).contains(&secs) {
                return Err(ConfigError::Invalid {
                    name,
                    message: format!("must be from 1 to 3600 seconds, not {secs}"),
                });
            }
        }
        if self.limits.live_streams_per_client == 0 || self.limits.live_streams_per_client > self.limits.live_streams {
            return Err(ConfigError::Invalid {
                name: "limits.live_streams_per_client",
                message: format!("must be from 1 to limits.live_streams ({})", self.limits.live_streams),
            });
        }
        if !(1..=300).contains(&self.limits.live_keep_alive_secs) {
            return Err(ConfigError::Invalid {
                name: "limits.live_keep_alive_secs",
                message: "must be from 1 to 300".into(),
            });
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid {
                name: "database.max_connections",
                message: "must be at least 1".into(),
            });
        }
        let pages = &self.pages;
        for (name, size) in [
            ("pages.predictions", pages.predictions),
            ("pages.proposals", pages.proposals),
            ("pages.movies", pages.movies),
        ] {
            if size == 0 || size > pages.max_page_size {
                return Err(ConfigError::Invalid {
                    name,
                    message: format!("must be between 1 and pages.max_page_size ({})", pages.max_page_size),
                });
            }
        }
        if !(self.imdb.base_url.starts_with("http://") || self.imdb.base_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "imdb.base_url",
                message: format!("{:?} must start with http:// or https://", self.imdb.base_url),
            });
        }
        for (name, url) in [("club.webhook_url", &self.club.webhook_url), ("club.public_url", &self.club.public_url)] {
            if !url.is_empty() && url.parse::<reqwest::Url>().map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
            {
                return Err(ConfigError::Invalid {
                    name,
                    message: format!("{url:?} must be empty or an address starting with http:// or https://"),
                });
            }
        }
        if !matches!(self.accounts.registration.as_str(), "open" | "invite") {
            return Err(ConfigError::Invalid {
                name: "accounts.registration",
                message: format!("{:?} must be \"open\" or \"invite\"", self.accounts.registration),
            });
        }
        if !(1..=365).contains(&self.accounts.session_days) {
            return Err(ConfigError::Invalid {
                name: "accounts.session_days",
                message: "must be from 1 to 365".into(),
            });
        }
        if !(0..=100).contains(&self.accounts.proposal_limit) {
            return Err(ConfigError::Invalid {
                name: "accounts.proposal_limit",
                message: "must be from 0 to 100".into(),
            });
        }
        if !(self.imdb.requests_per_second > 0.0 && self.imdb.requests_per_second <= 50.0) {
            return Err(ConfigError::Invalid {
                name: "imdb.requests_per_second",
                message: "must be above 0 and at most 50".into(),
            });
        }
        if self.imdb.timeout_ms == 0 {
            return Err(ConfigError::Invalid { name: "imdb.timeout_ms", message: "must be at least 1".into() });
        }
        if self.imdb.refresh_lease_secs < 3 {
            return Err(ConfigError::Invalid {
                name: "imdb.refresh_lease_secs",
                message: "must be at least 3 (seconds)".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_settings_file_parses_and_validates() {
        let text = include_str!("../../Leptos.toml");
        let config = Config::from_toml(text).expect("Leptos.toml parses");
        config.validate().expect("Leptos.toml is valid");
        assert_eq!(config.site.addr, "127.0.0.1:3000");
        assert_eq!(config.database.url, "sqlite://data/marquee.db");
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut config = Config::default();
        config
            .apply_env(|var| match var {
                "DATABASE_URL" => Some("postgres://u@127.0.0.1:5432/m".into()),
                "MARQUEE_PAGE_MOVIES" => Some("12".into()),
                "MARQUEE_HTTPS" => Some("yes".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.database.url, "postgres://u@127.0.0.1:5432/m");
        assert_eq!(config.pages.movies, 12);
        assert!(config.site.https);
    }

    #[test]
    fn bad_environment_value_names_the_variable() {
        let mut config = Config::default();
        let err = config.apply_env(|var| (var == "MARQUEE_DB_MAX_CONNECTIONS").then(|| "many".into())).unwrap_err();
        assert!(err.to_string().contains("MARQUEE_DB_MAX_CONNECTIONS"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        assert!(Config::from_toml("[site]\nadress = \"x\"").unwrap_err().contains("adress"));
        let mut config = Config::default();
        config.site.addr = "localhost".into();
        assert!(config.validate().unwrap_err().to_string().contains("site.addr"));
        let mut config = Config::default();
        config.pages.movies = 1000;
        assert!(config.validate().is_err());
    }
}
