//! The settings' sections, each field with its default and what it sets.

use super::*;

/// Where the server listens, what it serves, and how it trusts what is in front of it.
#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    #[default("127.0.0.1:3000".into())]
    pub addr: String,
    /// Where the built bundle (`pkg/`) and the public files live.
    #[default("target/site".into())]
    pub root: String,
    #[default("pkg".into())]
    pub pkg_dir: String,
    #[default("marquee".into())]
    pub output_name: String,
    /// Mark cookies `Secure`; turn on when served over https.
    pub https: bool,
    /// Addresses of the load balancers or proxies in front of the server: from these, the client's
    /// address is read from `X-Forwarded-For` (for sign-in throttling and the audit log).
    #[serde(deserialize_with = "list")]
    pub trusted_proxies: Vec<String>,
    /// Signs the error messages carried in links after a form post. Empty: a random key per process
    /// (give several instances behind one load balancer the same value).
    pub secret: String,
}

#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH`, or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[default("sqlite://data/marquee.db".into())]
    pub url: String,
    #[default(8)]
    pub max_connections: u32,
    #[default(5)]
    pub acquire_timeout_secs: u64,
    /// PostgreSQL: after this long without a notice, the change listener pings its connection, and
    /// one that does not answer within as long again is given up for a new one.
    #[default(10)]
    pub listener_ping_secs: u64,
}

/// How long the in-process caches keep an entry at most (changes drop entries sooner).
#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    #[default(600)]
    pub predictions_ttl_secs: u64,
    #[default(900)]
    pub movie_list_ttl_secs: u64,
    #[default(600)]
    pub popular_ttl_secs: u64,
    #[default(3600)]
    pub movie_detail_ttl_secs: u64,
    #[default(1800)]
    pub recommendations_ttl_secs: u64,
    #[default(60)]
    pub stats_ttl_secs: u64,
}

#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImdbConfig {
    #[default("https://api.imdbapi.dev".into())]
    pub base_url: String,
    #[default(3000)]
    pub timeout_ms: u64,
    /// Metadata older than this is fetched again.
    #[default(24)]
    pub fresh_hours: u64,
    /// The pace of calls to the API, for the whole deployment.
    #[default(2.0)]
    pub requests_per_second: f64,
    /// How often the server looks for stale or missing metadata.
    #[default(300)]
    pub refresh_interval_secs: u64,
    /// With several servers on one database, one runs each background job at a time; another takes
    /// over within about this long after it stops.
    #[default(30)]
    pub refresh_lease_secs: u64,
}

/// Posters: downloaded once from their source, resized, and served by Marquee.
#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PostersConfig {
    /// Where the images are kept. Empty: a `posters` directory beside the SQLite file, or the
    /// database itself on PostgreSQL (which every server sees without a shared disk).
    pub dir: String,
    /// Hosts posters may be downloaded from (over https); the IMDb API's own address always may.
    #[default(vec!["m.media-amazon.com".into(), "ia.media-imdb.com".into()])]
    #[serde(deserialize_with = "list")]
    pub hosts: Vec<String>,
    /// The largest source image downloaded, in bytes.
    #[default(5_000_000)]
    pub max_bytes: u64,
    #[default(10_000)]
    pub timeout_ms: u64,
}

/// How films are ranked.
#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PredictionsConfig {
    /// Dimensions (of five) a film needs data for to be ranked as a candidate; the others are
    /// listed apart as "not enough data yet".
    #[default(3)]
    pub min_dimensions: u32,
}

/// Items per page, where the server picks the page size.
#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PagesConfig {
    /// Proposals on the vote page's first flush (the rest stream in after).
    #[default(20)]
    pub proposals: u32,
    /// Films watched per page of the history.
    #[default(20)]
    pub watched: u32,
    /// Films per page of the catalogue.
    #[default(20)]
    pub movies: u32,
    /// The most items a client may ask for at once (API `limit`, infinite lists).
    #[default(100)]
    pub max_page_size: u32,
}

#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// Load the demo films, members and proposals when the database has no films yet.
    #[default(true)]
    pub seed_on_first_start: bool,
}

/// The club's announcements outside Marquee.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClubConfig {
    /// A Discord or Slack incoming webhook: told when a round opens, an hour before its deadline
    /// and when its winner is picked. Empty: no messages.
    pub webhook_url: String,
    /// The address members reach Marquee at ("https://club.example"), for links in those messages.
    pub public_url: String,
}

/// How much work the server takes on at once; past that it answers 503 quickly rather than slowly.
#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Requests handled at the same time (health checks and metrics are not counted).
    #[default(64)]
    pub max_in_flight: u32,
    /// How long a write or a signed-in member's request may wait for one of those places before it
    /// gets 503 with `Retry-After`; a visitor's read waits half as long, and takes at most three
    /// quarters of the places, so members and their votes are served first when it is busy.
    #[default(10_000)]
    pub queue_timeout_ms: u64,
    /// A client has this long to send a request's headers; also how long an idle keep-alive
    /// connection stays open.
    #[default(10)]
    pub header_timeout_secs: u64,
    /// A client has this long, from its headers, to send the whole request body (a slow upload
    /// holds no place among those in flight while it arrives, up to 64 KiB).
    #[default(30)]
    pub body_timeout_secs: u64,
    /// The longest a request may hold its place: its answer's work and sending it. A page still
    /// being read after this goes on, but no longer keeps others waiting.
    #[default(30)]
    pub request_timeout_secs: u64,
    /// On SIGTERM, how long requests in flight get to finish before the server stops anyway.
    #[default(10)]
    pub shutdown_grace_secs: u64,
    /// Live event streams (open vote pages) this server keeps at once, and per client address.
    #[default(1000)]
    pub live_streams: u32,
    #[default(32)]
    pub live_streams_per_client: u32,
    /// How often a quiet stream gets a comment: keeps proxies from closing it, and finds the ones
    /// whose page was closed (a stream's place is given back then).
    #[default(15)]
    pub live_keep_alive_secs: u64,
}

/// Who may register, how long sessions last, how many proposals a member may have.
#[derive(Debug, Clone, SmartDefault, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsConfig {
    /// "open": anyone may register; "invite": only with an invitation from an admin.
    #[default("open".into())]
    pub registration: String,
    #[default(30)]
    pub session_days: u64,
    /// Active proposals per member (an admin can change one member's).
    #[default(10)]
    pub proposal_limit: i64,
    /// Failed sign-ins allowed per account and per address within `lockout_minutes`.
    #[default(5)]
    pub failures_per_account: u32,
    #[default(20)]
    pub failures_per_ip: u32,
    #[default(15)]
    pub lockout_minutes: u64,
}

impl AccountsConfig {
    pub fn invite_only(&self) -> bool {
        self.registration == "invite"
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Serve `/metrics` to any client, not only loopback (put it behind your own access control).
    pub allow_remote: bool,
}
