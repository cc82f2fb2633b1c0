//! The IMDb JSON API client: batch look-ups for the metadata cache and title search for the
//! propose page. Every call is paced, timed out, and counted by outcome.

use crate::model::SearchHit;
use crate::server::cache::{AsyncCache, Expiry};
use serde::Deserialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The API refuses more than five ids per batch.
pub const BATCH_SIZE: usize = 5;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("title not found")]
    NotFound,
    #[error("throttled by the IMDb API")]
    Throttled { retry_after: Option<Duration> },
    #[error("the IMDb API refused the request: {0}")]
    Refused(String),
    #[error("the IMDb API failed with HTTP {0}")]
    Server(u16),
    #[error("the IMDb API did not answer within {0:?}")]
    Timeout(Duration),
    #[error("cannot reach the IMDb API: {0}")]
    Network(String),
    #[error("the IMDb API sent a response we cannot read: {0}")]
    Malformed(String),
}

impl FetchError {
    /// The metric label for this outcome.
    pub fn outcome(&self) -> &'static str {
        match self {
            FetchError::NotFound => "not_found",
            FetchError::Throttled { .. } => "throttled",
            FetchError::Refused(_) => "refused",
            FetchError::Server(_) => "server_error",
            FetchError::Timeout(_) => "timeout",
            FetchError::Network(_) => "network_error",
            FetchError::Malformed(_) => "malformed",
        }
    }

    /// Worth another try in a moment (as opposed to a problem with the ids themselves).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            FetchError::Server(_) | FetchError::Timeout(_) | FetchError::Network(_) | FetchError::Malformed(_)
        )
    }
}

/// A title as the API sends it; every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiTitle {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub primary_title: Option<String>,
    pub original_title: Option<String>,
    pub primary_image: Option<ApiImage>,
    pub start_year: Option<i32>,
    pub runtime_seconds: Option<i64>,
    #[serde(default)]
    pub genres: Vec<String>,
    pub rating: Option<ApiRating>,
    pub plot: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiImage {
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiRating {
    pub aggregate_rating: Option<f64>,
    pub vote_count: Option<i64>,
}

pub use crate::server::db::imdb_cache::CachedTitle;

impl CachedTitle {
    pub fn from_api(title: ApiTitle, json: String) -> Self {
        let text = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let rating = title.rating.unwrap_or_default();
        CachedTitle {
            imdb_id: title.id.to_ascii_lowercase(),
            title: text(title.primary_title).or_else(|| text(title.original_title)),
            year: title.start_year,
            // The API sends seconds, whatever its prose says.
            runtime_minutes: title.runtime_seconds.filter(|s| *s > 0).map(|s| ((s + 30) / 60) as i32),
            genres: (!title.genres.is_empty()).then(|| title.genres.join(", ")),
            plot: text(title.plot),
            // Kept only as where to download the poster from (`services::posters` checks the host);
            // pages never link to it.
            poster_url: text(title.primary_image.and_then(|i| i.url)).filter(|u| {
                (u.starts_with("https://") || u.starts_with("http://")) && !crate::validate::has_control(u)
            }),
            imdb_rating: rating.aggregate_rating,
            imdb_votes: rating.vote_count,
            json,
        }
    }
}

#[derive(Deserialize)]
struct TitleList {
    #[serde(default)]
    titles: Vec<serde_json::Value>,
}

/// Reads a `{"titles": [...]}` body; titles that do not parse are dropped, the rest kept.
pub fn parse_titles(body: &[u8]) -> Result<Vec<CachedTitle>, FetchError> {
    let list: TitleList = serde_json::from_slice(body).map_err(|e| FetchError::Malformed(e.to_string()))?;
    Ok(list
        .titles
        .into_iter()
        .filter_map(|value| {
            let json = value.to_string();
            serde_json::from_value::<ApiTitle>(value).ok().map(|t| CachedTitle::from_api(t, json))
        })
        .filter(|t| !t.imdb_id.is_empty())
        .collect())
}

pub struct ImdbClient {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    interval: Duration,
    next_slot: tokio::sync::Mutex<Instant>,
    /// On PostgreSQL, the slots are shared by every server (`db::pacers`), so the rate holds for
    /// the whole deployment.
    shared: Option<crate::server::db::Db>,
    searches: AsyncCache<String, Arc<Vec<SearchHit>>>,
}

impl ImdbClient {
    pub fn new(config: &crate::server::config::ImdbConfig) -> Self {
        let timeout = Duration::from_millis(config.timeout_ms);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("marquee/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client's settings are static");
        ImdbClient {
            http,
            base_url: config.base_url.trim_end_matches('/').to_string(),
            timeout,
            interval: Duration::from_secs_f64(1.0 / config.requests_per_second),
            next_slot: tokio::sync::Mutex::new(Instant::now()),
            shared: None,
            searches: AsyncCache::new(2_000, Expiry::live(Duration::from_secs(600))),
        }
    }

    /// Paces calls together with every other server on `db` (PostgreSQL; on SQLite nothing changes).
    pub fn shared_with(mut self, db: &crate::server::db::Db) -> Self {
        if matches!(db, crate::server::db::Db::Postgres(_)) {
            self.shared = Some(db.clone());
        }
        self
    }

    /// Takes a slot from the deployment's shared pacer: how long to wait for it, if it answered.
    async fn shared_slot(&self, not_before: Duration) -> Option<Duration> {
        let db = self.shared.as_ref()?;
        let interval = self.interval.as_millis() as i64;
        match crate::server::db::pacers::reserve(db, "imdb", interval, not_before.as_millis() as i64).await {
            Ok(wait) => wait.map(|ms| Duration::from_millis(ms as u64)),
            Err(err) => {
                // Paced by this server alone until the database answers again.
                tracing::warn!(%err, "the shared IMDb pacer did not answer; pacing locally");
                None
            }
        }
    }

    /// Waits for this caller's turn so that all calls together stay near the configured rate.
    async fn pace(&self) {
        if let Some(wait) = self.shared_slot(Duration::ZERO).await {
            tokio::time::sleep(wait).await;
            return;
        }
        let wait_until = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(wait_until.into()).await;
    }

    /// Holds off every caller until `pause` has passed (after a 429).
    pub async fn back_off(&self, pause: Duration) {
        if self.shared.is_some() {
            // Nobody's next call starts before the pause is over (an empty slot at its end).
            let _ = self.shared_slot(pause).await;
        }
        let mut next = self.next_slot.lock().await;
        *next = (*next).max(Instant::now() + pause);
    }

    async fn get(&self, endpoint: &'static str, url: &str) -> Result<Vec<u8>, FetchError> {
        self.pace().await;
        let started = Instant::now();
        let result = self.send(url).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(err) => err.outcome(),
        };
        metrics::counter!("imdb_requests_total", "endpoint" => endpoint, "outcome" => outcome).increment(1);
        metrics::histogram!("imdb_request_duration_seconds", "endpoint" => endpoint)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn send(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let response = self.http.get(url).send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|e| self.transport_error(e))?;
        match status {
            200..=299 => Ok(body.to_vec()),
            404 => Err(FetchError::NotFound),
            429 => Err(FetchError::Throttled { retry_after }),
            400..=499 => Err(FetchError::Refused(api_message(&body).unwrap_or_else(|| format!("HTTP {status}")))),
            _ => Err(FetchError::Server(status)),
        }
    }

    fn transport_error(&self, err: reqwest::Error) -> FetchError {
        if err.is_timeout() {
            FetchError::Timeout(self.timeout)
        } else if err.is_decode() || err.is_body() {
            FetchError::Malformed(err.to_string())
        } else {
            FetchError::Network(err.without_url().to_string())
        }
    }

    /// Up to five titles in one call. Titles the API does not know are simply absent.
    pub async fn batch_get(&self, ids: &[String]) -> Result<Vec<CachedTitle>, FetchError> {
        debug_assert!(ids.len() <= BATCH_SIZE);
        let query: Vec<String> = ids.iter().map(|id| format!("titleIds={id}")).collect();
        let url = format!("{}/titles:batchGet?{}", self.base_url, query.join("&"));
        let body = self.get("batch_get", &url).await?;
        parse_titles(&body)
    }

    /// Title search, cached for ten minutes per query.
    pub async fn search(&self, query: &str) -> Result<Arc<Vec<SearchHit>>, FetchError> {
        let key = query.to_lowercase();
        if let Some(hits) = self.searches.get(&key).await {
            crate::server::observe::cache_lookup("imdb_search", true);
            return Ok(hits);
        }
        crate::server::observe::cache_lookup("imdb_search", false);
        let mut url = reqwest::Url::parse(&format!("{}/search/titles", self.base_url))
            .map_err(|e| FetchError::Network(e.to_string()))?;
        url.query_pairs_mut().append_pair("query", query).append_pair("limit", "12");
        let body = self.get("search", url.as_str()).await?;
        let hits: Vec<SearchHit> = parse_titles(&body)?
            .into_iter()
            .filter_map(|t| {
                Some(SearchHit {
                    kind: serde_json::from_str::<ApiTitle>(&t.json).ok().and_then(|a| a.kind),
                    title: t.title?,
                    imdb_id: t.imdb_id,
                    year: t.year,
                    poster_url: t.poster_url,
                    imdb_rating: t.imdb_rating,
                    poster: None,
                })
            })
            .collect();
        let hits = Arc::new(hits);
        self.searches.insert(key, hits.clone()).await;
        Ok(hits)
    }

    /// A search result seen recently, to give a new proposal its title at once.
    pub fn recently_seen(&self, imdb_id: &str) -> Option<SearchHit> {
        self.searches.values().find_map(|hits| hits.iter().find(|h| h.imdb_id == imdb_id).cloned())
    }
}

fn api_message(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct ApiError {
        message: Option<String>,
    }
    serde_json::from_slice::<ApiError>(body).ok()?.message
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAWSHANK: &str = r#"{"titles":[{"id":"tt0111161","type":"movie","primaryTitle":"The Shawshank Redemption",
        "originalTitle":"The Shawshank Redemption",
        "primaryImage":{"url":"https://m.media-amazon.com/images/M/x.jpg","width":1200,"height":1800},
        "startYear":1994,"runtimeSeconds":8520,"genres":["Drama"],
        "rating":{"aggregateRating":9.3,"voteCount":3000000},
        "metacritic":{"url":"https://www.metacritic.com/movie/x","score":82,"reviewCount":22},
        "plot":"A banker convicted of uxoricide forms a friendship.",
        "directors":[{"id":"nm0001104","displayName":"Frank Darabont"}]}]}"#;

    #[test]
    fn reads_the_documented_title_shape() {
        let titles = parse_titles(SHAWSHANK.as_bytes()).unwrap();
        assert_eq!(titles.len(), 1);
        let t = &titles[0];
        assert_eq!(t.imdb_id, "tt0111161");
        assert_eq!(t.title.as_deref(), Some("The Shawshank Redemption"));
        assert_eq!(t.year, Some(1994));
        assert_eq!(t.runtime_minutes, Some(142), "runtimeSeconds is seconds");
        assert_eq!(t.genres.as_deref(), Some("Drama"));
        assert_eq!(t.plot.as_deref(), Some("A banker convicted of uxoricide forms a friendship."));
        assert_eq!(t.imdb_rating, Some(9.3));
        assert_eq!(t.imdb_votes, Some(3_000_000));
        assert!(t.json.contains("Frank Darabont"));
    }

    #[test]
    fn missing_fields_stay_missing() {
        let titles = parse_titles(br#"{"titles":[{"id":"tt1234567"},{"nope":1}]}"#).unwrap();
        assert_eq!(titles.len(), 1, "a title without an id is dropped");
        let t = &titles[0];
        assert_eq!((t.title.clone(), t.runtime_minutes, t.genres.clone(), t.plot.clone()), (None, None, None, None));
        assert!(parse_titles(b"{}").unwrap().is_empty());
    }

    #[test]
    fn malformed_bodies_are_errors() {
        for body in [&b"<html>"[..], b"{\"titles\": 5}", b""] {
            assert!(matches!(parse_titles(body), Err(FetchError::Malformed(_))));
        }
    }

    #[test]
    fn snake_case_beta_fields_are_not_read() {
        let titles = parse_titles(br#"{"titles":[{"id":"tt1234567","runtime_minutes":90,"votes_count":5}]}"#).unwrap();
        assert_eq!(titles[0].runtime_minutes, None);
        assert_eq!(titles[0].imdb_votes, None);
    }
}
