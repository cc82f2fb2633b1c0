//! Runtime settings, in layers: the defaults written here, then the settings file (`Leptos.toml`),
//! then environment variables. Every setting `section.name` can be set by the variable
//! `MARQUEE_SECTION_NAME` (`limits.max_in_flight`: `MARQUEE_LIMITS_MAX_IN_FLIGHT`); the shorter
//! names in `ENV_ALIASES` set the same settings. Adding one is a field here, with its doc comment
//! and `#[default]`, and its line in `Leptos.toml` (a test compares the two).

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};
use smart_default::SmartDefault;
use std::path::{Path, PathBuf};

mod sections;
pub use sections::*;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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

/// A list from the settings file, or comma-separated from the environment.
fn list<'de, D: Deserializer<'de>>(from: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        Commas(String),
        Items(Vec<String>),
    }
    let items = match List::deserialize(from)? {
        List::Commas(text) => text.split(',').map(str::to_string).collect(),
        List::Items(items) => items,
    };
    Ok(items.into_iter().map(|item| item.trim().to_string()).filter(|item| !item.is_empty()).collect())
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the settings file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the settings file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}={value:?} is not valid: {expected}")]
    Env { var: String, value: String, expected: String },
    #[error("setting {name} is not valid: {message}")]
    Invalid { name: &'static str, message: String },
}

/// What a value should have been, in plain words.
fn expected(kind: &figment::error::Kind) -> String {
    use figment::error::Kind;
    let whole = |t: &str| {
        matches!(t, "usize" | "isize")
            || (t.len() > 1 && matches!(t.as_bytes()[0], b'u' | b'i') && t[1..].chars().all(|c| c.is_ascii_digit()))
    };
    match kind {
        Kind::InvalidType(_, t) | Kind::InvalidValue(_, t) if t == "a boolean" => "expected true or false".into(),
        Kind::InvalidType(_, t) | Kind::InvalidValue(_, t) if whole(t) => "expected a whole number".into(),
        Kind::InvalidType(_, t) | Kind::InvalidValue(_, t) if matches!(t.as_str(), "f32" | "f64") => {
            "expected a number".into()
        }
        Kind::UnknownField(field, _) => format!("there is no setting {field:?}"),
        other => other.to_string().trim().trim_end_matches("in TOML source string").trim().to_string(),
    }
}

/// Environment variables that set a setting under a name other than `MARQUEE_SECTION_NAME`: the
/// names operators know (and `DATABASE_URL`, `LEPTOS_SITE_*`, which other tools use too).
pub const ENV_ALIASES: &[(&str, &str)] = &[
    ("LEPTOS_SITE_ADDR", "site.addr"),
    ("LEPTOS_SITE_ROOT", "site.root"),
    ("MARQUEE_HTTPS", "site.https"),
    ("MARQUEE_TRUSTED_PROXIES", "site.trusted_proxies"),
    ("MARQUEE_SECRET", "site.secret"),
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
    ("MARQUEE_REGISTRATION", "accounts.registration"),
    ("MARQUEE_SESSION_DAYS", "accounts.session_days"),
    ("MARQUEE_PROPOSAL_LIMIT", "accounts.proposal_limit"),
    ("MARQUEE_PAGE_PROPOSALS", "pages.proposals"),
    ("MARQUEE_PAGE_MOVIES", "pages.movies"),
    ("MARQUEE_MAX_PAGE_SIZE", "pages.max_page_size"),
    ("MARQUEE_MIN_DIMENSIONS", "predictions.min_dimensions"),
    ("MARQUEE_SEED_DEMO", "demo.seed_on_first_start"),
    ("MARQUEE_METRICS_ALLOW_REMOTE", "metrics.allow_remote"),
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
    ("MARQUEE_POSTER_HOSTS", "posters.hosts"),
    ("MARQUEE_POSTER_MAX_BYTES", "posters.max_bytes"),
    ("MARQUEE_POSTER_TIMEOUT_MS", "posters.timeout_ms"),
];

/// Every setting's key (`limits.max_in_flight`), in the order of the structs above.
pub fn setting_keys() -> Vec<String> {
    let defaults = figment::value::Value::serialize(Config::default()).expect("the defaults serialize");
    let mut keys = Vec::new();
    for (section, fields) in defaults.into_dict().expect("settings are sections") {
        for (name, _) in fields.into_dict().expect("a section holds settings") {
            keys.push(format!("{section}.{name}"));
        }
    }
    keys
}

/// The environment variable named after setting `key`: `limits.max_in_flight` is
/// `MARQUEE_LIMITS_MAX_IN_FLIGHT`.
pub fn env_name(key: &str) -> String {
    format!("MARQUEE_{}", key.replace('.', "_").to_ascii_uppercase())
}

/// Every environment variable that sets a setting, with the setting's key: the aliases first, so a
/// variable named after the setting wins over its alias.
pub fn env_variables() -> Vec<(String, String)> {
    let aliases = ENV_ALIASES.iter().map(|(var, key)| (var.to_string(), key.to_string()));
    aliases.chain(setting_keys().into_iter().map(|key| (env_name(&key), key))).collect()
}

impl Config {
    /// Reads `path` (a missing default file means built-in defaults), then applies the environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("Leptos.toml"), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::from_sources(&path, text.as_deref(), |name| std::env::var(name).ok())
    }

    /// The defaults, then the settings file's `text` (read from `path`), then what `env` (the
    /// environment; tests pass their own) sets; checked.
    pub fn from_sources(
        path: &Path,
        text: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut layers = Figment::from(Serialized::defaults(Config::default()));
        if let Some(text) = text {
            layers = layers.merge(Toml::string(text));
        }
        // Every value from the environment is text: read as a number, a flag (true/false, yes/no,
        // on/off, 1/0) or a comma-separated list where the setting is one.
        let mut from_env: Vec<(String, String, String)> = Vec::new();
        for (var, key) in env_variables() {
            if let Some(value) = env(&var).filter(|v| !v.trim().is_empty()) {
                layers = layers.merge(Serialized::default(&key, value.trim().to_string()));
                from_env.push((var, key, value));
            }
        }
        let mut config: Config = layers.extract_lossy().map_err(|error| {
            let key = error.path.join(".");
            let expected = expected(&error.kind);
            match from_env.iter().rev().find(|(_, set, _)| *set == key) {
                Some((var, _, value)) => ConfigError::Env { var: var.clone(), value: value.clone(), expected },
                None if key.is_empty() => ConfigError::Parse { path: path.to_path_buf(), message: expected },
                None => ConfigError::Parse { path: path.to_path_buf(), message: format!("{key}: {expected}") },
            }
        })?;
        config.tidy();
        config.validate()?;
        Ok(config)
    }

    /// Parses a settings file's text alone (no environment).
    pub fn from_toml(text: &str) -> Result<Self, String> {
        Self::from_sources(Path::new("Leptos.toml"), Some(text), |_| None).map_err(|e| e.to_string())
    }

    /// Forgives what people type around values, wherever they came from.
    fn tidy(&mut self) {
        self.accounts.registration = self.accounts.registration.trim().to_ascii_lowercase();
        self.club.webhook_url = self.club.webhook_url.trim().to_string();
        self.club.public_url = self.club.public_url.trim().trim_end_matches('/').to_string();
        self.posters.dir = self.posters.dir.trim().to_string();
    }

    /// Stops start-up on a setting no value of its type would make sense for, naming it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.check_addresses()?;
        self.check_numbers()?;
        self.check_choices()
    }

    fn check_addresses(&self) -> Result<(), ConfigError> {
        let invalid = |name, message| Err(ConfigError::Invalid { name, message });
        if self.site.addr.parse::<std::net::SocketAddr>().is_err() {
            return invalid("site.addr", format!("{:?} is not an address like 127.0.0.1:3000", self.site.addr));
        }
        if let Some(bad) = self.site.trusted_proxies.iter().find(|a| a.parse::<std::net::IpAddr>().is_err()) {
            return invalid("site.trusted_proxies", format!("{bad:?} is not an IP address like 10.0.0.5"));
        }
        let host_name =
            |h: &String| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if let Some(bad) = self.posters.hosts.iter().find(|h| !host_name(h)) {
            return invalid("posters.hosts", format!("{bad:?} is not a host name like m.media-amazon.com"));
        }
        if !(self.imdb.base_url.starts_with("http://") || self.imdb.base_url.starts_with("https://")) {
            return invalid("imdb.base_url", format!("{:?} must start with http:// or https://", self.imdb.base_url));
        }
        for (name, url) in [("club.webhook_url", &self.club.webhook_url), ("club.public_url", &self.club.public_url)] {
            if !url.is_empty() && url.parse::<reqwest::Url>().map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
            {
                return invalid(name, format!("{url:?} must be empty or an address starting with http:// or https://"));
            }
        }
        Ok(())
    }

    fn check_numbers(&self) -> Result<(), ConfigError> {
        const ANY: i128 = i128::MAX;
        let (limits, pages) = (&self.limits, &self.pages);
        let ranges: [(&'static str, i128, std::ops::RangeInclusive<i128>, &str); 16] = [
            ("predictions.min_dimensions", self.predictions.min_dimensions.into(), 1..=5, " (of the five dimensions)"),
            ("posters.max_bytes", self.posters.max_bytes as i128, 10_000..=50_000_000, " bytes"),
            ("posters.timeout_ms", self.posters.timeout_ms as i128, 100..=120_000, " milliseconds"),
            ("limits.max_in_flight", limits.max_in_flight as i128, 1..=ANY, ""),
            ("limits.header_timeout_secs", limits.header_timeout_secs.into(), 1..=3600, " seconds"),
            ("limits.body_timeout_secs", limits.body_timeout_secs.into(), 1..=3600, " seconds"),
            ("limits.request_timeout_secs", limits.request_timeout_secs.into(), 1..=3600, " seconds"),
            ("limits.shutdown_grace_secs", limits.shutdown_grace_secs.into(), 1..=3600, " seconds"),
            ("database.listener_ping_secs", self.database.listener_ping_secs.into(), 1..=3600, " seconds"),
            ("limits.live_keep_alive_secs", limits.live_keep_alive_secs.into(), 1..=300, " seconds"),
            ("database.max_connections", self.database.max_connections.into(), 1..=ANY, ""),
            ("accounts.session_days", self.accounts.session_days.into(), 1..=365, " days"),
            ("accounts.proposal_limit", self.accounts.proposal_limit.into(), 0..=100, ""),
            ("imdb.timeout_ms", self.imdb.timeout_ms.into(), 1..=ANY, " milliseconds"),
            ("imdb.refresh_lease_secs", self.imdb.refresh_lease_secs.into(), 3..=ANY, " seconds"),
            (
                "limits.live_streams_per_client",
                limits.live_streams_per_client.into(),
                1..=limits.live_streams as i128,
                " (limits.live_streams)",
            ),
        ];
        for (name, value, allowed, unit) in ranges {
            if !allowed.contains(&value) {
                let (low, high) = (allowed.start(), allowed.end());
                let message = match *high {
                    ANY => format!("must be at least {low}{unit}, not {value}"),
                    _ => format!("must be from {low} to {high}{unit}, not {value}"),
                };
                return Err(ConfigError::Invalid { name, message });
            }
        }
        for (name, size) in
            [("pages.proposals", pages.proposals), ("pages.watched", pages.watched), ("pages.movies", pages.movies)]
        {
            if size == 0 || size > pages.max_page_size {
                return Err(ConfigError::Invalid {
                    name,
                    message: format!("must be between 1 and pages.max_page_size ({})", pages.max_page_size),
                });
            }
        }
        Ok(())
    }

    fn check_choices(&self) -> Result<(), ConfigError> {
        if !matches!(self.accounts.registration.as_str(), "open" | "invite") {
            return Err(ConfigError::Invalid {
                name: "accounts.registration",
                message: format!("{:?} must be \"open\" or \"invite\"", self.accounts.registration),
            });
        }
        if !(self.imdb.requests_per_second > 0.0 && self.imdb.requests_per_second <= 50.0) {
            return Err(ConfigError::Invalid {
                name: "imdb.requests_per_second",
                message: format!("must be above 0 and at most 50, not {}", self.imdb.requests_per_second),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn with_env(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_sources(Path::new("Leptos.toml"), None, move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn shipped_settings_file_parses_and_validates() {
        let text = include_str!("../../../Leptos.toml");
        let config = Config::from_toml(text).expect("Leptos.toml parses");
        assert_eq!(config.site.addr, "127.0.0.1:3000");
        assert_eq!(config.database.url, "sqlite://data/marquee.db");
    }

    #[test]
    fn the_settings_file_lists_every_setting_with_its_default_and_variable() {
        let text = include_str!("../../../Leptos.toml");
        let file: toml::Table = toml::from_str(text).unwrap();
        let defaults = toml::Value::try_from(Config::default()).unwrap();
        let keys = setting_keys();
        let mut in_file = BTreeSet::new();
        for (section, fields) in &file {
            for (name, value) in fields.as_table().unwrap() {
                let key = format!("{section}.{name}");
                assert_eq!(
                    Some(value),
                    defaults.get(section).and_then(|s| s.get(name)),
                    "{key}: file and default differ"
                );
                in_file.insert(key);
            }
        }
        assert_eq!(in_file, keys.iter().cloned().collect::<BTreeSet<_>>(), "Leptos.toml lists every setting once");
        let variables = env_variables();
        for key in &keys {
            let name = key.rsplit('.').next().unwrap();
            let section = format!("[{}]", key.split('.').next().unwrap());
            let line = text
                .lines()
                .skip_while(|l| !l.starts_with(&section))
                .find(|l| l.split('=').next().unwrap().trim() == name)
                .unwrap();
            assert!(
                variables.iter().any(|(var, set)| set == key && line.contains(&format!("# {var}"))),
                "Leptos.toml: the line of {key} names none of its environment variables: {line}"
            );
        }
    }

    #[test]
    fn the_readme_names_only_real_variables() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let variables = env_variables();
        let named: Vec<&str> = readme
            .lines()
            .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
            .filter(|v| v.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .collect();
        assert!(named.len() > 20, "found the settings table: {named:?}");
        for var in named {
            assert!(
                ["RUST_LOG", "MARQUEE_CONFIG"].contains(&var) || variables.iter().any(|(v, _)| v == var),
                "README names {var}, which sets nothing"
            );
        }
    }

    #[test]
    fn environment_overrides_the_file() {
        let config = with_env(&[
            ("DATABASE_URL", "postgres://u@127.0.0.1:5432/m"),
            ("MARQUEE_PAGE_MOVIES", "12"),
            ("MARQUEE_HTTPS", "yes"),
            ("MARQUEE_ACCOUNTS_LOCKOUT_MINUTES", " 7 "),
            ("MARQUEE_POSTER_HOSTS", "a.example, b.example,"),
            ("MARQUEE_SECRET", "12345"),
            ("MARQUEE_PUBLIC_URL", "https://club.example/"),
        ])
        .unwrap();
        assert_eq!(config.database.url, "postgres://u@127.0.0.1:5432/m");
        assert_eq!(config.pages.movies, 12);
        assert!(config.site.https);
        assert_eq!(config.accounts.lockout_minutes, 7);
        assert_eq!(config.posters.hosts, ["a.example", "b.example"]);
        assert_eq!(config.site.secret, "12345");
        assert_eq!(config.club.public_url, "https://club.example");
        let file = "[pages]\nmovies = 30\n[site]\ntrusted_proxies = [\"10.0.0.5\"]\n";
        let config = Config::from_sources(Path::new("x.toml"), Some(file), |var| {
            (var == "MARQUEE_PAGES_MOVIES").then(|| "40".to_string())
        })
        .unwrap();
        assert_eq!((config.pages.movies, config.site.trusted_proxies), (40, vec!["10.0.0.5".to_string()]));
        // The name after the setting wins over its alias.
        let config = with_env(&[("MARQUEE_PAGE_MOVIES", "12"), ("MARQUEE_PAGES_MOVIES", "13")]).unwrap();
        assert_eq!(config.pages.movies, 13);
    }

    #[test]
    fn bad_environment_value_names_the_variable() {
        let err = with_env(&[("MARQUEE_DB_MAX_CONNECTIONS", "many")]).unwrap_err();
        assert!(
            err.to_string().contains("MARQUEE_DB_MAX_CONNECTIONS=\"many\" is not valid: expected a whole number"),
            "{err}"
        );
        let err = with_env(&[("MARQUEE_HTTPS", "maybe")]).unwrap_err();
        assert!(err.to_string().contains("MARQUEE_HTTPS=\"maybe\" is not valid: expected true or false"), "{err}");
        let err = with_env(&[("MARQUEE_LIMITS_MAX_IN_FLIGHT", "0")]).unwrap_err();
        assert!(err.to_string().contains("limits.max_in_flight"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        let err = Config::from_toml("[site]\nadress = \"x\"").unwrap_err();
        assert!(err.contains("Leptos.toml is not valid: site.adress: there is no setting \"adress\""), "{err}");
        let err = Config::from_toml("[limits]\nmax_in_flight = \"lots\"").unwrap_err();
        assert!(err.ends_with("limits.max_in_flight: expected a whole number"), "{err}");
        assert!(Config::from_toml("[pages]\npredictions = 25").unwrap_err().contains("predictions"));
        assert!(Config::from_toml("[site\naddr = 1").is_err());
        let mut config = Config::default();
        config.site.addr = "localhost".into();
        assert!(config.validate().unwrap_err().to_string().contains("site.addr"));
        let mut config = Config::default();
        config.pages.movies = 1000;
        assert!(config.validate().is_err());
    }
}
