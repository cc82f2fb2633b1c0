//! The IMDb metadata cache and search proxy against a fake IMDb API on loopback, through every
//! failure the real one has; on both backends.

use crate::common;

use common::fake_imdb::{title, FakeImdb, Mode};
use common::TestServer;
use marquee::server::db::{on_pool, Db};
use marquee::server::services::imdb::ImdbClient;
use marquee::server::services::refresher::{refresh_once, RefreshReport, RetryPolicy};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

fn quick() -> RetryPolicy {
    RetryPolicy { attempts: 3, first_backoff: Duration::from_millis(20), max_retry_after: Duration::from_secs(2) }
}

fn client(fake: &FakeImdb, timeout_ms: u64) -> ImdbClient {
    let config = marquee::server::config::ImdbConfig {
        base_url: fake.base.clone(),
        timeout_ms,
        requests_per_second: 50.0,
        ..Default::default()
    };
    ImdbClient::new(&config)
}

#[derive(Debug)]
struct Cached {
    title: Option<String>,
    plot: Option<String>,
    runtime_minutes: Option<i32>,
    cached_at: Option<i64>,
    last_fetch_error: Option<String>,
    fetch_failures: i64,
    next_fetch_at: Option<i64>,
}
marquee::from_row!(Cached { title, plot, runtime_minutes, cached_at, last_fetch_error, fetch_failures, next_fetch_at });

async fn cached(db: &Db, imdb_id: &str) -> Cached {
    on_pool!(db, |pool| sqlx::query_as::<_, Cached>(
        "SELECT title, plot, runtime_minutes, cached_at, last_fetch_error, fetch_failures, next_fetch_at \
         FROM proposals WHERE imdb_id = $1"
    )
    .bind(imdb_id)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// A club with one member and proposals for `ids` (no metadata yet).
async fn club(server: &TestServer, ids: &[&str]) -> common::Member {
    let ben = server.register("ben").await;
    for id in ids {
        let p = server.post("/api/propose", &[("imdb", id)], Some(&ben)).await;
        assert_eq!(p.status, 200, "{}", p.body);
    }
    ben
}

async fn pass(db: &Db, client: &ImdbClient) -> RefreshReport {
    refresh_once(db, client, DAY, 100, &quick(), |_, _| {}).await.unwrap()
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn refresher_fills_missing_metadata_in_batches_of_five(t) {
        let fake = FakeImdb::start().await;
        let ids: Vec<String> = (1..=7).map(|i| format!("tt100000{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            fake.add(title(id, &format!("Film {i}"), 2021));
        }
        let server = TestServer::start(t.db.clone()).await;
        let ben = club(&server, &ids.iter().map(String::as_str).collect::<Vec<_>>()).await;
        // Before the refresher runs, the page renders with placeholders and never calls the API.
        let (status, html) = server.get_as("/vote", Some(&ben)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Details are on their way from IMDb."), "{}", t.label);
        assert!(fake.calls().is_empty(), "{}: page requests never call the API", t.label);

        let imdb = client(&fake, 2_000);
        // As the server's refresh job does: each stored batch moves the club pages' version on.
        let version = server.state.club_version.clone();
        let report = refresh_once(&t.db, &imdb, DAY, 100, &quick(), |_, _| version.bump()).await.unwrap();
        assert_eq!((report.due, report.fetched, report.requests), (7, 7, 2), "{}: {report}", t.label);
        assert!(fake.calls().iter().all(|c| c.matches("titleIds=").count() <= 5), "{:?}", fake.calls());
        let c = cached(&t.db, "tt1000001").await;
        assert_eq!(c.title.as_deref(), Some("Film 0"));
        assert_eq!(c.plot.as_deref(), Some("The plot of Film 0."), "{}: the plot is a plain string", t.label);
        assert_eq!(c.runtime_minutes, Some(105), "{}: runtimeSeconds are seconds", t.label);
        assert!(c.cached_at.is_some() && c.last_fetch_error.is_none());

        // Fresh entries are not fetched again.
        fake.clear_calls();
        let again = pass(&t.db, &imdb).await;
        assert_eq!((again.due, again.requests), (0, 0), "{}", t.label);
        let (_, html) = server.get_as("/vote", Some(&ben)).await;
        assert!(html.contains("The plot of Film 3.") && html.contains("1h 45m"), "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn unknown_titles_back_off_instead_of_being_retried_every_cycle(t) {
        let fake = FakeImdb::start().await;
        fake.add(title("tt2000001", "Known", 2022));
        let server = TestServer::start(t.db.clone()).await;
        club(&server, &["tt2000001", "tt2000002"]).await;
        let imdb = client(&fake, 2_000);
        let report = pass(&t.db, &imdb).await;
        assert_eq!((report.fetched, report.not_found), (1, 1), "{}: {report}", t.label);
        let broken = cached(&t.db, "tt2000002").await;
        assert_eq!(broken.fetch_failures, 1);
        assert!(broken.last_fetch_error.as_deref().unwrap().contains("not found"));
        let wait = broken.next_fetch_at.unwrap() - marquee::server::db::now();
        assert!((250..=300).contains(&wait), "{}: first backoff about 5 minutes, got {wait}s", t.label);

        fake.clear_calls();
        let next = pass(&t.db, &imdb).await;
        assert_eq!((next.due, next.requests, next.skipped), (0, 0, 1), "{}: {next}", t.label);
        assert!(fake.calls().is_empty());

        // When the backoff runs out and it fails again, the next wait is twice as long.
        on_pool!(&t.db, |pool| sqlx::query("UPDATE proposals SET next_fetch_at = 0")
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        fake.set_mode(Mode::NotFound);
        let third = pass(&t.db, &imdb).await;
        assert_eq!(third.not_found, 1, "{}: a 404 for the whole batch: {third}", t.label);
        let broken = cached(&t.db, "tt2000002").await;
        assert_eq!(broken.fetch_failures, 2);
        let wait = broken.next_fetch_at.unwrap() - marquee::server::db::now();
        assert!((550..=600).contains(&wait), "{}: second backoff about 10 minutes, got {wait}s", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn throttling_is_honoured_and_retried(t) {
        let fake = FakeImdb::start().await;
        fake.add(title("tt3000001", "Patient", 2023));
        let server = TestServer::start(t.db.clone()).await;
        club(&server, &["tt3000001"]).await;
        fake.set_mode(Mode::Throttle { retry_after: 1, times: 1 });
        let imdb = client(&fake, 2_000);
        let started = std::time::Instant::now();
        let report = pass(&t.db, &imdb).await;
        assert_eq!((report.throttled, report.retries, report.fetched), (1, 1, 1), "{}: {report}", t.label);
        assert!(started.elapsed() >= Duration::from_millis(950), "{}: waited for Retry-After", t.label);

        // Throttled for longer than a pass will wait: the rest is deferred, nothing marked broken.
        on_pool!(&t.db, |pool| sqlx::query("UPDATE proposals SET cached_at = 0")
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        fake.set_mode(Mode::Throttle { retry_after: 120, times: 5 });
        let report = pass(&t.db, &imdb).await;
        assert_eq!((report.deferred, report.failed, report.fetched), (1, 0, 0), "{}: {report}", t.label);
        let c = cached(&t.db, "tt3000001").await;
        assert_eq!(c.fetch_failures, 0, "{}", t.label);
        assert_eq!(c.title.as_deref(), Some("Patient"), "{}: cached data kept", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn server_errors_timeouts_and_bad_json_keep_the_cached_data(t) {
        let fake = FakeImdb::start().await;
        fake.add(title("tt4000001", "Before The Outage", 2020));
        let server = TestServer::start(t.db.clone()).await;
        let ben = club(&server, &["tt4000001"]).await;
        let imdb = client(&fake, 300);
        assert_eq!(pass(&t.db, &imdb).await.fetched, 1);

        for (mode, needle) in [
            (Mode::ServerError, "HTTP 500"),
            (Mode::Slow(Duration::from_millis(1_500)), "did not answer"),
            (Mode::BadJson, "cannot read"),
        ] {
            on_pool!(&t.db, |pool| sqlx::query(
                "UPDATE proposals SET cached_at = 0, next_fetch_at = NULL, fetch_failures = 0"
            )
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
            fake.set_mode(mode.clone());
            fake.clear_calls();
            let report = pass(&t.db, &imdb).await;
            assert_eq!((report.failed, report.fetched, report.requests), (1, 0, 3), "{}: {mode:?}: {report}", t.label);
            assert_eq!(report.retries, 2, "{}: {mode:?}", t.label);
            let c = cached(&t.db, "tt4000001").await;
            assert_eq!(c.title.as_deref(), Some("Before The Outage"), "{}: {mode:?} lost the cached title", t.label);
            assert_eq!(c.plot.as_deref(), Some("The plot of Before The Outage."));
            assert!(c.last_fetch_error.as_deref().unwrap().contains(needle), "{}: {:?}", t.label, c.last_fetch_error);
            assert!(c.next_fetch_at.is_some(), "{}: failures back off", t.label);
            // The page still renders the stale data, quickly, without touching the API.
            fake.clear_calls();
            let started = std::time::Instant::now();
            let (status, html) = server.get_as("/vote", Some(&ben)).await;
            assert_eq!(status, 200);
            assert!(html.contains("Before The Outage"), "{}", t.label);
            assert!(started.elapsed() < Duration::from_secs(1) && fake.calls().is_empty(), "{}", t.label);
        }
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn search_is_proxied_cached_and_fails_politely(t) {
        let fake = FakeImdb::start().await;
        fake.add(title("tt5000001", "Past Lives", 2023));
        fake.add(title("tt5000002", "Past Lives Again", 2025));
        let base = fake.base.clone();
        let server = TestServer::start_with(t.db.clone(), move |c| {
            c.imdb.base_url = base;
            c.imdb.timeout_ms = 500;
            c.imdb.requests_per_second = 50.0;
        })
        .await;
        let ben = server.register("ben").await;
        let (status, body) = server.get_as("/api/search_titles?query=past%20lives", Some(&ben)).await;
        assert_eq!(status, 200, "{}: {body}", t.label);
        let hits: Vec<marquee::model::SearchHit> = serde_json::from_str(&body).unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].title, "Past Lives");
        assert_eq!(hits[0].year, Some(2023));
        // The page gets Marquee's own poster when it has one, never the outside address.
        assert_eq!((hits[0].poster_url.as_deref(), hits[0].poster.as_deref()), (None, None));
        // The same search again is answered from the cache.
        server.get_as("/api/search_titles?query=Past%20Lives", Some(&ben)).await;
        assert_eq!(fake.calls().iter().filter(|c| c.starts_with("search")).count(), 1, "{}", t.label);

        // Proposing a result starts with its title at once.
        let p = server.post("/api/propose", &[("imdb", "tt5000001")], Some(&ben)).await;
        assert_eq!(p.status, 200);
        assert_eq!(cached(&t.db, "tt5000001").await.title.as_deref(), Some("Past Lives"), "{}", t.label);

        for bad in ["", "a", &"x".repeat(101)] {
            let (status, _) = server.get_as(&format!("/api/search_titles?query={bad}"), Some(&ben)).await;
            assert_eq!(status, 400, "{}: {bad:?}", t.label);
        }
        fake.set_mode(Mode::ServerError);
        let (status, body) = server.get_as("/api/search_titles?query=heat", Some(&ben)).await;
        assert_eq!(status, 503, "{}: {body}", t.label);
        fake.set_mode(Mode::Slow(Duration::from_secs(2)));
        let started = std::time::Instant::now();
        let (status, _) = server.get_as("/api/search_titles?query=thief", Some(&ben)).await;
        assert_eq!(status, 503, "{}", t.label);
        assert!(started.elapsed() < Duration::from_millis(1_500), "{}: timed out at the configured 500 ms", t.label);
        // Without JavaScript, the search runs when the page renders.
        fake.set_mode(Mode::Normal);
        let (status, html) = server.get_as("/propose?q=past", Some(&ben)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Past Lives Again") && html.contains("data-imdb=\"tt5000002\""), "{}", t.label);
    }
}

/// Three calls, one after another.
async fn three_calls(client: &ImdbClient) {
    for _ in 0..3 {
        client.batch_get(&["tt0111161".to_string()]).await.unwrap();
    }
}

/// The gaps between calls as the fake API saw them arrive.
fn gaps(fake: &FakeImdb) -> Vec<Duration> {
    let mut times = fake.call_times();
    times.sort();
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Two servers' clients on one PostgreSQL keep to the rate together: their calls arrive an
/// interval apart, where two clients pacing alone call at the same moments.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_sharing_postgres_share_the_imdb_pace() {
    let Some(t) = common::postgres().await else { return };
    let fake = FakeImdb::start().await;
    fake.add(title("tt0111161", "The Shawshank Redemption", 1994));
    let config = marquee::server::config::ImdbConfig {
        base_url: fake.base.clone(),
        timeout_ms: 2000,
        requests_per_second: 4.0,
        ..Default::default()
    };

    // Pacing alone, each client calls at once: two calls arrive together.
    let (a, b) = (ImdbClient::new(&config), ImdbClient::new(&config));
    tokio::join!(three_calls(&a), three_calls(&b));
    let alone = gaps(&fake);
    assert!(alone.iter().any(|g| *g < Duration::from_millis(100)), "{alone:?}");

    // Sharing the database's pacer, every call waits its turn: a quarter second apart.
    fake.clear_calls();
    let (a, b) = (ImdbClient::new(&config).shared_with(&t.db), ImdbClient::new(&config).shared_with(&t.db));
    tokio::join!(three_calls(&a), three_calls(&b));
    let shared = gaps(&fake);
    assert_eq!(shared.len(), 5, "{shared:?}");
    assert!(shared.iter().all(|g| *g >= Duration::from_millis(200)), "{shared:?}");
}
