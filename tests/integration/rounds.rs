//! Movie nights on both backends: opening a round (and refusing bad ones, storing nothing), ballots
//! until the deadline, closing early or at the deadline exactly once (also across a restart and
//! with two schedulers racing), the stored tally, the scheduled winner and the carry-over.

use crate::common::{self, send_json as send, Member, TestServer};
use marquee::server::db::load::load_dataset;
use marquee::server::db::{now, on_pool, Db};
use marquee::server::tools::demo;
use marquee::server::web::state::AppState;
use serde_json::{json, Value};
use std::time::Duration;

async fn count(db: &Db, sql: &str) -> i64 {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
}

/// The demo club on a test server, with an admin ("boss") and a member ("reader").
async fn club(t: &common::TestDb) -> (TestServer, Member, Member) {
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let server = TestServer::start(t.db.clone()).await;
    let admin = server.admin("boss").await;
    let member = server.register("reader").await;
    (server, admin, member)
}

fn round(deadline_in: i64, method: &str, carry_over: &str) -> Value {
    json!({
        "name": "Friday 12 December",
        "screening_at": now() + deadline_in + 3600,
        "time_zone": "Europe/Paris",
        "deadline": now() + deadline_in,
        "method": method,
        "carry_over": carry_over,
    })
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn rounds_open_refuse_bad_input_and_close_once_with_their_tally(t) {
        let (server, admin, member) = club(&t).await;
        let label = t.label;

        // Bad rounds are refused with a message, and nothing is stored.
        let mut past = round(3600, "approval", "with_votes");
        past["deadline"] = json!(now() - 10);
        let mut early_screening = round(3600, "approval", "with_votes");
        early_screening["screening_at"] = json!(now() + 60);
        let cases: Vec<(Value, Option<&Member>, u16, &str)> = vec![
            (past, Some(&admin), 400, "in the future"),
            (early_screening, Some(&admin), 400, "after the voting deadline"),
            (round(3600, "borda", "with_votes"), Some(&admin), 400, "ballot method"),
            (round(3600, "approval", "discard"), Some(&admin), 400, "carry over"),
            (json!({"name": "x"}), Some(&admin), 400, ""),
            (round(3600, "approval", "with_votes"), Some(&member), 403, ""),
            (round(3600, "approval", "with_votes"), None, 401, ""),
        ];
        for (body, who, status, words) in cases {
            let (got, answer) = send(&server, "POST", "/api/v1/rounds", Some(body.clone()), who).await;
            assert_eq!(got, status, "{label}: {body} → {answer}");
            assert!(answer["message"].as_str().unwrap_or("").contains(words), "{label}: {answer}");
        }
        let res = server
            .client
            .post(format!("{}/api/v1/rounds", server.base))
            .header("cookie", &admin.cookie)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{label}: malformed JSON");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM rounds").await, 0, "{label}: nothing stored");

        // A ranked round opens; a second one cannot while it is open.
        let (status, opened) =
            send(&server, "POST", "/api/v1/rounds", Some(round(3600, "ranked", "without_votes")), Some(&admin)).await;
        assert_eq!(status, 200, "{label}: {opened}");
        let id = opened["id"].as_i64().unwrap();
        assert_eq!((opened["status"].as_str(), opened["method"].as_str()), (Some("open"), Some("ranked")));
        let (status, _) =
            send(&server, "POST", "/api/v1/rounds", Some(round(7200, "approval", "with_votes")), Some(&admin)).await;
        assert_eq!(status, 409, "{label}: one open round at a time");

        // Ballots: the proposals of the round, each once, in the round's form.
        let (_, open) = send(&server, "GET", &format!("/api/v1/rounds/{id}"), None, None).await;
        let entries: Vec<i64> =
            open["entries"].as_array().unwrap().iter().map(|e| e["proposal_id"].as_i64().unwrap()).collect();
        assert!(entries.len() >= 3, "{label}: the active proposals take part: {open}");
        let path = format!("/api/v1/rounds/{id}/ballot");
        for (ballot, who, status) in [
            (json!({"ranking": [entries[0], entries[0]]}), Some(&member), 400),
            (json!({"ranking": [999_999]}), Some(&member), 400),
            (json!({"approvals": [entries[0]]}), Some(&member), 400),
            (json!({"ranking": "first"}), Some(&member), 400),
            (json!({"ranking": [entries[0]]}), None, 401),
        ] {
            let (got, answer) = send(&server, "PUT", &path, Some(ballot.clone()), who).await;
            assert_eq!(got, status, "{label}: {ballot} → {answer}");
        }
        let (status, _) =
            send(&server, "PUT", "/api/v1/rounds/999999/ballot", Some(json!({"ranking": []})), Some(&member)).await;
        assert_eq!(status, 404, "{label}");
        let (status, _) = send(&server, "GET", "/api/v1/rounds/abc", None, None).await;
        assert_eq!(status, 400, "{label}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM ranked_ballots").await, 0, "{label}: nothing stored");

        // Two members rank entries[2] first, one entries[1], one entries[0]; both of the last two
        // have entries[2] next, so whichever of theirs goes first, entries[2] ends with 3 of 4.
        // A ballot can change.
        let other = server.register("viewer").await;
        let third = server.register("third").await;
        let fourth = server.register("fourth").await;
        for (who, ranking) in [
            (&member, json!([entries[0]])),
            (&member, json!([entries[2], entries[1]])),
            (&other, json!([entries[2]])),
            (&third, json!([entries[1], entries[2]])),
            (&fourth, json!([entries[0], entries[2]])),
        ] {
            let (status, answer) = send(&server, "PUT", &path, Some(json!({ "ranking": ranking })), Some(who)).await;
            assert_eq!(status, 200, "{label}: {answer}");
        }
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM ranked_ballots").await, 7, "{label}: a changed ballot replaces");

        // Closing early: members may not; the admin may, once.
        let close = format!("/api/v1/rounds/{id}/close");
        assert_eq!(send(&server, "POST", &close, None, Some(&member)).await.0, 403, "{label}");
        let (status, result) = send(&server, "POST", &close, None, Some(&admin)).await;
        assert_eq!(status, 200, "{label}: {result}");
        assert_eq!(result["round"]["winner_proposal_id"], json!(entries[2]), "{label}: {result}");
        assert_eq!(result["round"]["closed_by"], "admin boss", "{label}");
        let steps = result["tally"]["steps"].as_array().unwrap();
        assert_eq!(steps[0]["counts"][0], json!([entries[2], 2]), "{label}: {result}");
        assert_eq!(steps.last().unwrap()["counts"][0], json!([entries[2], 3]), "{label}: {result}");
        assert!(steps.len() >= 2, "{label}: every elimination is shown: {result}");
        assert_eq!(send(&server, "POST", &close, None, Some(&admin)).await.0, 409, "{label}: closed once");
        let (status, _) = send(&server, "PUT", &path, Some(json!({"ranking": [entries[1]]})), Some(&member)).await;
        assert_eq!(status, 409, "{label}: no ballots after the close");

        // The winner is scheduled (in the watched history on the screening's date); the others carry
        // over without their votes.
        let winner_status: String =
            on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
                .bind(entries[2])
                .fetch_one(pool)
                .await
                .unwrap());
        assert_eq!(winner_status, "watched", "{label}");
        // Scheduled, not seen yet: rated only after the screening.
        let early = server
            .post("/api/rate_watched", &[("proposal_id", &entries[2].to_string()), ("stars", "4")], Some(&member))
            .await;
        assert_eq!(early.status, 409, "{label}: {early:?}");
        assert!(early.body.contains("rate it after the screening"), "{label}: {}", early.body);
        let (_, watched) = server.get_as("/vote/watched", Some(&member)).await;
        assert!(watched.contains("Scheduled for ") && watched.contains("Rate it after the screening."), "{label}");
        on_pool!(&t.db, |pool| sqlx::query("UPDATE proposals SET watched_at = watched_at - 86400 * 2 WHERE id = $1")
            .bind(entries[2])
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        let seen = server
            .post("/api/rate_watched", &[("proposal_id", &entries[2].to_string()), ("stars", "4")], Some(&member))
            .await;
        assert_eq!(seen.status, 200, "{label}: after the screening: {seen:?}");
        assert_eq!(
            count(
                &t.db,
                "SELECT COUNT(*) FROM votes v JOIN proposals p ON p.id = v.proposal_id WHERE p.status = 'active'"
            )
            .await,
            0,
            "{label}: carried over without votes"
        );
        let (_, list) = send(&server, "GET", "/api/v1/rounds", None, None).await;
        assert_eq!(list["total"], 1, "{label}");
        assert!(list["items"][0]["winner_title"].as_str().is_some(), "{label}: {list}");
        // The pages, without JavaScript: the list, and the result with each count and elimination.
        let (status, html) = server.get("/rounds").await;
        assert!(status == 200 && html.contains("Friday 12 December") && html.contains("Winner: "), "{label}");
        let (status, html) = server.get(&format!("/rounds/{id}")).await;
        assert_eq!(status, 200, "{label}");
        assert!(html.contains("<title>Friday 12 December"), "{label}: the round's name is the page title");
        assert!(
            html.contains("Count 1") && html.contains("is eliminated") && html.contains("the deciding count"),
            "{label}"
        );
        assert!(html.contains("scheduled for the screening") && html.contains("early, by boss"), "{label}");
        assert_eq!(server.get("/rounds/999999").await.0, 404, "{label}");
        assert_eq!(server.get("/rounds/abc").await.0, 404, "{label}");
        // The calendar feed: a member's secret link lists the night with its winning film.
        let winner_title = result["round"]["winner_title"].as_str().unwrap().to_string();
        assert_eq!(server.post("/api/reset_calendar_link", &[], None).await.status, 401, "{label}");
        let made = server.post("/api/reset_calendar_link", &[], Some(&member)).await;
        assert_eq!(made.status, 200, "{label}: {}", made.body);
        let key: String = serde_json::from_str(&made.body).unwrap();
        let (_, shown) = server.get_as("/api/calendar_link", Some(&member)).await;
        assert_eq!(shown.trim(), "true", "{label}: the member has a link");
        // Only the key's hash is kept.
        let stored: (Option<String>, Option<String>) = on_pool!(&t.db, |pool| sqlx::query_as(
            "SELECT calendar_token, calendar_key_hash FROM users WHERE username = $1"
        )
        .bind(&member.username)
        .fetch_one(pool)
        .await
        .unwrap());
        let hash = marquee::server::services::accounts::token_hash(&key);
        assert_eq!(stored, (None, Some(hash)), "{label}");
        let res = server.client.get(format!("{}/calendar.ics?key={key}", server.base)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{label}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"), "{label}");
        let ics = res.text().await.unwrap();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains(&format!("UID:round-{id}@")), "{label}: {ics}");
        let unfolded = ics.replace("\r\n ", "");
        let summary = marquee::calendar::escape_text(&format!("Friday 12 December: {winner_title}"));
        assert!(unfolded.contains(&format!("SUMMARY:{summary}\r\n")), "{label}: {ics}");
        for bad in ["", "?key=", "?key=../../etc/passwd", "?key=zz", &format!("?key={}", "0".repeat(64))] {
            assert_eq!(server.get(&format!("/calendar.ics{bad}")).await.0, 404, "{label}: {bad}");
        }
        let again = server.post("/api/reset_calendar_link", &[], Some(&member)).await;
        let new_key: String = serde_json::from_str(&again.body).unwrap();
        assert_ne!(new_key, key);
        assert_eq!(server.get(&format!("/calendar.ics?key={key}")).await.0, 404, "{label}: the old link stops working");
        assert_eq!(server.get(&format!("/calendar.ics?key={new_key}")).await.0, 200, "{label}");
        let (_, page) = server.get_as("/account", Some(&member)).await;
        assert!(!page.contains(&new_key) && page.contains("You have a calendar link"), "{label}: not shown again");
        // Made from the page without JavaScript: the page shows the new link once, from its address.
        let browser = [("accept", "text/html")];
        let made = server.post_with("/api/reset_calendar_link", &[], Some(&member), &browser).await;
        let location = made.location.clone().unwrap_or_default();
        let new_key = location
            .strip_prefix("/account?calendar_key=")
            .and_then(|rest| rest.strip_suffix("#calendar"))
            .unwrap_or_else(|| panic!("{label}: {made:?}"))
            .to_string();
        let (_, page) = server.get_as(&location, Some(&member)).await;
        assert!(page.contains(&format!("/calendar.ics?key={new_key}")), "{label}: the account page shows the link");
        assert_eq!(server.get(&format!("/calendar.ics?key={new_key}")).await.0, 200, "{label}");
        // A key made before keys were hashed keeps working: it is hashed at start-up.
        let old_key = "ab".repeat(32);
        on_pool!(&t.db, |pool| sqlx::query(
            "UPDATE users SET calendar_token = $1, calendar_key_hash = NULL WHERE username = $2"
        )
        .bind(&old_key)
        .bind(&admin.username)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        assert_eq!(server.get(&format!("/calendar.ics?key={old_key}")).await.0, 404, "{label}: not hashed yet");
        let mut config = marquee::server::config::Config::default();
        config.imdb.base_url = "http://127.0.0.1:9".into();
        let restarted = AppState::build(config, t.db.clone()).await.unwrap();
        assert!(
            restarted.rounds.calendar(&old_key, "http://club.example").await.is_ok(),
            "{label}: hashed at start-up"
        );
        assert_eq!(server.get(&format!("/calendar.ics?key={old_key}")).await.0, 200, "{label}");
        let plain: i64 = count(&t.db, "SELECT COUNT(*) FROM users WHERE calendar_token IS NOT NULL").await;
        assert_eq!(plain, 0, "{label}: no key is kept as it was made");
        // A disabled member's link stops working with the rest of their access.
        on_pool!(&t.db, |pool| sqlx::query("UPDATE users SET disabled = TRUE WHERE username = $1")
            .bind(&member.username)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        assert_eq!(server.get(&format!("/calendar.ics?key={new_key}")).await.0, 404, "{label}: disabled member");

        let (_, doc) = send(&server, "GET", "/api/v1/openapi.json", None, None).await;
        for p in ["/api/v1/rounds", "/api/v1/rounds/{id}", "/api/v1/rounds/{id}/close", "/api/v1/rounds/{id}/ballot"] {
            assert!(doc["paths"].get(p).is_some(), "{label}: {p} documented");
        }
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_round_closes_at_its_deadline_once_across_a_restart_and_racing_schedulers(t) {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let label = t.label;
        let (id, before) = {
            let server = TestServer::start(t.db.clone()).await;
            let admin = server.admin("boss").await;
            // Three seconds ahead on a whole-second clock: still ahead when a busy machine gets to it.
            let (status, opened) =
                send(&server, "POST", "/api/v1/rounds", Some(round(3, "approval", "with_votes")), Some(&admin)).await;
            assert_eq!(status, 200, "{label}: {opened}");
            let before = count(&t.db, "SELECT COUNT(*) FROM votes").await;
            (opened["id"].as_i64().unwrap(), before)
            // The server stops here, before the deadline.
        };
        tokio::time::sleep(Duration::from_millis(4100)).await;

        // Two servers start on the database and both look for due rounds at once.
        let config = || {
            let mut c = marquee::server::config::Config::default();
            c.imdb.base_url = "http://127.0.0.1:9".into();
            c
        };
        let other = Db::connect(&t.url, 4, Duration::from_secs(10)).await.unwrap();
        let (a, b) =
            (AppState::build(config(), t.db.clone()).await.unwrap(), AppState::build(config(), other).await.unwrap());
        let (ra, rb) = tokio::join!(a.rounds.close_due(), b.rounds.close_due());
        assert_eq!(ra.unwrap() + rb.unwrap(), 1, "{label}: closed exactly once");
        assert_eq!(a.rounds.close_due().await.unwrap(), 0, "{label}");
        let result = a.rounds.result(id).await.unwrap();
        assert_eq!(result.round.status, marquee::model::RoundStatus::Closed);
        assert_eq!(result.round.closed_by.as_deref(), Some("deadline"));
        let tally = result.tally.expect("the tally is kept");
        let top = tally.steps[0].counts[0];
        assert_eq!(tally.winner, Some(top.0), "{label}: the most approved wins (or the tie rule): {tally:?}");
        if tally.steps[0].counts.get(1).is_some_and(|c| c.1 == top.1) {
            assert!(tally.tie_break.is_some(), "{label}: a tie for the win says how it was settled");
        }
        // With votes: the unpicked proposals keep theirs.
        let winner_votes = top.1 as i64;
        assert_eq!(
            count(&t.db, "SELECT COUNT(*) FROM votes").await,
            before,
            "{label}: votes kept ({winner_votes} on the winner)"
        );
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_approval_ballot_sets_exactly_the_members_votes(t) {
        let (server, admin, member) = club(&t).await;
        let label = t.label;
        let mut hostile = round(3600, "approval", "with_votes");
        hostile["name"] = json!("<script>alert(1)</script> night");
        let (_, opened) = send(&server, "POST", "/api/v1/rounds", Some(hostile), Some(&admin)).await;
        let id = opened["id"].as_i64().unwrap();
        // The open round is on the vote page, its name escaped there and in the document head.
        let (_, html) = server.get("/vote").await;
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; night") && !html.contains("<script>alert(1)"),
            "{label}"
        );
        assert!(html.contains("Voting closes "), "{label}");
        let (_, html) = server.get(&format!("/rounds/{id}")).await;
        assert!(!html.contains("<script>alert(1)") && html.contains("Taking part"), "{label}");
        let (_, open) = send(&server, "GET", &format!("/api/v1/rounds/{id}"), None, None).await;
        let e: Vec<i64> =
            open["entries"].as_array().unwrap().iter().map(|e| e["proposal_id"].as_i64().unwrap()).collect();
        let path = format!("/api/v1/rounds/{id}/ballot");
        let mine = || async {
            let mut v: Vec<i64> = on_pool!(&t.db, |pool| sqlx::query_scalar(
                "SELECT v.proposal_id FROM votes v JOIN users u ON u.id = v.user_id WHERE u.username = 'reader'"
            )
            .fetch_all(pool)
            .await
            .unwrap());
            v.sort_unstable();
            v
        };
        let (status, answer) = send(&server, "PUT", &path, Some(json!({"ranking": [e[0]]})), Some(&member)).await;
        assert_eq!(status, 400, "{label}: a ranking in an approval round: {answer}");
        assert!(answer["message"].as_str().unwrap().contains("approvals"), "{label}: {answer}");
        assert_eq!(send(&server, "PUT", &path, Some(json!({"approvals": [e[1], e[0]]})), Some(&member)).await.0, 200);
        let mut both = vec![e[0], e[1]];
        both.sort_unstable();
        assert_eq!(mine().await, both, "{label}");
        assert_eq!(send(&server, "PUT", &path, Some(json!({"approvals": [e[1]]})), Some(&member)).await.0, 200);
        assert_eq!(mine().await, vec![e[1]], "{label}: the ballot replaces the member's votes");
        let (_, card) = send(&server, "GET", &format!("/api/v1/proposals/{}/votes", e[1]), None, None).await;
        assert!(card["voters"].as_array().unwrap().iter().any(|v| v == "reader"), "{label}: {card}");
    }
}

/// A `datetime-local` value `secs` from now, in UTC, to the minute.
fn form_time(secs: i64) -> String {
    let t = now() + secs;
    format!("{}T{:02}:{:02}", marquee::model::format_date(t), t % 86_400 / 3600, t % 3600 / 60)
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn rounds_run_from_plain_forms_without_javascript(t) {
        let (server, admin, member) = club(&t).await;
        let label = t.label;
        // Browsers send the whole address of the page a form is on.
        let list = format!("{}/rounds", server.base);
        let browser = [("accept", "text/html"), ("referer", list.as_str())];

        // An admin opens a ranked round from the form on /rounds, and lands on its page.
        let fields = [
            ("name", "Friday night".to_string()),
            ("deadline", form_time(3 * 3600)),
            ("screening", form_time(5 * 3600)),
            ("time_zone", "Europe/Paris".into()),
            ("method", "ranked".into()),
            ("carry_over", "with_votes".into()),
        ];
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = server.post_with("/api/open_round", &form, Some(&member), &browser).await;
        assert_eq!(refused.status, 302, "{label}: a member's form goes back with the refusal");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM rounds").await, 0, "{label}");
        let opened = server.post_with("/api/open_round", &form, Some(&admin), &browser).await;
        assert_eq!(opened.status, 302, "{label}: {opened:?}");
        let page = opened.location.clone().unwrap();
        let id: i64 = page.strip_prefix("/rounds/").unwrap().parse().unwrap();
        let (_, html) = server.get_as(&page, Some(&member)).await;
        assert!(html.contains("Your ranking") && html.contains("Save my ranking"), "{label}: no ranking form");
        let result: Value = send(&server, "GET", &format!("/api/v1/rounds/{id}"), None, None).await.1;
        let entries: Vec<i64> =
            result["entries"].as_array().unwrap().iter().map(|e| e["proposal_id"].as_i64().unwrap()).collect();
        assert!(entries.len() >= 3, "{label}");

        // From here on, forms are posted from the round's page.
        let here = format!("{}{page}", server.base);
        let browser = [("accept", "text/html"), ("referer", here.as_str())];
        // A member numbers three films; two with one number are refused and change nothing.
        let rank = |p: i64| format!("ranks[{p}]");
        let (a, b, c) = (rank(entries[0]), rank(entries[1]), rank(entries[2]));
        let round_id = id.to_string();
        let clash = [("round_id", round_id.as_str()), (a.as_str(), "1"), (b.as_str(), "1")];
        let plain = server.post("/api/save_ranking", &clash, Some(&member)).await;
        assert_eq!(plain.status, 400, "{label}: {plain:?}");
        let back = server.post_with("/api/save_ranking", &clash, Some(&member), &browser).await;
        assert_eq!(back.status, 302, "{label}: {back:?}");
        let shown = page_after(&server, &back, &member).await;
        assert!(shown.contains("Two films are ranked 1"), "{label}: the refusal is shown");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM ranked_ballots").await, 0, "{label}");
        let ballot = [("round_id", round_id.as_str()), (a.as_str(), "2"), (b.as_str(), ""), (c.as_str(), "1")];
        let saved = server.post_with("/api/save_ranking", &ballot, Some(&member), &browser).await;
        assert_eq!((saved.status, saved.location.as_deref()), (302, Some(page.as_str())), "{label}: {saved:?}");
        let (_, mine) = send(&server, "GET", &format!("/api/round_reader?round_id={id}"), None, Some(&member)).await;
        assert_eq!(mine["ranking"], json!([entries[2], entries[0]]), "{label}");
        // The page shows the numbers back, in the member's order.
        let (_, html) = server.get_as(&page, Some(&member)).await;
        let first = html.find(&format!("name=\"ranks[{}]\" value=\"1\"", entries[2]));
        let second = html.find(&format!("name=\"ranks[{}]\" value=\"2\"", entries[0]));
        assert!(first.is_some() && second.is_some() && first < second, "{label}: numbers not shown in order");

        // The admin moves the deadline (not past the screening), then closes voting now.
        let late = [("round_id", round_id.as_str()), ("deadline", &form_time(6 * 3600))];
        let back = server.post_with("/api/extend_round", &late, Some(&admin), &browser).await;
        let shown = page_after(&server, &back, &admin).await;
        assert!(shown.contains("at or before the screening"), "{label}");
        let sooner = form_time(4 * 3600);
        let moved = server
            .post_with("/api/extend_round", &[("round_id", &round_id), ("deadline", &sooner)], Some(&admin), &browser)
            .await;
        assert_eq!(moved.status, 302, "{label}");
        let deadline: i64 = result_round(&server, id).await["deadline"].as_i64().unwrap();
        // Typed in the round's time zone (Europe/Paris): one or two hours ahead of UTC.
        let offset = marquee::validate::parse_datetime_utc(&sooner, "x").unwrap() - deadline;
        assert!(offset == 3600 || offset == 7200, "{label}: {offset}");
        let round = result_round(&server, id).await;
        assert_eq!(round["deadline_input"], sooner.as_str(), "{label}: shown back as typed");
        let closed = server.post_with("/api/close_round", &[("round_id", &round_id)], Some(&admin), &browser).await;
        assert_eq!((closed.status, closed.location.as_deref()), (302, Some(page.as_str())), "{label}");
        let round = result_round(&server, id).await;
        assert_eq!(round["status"], "closed", "{label}");
        let (_, html) = server.get_as(&page, None).await;
        assert!(html.contains("The count") && !html.contains("Save my ranking"), "{label}");
    }
}

async fn result_round(server: &TestServer, id: i64) -> Value {
    send(server, "GET", &format!("/api/v1/rounds/{id}"), None, None).await.1["round"].clone()
}

/// The page a plain form post was sent back to, as the browser that posted it sees it (an error
/// in the link shows only with the cookie that came with it).
async fn page_after(server: &TestServer, posted: &common::Posted, who: &Member) -> String {
    let flash =
        posted.set_cookie.iter().find(|c| c.starts_with("marquee_flash=")).map(|c| c.split(';').next().unwrap());
    let cookie = match flash {
        Some(flash) => format!("{}; {flash}", who.cookie),
        None => who.cookie.clone(),
    };
    let own = Member { username: who.username.clone(), cookie };
    server.get_as(posted.location.as_deref().expect("sent back"), Some(&own)).await.1
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_round_may_archive_the_films_it_did_not_pick(t) {
        let (server, admin, member) = club(&t).await;
        let label = t.label;
        let active = count(&t.db, "SELECT COUNT(*) FROM proposals WHERE status = 'active'").await;
        let (status, opened) =
            send(&server, "POST", "/api/v1/rounds", Some(round(3600, "approval", "archive")), Some(&admin)).await;
        assert_eq!(status, 200, "{label}: {opened}");
        assert_eq!(opened["carry_over"], "archive", "{label}");
        let id = opened["id"].as_i64().unwrap();
        // A proposal made during the round takes part, and leaves with the others.
        let proposed = server.post("/api/propose", &[("imdb", "tt0111161")], Some(&member)).await;
        assert_eq!(proposed.status, 200, "{label}: {proposed:?}");
        let (status, result) = send(&server, "POST", &format!("/api/v1/rounds/{id}/close"), None, Some(&admin)).await;
        assert_eq!(status, 200, "{label}: {result}");
        assert!(result["round"]["winner_proposal_id"].is_i64(), "{label}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM proposals WHERE status = 'active'").await, 0, "{label}");
        let archived = count(&t.db, &format!("SELECT COUNT(*) FROM proposals WHERE archived_by_round = {id}")).await;
        assert_eq!(archived, active, "{label}: every film not picked is archived, marked with the round");
        let (_, page) = server.get(&format!("/rounds/{id}")).await;
        assert!(page.contains("are archived: they leave the list"), "{label}");
        // The list is empty for the next round; an archived film may be proposed again.
        let again = server.post("/api/propose", &[("imdb", "tt0111161")], Some(&member)).await;
        assert_eq!(again.status, 200, "{label}: {again:?}");
        let (_, vote) = server.get("/vote").await;
        assert!(vote.contains(">1 proposal<") || vote.contains("1 proposal"), "{label}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM proposals WHERE status = 'active'").await, 1, "{label}");
    }
}

common::on_each_backend! {
    /// Between a round's deadline and the scheduler's close, nothing changes the outcome: votes (the
    /// button, the plain form, the ballot) are refused, and the deadline can no longer move. And a
    /// close at the deadline that comes after an extend closes nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn after_the_deadline_votes_and_extends_are_refused_until_the_close(t) {
        let (server, admin, member) = club(&t).await;
        let label = t.label;
        let (status, opened) =
            send(&server, "POST", "/api/v1/rounds", Some(round(3600, "approval", "with_votes")), Some(&admin)).await;
        assert_eq!(status, 200, "{label}: {opened}");
        let id = opened["id"].as_i64().unwrap();
        let round_id = id.to_string();
        let proposal = count(&t.db, "SELECT MIN(id) FROM proposals WHERE status = 'active'").await.to_string();

        // Before the deadline, the extend (typed in Paris time, one or two hours ahead of UTC: half
        // an hour to an hour and a half from now) and the vote go through; a close "at the deadline"
        // that read the round as due before the extend closes nothing.
        let later = [("round_id", round_id.as_str()), ("deadline", &form_time(9000))];
        assert_eq!(server.post("/api/extend_round", &later, Some(&admin)).await.status, 200, "{label}");
        let stale = server.state.rounds.close(id, marquee::server::db::rounds::Closer::Deadline).await;
        assert!(stale.unwrap().is_none(), "{label}: a round not yet due stays open");
        let vote = [("proposal_id", proposal.as_str()), ("vote", "true")];
        assert_eq!(server.post("/api/cast_vote", &vote, Some(&member)).await.status, 200, "{label}");

        // The deadline passes; the scheduler has not run yet.
        on_pool!(&t.db, |pool| sqlx::query("UPDATE rounds SET deadline = $1 WHERE id = $2")
            .bind(now() - 5)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        let votes = count(&t.db, "SELECT COUNT(*) FROM votes").await;
        let unvote = [("proposal_id", proposal.as_str()), ("vote", "false")];
        let refused = server.post("/api/cast_vote", &unvote, Some(&member)).await;
        assert_eq!(refused.status, 409, "{label}: {refused:?}");
        assert!(refused.body.contains("Voting in this round has closed"), "{label}: {}", refused.body);
        let other = count(&t.db, "SELECT MAX(id) FROM proposals WHERE status = 'active'").await.to_string();
        let vote = [("proposal_id", other.as_str()), ("vote", "true")];
        assert_eq!(server.post("/api/cast_vote", &vote, Some(&admin)).await.status, 409, "{label}");
        let ballot = json!({ "approvals": [] });
        let (status, answer) =
            send(&server, "PUT", &format!("/api/v1/rounds/{id}/ballot"), Some(ballot), Some(&member)).await;
        assert_eq!(status, 409, "{label}: {answer}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM votes").await, votes, "{label}: no vote changed");
        let reopen = [("round_id", round_id.as_str()), ("deadline", &form_time(9000))];
        let extended = server.post("/api/extend_round", &reopen, Some(&admin)).await;
        assert_eq!(extended.status, 409, "{label}: a passed deadline does not move: {extended:?}");

        // The scheduler closes it with the ballots it had; then voting goes on for the next round.
        assert_eq!(server.state.rounds.close_due().await.unwrap(), 1, "{label}");
        let result = server.state.rounds.result(id).await.unwrap();
        assert_eq!(result.round.status, marquee::model::RoundStatus::Closed, "{label}");
        let left = count(&t.db, "SELECT MIN(id) FROM proposals WHERE status = 'active'").await.to_string();
        let vote = [("proposal_id", left.as_str()), ("vote", "true")];
        let after = server.post("/api/cast_vote", &vote, Some(&admin)).await;
        assert!(after.status == 200 || after.body.contains("already voted"), "{label}: {after:?}");
    }
}
