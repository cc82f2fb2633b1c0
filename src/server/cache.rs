//! The server's in-memory caches: moka caches typed at their callers and erased inside.
//!
//! moka is generic over its key and value types, so each pair used to compile its own copy of the
//! concurrent map, the eviction and the housekeeping: a tenth of the server crate's generated code
//! for a dozen caches. Here every cache is one `moka::sync::Cache<Key, Value>` or one
//! `moka::future::Cache<Key, Value>` inside, and only these thin typed wrappers are per type.
//! A lookup costs one virtual call for the hash and one for the comparison; a value comes back
//! through a downcast and a clone (values are `Arc`s or small).

use std::any::Any;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A key of any hashable type; each cache holds keys of one type only.
pub trait AnyKey: Any + Send + Sync {
    fn hash_into(&self, state: &mut dyn Hasher);
    fn equals(&self, other: &dyn AnyKey) -> bool;
    fn as_any(&self) -> &dyn Any;
}

impl<T: Hash + Eq + Send + Sync + 'static> AnyKey for T {
    fn hash_into(&self, mut state: &mut dyn Hasher) {
        self.hash(&mut state);
    }

    fn equals(&self, other: &dyn AnyKey) -> bool {
        other.as_any().downcast_ref::<T>().is_some_and(|other| self == other)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Hash for dyn AnyKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_into(state);
    }
}

impl PartialEq for dyn AnyKey {
    fn eq(&self, other: &Self) -> bool {
        self.equals(other)
    }
}

impl Eq for dyn AnyKey {}

/// A stored key. It hashes and compares as the key it holds, so a lookup borrows the caller's key.
pub struct Key(Box<dyn AnyKey>);

// `Box<dyn AnyKey>` is itself an `AnyKey` (it is hashable and comparable), so these name the boxed
// key explicitly (`*self.0`): the box's own methods would compare and downcast the box.
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (*self.0).hash_into(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        (*self.0).equals(&*other.0)
    }
}

impl Eq for Key {}

impl std::borrow::Borrow<dyn AnyKey> for Key {
    fn borrow(&self) -> &(dyn AnyKey + 'static) {
        &*self.0
    }
}

type Value = Arc<dyn Any + Send + Sync>;

fn value<V: Send + Sync + 'static>(value: V) -> Value {
    Arc::new(value)
}

/// The stored value as its cache's type. A cache only ever stores its own `V` (the moka cache inside
/// is private to one `Cache<K, V>` and its clones); a value of another type would read as missing.
fn typed<V: Clone + 'static>(value: &Value) -> Option<V> {
    value.downcast_ref::<V>().cloned()
}

const OWN_TYPE: &str = "a cache stores values of its own type only";

/// How long entries are kept: from when they were stored (`live`), or from their last read (`idle`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Expiry {
    pub live: Option<Duration>,
    pub idle: Option<Duration>,
}

impl Expiry {
    pub fn live(ttl: Duration) -> Expiry {
        Expiry { live: Some(ttl), idle: None }
    }

    pub fn idle(tti: Duration) -> Expiry {
        Expiry { live: None, idle: Some(tti) }
    }
}

/// What a weighed cache counts against its capacity, per entry.
type Weigh = Arc<dyn Fn(&Key, &Value) -> u32 + Send + Sync>;

fn weigh_as<K: 'static, V: 'static>(weigh: fn(&K, &V) -> u32) -> Weigh {
    Arc::new(move |key: &Key, stored: &Value| {
        match ((*key.0).as_any().downcast_ref::<K>(), stored.downcast_ref::<V>()) {
            (Some(key), Some(stored)) => weigh(key, stored),
            _ => 1,
        }
    })
}

macro_rules! settings {
    ($builder:expr, $capacity:expr, $expiry:expr, $weigh:expr) => {{
        let mut builder = $builder.max_capacity($capacity);
        if let Some(ttl) = $expiry.live {
            builder = builder.time_to_live(ttl);
        }
        if let Some(tti) = $expiry.idle {
            builder = builder.time_to_idle(tti);
        }
        if let Some(weigh) = $weigh {
            builder = builder.weigher(move |key: &Key, stored: &Value| weigh(key, stored));
        }
        builder.build()
    }};
}

/// A cache read and filled from synchronous code (a computation on a miss runs once, however
/// many threads ask at the same time).
pub struct Cache<K, V> {
    inner: moka::sync::Cache<Key, Value>,
    types: PhantomData<fn(K) -> V>,
}

impl<K, V> Clone for Cache<K, V> {
    fn clone(&self) -> Self {
        Cache { inner: self.inner.clone(), types: PhantomData }
    }
}

impl<K, V> Cache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// At most `capacity` entries.
    pub fn new(capacity: u64, expiry: Expiry) -> Self {
        Cache::build(capacity, expiry, None)
    }

    /// At most `capacity` in the sum of `weigh` over the entries (bytes, say).
    pub fn weighed(capacity: u64, expiry: Expiry, weigh: fn(&K, &V) -> u32) -> Self {
        Cache::build(capacity, expiry, Some(weigh_as(weigh)))
    }

    fn build(capacity: u64, expiry: Expiry, weigh: Option<Weigh>) -> Self {
        Cache { inner: settings!(moka::sync::Cache::builder(), capacity, expiry, weigh), types: PhantomData }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.inner.get(key as &dyn AnyKey).as_ref().and_then(typed)
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.inner.contains_key(key as &dyn AnyKey)
    }

    pub fn insert(&self, key: K, stored: V) {
        self.inner.insert(Key(Box::new(key)), value(stored));
    }

    /// The value kept for `key`, or `compute`'s, stored.
    pub fn get_with(&self, key: K, compute: impl FnOnce() -> V) -> V {
        let compute: Box<dyn FnOnce() -> Value + '_> = Box::new(move || value(compute()));
        typed(&self.inner.get_with(Key(Box::new(key)), compute)).expect(OWN_TYPE)
    }

    pub fn remove(&self, key: &K) -> Option<V> {
        self.inner.remove(key as &dyn AnyKey).as_ref().and_then(typed)
    }

    pub fn invalidate_all(&self) {
        self.inner.invalidate_all();
    }
}

/// A cache filled by asynchronous computations (one per key at a time, however many ask).
pub struct AsyncCache<K, V> {
    inner: moka::future::Cache<Key, Value>,
    types: PhantomData<fn(K) -> V>,
}

/// What `AsyncCache::try_get_with` waits on: one boxed type, so moka compiles its waiting once.
type Computing<'a, E> = Pin<Box<dyn Future<Output = Result<Value, E>> + Send + 'a>>;

impl<K, V> AsyncCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// At most `capacity` entries.
    pub fn new(capacity: u64, expiry: Expiry) -> Self {
        AsyncCache::build(capacity, expiry, None)
    }

    /// At most `capacity` in the sum of `weigh` over the entries (bytes, say).
    pub fn weighed(capacity: u64, expiry: Expiry, weigh: fn(&K, &V) -> u32) -> Self {
        AsyncCache::build(capacity, expiry, Some(weigh_as(weigh)))
    }

    fn build(capacity: u64, expiry: Expiry, weigh: Option<Weigh>) -> Self {
        AsyncCache { inner: settings!(moka::future::Cache::builder(), capacity, expiry, weigh), types: PhantomData }
    }

    pub async fn get(&self, key: &K) -> Option<V> {
        self.inner.get(key as &dyn AnyKey).await.as_ref().and_then(typed)
    }

    pub async fn insert(&self, key: K, stored: V) {
        self.inner.insert(Key(Box::new(key)), value(stored)).await;
    }

    /// The value kept for `key`, or `compute`'s when it succeeds (an error is not kept, and every
    /// caller waiting on that computation gets it).
    pub async fn try_get_with<E: Send + Sync + 'static>(
        &self,
        key: K,
        compute: impl Future<Output = Result<V, E>> + Send,
    ) -> Result<V, Arc<E>> {
        let computing: Computing<'_, E> = Box::pin(async move { compute.await.map(value) });
        let stored = self.inner.try_get_with(Key(Box::new(key)), computing).await?;
        Ok(typed(&stored).expect(OWN_TYPE))
    }

    pub async fn remove(&self, key: &K) -> Option<V> {
        self.inner.remove(key as &dyn AnyKey).await.as_ref().and_then(typed)
    }

    /// Every value held (in no particular order).
    pub fn values(&self) -> impl Iterator<Item = V> + '_ {
        self.inner.iter().filter_map(|(_, stored)| typed(&stored))
    }

    /// How many entries are held, once pending bookkeeping has run.
    pub async fn entry_count(&self) -> u64 {
        self.inner.run_pending_tasks().await;
        self.inner.entry_count()
    }

    pub fn invalidate_all(&self) {
        self.inner.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_value_find_it_and_others_do_not() {
        let cache: Cache<(String, u32), Arc<str>> = Cache::new(10, Expiry::default());
        cache.insert(("a".into(), 1), Arc::from("first"));
        assert_eq!(cache.get(&("a".into(), 1)).as_deref(), Some("first"));
        assert_eq!(cache.get(&("a".into(), 2)), None);
        assert!(cache.contains_key(&("a".into(), 1)));
        assert_eq!(cache.remove(&("a".into(), 1)).as_deref(), Some("first"));
        assert!(!cache.contains_key(&("a".into(), 1)));
    }

    #[test]
    fn get_with_computes_once_and_then_reads() {
        let cache: Cache<u64, Vec<u8>> = Cache::new(10, Expiry::default());
        let mut runs = 0;
        assert_eq!(
            cache.get_with(7, || {
                runs += 1;
                vec![1, 2]
            }),
            vec![1, 2]
        );
        assert_eq!(
            cache.get_with(7, || {
                runs += 1;
                vec![9]
            }),
            vec![1, 2]
        );
        assert_eq!(runs, 1);
    }

    #[test]
    fn a_weighed_cache_keeps_to_its_weight() {
        let cache: Cache<u32, Vec<u8>> = Cache::weighed(100, Expiry::default(), |_, bytes| bytes.len() as u32);
        for key in 0..10 {
            cache.insert(key, vec![0; 40]);
        }
        cache.inner.run_pending_tasks();
        assert!(cache.inner.weighted_size() <= 100, "{} bytes held", cache.inner.weighted_size());
        assert!(cache.inner.entry_count() >= 1);
    }

    #[tokio::test]
    async fn errors_are_shared_and_not_kept() {
        let cache: AsyncCache<String, Arc<u32>> = AsyncCache::new(10, Expiry::live(Duration::from_secs(60)));
        let failed = cache.try_get_with("k".to_string(), async { Err::<Arc<u32>, _>("down") }).await;
        assert_eq!(failed.unwrap_err().as_ref(), &"down");
        let ok = cache.try_get_with("k".to_string(), async { Ok::<_, &str>(Arc::new(5)) }).await;
        assert_eq!(*ok.unwrap(), 5);
        assert_eq!(cache.get(&"k".to_string()).await.as_deref(), Some(&5));
        assert_eq!(cache.values().count(), 1);
        assert_eq!(cache.entry_count().await, 1);
    }
}
