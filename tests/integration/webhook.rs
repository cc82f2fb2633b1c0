//! The club webhook on both backends, against a local stand-in for a Discord or Slack incoming
//! webhook: a message when a round opens, an hour before its deadline and when its winner is
//! picked; each written once and sent once; retried after a failure, given up after a refusal;
//! never sent while a request waits.

use crate::common::{self, TestServer};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use marquee::server::db::load::load_dataset;
use marquee::server::db::{now, on_pool, Db};
use marquee::server::tools::demo;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A webhook on loopback: answers with the statuses queued (204 once they run out) and keeps
/// every body it was sent.
#[derive(Clone, Default)]
struct FakeHook {
    answers: Arc<Mutex<VecDeque<u16>>>,
    received: Arc<Mutex<Vec<Value>>>,
}

impl FakeHook {
    async fn start(&self) -> String {
        let app = axum::Router::new()
            .route(
                "/hook",
                post(|State(hook): State<FakeHook>, body: String| async move {
                    hook.received.lock().unwrap().push(serde_json::from_str(&body).unwrap_or(Value::String(body)));
                    let status = hook.answers.lock().unwrap().pop_front().unwrap_or(204);
                    StatusCode::from_u16(status).unwrap()
                }),
            )
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn texts(&self) -> Vec<String> {
        self.received.lock().unwrap().iter().map(|m| m["text"].as_str().unwrap_or("").to_string()).collect()
    }
}

async fn exec(db: &Db, sql: &str) {
    on_pool!(db, |pool| sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap())
}

async fn open_round(server: &TestServer, admin: &common::Member, name: &str) -> Value {
    let body = json!({
        "name": name, "screening_at": now() + 3 * 3600, "time_zone": "Europe/Paris", "deadline": now() + 2 * 3600,
    });
    let (status, round) = common::send_json(server, "POST", "/api/v1/rounds", Some(body), Some(admin)).await;
    assert_eq!(status, 200, "{round}");
    round
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_club_hears_of_each_round_once_with_retries(t) {
        let label = t.label;
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let hook = FakeHook::default();
        let url = hook.start().await;
        let server = TestServer::start_with(t.db.clone(), |c| {
            c.club.webhook_url = url.clone();
            c.club.public_url = "https://club.example".into();
        })
        .await;
        let admin = server.admin("boss").await;
        let sender = server.state.rounds.webhook();

        // Opening a round writes a message; the request does not wait for the webhook.
        hook.answers.lock().unwrap().extend([500]);
        let round = open_round(&server, &admin, "Friday @everyone").await;
        let id = round["id"].as_i64().unwrap();
        assert!(hook.texts().is_empty(), "{label}: sent while the request waited");

        // The first attempt fails (500): kept, and tried again once its wait is over.
        assert_eq!(sender.run_once().await.unwrap(), 0, "{label}");
        assert_eq!(hook.texts().len(), 1, "{label}");
        assert_eq!(sender.run_once().await.unwrap(), 0, "{label}: retried before its wait was over");
        exec(&t.db, "UPDATE webhook_outbox SET next_attempt_at = 0 WHERE sent_at IS NULL").await;
        assert_eq!(sender.run_once().await.unwrap(), 1, "{label}");
        let texts = hook.texts();
        assert_eq!(texts.len(), 2, "{label}");
        assert_eq!(texts[0], texts[1], "{label}");
        assert!(texts[1].starts_with("🎬 Voting is open: Friday @everyone."), "{label}: {}", texts[1]);
        assert!(texts[1].ends_with("<https://club.example/vote>"), "{label}: {}", texts[1]);
        let sent = hook.received.lock().unwrap()[1].clone();
        assert_eq!(sent["allowed_mentions"], json!({"parse": []}), "{label}: Discord would ping everyone");
        // Sent once: nothing more to send.
        assert_eq!(sender.run_once().await.unwrap(), 0, "{label}");

        // An hour before the deadline, a reminder, once however many turns pass.
        exec(
            &t.db,
            &format!("UPDATE rounds SET opened_at = {}, deadline = {} WHERE id = {id}", now() - 7200, now() + 1800),
        )
        .await;
        assert_eq!(sender.run_once().await.unwrap(), 1, "{label}");
        assert_eq!(sender.run_once().await.unwrap(), 0, "{label}");
        assert!(hook.texts()[2].starts_with("⏰ One hour left to vote in Friday @everyone"), "{label}");

        // The winner, when the round closes (here early, by the admin).
        let res = server
            .client
            .post(format!("{}/api/v1/rounds/{id}/close", server.base))
            .header("cookie", &admin.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{label}");
        let result: Value = res.json().await.unwrap();
        let winner = result["round"]["winner_title"].as_str().unwrap().to_string();
        assert_eq!(sender.run_once().await.unwrap(), 1, "{label}");
        let picked = hook.texts()[3].clone();
        assert!(picked.contains(&format!("the club watches {}", winner.replace('&', "&amp;"))), "{label}: {picked}");
        assert!(picked.ends_with(&format!("<https://club.example/rounds/{id}>")), "{label}: {picked}");

        // A refusal that retrying cannot mend (the hook was deleted: 404) is given up at once.
        hook.answers.lock().unwrap().extend([404]);
        open_round(&server, &admin, "Saturday").await;
        assert_eq!(sender.run_once().await.unwrap(), 0, "{label}");
        exec(&t.db, "UPDATE webhook_outbox SET next_attempt_at = 0").await;
        assert_eq!(sender.run_once().await.unwrap(), 0, "{label}");
        assert_eq!(hook.texts().len(), 5, "{label}: a refused message was sent again");
        let failed: i64 = on_pool!(&t.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_outbox WHERE failed_at IS NOT NULL AND last_error LIKE '%404%'"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(failed, 1, "{label}");
    }
}

common::on_each_backend! {
    /// Two senders at once send each message once; a sender that stalls past its claim loses the
    /// message to the other, which delivers it (at least once) and alone records the outcome.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn senders_claim_each_message_before_sending_it(t) {
        use marquee::server::db::webhooks;
        use marquee::server::services::webhook::Webhook;
        use std::time::Duration;
        let label = t.label;
        // A hook that holds its first request for five seconds, then answers every one with 204.
        let received = Arc::new(Mutex::new(Vec::<String>::new()));
        let app = axum::Router::new()
            .route(
                "/hook",
                post(|State(received): State<Arc<Mutex<Vec<String>>>>, body: String| async move {
                    let first = {
                        let mut all = received.lock().unwrap();
                        all.push(body);
                        all.len() == 1
                    };
                    if first {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    StatusCode::NO_CONTENT
                }),
            )
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let mut club = marquee::server::config::Config::default().club;
        club.webhook_url = url;
        // The database's clock counts whole seconds, so a two-second claim runs out one to two
        // seconds after it is made: never before B's first look, always before the hook answers A.
        let sender = || Webhook::new(t.db.clone(), &club).with_claim(Duration::from_secs(2));
        let (a, b) = (sender(), sender());

        // A stalls on the first message; B finds it claimed, then takes it once the claim runs out.
        assert!(webhooks::enqueue(&t.db, "stalled", "{\"n\":0}", now() - 5).await.unwrap());
        let stalled = tokio::spawn(async move { a.run_once().await.unwrap() });
        while received.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(b.run_once().await.unwrap(), 0, "{label}: claimed by the stalled sender");
        let started = std::time::Instant::now();
        while b.run_once().await.unwrap() == 0 {
            assert!(started.elapsed() < Duration::from_secs(10), "{label}: the claim ran out");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stalled.await.unwrap();
        assert_eq!(received.lock().unwrap().len(), 2, "{label}: delivered again after the stall (at least once)");
        let (attempts, sent): (i32, Option<i64>) = on_pool!(&t.db, |pool| sqlx::query_as(
            "SELECT attempts, sent_at FROM webhook_outbox WHERE message_key = 'stalled'"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!((attempts, sent.is_some()), (1, true), "{label}: only the claimant recorded it");

        // Two senders at once: every message goes out exactly once.
        received.lock().unwrap().clear();
        for n in 1..=12 {
            webhooks::enqueue(&t.db, &format!("m{n}"), &format!("{{\"n\":{n}}}"), now() - 5).await.unwrap();
        }
        let (a, b) = (sender(), sender());
        let (sent_a, sent_b) = tokio::join!(a.run_once(), b.run_once());
        assert_eq!(sent_a.unwrap() + sent_b.unwrap(), 12, "{label}");
        let mut bodies = received.lock().unwrap().clone();
        bodies.sort();
        bodies.dedup();
        assert_eq!((bodies.len(), received.lock().unwrap().len()), (12, 12), "{label}: each once");
    }
}
