//! Accounts, proposals, votes and the watched history over real HTTP, on both backends.

use crate::common;

use common::{Member, TestServer, PASSWORD};
use marquee::model::{Quota, Viewer, VoteState};
use marquee::server::db::{on_pool, Db};
use serde_json::Value;

async fn count(db: &Db, sql: &str) -> i64 {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
}

async fn propose(server: &TestServer, member: &Member, imdb: &str) -> i64 {
    let posted = server.post("/api/propose", &[("imdb", imdb)], Some(member)).await;
    assert_eq!(posted.status, 200, "propose {imdb}: {}", posted.body);
    posted.body.parse().unwrap()
}

async fn vote(server: &TestServer, member: &Member, id: i64, on: bool) -> common::Posted {
    let id = id.to_string();
    server
        .post("/api/cast_vote", &[("proposal_id", &id), ("vote", if on { "true" } else { "false" })], Some(member))
        .await
}

fn error_message(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    // Server functions send the error itself: `{"Variant": "message"}`, or `"Variant"` alone.
    match &v {
        Value::String(variant) => variant.clone(),
        _ => v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap_or_default().to_string(),
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn register_sign_in_sign_out_and_change_password(t) {
        let server = TestServer::start(t.db.clone()).await;
        let posted = server
            .post("/api/register", &[("username", "Ada_L"), ("display_name", "Ada"), ("password", PASSWORD)], None)
            .await;
        assert_eq!(posted.status, 200, "{}: {}", t.label, posted.body);
        let cookie = &posted.set_cookie[0];
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
            assert!(cookie.contains(part), "{}: cookie lacks {part}: {cookie}", t.label);
        }
        assert!(!cookie.contains("Secure"), "not Secure unless configured for https");
        let stored: String =
            on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT password_hash FROM users WHERE username_key = 'ada_l'")
                .fetch_one(pool)
                .await
                .unwrap());
        assert!(stored.starts_with("$argon2id$") && !stored.contains(PASSWORD), "{}", t.label);

        // Usernames are unique regardless of case.
        let again = server.post("/api/register", &[("username", "ada_l"), ("password", PASSWORD)], None).await;
        assert_eq!(again.status, 409, "{}: {}", t.label, again.body);

        let ada = server.sign_in("ADA_L", PASSWORD).await.expect("case-insensitive sign-in");
        let (_, me) = server.get_as("/api/whoami", Some(&ada)).await;
        let me: Option<Viewer> = serde_json::from_str(&me).unwrap();
        assert_eq!(me.as_ref().map(|v| v.display_name.as_str()), Some("Ada"), "{}", t.label);
        assert!(!me.unwrap().is_admin, "registering never makes an admin");

        let wrong = server.sign_in("ada_l", "wrong password!").await.unwrap_err();
        assert_eq!(wrong.status, 400, "{}", t.label);
        assert!(error_message(&wrong.body).contains("do not match"));
        assert_eq!(server.sign_in("nobody", PASSWORD).await.unwrap_err().status, 400);

        // A second session survives in the database until signed out; the change of password
        // ends every session but the one that made it.
        let other = server.sign_in("ada_l", PASSWORD).await.unwrap();
        let changed = server
            .post(
                "/api/change_password",
                &[("current_password", PASSWORD), ("new_password", "a new long secret")],
                Some(&ada),
            )
            .await;
        assert_eq!(changed.status, 200, "{}: {}", t.label, changed.body);
        let whoami = |m: Member| {
            let server = &server;
            async move { serde_json::from_str::<Option<Viewer>>(&server.get_as("/api/whoami", Some(&m)).await.1).unwrap() }
        };
        assert!(whoami(ada.clone()).await.is_some(), "{}: the changing session stays", t.label);
        assert!(whoami(other.clone()).await.is_none(), "{}: other sessions end", t.label);
        assert!(server.sign_in("ada_l", PASSWORD).await.is_err(), "{}: old password refused", t.label);
        let bad_change = server
            .post(
                "/api/change_password",
                &[("current_password", "not it at all"), ("new_password", "whatever long")],
                Some(&ada),
            )
            .await;
        assert_eq!(bad_change.status, 400);

        let out = server.post("/api/sign_out", &[], Some(&ada)).await;
        assert_eq!(out.status, 200, "{}", t.label);
        assert!(out.set_cookie.iter().any(|c| c.contains("Max-Age=0")), "{}: cookie cleared", t.label);
        assert!(whoami(ada).await.is_none(), "{}: the session is gone server-side", t.label);

        // Weak or malformed details are refused with the reason.
        for (user, pass, needle) in
            [("ab", PASSWORD, "3 to 32"), ("good_name", "short", "at least 10"), ("<script>", PASSWORD, "only letters")]
        {
            let p = server.post("/api/register", &[("username", user), ("password", pass)], None).await;
            assert_eq!(p.status, 400, "{user}");
            assert!(error_message(&p.body).contains(needle), "{}", p.body);
        }
        let audit = count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE action IN ('account.sign_in', 'account.sign_in_failed', 'account.register')").await;
        assert!(audit >= 6, "{}: sign-ins and registrations are audited ({audit})", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn failed_sign_ins_are_throttled_per_account(t) {
        let server = TestServer::start(t.db.clone()).await;
        server.register("ben").await;
        for _ in 0..5 {
            assert_eq!(server.sign_in("ben", "not the password").await.unwrap_err().status, 400);
        }
        let blocked = server.sign_in("ben", PASSWORD).await.unwrap_err();
        assert_eq!(blocked.status, 429, "{}: even the right password waits out the pause", t.label);
        assert_eq!(error_message(&blocked.body), "TooManyRequests", "{}", blocked.body);
        server.register("chloe").await;
        assert!(server.sign_in("chloe", PASSWORD).await.is_ok(), "{}: other accounts unaffected", t.label);
    }
}

common::on_each_backend! {
    /// Guesses sent all at once cannot slip past the limit while the first ones are being checked.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parallel_wrong_passwords_hit_the_limit(t) {
        let server = TestServer::start(t.db.clone()).await;
        server.register("ben").await;
        let guesses: Vec<_> = (0..8)
            .map(|i| {
                let client = server.client.clone();
                let url = format!("{}/api/sign_in", server.base);
                tokio::spawn(async move {
                    let form = [("username", "ben".to_string()), ("password", format!("wrong guess {i}"))];
                    client.post(url).form(&form).send().await.unwrap().status().as_u16()
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for g in guesses {
            statuses.push(g.await.unwrap());
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [400, 400, 400, 400, 400, 429, 429, 429], "{}: five checked, the rest paused", t.label);
        let checked = count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.sign_in_failed'").await;
        assert_eq!(checked, 5, "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn invite_only_registration_needs_an_unused_invitation(t) {
        let server = TestServer::start_with(t.db.clone(), |c| c.accounts.registration = "invite".into()).await;
        let refused = server.post("/api/register", &[("username", "dev"), ("password", PASSWORD)], None).await;
        assert_eq!(refused.status, 400, "{}", t.label);
        assert!(error_message(&refused.body).contains("invitation"));
        let admin = server.admin("root").await;
        let invited = server.post("/api/create_invitation", &[], Some(&admin)).await;
        assert_eq!(invited.status, 200, "{}: {}", t.label, invited.body);
        let link: String = serde_json::from_str(&invited.body).unwrap();
        let code = link.split("invite=").nth(1).unwrap();
        let ok =
            server.post("/api/register", &[("username", "dev"), ("password", PASSWORD), ("invite", code)], None).await;
        assert_eq!(ok.status, 200, "{}: {}", t.label, ok.body);
        let reused =
            server.post("/api/register", &[("username", "emma"), ("password", PASSWORD), ("invite", code)], None).await;
        assert_eq!(reused.status, 400, "{}: an invitation admits one member", t.label);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM users WHERE username_key = 'emma'").await, 0, "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn proposals_limits_duplicates_and_withdrawal(t) {
        let server = TestServer::start(t.db.clone()).await;
        let admin = server.admin("root").await;
        let ben = server.register("ben").await;
        let chloe = server.register("chloe").await;

        let id = propose(&server, &ben, "https://www.imdb.com/title/tt15239678/?ref_=x").await;
        let stored: String = on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT imdb_id FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap());
        assert_eq!(stored, "tt15239678", "{}: ids are read from links", t.label);

        let dup = server.post("/api/propose", &[("imdb", "tt15239678")], Some(&chloe)).await;
        assert_eq!(dup.status, 409, "{}", t.label);
        assert!(
            error_message(&dup.body).contains(&format!("/vote#proposal-{id}")),
            "{}: links the existing one",
            dup.body
        );

        for bad in ["", "tt123", "nm0000001", "https://evil.example/title/tt0111161/", &"x".repeat(500)] {
            let p = server.post("/api/propose", &[("imdb", bad)], Some(&ben)).await;
            assert_eq!(p.status, 400, "{}: {bad:?} -> {}", t.label, p.body);
        }

        // The admin lowers Ben's limit to 2: the third proposal is refused until one is withdrawn.
        let ben_id: i64 = count(&t.db, "SELECT id FROM users WHERE username_key = 'ben'").await;
        let limit = server
            .post("/api/set_member_limit", &[("user_id", &ben_id.to_string()), ("limit", "2")], Some(&admin))
            .await;
        assert_eq!(limit.status, 200, "{}: {}", t.label, limit.body);
        let second = propose(&server, &ben, "tt0111161").await;
        let full = server.post("/api/propose", &[("imdb", "tt0068646")], Some(&ben)).await;
        assert_eq!(full.status, 409, "{}", t.label);
        assert!(error_message(&full.body).contains("all 2"), "{}", full.body);
        let quota: Option<Quota> = serde_json::from_str(&server.get_as("/api/my_quota", Some(&ben)).await.1).unwrap();
        assert_eq!(quota, Some(Quota { used: 2, limit: 2 }), "{}", t.label);

        // Someone else may not withdraw it; the proposer may.
        let theirs = server.post("/api/withdraw_proposal", &[("proposal_id", &second.to_string())], Some(&chloe)).await;
        assert_eq!(theirs.status, 403, "{}", t.label);
        let mine = server.post("/api/withdraw_proposal", &[("proposal_id", &second.to_string())], Some(&ben)).await;
        assert_eq!(mine.status, 200, "{}: {}", t.label, mine.body);
        let again = server.post("/api/withdraw_proposal", &[("proposal_id", &second.to_string())], Some(&ben)).await;
        assert_eq!(again.status, 409, "{}", t.label);
        propose(&server, &ben, "tt0068646").await;
        // A withdrawn film can be proposed again.
        propose(&server, &chloe, "tt0111161").await;
        let missing = server.post("/api/withdraw_proposal", &[("proposal_id", "999999")], Some(&ben)).await;
        assert_eq!(missing.status, 404, "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn votes_count_once_and_the_page_shows_them_at_once(t) {
        let server = TestServer::start(t.db.clone()).await;
        let ben = server.register("ben").await;
        let chloe = server.register("chloe").await;
        let id = propose(&server, &ben, "tt0111161").await;

        let voted = vote(&server, &chloe, id, true).await;
        assert_eq!(voted.status, 200, "{}: {}", t.label, voted.body);
        let state: VoteState = serde_json::from_str(&voted.body).unwrap();
        assert_eq!(
            (state.voted, state.votes, state.voters.clone()),
            (true, 1, vec!["chloe".to_string()]),
            "{}",
            t.label
        );
        let twice = vote(&server, &chloe, id, true).await;
        assert_eq!(twice.status, 409, "{}", t.label);
        assert!(error_message(&twice.body).contains("already voted"));

        // A reload shows the vote straight away, and the member's own vote state.
        let (_, html) = server.get_as("/vote", Some(&chloe)).await;
        let html = common::without_markers(&html);
        let card = &html[html.find(&format!("id=\"proposal-{id}\"")).expect("card")..];
        assert!(card.contains("Voted ✓") && card.contains("aria-pressed=\"true\""), "{}", t.label);
        assert!(card.contains("<strong class=\"count\">1</strong>"), "{}", t.label);
        let (_, html) = server.get_as("/vote", Some(&ben)).await;
        let card = &html[html.find(&format!("id=\"proposal-{id}\"")).unwrap()..];
        assert!(card.contains("aria-pressed=\"false\""), "{}: Ben has not voted", t.label);

        // Ten identical votes at once: one row, one success, the rest refused.
        let dev = server.register("dev").await;
        let attempts = futures::future::join_all((0..10).map(|_| vote(&server, &dev, id, true))).await;
        let ok = attempts.iter().filter(|p| p.status == 200).count();
        assert_eq!(ok, 1, "{}: {:?}", t.label, attempts.iter().map(|p| p.status).collect::<Vec<_>>());
        assert!(attempts.iter().all(|p| p.status == 200 || p.status == 409), "{}", t.label);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM votes").await, 2, "{}", t.label);
        assert_eq!(count(&t.db, "SELECT vote_count FROM proposals").await, 2, "{}: stored count agrees", t.label);

        let back = vote(&server, &dev, id, false).await;
        assert_eq!(back.status, 200);
        assert_eq!(serde_json::from_str::<VoteState>(&back.body).unwrap().votes, 1);
        assert_eq!(vote(&server, &dev, id, false).await.status, 409, "{}: nothing to take back", t.label);
        assert_eq!(vote(&server, &dev, 987_654, true).await.status, 404, "{}", t.label);
        let junk = server.post("/api/cast_vote", &[("proposal_id", "abc"), ("vote", "true")], Some(&dev)).await;
        assert_eq!(junk.status, 400, "{}", t.label);

        // Watched films are closed to voting.
        let admin = server.admin("root").await;
        let w = server.post("/api/mark_watched", &[("proposal_id", &id.to_string())], Some(&admin)).await;
        assert_eq!(w.status, 200, "{}: {}", t.label, w.body);
        let closed = vote(&server, &dev, id, true).await;
        assert_eq!(closed.status, 409, "{}", t.label);
        assert!(error_message(&closed.body).contains("watched"));
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn watched_history_and_ratings(t) {
        let server = TestServer::start(t.db.clone()).await;
        let admin = server.admin("root").await;
        let ben = server.register("ben").await;
        // A film that is in no catalogue and has no metadata yet can still be marked watched.
        let id = propose(&server, &ben, "tt9999991").await;
        let member_try = server.post("/api/mark_watched", &[("proposal_id", &id.to_string())], Some(&ben)).await;
        assert_eq!(member_try.status, 403, "{}", t.label);
        let early =
            server.post("/api/rate_watched", &[("proposal_id", &id.to_string()), ("stars", "4")], Some(&ben)).await;
        assert_eq!(early.status, 409, "{}: only watched films are rated", t.label);
        assert_eq!(
            server.post("/api/mark_watched", &[("proposal_id", &id.to_string())], Some(&admin)).await.status,
            200
        );
        assert_eq!(
            server.post("/api/mark_watched", &[("proposal_id", &id.to_string())], Some(&admin)).await.status,
            409
        );

        for (who, stars) in [(&ben, "4"), (&admin, "5"), (&ben, "3")] {
            let r = server
                .post("/api/rate_watched", &[("proposal_id", &id.to_string()), ("stars", stars)], Some(who))
                .await;
            assert_eq!(r.status, 200, "{}: {}", t.label, r.body);
        }
        for stars in ["0", "6", "x"] {
            let r = server
                .post("/api/rate_watched", &[("proposal_id", &id.to_string()), ("stars", stars)], Some(&ben))
                .await;
            assert_eq!(r.status, 400, "{}: {stars}", t.label);
        }
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM watch_ratings").await, 2, "{}: re-rating replaces", t.label);
        let (status, html) = server.get_as("/vote/watched", Some(&ben)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Club rating 4.0★ from 2"), "{}: average of 3 and 5", t.label);
        assert!(html.contains("You: 3★"), "{}", t.label);
        assert!(html.contains("tt9999991"), "{}: placeholder title is the id", t.label);
        // The catalogue's scale: half stars too.
        let r =
            server.post("/api/rate_watched", &[("proposal_id", &id.to_string()), ("stars", "3.5")], Some(&ben)).await;
        assert_eq!(r.status, 200, "{}: {}", t.label, r.body);
        let (_, html) = server.get_as("/vote/watched", Some(&ben)).await;
        assert!(html.contains("You: 3.5★") && html.contains("Club rating 4.2★ from 2"), "{}", t.label);
        assert_eq!(count(&t.db, "SELECT SUM(half_stars) FROM watch_ratings").await, 17, "{}: 3.5 and 5 stars", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_change_needs_the_right_member(t) {
        let server = TestServer::start(t.db.clone()).await;
        let ben = server.register("ben").await;
        let id = propose(&server, &ben, "tt0111161").await.to_string();
        let anonymous: &[(&str, Vec<(&str, &str)>)] = &[
            ("/api/propose", vec![("imdb", "tt0068646")]),
            ("/api/cast_vote", vec![("proposal_id", &id), ("vote", "true")]),
            ("/api/withdraw_proposal", vec![("proposal_id", &id)]),
            ("/api/mark_watched", vec![("proposal_id", &id)]),
            ("/api/rate_watched", vec![("proposal_id", &id), ("stars", "3")]),
            ("/api/change_password", vec![("current_password", PASSWORD), ("new_password", "another long one")]),
            ("/api/set_member_limit", vec![("user_id", "1"), ("limit", "50")]),
            ("/api/create_invitation", vec![]),
        ];
        for (path, form) in anonymous {
            let p = server.post(path, form, None).await;
            assert_eq!(p.status, 401, "{}: {path} without a session: {}", t.label, p.body);
        }
        let (status, _) = server.get_as("/api/search_titles?query=heat", None).await;
        assert_eq!(status, 401, "{}: the search proxy is for members", t.label);
        // A forged or expired cookie is no session.
        let forged = Member { username: "x".into(), cookie: format!("marquee_session={}", "ab".repeat(32)) };
        assert_eq!(
            server.post("/api/cast_vote", &[("proposal_id", &id), ("vote", "true")], Some(&forged)).await.status,
            401
        );

        for (path, form) in [
            ("/api/mark_watched", vec![("proposal_id", id.as_str())]),
            ("/api/set_member_limit", vec![("user_id", "1"), ("limit", "50")]),
            ("/api/create_invitation", vec![]),
        ] {
            assert_eq!(server.post(path, &form, Some(&ben)).await.status, 403, "{}: {path} is for admins", t.label);
        }
        for path in ["/api/admin_members", "/api/audit_log?page=1"] {
            assert_eq!(server.get_as(path, Some(&ben)).await.0, 403, "{}: {path}", t.label);
            assert_eq!(server.get_as(path, None).await.0, 401, "{}: {path}", t.label);
        }
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM votes").await, 0, "{}", t.label);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM proposals WHERE status = 'active'").await, 1, "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn cross_site_posts_are_refused(t) {
        let server = TestServer::start(t.db.clone()).await;
        let ben = server.register("ben").await;
        let id = propose(&server, &ben, "tt0111161").await.to_string();
        let form = [("proposal_id", id.as_str()), ("vote", "true")];
        for headers in [
            vec![("origin", "https://evil.example"), ("accept", "text/html")],
            vec![("sec-fetch-site", "cross-site")],
            vec![("origin", "null")],
        ] {
            let p = server.post_with("/api/cast_vote", &form, Some(&ben), &headers).await;
            assert_eq!(p.status, 403, "{}: {headers:?}", t.label);
            assert!(p.body.contains("another site"), "{}", p.body);
        }
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM votes").await, 0, "{}: nothing changed", t.label);
        // The same post from the site itself goes through.
        let host = server.base.trim_start_matches("http://").to_string();
        let origin = server.base.clone();
        let p = server
            .post_with(
                "/api/cast_vote",
                &form,
                Some(&ben),
                &[("origin", origin.as_str()), ("host", host.as_str()), ("sec-fetch-site", "same-origin")],
            )
            .await;
        assert_eq!(p.status, 200, "{}: {}", t.label, p.body);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn html_in_names_and_titles_is_shown_as_text(t) {
        let server = TestServer::start(t.db.clone()).await;
        let evil = "<img src=x onerror=alert(1)>";
        let p = server
            .post("/api/register", &[("username", "mallory"), ("display_name", evil), ("password", PASSWORD)], None)
            .await;
        assert_eq!(p.status, 200, "{}: {}", t.label, p.body);
        let mallory =
            common::Member { username: "mallory".into(), cookie: p.set_cookie[0].split(';').next().unwrap().into() };
        let id = propose(&server, &mallory, "tt0111161").await;
        on_pool!(&t.db, |pool| sqlx::query("UPDATE proposals SET title = $1, plot = $2 WHERE id = $3")
            .bind("<script>alert('t')</script>")
            .bind("</p><b>bold</b>")
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        vote(&server, &mallory, id, true).await;
        let (status, html) = server.get_as("/vote", Some(&mallory)).await;
        assert_eq!(status, 200);
        assert!(
            !html.contains(evil) && !html.contains("<script>alert") && !html.contains("<b>bold"),
            "{}: raw HTML leaked",
            t.label
        );
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{}: the name is shown as text", t.label);
        assert!(html.contains("&lt;script&gt;alert"), "{}: the title is shown as text", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn forms_without_javascript_return_to_the_page(t) {
        let server = TestServer::start(t.db.clone()).await;
        let ben = server.register("ben").await;
        let id = propose(&server, &ben, "tt0111161").await.to_string();
        let referer = format!("{}/vote", server.base);
        let browser = [("accept", "text/html,application/xhtml+xml"), ("referer", referer.as_str())];
        let ok =
            server.post_with("/api/cast_vote", &[("proposal_id", &id), ("vote", "true")], Some(&ben), &browser).await;
        let location = ok.location.clone().unwrap_or_default();
        assert_eq!(ok.status, 302, "{}", t.label);
        assert!(location.starts_with("/vote") && !location.contains("__err"), "{}: {location}", t.label);
        let refused =
            server.post_with("/api/cast_vote", &[("proposal_id", &id), ("vote", "true")], Some(&ben), &browser).await;
        assert_eq!(refused.status, 302, "{}: an error also returns to the page", t.label);
        let back = refused.location.clone().unwrap();
        assert!(back.starts_with("/vote?") && back.contains("__err=") && back.contains("__sig="), "{back}");
        // The error link is bound to this browser by a cookie, as a browser would send it back.
        let flash = refused.set_cookie.iter().find(|c| c.starts_with("marquee_flash=")).expect("flash cookie");
        let browser_cookies =
            Member { username: "ben".into(), cookie: format!("{}; {}", ben.cookie, flash.split(';').next().unwrap()) };
        let (status, html) = server.get_as(&back, Some(&browser_cookies)).await;
        assert_eq!(status, 200);
        assert!(html.contains("You have already voted for this film."), "{}: the message is shown", t.label);

        // Signing in without JavaScript lands on the page asked for.
        let signin = server
            .post_with(
                "/api/sign_in",
                &[("username", "ben"), ("password", PASSWORD), ("next", "/propose")],
                None,
                &browser,
            )
            .await;
        assert_eq!((signin.status, signin.location.as_deref()), (302, Some("/propose")), "{}", t.label);
        let offsite = server
            .post_with(
                "/api/sign_in",
                &[("username", "ben"), ("password", PASSWORD), ("next", "https://evil.example/")],
                None,
                &browser,
            )
            .await;
        assert_eq!(offsite.location.as_deref(), Some("/vote"), "{}: never to another site", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_admin_reads_and_filters_the_audit_log(t) {
        let server = TestServer::start(t.db.clone()).await;
        let admin = server.admin("root").await;
        let ben = server.register("ben").await;
        let id = propose(&server, &ben, "tt0111161").await;
        vote(&server, &ben, id, true).await;
        let (status, body) = server.get_as("/api/audit_log?action=vote.cast&page=1", Some(&admin)).await;
        assert_eq!(status, 200, "{}: {body}", t.label);
        let page: marquee::model::Slice<marquee::model::AuditEntry> = serde_json::from_str(&body).unwrap();
        assert_eq!(page.total, 1, "{}", t.label);
        assert_eq!(page.items[0].actor.as_deref(), Some("ben"));
        let (_, body) = server.get_as("/api/audit_log?actor=ben&page=1", Some(&admin)).await;
        let page: marquee::model::Slice<marquee::model::AuditEntry> = serde_json::from_str(&body).unwrap();
        let actions: Vec<&str> = page.items.iter().map(|e| e.action.as_str()).collect();
        for a in ["account.register", "proposal.create", "vote.cast"] {
            assert!(actions.contains(&a), "{}: {actions:?}", t.label);
        }
        assert_eq!(server.get_as("/api/audit_log?action=drop.table&page=1", Some(&admin)).await.0, 400);
        let (status, html) = server.get_as("/admin/audit?action=proposal.create", Some(&admin)).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("data-action=\"proposal.create\"") && !html.contains("data-action=\"vote.cast\""),
            "{}",
            t.label
        );
        assert_eq!(server.get_as("/admin/audit", Some(&ben)).await.0, 403, "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn behind_a_trusted_proxy_the_forwarded_address_is_recorded(t) {
        let server = TestServer::start_with(t.db.clone(), |c| c.site.trusted_proxies = vec!["127.0.0.1".into()]).await;
        server.register("dana").await;
        let form = [("username", "dana"), ("password", "not the password")];
        for who in ["203.0.113.7", "198.51.100.1, 203.0.113.8"] {
            let p = server.post_with("/api/sign_in", &form, None, &[("x-forwarded-for", who)]).await;
            assert_eq!(p.status, 400);
        }
        let ips: Vec<Option<String>> = on_pool!(&t.db, |pool| sqlx::query_scalar(
            "SELECT ip FROM audit_log WHERE action = 'account.sign_in_failed' ORDER BY id"
        )
        .fetch_all(pool)
        .await
        .unwrap());
        assert_eq!(ips, vec![Some("203.0.113.7".to_string()), Some("203.0.113.8".to_string())], "{}", t.label);
    }
}

common::on_each_backend! {
    /// A card names its first few voters and says how many more there are; the vote page and a vote's
    /// answer read no more than that, however many votes a proposal has. The full list is on request.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn cards_name_a_bounded_number_of_voters(t) {
        use marquee::model::{VoteState, VOTERS_SHOWN};
        let server = TestServer::start(t.db.clone()).await;
        let proposer = server.register("proposer").await;
        let posted = server.post("/api/propose", &[("imdb", "tt0111161")], Some(&proposer)).await;
        let id: i64 = posted.body.parse().unwrap_or_else(|_| panic!("{}: {}", t.label, posted.body));
        let mut members = Vec::new();
        for i in 0..12 {
            let m = server.register(&format!("voter{i:02}")).await;
            let p =
                server.post("/api/cast_vote", &[("proposal_id", &id.to_string()), ("vote", "true")], Some(&m)).await;
            assert_eq!(p.status, 200, "{}: {}", t.label, p.body);
            members.push(m);
        }
        // The last voter's answer: the count, the first few names, and their own vote.
        let last = server
            .post("/api/cast_vote", &[("proposal_id", &id.to_string()), ("vote", "false")], Some(&members[11]))
            .await;
        let state: VoteState = serde_json::from_str(&last.body).unwrap();
        assert_eq!((state.voted, state.votes, state.voters.len()), (false, 11, VOTERS_SHOWN), "{}", t.label);
        assert_eq!(state.voters[0], "voter00", "{}: in vote order", t.label);
        let again = server
            .post("/api/cast_vote", &[("proposal_id", &id.to_string()), ("vote", "true")], Some(&members[11]))
            .await;
        let state: VoteState = serde_json::from_str(&again.body).unwrap();
        assert!(
            state.voted && !state.voters.contains(&"voter11".to_string()),
            "{}: own vote known beyond the first few",
            t.label
        );

        let (_, html) = server.get_as("/vote", Some(&members[11])).await;
        let card = &html[html.find(&format!("id=\"proposal-{id}\"")).expect("card")..];
        assert!(card.contains("Voters: voter00, voter01, voter02, voter03, voter04 and 7 more"), "{}", t.label);
        assert!(card.contains("aria-pressed=\"true\""), "{}: the reader's own vote is shown", t.label);
        assert!(!card[..card.find("</li>").unwrap()].contains("voter05"), "{}: the rest are not sent", t.label);

        let (status, body) = server.get(&format!("/api/all_voters?proposal_id={id}")).await;
        assert_eq!(status, 200, "{}", t.label);
        let all: Vec<String> = serde_json::from_str(&body).unwrap();
        assert_eq!(all.len(), 12, "{}: everyone on request", t.label);
        let (_, body) = server.get(&format!("/api/v1/proposals/{id}/votes")).await;
        let state: VoteState = serde_json::from_str(&body).unwrap();
        assert_eq!(state.voters.len(), 12, "{}: the API lists every voter", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_vote_page_sends_each_card_once_for_hydration(t) {
        use marquee::server::{db::load::load_dataset, tools::gen};
        let mut data = gen::generate(200, 5);
        gen::add_club(&mut data, 12, 20, 5);
        load_dataset(&t.db, &data, |_| {}).await.unwrap();
        let server = TestServer::start(t.db.clone()).await;
        let reader = server.register("reader").await;
        let (status, html) = server.get_as("/vote", Some(&reader)).await;
        assert_eq!(status, 200, "{}", t.label);
        for proposal in [&data.proposals[0], &data.proposals[19]] {
            assert!(html.contains(&proposal.imdb_id), "{}: {} listed", t.label, proposal.imdb_id);
            common::assert_lean_hydration(&format!("{} /vote", t.label), &html, &proposal.imdb_id);
        }
    }
}

common::on_each_backend! {
    /// A member's `/vote` is rendered once per change to the club and then served from memory, each
    /// time with its own nonce; every member has their own copy; a vote is on the very next load of
    /// everyone's page; a made-up session gets a visitor's page and no copy in memory.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn club_pages_come_from_memory_and_stay_current(t) {
        fn nonce(html: &str) -> &str {
            html.split("nonce=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a nonce")
        }
        fn session(member: &Member) -> &str {
            member.cookie.trim_start_matches("marquee_session=")
        }
        fn card(html: &str, id: i64) -> String {
            let html = common::without_markers(html);
            let at = html.find(&format!("id=\"proposal-{id}\"")).expect("card");
            html[at..at + html[at..].find("</li>").unwrap()].to_string()
        }
        let server = TestServer::start(t.db.clone()).await;
        let ada = server.register("ada").await;
        let ben = server.register("ben").await;
        let id = propose(&server, &ada, "tt0111161").await;

        let (status, first) = server.get_as("/vote", Some(&ada)).await;
        assert_eq!(status, 200, "{}", t.label);
        assert!(server.state.pages.holds("/vote", Some(session(&ada))), "{}: kept after the first load", t.label);
        assert!(!server.state.pages.holds("/vote", Some(session(&ben))), "{}: only for Ada", t.label);
        let (_, second) = server.get_as("/vote", Some(&ada)).await;
        assert_ne!(nonce(&first), nonce(&second), "{}: every response has its own nonce", t.label);
        assert!(!second.contains(nonce(&first)), "{}: no nonce is reused", t.label);
        // The same page, but for the clock the activity panel counts "minutes ago" from: an IMDb
        // refresh of the new proposal may start a new version, and its render may fall in the next
        // second.
        let clock = |html: &str| {
            let mut out = String::with_capacity(html.len());
            let mut rest = html;
            while let Some(at) = rest.find("\\\"now\\\":") {
                let (head, tail) = rest.split_at(at + "\\\"now\\\":".len());
                out.push_str(head);
                rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
            }
            out + rest
        };
        assert_eq!(clock(&first.replace(nonce(&first), nonce(&second))), clock(&second), "{}: the same page", t.label);

        // Ben's page is his own.
        let (_, bens) = server.get_as("/vote", Some(&ben)).await;
        assert!(
            bens.contains("data-user=\"ben\"") && !bens.contains("data-user=\"ada\""),
            "{}: the header names Ben",
            t.label
        );
        assert!(first.contains("data-user=\"ada\""), "{}", t.label);

        // Ben votes: both pages show it on their next load, each with its own vote state.
        assert_eq!(vote(&server, &ben, id, true).await.status, 200, "{}", t.label);
        let (_, adas) = server.get_as("/vote", Some(&ada)).await;
        assert!(card(&adas, id).contains("<strong class=\"count\">1</strong>"), "{}: the vote is counted", t.label);
        assert!(card(&adas, id).contains("aria-pressed=\"false\""), "{}: Ada has not voted", t.label);
        let (_, bens) = server.get_as("/vote", Some(&ben)).await;
        assert!(card(&bens, id).contains("aria-pressed=\"true\""), "{}: Ben's own vote", t.label);

        // Signed out: the old cookie no longer shows Ada's page.
        let out = server.post("/api/sign_out", &[], Some(&ada)).await;
        assert!(out.status < 400, "{}: {}", t.label, out.body);
        let (_, after) = server.get_as("/vote", Some(&ada)).await;
        assert!(!after.contains("Sign out"), "{}: signed out means signed out", t.label);

        // A made-up session: a visitor's page, and nothing kept for it.
        let forged = Member { username: "nobody".into(), cookie: format!("marquee_session={}", "ab".repeat(32)) };
        let (status, html) = server.get_as("/vote", Some(&forged)).await;
        assert_eq!(status, 200, "{}", t.label);
        assert!(!html.contains("Sign out"), "{}", t.label);
        assert!(
            !server.state.pages.holds("/vote", Some(session(&forged))),
            "{}: no copy for a made-up session",
            t.label
        );
    }
}

common::on_each_backend! {
    /// Many readers asking at once for a page that is not kept yet: one renders it, the rest get the copy.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn simultaneous_readers_share_one_render(t) {
        let server = TestServer::start(t.db.clone()).await;
        let ada = server.register("ada").await;
        propose(&server, &ada, "tt0111161").await;
        let before = server.sql_figures("/vote").await;
        let pages = futures::future::join_all((0..16).map(|_| server.get("/vote"))).await;
        assert!(pages.iter().all(|(status, html)| *status == 200 && html.contains("tt0111161")), "{}", t.label);
        let ran = server.sql_figures_after("/vote", before.1 + 16.0).await.0 - before.0;
        // One render of the visitors' page runs four statements; sixteen renders would run 64. On a
        // loaded machine a reader that waited its limit (2 s) renders for itself: at most a few do.
        assert!((4.0..=12.0).contains(&ran), "{}: {ran} statements for 16 simultaneous readers", t.label);
    }
}
