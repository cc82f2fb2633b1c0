//! Personal API tokens on both backends: made on the account page and shown once, kept hashed,
//! accepted as `Authorization: Bearer` on `/api/v1` within their scope, audited when they change
//! data, and refused when wrong, revoked, expired, out of scope, malformed, or their member's is
//! disabled; never taken from a cookie or the query string.

use crate::common::{self, Member, TestServer};
use marquee::server::db::load::load_dataset;
use marquee::server::db::{on_pool, Db};
use marquee::server::tools::demo;

async fn api(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    auth: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let mut req = server.client.request(method, format!("{}{path}", server.base));
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)), headers)
}

/// Makes a token as `member` on the account page, and reads it back from the page's data (once).
async fn make(server: &TestServer, member: &Member, name: &str, scope: &str, days: &str) -> Result<String, String> {
    let made =
        server.post("/api/create_api_token", &[("name", name), ("scope", scope), ("days", days)], Some(member)).await;
    if made.status != 200 {
        return Err(format!("{}: {}", made.status, made.body));
    }
    let (status, body) = server.get_as("/api/api_tokens", Some(member)).await;
    assert_eq!(status, 200, "{body}");
    let (_, fresh): (serde_json::Value, Option<String>) = serde_json::from_str(&body).unwrap();
    Ok(fresh.expect("the new token is shown"))
}

async fn count(db: &Db, sql: &str, bind: &str) -> i64 {
    on_pool!(db, |pool| sqlx::query_scalar(sql).bind(bind).fetch_one(pool).await.unwrap())
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn tokens_work_within_their_scope_and_nowhere_else(t) {
        let label = t.label;
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let server = TestServer::start(t.db.clone()).await;
        let admin = server.admin("boss").await;
        let member = server.register("botmaker").await;

        // Made and shown once; only its hash is kept.
        let vote = make(&server, &member, "club bot", "vote", "").await.unwrap();
        assert!(vote.starts_with("mq_") && vote.len() == 67, "{label}: {vote}");
        let (_, again) = server.get_as("/api/api_tokens", Some(&member)).await;
        let (listed, fresh): (Vec<serde_json::Value>, Option<String>) = serde_json::from_str(&again).unwrap();
        assert_eq!(fresh, None, "{label}: shown once");
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0]["name"].as_str(), listed[0]["scope"].as_str()), (Some("club bot"), Some("vote")));
        assert!(listed[0]["last_used_at"].is_null());
        let hash = marquee::server::services::accounts::token_hash(&vote);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1", &hash).await, 1, "{label}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1", &vote).await, 0, "{label}");

        // Within its scope: reads, and a rating, recorded under the token's name.
        let bearer = |token: &str| format!("Bearer {token}");
        let (status, _, _) = api(&server, reqwest::Method::GET, "/api/v1/ratings", Some(&bearer(&vote)), None).await;
        assert_eq!(status, 200, "{label}: a member's own data by token");
        let rate = serde_json::json!({"stars": 4});
        let (status, body, _) = api(
            &server,
            reqwest::Method::PUT,
            "/api/v1/movies/tt0111161/rating",
            Some(&bearer(&vote)),
            Some(rate.clone()),
        )
        .await;
        assert_eq!(status, 200, "{label}: {body}");
        let audited = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'token.write' AND details LIKE $1",
            "\"club bot\": PUT /api/v1/movies/tt0111161/rating",
        )
        .await;
        assert_eq!(audited, 1, "{label}: the change is audited with the token's name");
        let (_, again) = server.get_as("/api/api_tokens", Some(&member)).await;
        let (listed, _): (Vec<serde_json::Value>, Option<String>) = serde_json::from_str(&again).unwrap();
        assert!(listed[0]["last_used_at"].as_i64().is_some(), "{label}: its last use is shown");

        // Out of scope: a read token cannot rate; a vote token cannot do an admin's work.
        let read = make(&server, &member, "reader", "read", "30").await.unwrap();
        let (status, body, _) = api(
            &server,
            reqwest::Method::PUT,
            "/api/v1/movies/tt0111161/rating",
            Some(&bearer(&read)),
            Some(rate.clone()),
        )
        .await;
        assert_eq!(status, 403, "{label}: {body}");
        assert!(body["message"].as_str().unwrap().contains("needs a token that may read and vote"), "{body}");
        let round = serde_json::json!({"title": "x"});
        let (status, _, _) =
            api(&server, reqwest::Method::POST, "/api/v1/rounds", Some(&bearer(&vote)), Some(round.clone())).await;
        assert_eq!(status, 403, "{label}");
        // Only admins make admin tokens; an admin's reaches an admin's endpoints (this body is bad).
        let refused = make(&server, &member, "sneaky", "admin", "").await.unwrap_err();
        assert!(refused.starts_with("400") && refused.contains("Only admins"), "{label}: {refused}");
        let boss = make(&server, &admin, "boss bot", "admin", "").await.unwrap();
        let (status, body, _) =
            api(&server, reqwest::Method::POST, "/api/v1/rounds", Some(&bearer(&boss)), Some(round)).await;
        assert_eq!(status, 400, "{label}: past the token, to the round's own checks: {body}");
        // A token speaks for its member, whatever cookie comes with it.
        let res = server
            .client
            .post(format!("{}/api/v1/rounds", server.base))
            .header("authorization", bearer(&vote))
            .header("cookie", &admin.cookie)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{label}: the admin's cookie does not lift the token's scope");

        // Refused: malformed, unknown, in a cookie or the address, revoked, expired, disabled.
        let unknown = format!("mq_{}", "0".repeat(64));
        for (auth, what) in [
            ("Bearer".to_string(), "no token"),
            (format!("Basic {vote}"), "another scheme"),
            (format!("Bearer {}", &vote[3..]), "no prefix"),
            (format!("Bearer {vote}\u{7f}"), "a control character"),
            (format!("Bearer {}", vote.to_uppercase()), "upper case"),
            (format!("Bearer {}x", vote), "too long"),
            (bearer(&unknown), "unknown"),
            (format!("Bearer {vote}, Bearer {read}"), "two tokens"),
        ] {
            let Ok(value) = reqwest::header::HeaderValue::from_str(&auth) else { continue };
            let res = server
                .client
                .get(format!("{}/api/v1/ratings", server.base))
                .header("authorization", value)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{label}: {what}");
            assert!(res.headers().contains_key("www-authenticate"), "{label}: {what}");
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["code"], "unauthorized", "{label}: {what}");
        }
        let (status, _) = server.get(&format!("/api/v1/ratings?access_token={vote}")).await;
        assert_eq!(status, 401, "{label}: a token in the address is not read");
        let res = server
            .client
            .get(format!("{}/api/v1/ratings", server.base))
            .header("cookie", format!("marquee_session={vote}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{label}: a token in a cookie is not read");
        // Pages and server functions take no tokens either.
        let res = server
            .client
            .get(format!("{}/api/api_tokens", server.base))
            .header("authorization", bearer(&vote))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{label}: server functions are the site's, with its session");

        let id = listed.iter().find(|t| t["name"] == "club bot").unwrap()["id"].as_i64().unwrap();
        let (status, _) = server.get_as("/api/api_tokens", Some(&admin)).await;
        assert_eq!(status, 200);
        let stolen = server.post("/api/revoke_api_token", &[("id", &id.to_string())], Some(&admin)).await;
        assert_eq!(stolen.status, 404, "{label}: another member's token cannot be revoked");
        let revoked = server.post("/api/revoke_api_token", &[("id", &id.to_string())], Some(&member)).await;
        assert_eq!(revoked.status, 200, "{label}: {}", revoked.body);
        let (status, _, _) = api(&server, reqwest::Method::GET, "/api/v1/ratings", Some(&bearer(&vote)), None).await;
        assert_eq!(status, 401, "{label}: revoked");

        on_pool!(&t.db, |pool| sqlx::query("UPDATE api_tokens SET expires_at = 1 WHERE name = $1")
            .bind("reader")
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        let (status, _, _) = api(&server, reqwest::Method::GET, "/api/v1/ratings", Some(&bearer(&read)), None).await;
        assert_eq!(status, 401, "{label}: expired");

        let (status, _, _) = api(&server, reqwest::Method::GET, "/api/v1/ratings", Some(&bearer(&boss)), None).await;
        assert_eq!(status, 200);
        on_pool!(&t.db, |pool| sqlx::query("UPDATE users SET disabled = TRUE WHERE username = $1")
            .bind("boss")
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        let (status, _, _) = api(&server, reqwest::Method::GET, "/api/v1/ratings", Some(&bearer(&boss)), None).await;
        assert_eq!(status, 401, "{label}: a disabled member's token");

        // Names are checked; a member holds at most 20 live tokens.
        for bad in ["", "   ", &"n".repeat(61), "tab\there"] {
            let refused = make(&server, &member, bad, "read", "").await.unwrap_err();
            assert!(refused.starts_with("400"), "{label}: name {bad:?}: {refused}");
        }
        for (scope, days) in [("write", ""), ("read", "0"), ("read", "9999"), ("read", "-1"), ("read", "soon")] {
            let refused = make(&server, &member, "x", scope, days).await.unwrap_err();
            assert!(refused.starts_with("400"), "{label}: {scope} {days}: {refused}");
        }
        for i in 0..20 {
            make(&server, &member, &format!("bot {i}"), "read", "").await.unwrap();
        }
        let refused = make(&server, &member, "one more", "read", "").await.unwrap_err();
        assert!(refused.starts_with("409"), "{label}: {refused}");
    }
}

/// The OpenAPI document declares the bearer scheme and, on every operation, the scope the server
/// enforces.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_api_document_names_each_endpoints_scope() {
    let t = common::sqlite().await;
    let server = TestServer::start(t.db.clone()).await;
    let (status, body) = server.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    let scope = |path: &str, method: &str| doc["paths"][path][method]["security"][0]["token"][0].clone();
    assert_eq!(scope("/api/v1/movies", "get"), "read");
    assert_eq!(scope("/api/v1/movies/{id}/rating", "put"), "vote");
    assert_eq!(scope("/api/v1/rounds/{id}/ballot", "put"), "vote");
    assert_eq!(scope("/api/v1/rounds", "post"), "admin");
    assert_eq!(scope("/api/v1/import", "post"), "admin");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["security"].is_array(), "{method} {path} declares its security");
        }
    }
}
