//! One server at a time for a background job, on both backends: a lease that its holder renews,
//! that nobody else can take meanwhile, and that another server takes over once the holder stops.

use crate::common;

use marquee::server::db::{leases, Db};
use marquee::server::services::leases::Lease;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_lease_has_one_holder_until_it_runs_out(t) {
        let db = &t.db;
        assert!(leases::acquire(db, "job", "a", 100, 130).await.unwrap(), "{}: free", t.label);
        assert!(!leases::acquire(db, "job", "b", 110, 140).await.unwrap(), "{}: held by a", t.label);
        assert!(leases::acquire(db, "job", "a", 120, 150).await.unwrap(), "{}: a renews", t.label);
        assert!(!leases::acquire(db, "job", "b", 149, 179).await.unwrap(), "{}: still a's", t.label);
        assert!(leases::acquire(db, "job", "b", 150, 180).await.unwrap(), "{}: a's ran out", t.label);
        assert!(!leases::acquire(db, "job", "a", 151, 181).await.unwrap(), "{}: now b's", t.label);
        assert!(leases::acquire(db, "other job", "a", 151, 181).await.unwrap(), "{}: per job", t.label);
        leases::release(db, "job", "a").await.unwrap();
        assert!(!leases::acquire(db, "job", "a", 152, 182).await.unwrap(), "{}: a cannot release b's", t.label);
        leases::release(db, "job", "b").await.unwrap();
        assert!(leases::acquire(db, "job", "a", 152, 182).await.unwrap(), "{}: released", t.label);
    }
}

async fn until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn another_server_takes_over_when_the_holder_stops(t) {
        // Two servers: their own pools and their own leases for one job, renewed every ~0.7 s.
        let other = Db::connect(&t.url, 2, Duration::from_secs(10)).await.unwrap();
        let (a, b) = (
            Lease::new("refresh", "server-a", Duration::from_secs(2)),
            Lease::new("refresh", "server-b", Duration::from_secs(2)),
        );
        let (a_gained, b_gained) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let flag = |f: &Arc<AtomicBool>| {
            let f = f.clone();
            move || f.store(true, Ordering::SeqCst)
        };
        let keep_a = a.keep(t.db.clone(), flag(&a_gained));
        assert!(until(Duration::from_secs(10), || a.held()).await, "{}: a takes the free lease", t.label);
        let keep_b = b.keep(other.clone(), flag(&b_gained));
        // While a keeps renewing, b never holds it.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert!(a.held() && !b.held() && !b_gained.load(Ordering::SeqCst), "{}", t.label);
        assert!(a_gained.load(Ordering::SeqCst), "{}", t.label);
        // a's server dies: its renewals stop. b holds the lease once a's has run out.
        keep_a.abort();
        assert!(until(Duration::from_secs(10), || b.held()).await, "{}: b takes over", t.label);
        assert!(b_gained.load(Ordering::SeqCst), "{}: and is told so", t.label);
        assert!(!a.renew(&t.db).await, "{}: a, back, does not take it back", t.label);
        keep_b.abort();
        other.close().await;
    }
}
