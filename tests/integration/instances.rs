//! Two real server processes on one PostgreSQL database, as behind a load balancer: a change on one
//! reaches the other's caches and rankings at once, sign-in limits count across both, the IMDb
//! refresher runs on one of them, and the other takes over when that one dies. SQLite serves one
//! process, so this runs on PostgreSQL alone.

use crate::common::{self, fake_imdb};
use marquee::server::db::load::load_dataset;
use marquee::server::db::on_pool;
use marquee::server::tools::demo;
use serde_json::Value;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    fn start(database: &str, imdb: &str) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_marquee"))
            .arg("serve")
            .env("DATABASE_URL", database)
            .env("MARQUEE_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("MARQUEE_SEED_DEMO", "false")
            .env("MARQUEE_SECRET", "one secret for every instance of this test")
            .env("MARQUEE_IMDB_BASE_URL", imdb)
            .env("MARQUEE_IMDB_REFRESH_INTERVAL_SECS", "1")
            .env("MARQUEE_IMDB_REFRESH_LEASE_SECS", "3")
            .env("MARQUEE_IMDB_REQUESTS_PER_SECOND", "50")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Instance { child, base: format!("http://127.0.0.1:{port}") }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn get(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = client.get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    match req.send().await {
        Ok(res) => (res.status().as_u16(), res.text().await.unwrap_or_default()),
        Err(_) => (0, String::new()),
    }
}

async fn get_json(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> Value {
    let (status, body) = get(client, url, cookie).await;
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Polls `check` until it holds; returns how long that took, or None after `deadline`.
async fn within<F: std::future::Future<Output = bool>>(
    deadline: Duration,
    mut check: impl FnMut() -> F,
) -> Option<Duration> {
    let started = Instant::now();
    loop {
        if check().await {
            return Some(started.elapsed());
        }
        if started.elapsed() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sign_in(client: &reqwest::Client, base: &str, username: &str, password: &str) -> Result<String, u16> {
    let res = client
        .post(format!("{base}/api/sign_in"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    if res.status() != 200 {
        return Err(res.status().as_u16());
    }
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("marquee_session="))
        .map(|c| c.split(';').next().unwrap().to_string());
    Ok(cookie.expect("a session cookie"))
}

/// A counter from a server's `/metrics`, summed over its label sets that contain `labels`.
async fn metric(client: &reqwest::Client, base: &str, name: &str, labels: &str) -> f64 {
    let (_, text) = get(client, &format!("{base}/metrics"), None).await;
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']) && l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_stay_coherent() {
    let Some(t) = common::postgres().await else { return };
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let hash = marquee::server::services::accounts::hash_password(common::PASSWORD.to_string()).await.unwrap();
    marquee::server::db::accounts::upsert_admin(&t.db, "boss", "", &hash).await.unwrap();
    marquee::server::db::accounts::upsert_admin(&t.db, "target", "", &hash).await.unwrap();
    let fake = fake_imdb::FakeImdb::start().await;
    let data = demo::dataset();
    for p in &data.proposals {
        let film = data.movies.iter().find(|m| m.imdb_id == p.imdb_id).unwrap();
        fake.add(fake_imdb::title(&film.imdb_id, &film.title, film.year.unwrap()));
    }

    // Every proposal's metadata is due, so the refresher has work at once.
    let due = "UPDATE proposals SET cached_at = NULL, next_fetch_at = NULL";
    on_pool!(&t.db, |pool| sqlx::query(due).execute(pool).await.map(|_| ()).unwrap());
    let ids: &Vec<String> = &on_pool!(&t.db, |pool| sqlx::query_scalar(
        "SELECT DISTINCT imdb_id FROM proposals WHERE status IN ('active', 'watched')"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert!(ids.len() >= 5);
    let mut a = Instance::start(&t.url, &fake.base);
    let mut b = Instance::start(&t.url, &fake.base);
    let client = &reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let fake = &fake;
    for server in [&a, &b] {
        let base = server.base.as_str();
        let up = within(Duration::from_secs(60), || async move {
            let (status, body) = get(client, &format!("{base}/healthz"), None).await;
            status == 200 && body.contains(r#""listener":"connected""#)
        })
        .await;
        assert!(up.is_some(), "{} did not report a connected listener", server.base);
    }
    let (a_url, b_url) = (a.base.clone(), b.base.clone());
    let (a_url, b_url) = (a_url.as_str(), b_url.as_str());

    // A rating on A is on B's film details and B's recommendations at once, though B had them cached.
    let boss = sign_in(client, a_url, "boss", common::PASSWORD).await.unwrap();
    let film = get_json(client, &format!("{b_url}/api/v1/movies/tt6751668"), None).await;
    let id = film["movie"]["id"].as_i64().unwrap();
    assert_eq!(film["club"]["member_ratings"], 0);
    let (status, page) = get(client, &format!("{b_url}/movies/{id}"), Some(&boss)).await;
    assert!(status == 200 && !page.contains("Your rating: 5★"), "{page}");
    let recs_before = get_json(client, &format!("{b_url}/api/v1/recommendations"), Some(&boss)).await;
    let res = client
        .put(format!("{a_url}/api/v1/movies/{id}/rating"))
        .header("cookie", &boss)
        .header("content-type", "application/json")
        .body(r#"{"stars": 5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let seen = within(Duration::from_secs(1), || async move {
        let film = get_json(client, &format!("{b_url}/api/v1/movies/{id}"), None).await;
        film["club"]["member_ratings"] == 1
    })
    .await;
    let delay = seen.expect("B's cached film details show A's rating within a second");
    eprintln!("rating on A seen on B after {} ms", delay.as_millis());
    let (_, page) = get(client, &format!("{b_url}/movies/{id}"), Some(&boss)).await;
    assert!(page.contains("Your rating: 5★"), "B's film page shows the rating made on A");
    let recs_after = get_json(client, &format!("{b_url}/api/v1/recommendations"), Some(&boss)).await;
    assert_ne!(recs_before, recs_after, "B's recommendations follow the rating made on A");

    // A vote on A reaches a vote page following B's live counts within a second.
    let mut stream = common::EventStream::open(&format!("{b_url}/events"), None).await.unwrap();
    let counts = stream.next(Duration::from_secs(5)).await.expect("B sends every count on connecting");
    let [proposal, votes, _] = serde_json::from_value::<[i64; 3]>(counts.data["counts"][0].clone()).unwrap();
    let started = std::time::Instant::now();
    let res = client
        .post(format!("{a_url}/api/cast_vote"))
        .header("cookie", &boss)
        .header("accept", "application/json")
        .form(&[("proposal_id", proposal.to_string()), ("vote", "true".to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let heard = stream
        .until(Duration::from_secs(1), |d| d["type"] == "votes" && d["proposal"] == proposal)
        .await
        .expect("B's stream hears a vote made on A within a second");
    assert_eq!(heard.data["votes"], votes + 1);
    eprintln!("vote on A heard on B's stream after {} ms", started.elapsed().as_millis());

    // An import on A reaches B's rankings within a second.
    let csv = "imdb_id,title,year,genres,imdb_rating,imdb_votes,metascore,tomatometer,tmdb_rating,tmdb_popularity\n\
               tt7999002,Imported On Another Server,2024,Drama,9.8,2500000,100,100,9.8,900\n";
    let res = client
        .post(format!("{a_url}/api/v1/import?format=csv"))
        .header("cookie", &boss)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let ranked = within(Duration::from_secs(1), || async move {
        let (_, ranked) = get(client, &format!("{b_url}/api/v1/predictions?limit=100"), None).await;
        let (_, apart) = get(client, &format!("{b_url}/api/v1/predictions?set=NotEnoughData&limit=100"), None).await;
        ranked.contains("Imported On Another Server") || apart.contains("Imported On Another Server")
    })
    .await;
    let delay = ranked.expect("B ranks a film imported on A within a second");
    eprintln!("import on A ranked on B after {} ms", delay.as_millis());

    // Five failed sign-ins spread over A and B pause the account on both.
    for (i, base) in [a_url, b_url, a_url, b_url, a_url].into_iter().enumerate() {
        let refused = sign_in(client, base, "target", "wrong password").await.unwrap_err();
        assert_eq!(refused, 400, "failure {} on {base}: a wrong password", i + 1);
    }
    for base in [a_url, b_url] {
        let paused = sign_in(client, base, "target", common::PASSWORD).await.unwrap_err();
        assert_eq!(paused, 429, "{base}: the account is paused after 5 failures over two servers");
    }

    // The refresher runs on one server: each proposal's film is fetched once, not once per server.
    let fetched = |calls: &[String]| {
        let mut times: HashMap<String, usize> = HashMap::new();
        for call in calls {
            for id in call.split(['?', '&']).filter_map(|p| p.strip_prefix("titleIds=")) {
                *times.entry(id.to_string()).or_default() += 1;
            }
        }
        times
    };
    let all =
        within(Duration::from_secs(20), || async move { ids.iter().all(|id| fetched(&fake.calls()).contains_key(id)) });
    assert!(all.await.is_some(), "every proposal's film fetched: {:?}", fake.calls());
    // Both servers have had several turns (every second) since.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let times = fetched(&fake.calls());
    assert!(times.values().all(|&n| n == 1), "each film fetched once: {times:?}");
    let runs = |base: String| async move { metric(client, &base, "job_runs_total", r#"job="imdb-refresh""#).await };
    let (a_runs, b_runs) = (runs(a_url.to_string()).await, runs(b_url.to_string()).await);
    assert!((a_runs > 0.0) != (b_runs > 0.0), "one server refreshes: A ran {a_runs}, B ran {b_runs}");

    // The listeners lose their connections: each reconnects and drops what it may have missed.
    get_json(client, &format!("{b_url}/api/v1/movies/{id}"), None).await;
    let dropped_before = metric(client, b_url, "cache_entries_dropped_by_notifications_total", "").await;
    on_pool!(&t.db, |pool| {
        sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()"
    )
    .execute(pool)
    .await
    .map(|_| ())
    .unwrap()
    });
    let back = within(Duration::from_secs(10), || async {
        metric(client, b_url, "notification_listener_reconnects_total", "").await >= 1.0
    })
    .await;
    assert!(back.is_some(), "the listener reconnects");
    let (_, health) = get(client, &format!("{b_url}/healthz"), None).await;
    assert!(health.contains(r#""listener":"connected""#), "{health}");
    let dropped = within(Duration::from_secs(5), || async move {
        metric(client, b_url, "cache_entries_dropped_by_notifications_total", "").await > dropped_before
    });
    assert!(dropped.await.is_some(), "the film details cached before the reconnect were dropped");
    let sent = metric(client, b_url, "notifications_received_total", "").await
        + metric(client, b_url, "notifications_sent_total", "").await;
    assert!(sent > 0.0, "B counted notifications");

    // The refreshing server dies: the other takes over within its lease (3 s) and a turn.
    let (survivor, dead) = if a_runs > 0.0 { (&b, &mut a) } else { (&a, &mut b) };
    dead.stop();
    let survivor = survivor.base.as_str();
    fake.clear_calls();
    on_pool!(&t.db, |pool| sqlx::query(due).execute(pool).await.map(|_| ()).unwrap());
    let took_over = within(Duration::from_secs(15), || async { !fake.calls().is_empty() }).await;
    let delay = took_over.expect("the surviving server takes the refresher over");
    eprintln!("refresher taken over after {} ms", delay.as_millis());
    let finished = within(Duration::from_secs(10), || async move { runs(survivor.to_string()).await > 0.0 }).await;
    assert!(finished.is_some(), "the survivor finished a refresh");
}
