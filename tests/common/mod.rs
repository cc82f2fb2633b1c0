//! Test databases on both backends: a fresh SQLite file, and a fresh database on the PostgreSQL
//! server named by MARQUEE_TEST_PG_URL (scripts/test.sh starts a throwaway cluster and sets it).
#![allow(dead_code)]

pub mod fake_imdb;

use marquee::server::config::Config;
use marquee::server::db::Db;
use marquee::server::web::state::AppState;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn postgres_admin_url() -> Option<String> {
    match std::env::var("MARQUEE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MARQUEE_TEST_BACKENDS").as_deref() == Ok("sqlite") => None,
        _ => panic!(
            "MARQUEE_TEST_PG_URL is not set: run the tests with scripts/test.sh (it starts PostgreSQL), \
             or set MARQUEE_TEST_BACKENDS=sqlite to test SQLite alone"
        ),
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/marquee.db", dir.path().display());
    let db = Db::connect(&url, 4, Duration::from_secs(5)).await.unwrap();
    db.migrate().await.unwrap();
    TestDb { db, url, label: "sqlite", _dir: Some(dir) }
}

pub async fn postgres() -> Option<TestDb> {
    let admin_url = postgres_admin_url()?;
    let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let admin = Db::connect(&admin_url, 1, Duration::from_secs(10)).await.expect("test PostgreSQL reachable");
    if let Db::Postgres(pool) = &admin {
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(pool).await.unwrap();
    }
    admin.close().await;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
    let url = format!("{base}/{name}");
    let db = Db::connect(&url, 4, Duration::from_secs(10)).await.unwrap();
    db.migrate().await.unwrap();
    Some(TestDb { db, url, label: "postgres", _dir: None })
}

/// One test per backend, named `<name>::sqlite` and `<name>::postgres`: a failure on one backend
/// never hides the other's result, and either runs alone (`cargo test <name>::postgres`). The body
/// gets its `TestDb` as the variable named in the signature. Without MARQUEE_TEST_PG_URL (and with
/// MARQUEE_TEST_BACKENDS=sqlite) the PostgreSQL half passes without running.
#[allow(unused_macros)]
macro_rules! on_each_backend {
    ($(#[$attr:meta])* async fn $name:ident($t:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$attr])*
            async fn sqlite() {
                let $t = $crate::common::sqlite().await;
                $body
            }

            $(#[$attr])*
            async fn postgres() {
                let Some($t) = $crate::common::postgres().await else { return };
                $body
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_each_backend;

/// One migrated, empty database per backend.
pub async fn backends() -> Vec<TestDb> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}

/// The runtime all test servers share, like the one runtime of a real server process.
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap())
}

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// The real router on a free loopback port, over `db`. Every test server runs on one shared
    /// runtime, as in production, rather than on each test's own short-lived runtime.
    pub async fn start(db: Db) -> TestServer {
        Self::start_with(db, |_| {}).await
    }

    /// Like `start`, with settings changed by `configure`.
    pub async fn start_with(db: Db, configure: impl FnOnce(&mut Config)) -> TestServer {
        marquee::server::observe::init_tracing();
        let mut config = Config::default();
        config.site.addr = "127.0.0.1:0".into();
        // Nothing in a test may reach the real API.
        config.imdb.base_url = "http://127.0.0.1:9".into();
        configure(&mut config);
        let state = AppState::build(config, db).await.unwrap();
        let server_state = state.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        server_runtime().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            marquee::server::web::serve::serve_until(listener, server_state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap();
        TestServer { base, client, state, shutdown: Some(tx) }
    }

    pub async fn get_as(&self, path: &str, member: Option<&Member>) -> (u16, String) {
        let mut req = self.client.get(format!("{}{}", self.base, path));
        if let Some(m) = member {
            req = req.header("cookie", &m.cookie);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("GET {path}: {e:?}"));
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// Posts a form to a server function as a script would (answers in JSON).
    pub async fn post(&self, path: &str, form: &[(&str, &str)], member: Option<&Member>) -> Posted {
        self.post_with(path, form, member, &[]).await
    }

    pub async fn post_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        member: Option<&Member>,
        headers: &[(&str, &str)],
    ) -> Posted {
        let mut req = self.client.post(format!("{}{}", self.base, path)).form(form);
        if let Some(m) = member {
            req = req.header("cookie", &m.cookie);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("POST {path}: {e:?}"));
        let status = res.status().as_u16();
        let set_cookie = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        Posted { status, body: res.text().await.unwrap(), set_cookie, location }
    }

    pub async fn register(&self, username: &str) -> Member {
        let posted = self.post("/api/register", &[("username", username), ("password", PASSWORD)], None).await;
        assert_eq!(posted.status, 200, "register {username}: {}", posted.body);
        Member::from_posted(username, &posted)
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Member, Posted> {
        let posted = self.post("/api/sign_in", &[("username", username), ("password", password)], None).await;
        if posted.status == 200 {
            Ok(Member::from_posted(username, &posted))
        } else {
            Err(posted)
        }
    }

    /// An admin account (made as `marquee admin create` makes one), signed in.
    pub async fn admin(&self, username: &str) -> Member {
        let hash = marquee::server::services::accounts::hash_password(PASSWORD.to_string()).await.unwrap();
        marquee::server::db::accounts::upsert_admin(&self.state.db, username, "", &hash).await.unwrap();
        self.sign_in(username, PASSWORD).await.unwrap_or_else(|p| panic!("admin sign-in: {p:?}"))
    }

    /// Uploads a CSV of films as `who`, as the admin page does: (status, the import report).
    pub async fn import_csv(&self, who: &Member, csv: String) -> (u16, String) {
        let res = self
            .client
            .post(format!("{}/api/v1/import?format=csv", self.base))
            .header("cookie", &who.cookie)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap_or_else(|e| panic!("import: {e:?}"));
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// (sum, count) of the server's per-request SQL statement counts for `route`, from `/metrics`.
    pub async fn sql_figures(&self, route: &str) -> (f64, f64) {
        let (_, text) = self.get("/metrics").await;
        let read = |series: &str| {
            let prefix = format!("{series}{{route=\"{route}\"}} ");
            text.lines().find_map(|l| l.strip_prefix(prefix.as_str())).map_or(0.0, |v| v.parse::<f64>().unwrap())
        };
        (read("http_request_sql_queries_sum"), read("http_request_sql_queries_count"))
    }

    /// Waits until `/metrics` has counted `requests` requests to `route` (a request is counted once
    /// its body has been sent), then gives the figures.
    pub async fn sql_figures_after(&self, route: &str, requests: f64) -> (f64, f64) {
        let mut figures = self.sql_figures(route).await;
        for _ in 0..100 {
            if figures.1 >= requests {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            figures = self.sql_figures(route).await;
        }
        figures
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self
            .client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e:?}"));
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub const PASSWORD: &str = "correct horse 1";

#[derive(Debug)]
pub struct Posted {
    pub status: u16,
    pub body: String,
    pub set_cookie: Vec<String>,
    pub location: Option<String>,
}

/// A signed-in member: the session cookie a browser would send.
#[derive(Debug, Clone)]
pub struct Member {
    pub username: String,
    pub cookie: String,
}

impl Member {
    fn from_posted(username: &str, posted: &Posted) -> Member {
        let set = posted
            .set_cookie
            .iter()
            .find(|c| c.starts_with("marquee_session="))
            .unwrap_or_else(|| panic!("no session cookie for {username}: {posted:?}"));
        let cookie = set.split(';').next().unwrap().to_string();
        Member { username: username.to_string(), cookie }
    }
}

/// The data a page carries for hydration: each resolved resource's value as its script writes it
/// (a JSON text inside a JavaScript string literal, so as many bytes as the page spends on it).
pub fn hydration_data(html: &str) -> Vec<&str> {
    const START: &str = "__RESOLVED_RESOURCES[";
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(START) {
        rest = &rest[at + START.len()..];
        let Some(open) = rest.find("] = \"") else { break };
        let body = &rest[open + 5..];
        let mut escaped = false;
        let end = body
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map(|(i, _)| i)
            .expect("a closed string literal");
        found.push(&body[..end]);
        rest = &body[end..];
    }
    found
}

/// Asserts that hydration data is at most a fifth of the page and names `title` at most once.
pub fn assert_lean_hydration(label: &str, html: &str, title: &str) {
    let data = hydration_data(html);
    let bytes: usize = data.iter().map(|d| d.len()).sum();
    assert!(!data.is_empty(), "{label}: the page hydrates from its data");
    assert!(bytes * 5 <= html.len(), "{label}: hydration data is {bytes} of {} bytes", html.len());
    let mentions: usize = data.iter().map(|d| d.matches(title).count()).sum();
    assert_eq!(mentions, 1, "{label}: {title} is sent for hydration once");
}

/// A live event stream read as a browser's EventSource reads it.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

/// One server-sent event: its id and its data (JSON).
#[derive(Debug, Clone)]
pub struct LiveMessage {
    pub id: String,
    pub data: serde_json::Value,
}

impl EventStream {
    /// Opens `url`; a refusal comes back as its status and body.
    pub async fn open(url: &str, last_id: Option<&str>) -> Result<EventStream, (u16, String)> {
        // A client of its own: the shared one gives up on a body after 20 seconds.
        let client = reqwest::Client::new();
        let mut req = client.get(url).header("accept", "text/event-stream");
        if let Some(id) = last_id {
            req = req.header("last-event-id", id);
        }
        let response = req.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        if status != 200 {
            return Err((status, response.text().await.unwrap_or_default()));
        }
        let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(kind.starts_with("text/event-stream"), "{url} answered {kind}");
        Ok(EventStream { response, buffer: String::new() })
    }

    /// The next event with data (keep-alive comments skipped), if one comes within `wait`.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<LiveMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut data) = (String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    let data = serde_json::from_str(&data).unwrap_or_else(|e| panic!("event data {data:?}: {e}"));
                    return Some(LiveMessage { id, data });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Skips events until one `matches`, within `wait`.
    pub async fn until(
        &mut self,
        wait: std::time::Duration,
        matches: impl Fn(&serde_json::Value) -> bool,
    ) -> Option<LiveMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await?;
            if matches(&event.data) {
                return Some(event);
            }
        }
    }
}

/// A JSON API call as `who`: the status and the answer (JSON, or its text when it is not).
pub async fn send_json(
    server: &TestServer,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
    who: Option<&Member>,
) -> (u16, serde_json::Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = server.client.request(method, format!("{}{}", server.base, path));
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    if let Some(m) = who {
        req = req.header("cookie", &m.cookie);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

/// A page's markup without the empty comments (`<!>`) hydration places between a view's parts,
/// so tests can look for a piece of markup as people read it.
pub fn without_markers(html: &str) -> String {
    html.replace("<!>", "")
}
