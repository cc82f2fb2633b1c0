//! The live event stream on both backends: every count on connecting, a vote's new count within a
//! second, what was missed after a reconnect with `Last-Event-ID`, a round's news followed by every
//! count, no voter names, and the limits on open streams.

use crate::common::{self, EventStream, Member, TestServer};
use marquee::server::db::load::load_dataset;
use marquee::server::db::now;
use marquee::server::tools::demo;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);

async fn vote(server: &TestServer, member: &Member, proposal: i64, on: bool) -> Value {
    let posted = server
        .post("/api/cast_vote", &[("proposal_id", &proposal.to_string()), ("vote", &on.to_string())], Some(member))
        .await;
    assert_eq!(posted.status, 200, "{posted:?}");
    serde_json::from_str(&posted.body).unwrap()
}

fn is_votes_for(proposal: i64) -> impl Fn(&Value) -> bool {
    move |data| data["type"] == "votes" && data["proposal"] == proposal
}

/// The server learns a page is gone when it next writes to its stream (an event or a keep-alive
/// comment), and gives its place back.
async fn streams_fall_to(server: &TestServer, open: usize) {
    for _ in 0..50 {
        if server.state.coherence.live().streams_open() <= open {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} streams still open, expected {open}", server.state.coherence.live().streams_open());
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn open_pages_hear_counts_and_round_news_and_catch_up_after_a_reconnect(t) {
        let label = t.label;
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let server = TestServer::start_with(t.db.clone(), |c| {
            c.limits.live_streams_per_client = 3;
            c.limits.live_keep_alive_secs = 1;
        })
        .await;
        let admin = server.admin("boss").await;
        let member = server.register("reader").await;
        let url = format!("{}/events", server.base);

        // On connecting: every active proposal's count, as the vote page shows them.
        let mut stream = EventStream::open(&url, None).await.unwrap();
        let first = stream.next(5 * SECOND).await.expect("no counts on connecting");
        assert_eq!(first.data["type"], "counts", "{label}: {first:?}");
        let counts = first.data["counts"].as_array().unwrap().clone();
        let (_, page) = server.get("/api/v1/proposals?limit=100").await;
        let page: Value = serde_json::from_str(&page).unwrap();
        assert_eq!(counts.len() as u64, page["total"].as_u64().unwrap(), "{label}");
        let top = &page["items"][0];
        let proposal = top["id"].as_i64().unwrap();
        let listed = counts.iter().find(|c| c[0] == proposal).expect("the top proposal is counted");
        assert_eq!(listed[1], top["votes"], "{label}: {counts:?}");

        // A vote's new count arrives within a second, without who cast it.
        let started = Instant::now();
        let state = vote(&server, &member, proposal, true).await;
        let heard = stream.until(SECOND, is_votes_for(proposal)).await.expect("the vote was not heard");
        assert!(started.elapsed() < SECOND, "{label}: {:?}", started.elapsed());
        assert_eq!(heard.data["votes"], state["votes"], "{label}");
        // Each change to a count has a higher version than the one before.
        assert!(heard.data["version"].as_i64() > listed[2].as_i64(), "{label}: {heard:?} after {listed:?}");
        assert!(!heard.data.to_string().contains("reader"), "{label}: {heard:?}");
        drop(stream);

        // Away for a moment: on return the browser sends the last id it saw and gets what it missed.
        let state = vote(&server, &member, proposal, false).await;
        streams_fall_to(&server, 0).await;
        let mut back = EventStream::open(&url, Some(&heard.id)).await.unwrap();
        let missed = back.next(5 * SECOND).await.expect("nothing replayed");
        assert_eq!(
            missed.data,
            json!({"type": "votes", "proposal": proposal, "votes": state["votes"], "version": state["version"]}),
            "{label}"
        );
        // An id this server never gave (another server's, or from before a restart): every count.
        let mut foreign = EventStream::open(&url, Some("0123456789ab-5")).await.unwrap();
        assert_eq!(foreign.next(5 * SECOND).await.unwrap().data["type"], "counts", "{label}");

        // A round opening is news, and every count follows it (carried-over votes may change them).
        let body = json!({
            "name": "Friday", "screening_at": now() + 7200, "time_zone": "UTC", "deadline": now() + 3600,
        });
        let (status, round) = common::send_json(&server, "POST", "/api/v1/rounds", Some(body), Some(&admin)).await;
        assert_eq!(status, 200, "{label}");
        let news = back.until(5 * SECOND, |d| d["type"] == "round").await.expect("no round news");
        assert_eq!(news.data["id"], round["id"], "{label}");
        assert_eq!(back.next(5 * SECOND).await.unwrap().data["type"], "counts", "{label}");

        // Three streams from one address are the limit here; a fourth is refused with a reason.
        let _third = EventStream::open(&url, None).await.expect("a third stream was refused");
        let (status, body) = EventStream::open(&url, None).await.err().expect("a fourth stream was let in");
        assert_eq!(status, 429, "{label}");
        assert!(body.contains("Close some tabs"), "{label}: {body}");
        drop(foreign);
        streams_fall_to(&server, 2).await;
        let mut again = EventStream::open(&url, None).await.expect("a closed stream's place was not given back");
        assert!(again.next(5 * SECOND).await.is_some());
        assert_eq!(server.state.coherence.live().streams_open(), 3, "{label}");
    }
}
