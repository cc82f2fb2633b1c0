//! The store of rendered pages the page cache keeps: visitors' rankings pages, and club pages.

use crate::server::cache::{Cache, Expiry};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// How long a club page is kept at most.
pub const CLUB_PAGE_TTL: Duration = Duration::from_secs(60);

pub struct CachedPage {
    pub version: u64,
    pub nonce: Arc<str>,
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// As the page was flushed: the first chunk still ends after the top items.
    pub chunks: Vec<Bytes>,
}

pub type PageCache = Cache<String, Arc<CachedPage>>;

/// The two page caches: visitors' rankings pages, and club pages.
#[derive(Clone)]
pub struct Pages {
    pub rankings: PageCache,
    pub club: PageCache,
    /// One gate per page being rendered: when many readers ask for a page that is not kept yet,
    /// one renders it and the rest wait (a little) for the copy, instead of 64 renders at once.
    pub gates: Cache<String, Arc<tokio::sync::Mutex<()>>>,
}

impl Pages {
    /// Each holds at most about 64 MiB of pages.
    pub fn new(rankings_ttl: Duration) -> Pages {
        Pages {
            rankings: new_cache(rankings_ttl, 64 << 20),
            club: new_cache(CLUB_PAGE_TTL, 64 << 20),
            gates: Cache::new(10_000, Expiry::idle(Duration::from_secs(60))),
        }
    }

    /// Whether a copy of the page at `uri` (path and query) is kept for visitors (`session` none)
    /// or for the session whose cookie holds `session`.
    pub fn holds(&self, uri: &str, session: Option<&str>) -> bool {
        (session.is_none() && self.rankings.contains_key(&uri.to_string()))
            || self.club.contains_key(&club_key(uri, session))
    }
}

pub fn club_key(uri: &str, session: Option<&str>) -> String {
    format!("{uri}\n{}", session.unwrap_or_default())
}

fn new_cache(ttl: Duration, max_bytes: u64) -> PageCache {
    Cache::weighed(max_bytes, Expiry::live(ttl), |key, page| {
        (key.len() + page.chunks.iter().map(|c| c.len()).sum::<usize>()).try_into().unwrap_or(u32::MAX)
    })
}
