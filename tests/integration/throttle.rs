//! Sign-in limits, counted in the database on both backends: per account, per address, a success
//! starts the count again, parallel guesses cannot pass the limit, and two servers on one database
//! share the count.

use crate::common;

use marquee::server::db::Db;
use marquee::server::services::accounts::SignInThrottle;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn repeated_failures_pause_the_account_then_the_address(t) {
        let throttle = SignInThrottle::new(3, 5, Duration::from_secs(60));
        let db = &t.db;
        for _ in 0..3 {
            assert!(throttle.begin(db, "ada", ip("127.0.0.1")).await.is_ok(), "{}", t.label);
        }
        assert_eq!(throttle.begin(db, "ada", ip("127.0.0.1")).await.unwrap_err().status(), 429, "{}", t.label);
        assert!(throttle.begin(db, "ben", ip("127.0.0.1")).await.is_ok(), "{}: other accounts go on", t.label);
        assert!(throttle.begin(db, "chloe", ip("127.0.0.1")).await.is_ok(), "{}", t.label);
        let paused = throttle.begin(db, "dev", ip("127.0.0.1")).await.unwrap_err();
        assert_eq!(paused.status(), 429, "{}: the address is paused after 5", t.label);
        assert!(throttle.begin(db, "dev", ip("10.0.0.2")).await.is_ok(), "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn addresses_of_one_ipv6_64_block_share_one_allowance(t) {
        let throttle = SignInThrottle::new(10, 3, Duration::from_secs(60));
        let db = &t.db;
        // A client rotating through its /64 is still one address to the limit.
        for (k, addr) in ["2001:db8:7:9::1", "2001:db8:7:9::2", "2001:db8:7:9:abcd::3"].iter().enumerate() {
            assert!(throttle.begin(db, &format!("v6user{k}"), ip(addr)).await.is_ok(), "{}", t.label);
        }
        let paused = throttle.begin(db, "v6user9", ip("2001:db8:7:9:ffff::4")).await.unwrap_err();
        assert_eq!(paused.status(), 429, "{}: the /64 is paused after 3", t.label);
        assert!(throttle.begin(db, "v6user9", ip("2001:db8:7:a::1")).await.is_ok(), "{}: the next /64 is not", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_success_starts_the_count_again(t) {
        let throttle = SignInThrottle::new(2, 3, Duration::from_secs(60));
        for _ in 0..5 {
            assert!(throttle.begin(&t.db, "ada", ip("127.0.0.1")).await.is_ok(), "{}", t.label);
            throttle.succeeded(&t.db, "ada", ip("127.0.0.1")).await.unwrap();
        }
        assert!(throttle.begin(&t.db, "ada", ip("127.0.0.1")).await.is_ok(), "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parallel_attempts_cannot_pass_the_limit(t) {
        let throttle = Arc::new(SignInThrottle::new(5, 100, Duration::from_secs(60)));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (throttle, db) = (throttle.clone(), t.db.clone());
                tokio::spawn(async move {
                    let mut admitted = 0;
                    for _ in 0..4 {
                        admitted += usize::from(throttle.begin(&db, "ada", None).await.is_ok());
                    }
                    admitted
                })
            })
            .collect();
        let mut admitted = 0;
        for task in tasks {
            admitted += task.await.unwrap();
        }
        assert_eq!(admitted, 5, "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_servers_on_one_database_share_the_count(t) {
        // Two processes' worth of state: separate throttles and separate connection pools.
        let other = Db::connect(&t.url, 2, Duration::from_secs(10)).await.unwrap();
        let (a, b) =
            (SignInThrottle::new(5, 20, Duration::from_secs(60)), SignInThrottle::new(5, 20, Duration::from_secs(60)));
        for k in 0..5 {
            let (throttle, db) = if k % 2 == 0 { (&a, &t.db) } else { (&b, &other) };
            assert!(throttle.begin(db, "ada", ip("192.0.2.1")).await.is_ok(), "{}", t.label);
        }
        assert_eq!(a.begin(&t.db, "ada", ip("192.0.2.1")).await.unwrap_err().status(), 429, "{}", t.label);
        assert_eq!(b.begin(&other, "ada", ip("192.0.2.1")).await.unwrap_err().status(), 429, "{}", t.label);
        other.close().await;
    }
}
