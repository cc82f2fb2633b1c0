//! A moka cache that counts its hits and misses for /metrics and the dashboard.

use super::*;
use crate::server::cache::{AsyncCache, Expiry};

/// A moka cache (async computation) with hit, miss and compute-time counters.
pub struct MeasuredCache<K, V> {
    cache: AsyncCache<K, V>,
    stats: CacheStats,
}

impl<K, V> MeasuredCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub(super) fn new(name: &'static str, capacity: u64, ttl_secs: u64) -> Self {
        MeasuredCache {
            cache: AsyncCache::new(capacity, Expiry::live(Duration::from_secs(ttl_secs.max(1)))),
            stats: CacheStats::new(name),
        }
    }

    /// The cached value, or `compute`'s (once, however many ask at the same time). Errors are not cached.
    pub(super) async fn get(
        &self,
        key: K,
        compute: impl Future<Output = Result<V, AppError>> + Send,
    ) -> Result<V, AppError> {
        let missed = std::sync::atomic::AtomicBool::new(false);
        let result = self
            .cache
            .try_get_with(key, async {
                missed.store(true, std::sync::atomic::Ordering::Relaxed);
                let started = Instant::now();
                let value = compute.await;
                self.stats.add_compute(started.elapsed());
                value
            })
            .await
            .map_err(|e: Arc<AppError>| (*e).clone());
        self.stats.looked_up(missed.load(std::sync::atomic::Ordering::Relaxed));
        result
    }

    /// Drops one entry; returns how many were dropped (0 or 1).
    pub(super) async fn invalidate(&self, key: &K) -> u64 {
        self.cache.remove(key).await.is_some() as u64
    }

    /// Drops every entry; returns how many there were.
    pub(super) async fn clear(&self) -> u64 {
        let held = self.cache.entry_count().await;
        self.cache.invalidate_all();
        held
    }

    pub(super) fn figures(&self) -> CacheFigures {
        self.stats.figures()
    }
}
