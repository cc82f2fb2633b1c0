//! What happens in the field: clients that send slowly or sit idle, a restart in the middle of a
//! busy evening, and writes that did nothing.

use crate::common::{self, TestServer};
use marquee::server::db::load::load_dataset;
use marquee::server::db::on_pool;
use marquee::server::tools::demo;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A real server process on `database`.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start(database: &str, env: &[(&str, &str)]) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_marquee"));
        command
            .arg("serve")
            .env("DATABASE_URL", database)
            .env("MARQUEE_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("MARQUEE_SEED_DEMO", "false")
            .env("MARQUEE_IMDB_BASE_URL", "http://127.0.0.1:9")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        Process { child: command.spawn().unwrap(), base: format!("http://127.0.0.1:{port}") }
    }

    async fn ready(&self, client: &reqwest::Client) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if client.get(format!("{}/healthz", self.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} did not start", self.base);
    }

    fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit by itself; its exit status.
    async fn exited(&mut self, within: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < within, "the server did not stop within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn metric(client: &reqwest::Client, base: &str, line_start: &str) -> f64 {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix(line_start)).map_or(0.0, |v| v.trim().parse().unwrap())
}

/// Opens a connection and sends a form post's headers, announcing `length` bytes of body.
async fn start_slow_post(addr: &str, length: usize) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/cast_vote HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {length}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp
}

/// What the server sent before closing the connection (or until `wait` passed: None).
async fn read_until_closed(tcp: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|_| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_idle_clients_do_not_take_the_site_down() {
    let t = common::sqlite().await;
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let server = TestServer::start_with(t.db.clone(), |c| {
        c.limits.max_in_flight = 8;
        c.limits.queue_timeout_ms = 3_000;
        c.limits.header_timeout_secs = 2;
        c.limits.body_timeout_secs = 4;
    })
    .await;
    let addr = server.base.trim_start_matches("http://").to_string();

    // 200 clients each announce a 16 KB form and send it a byte at a time, slowly.
    let mut slow = Vec::new();
    for _ in 0..200 {
        slow.push(start_slow_post(&addr, 16_000).await);
    }
    let trickle = tokio::spawn(async move {
        for _ in 0..20 {
            for tcp in slow.iter_mut() {
                let _ = tcp.write_all(b"a").await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        slow
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Meanwhile, the pages answer as usual.
    for path in ["/vote", "/predictions", "/movies", "/api/v1/movies?limit=5", "/vote", "/predictions"] {
        let (status, _) = server.get(path).await;
        assert_eq!(status, 200, "{path} while 200 clients send slowly");
    }
    // Each slow client is told off once its body's time is up, and its connection closed.
    let mut slow = trickle.await.unwrap();
    for tcp in slow.iter_mut().take(5) {
        let answer = read_until_closed(tcp, Duration::from_secs(10)).await.expect("the connection is closed");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    // Headers sent too slowly: the connection is closed without an answer.
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(b"GET /vote HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut tcp, Duration::from_secs(10)).await.expect("closed");
    assert!(answer.is_empty(), "{answer}");
    assert!(started.elapsed() >= Duration::from_secs(1), "closed after {:?}", started.elapsed());

    // An idle keep-alive connection is closed after the same time.
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let rest = read_until_closed(&mut tcp, Duration::from_secs(10)).await;
    assert!(rest.is_some(), "an idle connection stays open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_write_keeps_the_vote_page_cached() {
    let t = common::sqlite().await;
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let server = Process::start(&t.url, &[]);
    let client = reqwest::Client::new();
    server.ready(&client).await;
    let hits = r#"page_cache_lookups_total{outcome="hit"} "#;
    for _ in 0..2 {
        let res = client.get(format!("{}/vote", server.base)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        res.text().await.unwrap();
    }
    let before = metric(&client, &server.base, hits).await;
    assert!(before >= 1.0, "the second visit was served from memory");
    for (path, form) in [("/nope", vec![]), ("/api/cast_vote", vec![("proposal_id", "1"), ("vote", "true")])] {
        let res = client.post(format!("{}{path}", server.base)).form(&form).send().await.unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
    }
    let res = client.get(format!("{}/vote", server.base)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap();
    assert_eq!(metric(&client, &server.base, hits).await, before + 1.0, "refused writes left the page in memory");
}

common::on_each_backend! {
    /// Members vote while the server is told to stop: every vote it answered is stored, nothing gets a
    /// server error, the process exits cleanly and its job leases are free for the next server at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_restart_in_the_middle_of_voting_loses_nothing(t) {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let hash = marquee::server::services::accounts::hash_password(common::PASSWORD.to_string()).await.unwrap();
        let members: Vec<String> = (0..24).map(|i| format!("voter{i}")).collect();
        for name in &members {
            marquee::server::db::accounts::upsert_admin(&t.db, name, "", &hash).await.unwrap();
        }
        let proposals: Vec<i64> =
            on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT id FROM proposals WHERE status = 'active' ORDER BY id")
                .fetch_all(pool)
                .await
                .unwrap());
        assert!(proposals.len() >= 3, "{}", t.label);
        // Long leases: a new server gets them at once only if the old one gave them up.
        // A webhook, so all three jobs run (it is never reached: no round closes here).
        let env = [
            ("MARQUEE_IMDB_REFRESH_LEASE_SECS", "120"),
            ("MARQUEE_SHUTDOWN_GRACE_SECS", "10"),
            ("MARQUEE_WEBHOOK_URL", "http://127.0.0.1:9/hook"),
        ];
        let mut server = Process::start(&t.url, &env);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
        server.ready(&client).await;
        let leases = || async {
            let count: i64 = on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM job_leases")
                .fetch_one(pool)
                .await
                .unwrap());
            count
        };
        let started = Instant::now();
        while leases().await < 3 {
            assert!(started.elapsed() < Duration::from_secs(20), "{}: the server took its leases", t.label);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut cookies = Vec::new();
        for name in &members {
            let res = client
                .post(format!("{}/api/sign_in", server.base))
                .form(&[("username", name.as_str()), ("password", common::PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap();
            cookies.push(cookie.to_string());
        }
        // Each member votes on every proposal in turn, again and again (on, off, on...).
        let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(usize, i64, bool, u16)>::new()));
        let mut voters = Vec::new();
        for (m, cookie) in cookies.into_iter().enumerate() {
            let (client, base, proposals, answered) =
                (client.clone(), server.base.clone(), proposals.clone(), answered.clone());
            voters.push(tokio::spawn(async move {
                for round in 0..1000 {
                    for &p in &proposals {
                        let vote = round % 2 == 0;
                        let res = client
                            .post(format!("{base}/api/cast_vote"))
                            .header("cookie", &cookie)
                            .form(&[("proposal_id", p.to_string()), ("vote", vote.to_string())])
                            .send()
                            .await;
                        // Once the server has stopped listening, this member is done.
                        let Ok(res) = res else { return };
                        let status = res.status().as_u16();
                        answered.lock().unwrap().push((m, p, vote, status));
                        if status != 200 {
                            return;
                        }
                    }
                }
            }));
        }
        while answered.lock().unwrap().len() < 150 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.terminate();
        for voter in voters {
            voter.await.unwrap();
        }
        let status = server.exited(Duration::from_secs(20)).await;
        assert!(status.success(), "{}: exit {status}", t.label);
        let answered = answered.lock().unwrap().clone();
        let errors: Vec<_> = answered.iter().filter(|a| a.3 >= 500).collect();
        assert!(errors.is_empty(), "{}: {} server errors, e.g. {:?}", t.label, errors.len(), errors.first());
        // The last vote each member had answered with 200 is what is stored.
        let mut last = std::collections::HashMap::new();
        for &(m, p, vote, status) in &answered {
            if status == 200 {
                last.insert((m, p), vote);
            }
        }
        assert!(last.len() >= 24, "{}: votes were answered before the stop", t.label);
        for ((m, p), vote) in last {
            let stored: i64 = on_pool!(&t.db, |pool| sqlx::query_scalar(
                "SELECT COUNT(*) FROM votes v JOIN users u ON u.id = v.user_id \
                 WHERE u.username = $1 AND v.proposal_id = $2"
            )
            .bind(&members[m])
            .bind(p)
            .fetch_one(pool)
            .await
            .unwrap());
            assert_eq!(stored == 1, vote, "{}: {}'s answered vote on {p} is what is stored", t.label, members[m]);
        }
        assert_eq!(leases().await, 0, "{}: the stopped server gave its leases up", t.label);
        let next = Process::start(&t.url, &env);
        next.ready(&client).await;
        let started = Instant::now();
        while leases().await < 3 {
            assert!(started.elapsed() < Duration::from_secs(5), "{}: the next server took the leases", t.label);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A TCP proxy in front of PostgreSQL that can refuse new connections, and freeze the ones open
/// (they stay open, but nothing passes: a half-open connection, a network that went quiet).
struct Proxy {
    addr: String,
    refusing: Arc<AtomicBool>,
    refused: Arc<AtomicU64>,
    /// Connections opened so far, numbered from 1.
    opened: Arc<AtomicU64>,
    /// Connections numbered up to this one are frozen.
    frozen_up_to: Arc<AtomicU64>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap().to_string(),
            refusing: Default::default(),
            refused: Default::default(),
            opened: Default::default(),
            frozen_up_to: Default::default(),
        };
        let (refusing, refused, opened, frozen) =
            (proxy.refusing.clone(), proxy.refused.clone(), proxy.opened.clone(), proxy.frozen_up_to.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                if refusing.load(SeqCst) {
                    refused.fetch_add(1, SeqCst);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream).await else { continue };
                let number = opened.fetch_add(1, SeqCst) + 1;
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pass_on(client_read, server_write, number, frozen.clone()));
                tokio::spawn(pass_on(server_read, client_write, number, frozen.clone()));
            }
        });
        proxy
    }

    fn freeze_open_connections(&self) {
        self.frozen_up_to.store(self.opened.load(SeqCst), SeqCst);
    }
}

async fn pass_on(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    number: u64,
    frozen_up_to: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if frozen_up_to.load(SeqCst) >= number {
            // Hold both ends open and pass nothing on, ever.
            let _held = (from, to);
            std::future::pending::<()>().await;
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// PostgreSQL: the change listener notices a connection that was killed, one that went silent, and
/// a first connection that only came after failures; each time it connects again and drops every
/// cache (notices may have been missed); `/healthz` tells how long ago it last heard from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_change_listener_replaces_a_lost_or_silent_connection() {
    use marquee::server::services::coherence::ListenerStatus;
    let Some(t) = common::postgres().await else { return };
    let (head, rest) = t.url.split_once('@').unwrap();
    let (upstream, database) = rest.split_once('/').unwrap();
    let proxy = Proxy::start(upstream.to_string()).await;
    let url = format!("{head}@{}/{database}", proxy.addr);
    let db = marquee::server::db::Db::connect(&url, 2, Duration::from_secs(10)).await.unwrap();
    let mut config = marquee::server::config::Config::default();
    config.imdb.base_url = "http://127.0.0.1:9".into();
    config.database.listener_ping_secs = 1;
    let state = marquee::server::web::state::AppState::build(config, db).await.unwrap();
    let coherence = state.coherence.clone();

    // The server's connections to the database (not ours) are all lost at once, as in a restart.
    let kill_theirs = || async {
        let killed: Vec<bool> = on_pool!(&t.db, |pool| sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        .fetch_all(pool)
        .await
        .unwrap());
        killed
    };

    // The first attempt fails (the database cannot be reached); the first success counts as a
    // reconnect, since changes made meanwhile were not heard.
    proxy.refusing.store(true, SeqCst);
    kill_theirs().await;
    marquee::server::jobs::follow_other_servers(&state);
    wait_for("a refused first attempt", || proxy.refused.load(SeqCst) > 0).await;
    assert_eq!(coherence.status(), ListenerStatus::Connecting);
    proxy.refusing.store(false, SeqCst);
    wait_for("connected after the failures", || {
        coherence.status() == ListenerStatus::Connected && coherence.reconnects() == 1
    })
    .await;
    assert!(coherence.last_contact().is_some());

    // Its backend is killed: noticed, replaced.
    assert!(!kill_theirs().await.is_empty());
    wait_for("a new connection after the kill", || {
        coherence.status() == ListenerStatus::Connected && coherence.reconnects() == 2
    })
    .await;

    // Its connection goes silent (nothing passes, nothing closes): the ping finds out.
    proxy.freeze_open_connections();
    wait_for("the silent connection was given up", || coherence.status() == ListenerStatus::Connecting).await;
    wait_for("a new connection after the silence", || {
        coherence.status() == ListenerStatus::Connected && coherence.reconnects() == 3
    })
    .await;
    let contact = coherence.last_contact().unwrap();
    assert!(marquee::server::db::now() - contact <= 3, "heard from within the last pings");
}

async fn wait_for(what: &str, check: impl Fn() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Readers who go away mid-page (a closed tab, a lost connection) leave nothing behind: the render
/// is finished off-line, and nothing panics in the tasks it left running.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_left_halfway_leave_no_panic_behind() {
    let t = common::sqlite().await;
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let server = TestServer::start(t.db.clone()).await;
    let member = server.register("leaver").await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let panics = marquee::server::observe::PANICS.load(SeqCst);
    let paths = ["/vote", "/vote?from=5", "/vote?from=abc", "/predictions", "/movies", "/", "/rounds", "/vote/watched"];
    let mut clients = Vec::new();
    for worker in 0..16usize {
        let (addr, cookie) = (addr.clone(), member.cookie.clone());
        clients.push(tokio::spawn(async move {
            for i in 0..20usize {
                let path = paths[(worker + i) % paths.len()];
                let who = if (worker + i) % 2 == 0 { format!("Cookie: {cookie}\r\n") } else { String::new() };
                let mut tcp = TcpStream::connect(&addr).await.unwrap();
                let head =
                    format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n{who}Connection: close\r\n\r\n");
                tcp.write_all(head.as_bytes()).await.unwrap();
                // Gone at once, after the first bytes, or after a few kilobytes.
                let keep = [0usize, 1, 4096][i % 3];
                let mut got = 0;
                let mut buf = [0u8; 1024];
                while got < keep {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got += n,
                    }
                }
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let started = Instant::now();
    while marquee::server::web::flush::FINISHING.load(SeqCst) > 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "abandoned renders finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The server still answers, and nothing panicked.
    assert_eq!(server.get("/vote").await.0, 200);
    assert_eq!(marquee::server::observe::PANICS.load(SeqCst), panics, "a panic while pages were left halfway");
}
