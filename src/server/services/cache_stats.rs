//! Hits, misses and compute time of one cache, for the dashboard and `/metrics`.

use crate::model::CacheFigures;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct CacheStats {
    name: &'static str,
    lookups: AtomicU64,
    misses: AtomicU64,
    compute_micros: AtomicU64,
}

impl CacheStats {
    pub fn new(name: &'static str) -> CacheStats {
        CacheStats { name, lookups: AtomicU64::new(0), misses: AtomicU64::new(0), compute_micros: AtomicU64::new(0) }
    }

    /// Reads `key` from `cache`, computing (and timing) it on a miss; concurrent misses compute once.
    pub fn get<K, V>(&self, cache: &crate::server::cache::Cache<K, V>, key: K, compute: impl FnOnce() -> V) -> V
    where
        K: std::hash::Hash + Eq + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let mut missed = false;
        let value = cache.get_with(key, || {
            missed = true;
            self.timed(compute)
        });
        self.looked_up(missed);
        value
    }

    /// Runs a miss's computation, adding its time to the cache's compute time.
    pub fn timed<T>(&self, compute: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let value = compute();
        self.add_compute(started.elapsed());
        value
    }

    pub fn add_compute(&self, took: Duration) {
        self.compute_micros.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts one lookup, here and for the current request.
    pub fn looked_up(&self, missed: bool) {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        if missed {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        crate::server::observe::cache_lookup(self.name, !missed);
    }

    pub fn hits(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed).saturating_sub(self.misses())
    }

    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    pub fn figures(&self) -> CacheFigures {
        CacheFigures {
            name: self.name.to_string(),
            hits: self.hits(),
            misses: self.misses(),
            compute_ms: self.compute_micros.load(Ordering::Relaxed) as f64 / 1000.0,
        }
    }
}
