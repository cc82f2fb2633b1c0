//! The instrumentation is real: requests and cache lookups are counted as they happen, and
//! `/metrics` is valid Prometheus text. A binary of its own: it reads totals the process has kept
//! since it started, which any other test's requests would add to.

mod common;

use common::TestServer;
use marquee::server::db::load::load_dataset;
use marquee::server::tools::demo;

/// `name{labels} value` lines, checked to be well formed; returns (series, value).
fn parse_prometheus(text: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment: {line}");
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value: {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels: {line}");
        }
        out.push((series.to_string(), value));
    }
    out
}

fn value(metrics: &[(String, f64)], series: &str) -> f64 {
    metrics.iter().find(|(s, _)| s == series).map(|(_, v)| *v).unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_and_cache_lookups_are_counted_and_metrics_parse() {
    for t in common::backends().await {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let server = TestServer::start(t.db.clone()).await;
        let scrape = || async {
            let (status, text) = server.get("/metrics").await;
            assert_eq!(status, 200, "{}", t.label);
            parse_prometheus(&text)
        };
        let before = scrape().await;
        for _ in 0..3 {
            assert_eq!(server.get("/healthz").await.0, 200);
        }
        assert_eq!(server.get("/movies?page=0").await.0, 400);
        // New weights: the first request computes the ranking (a miss), the second reuses it (a hit).
        let w = if t.label == "sqlite" { "11,22,33,24,10" } else { "12,21,33,24,10" };
        let path = format!("/api/predictions?set=Candidates&offset=0&limit=5&w={w}");
        assert_eq!(server.get(&path).await.0, 200);
        assert_eq!(server.get(&path).await.0, 200);
        // The vote page runs four statements for a visitor (the open round, the first hundred proposals, their
        // voters, recent activity); a health check one; the
        // predictions page none (it ranks in memory).
        assert_eq!(server.get("/vote").await.0, 200);
        assert_eq!(server.get("/predictions").await.0, 200);
        let after = scrape().await;
        let delta = |series: &str| value(&after, series) - value(&before, series);
        assert_eq!(delta(r#"http_requests_total{route="/healthz",method="GET",status="200"}"#), 3.0, "{}", t.label);
        assert_eq!(delta(r#"http_requests_total{route="/movies",method="GET",status="400"}"#), 1.0, "{}", t.label);
        assert_eq!(delta(r#"cache_lookups_total{cache="rankings",outcome="miss"}"#), 1.0, "{}", t.label);
        assert!(delta(r#"cache_lookups_total{cache="rankings",outcome="hit"}"#) >= 1.0, "{}", t.label);
        assert_eq!(delta(r#"http_request_sql_queries_sum{route="/vote"}"#), 4.0, "{}", t.label);
        assert_eq!(delta(r#"http_request_sql_queries_count{route="/vote"}"#), 1.0, "{}", t.label);
        assert_eq!(
            delta(r#"http_request_sql_queries_sum{route="/healthz"}"#),
            3.0,
            "{}: one per health check",
            t.label
        );
        assert_eq!(delta(r#"http_request_sql_queries_sum{route="/predictions"}"#), 0.0, "{}", t.label);
        assert!(delta("sql_queries_total") >= 6.0, "{}", t.label);
        assert!(after.iter().any(|(s, _)| s.starts_with("http_request_duration_seconds_bucket{")), "{}", t.label);
        assert!(after.iter().any(|(s, _)| s == r#"cache_hits{cache="rankings"}"#), "{}", t.label);

        // The dashboard shows the same figures, to admins only: the jobs' errors are private.
        let (status, body) = server.get("/api/get_operations").await;
        assert_eq!(status, 401, "{}: {body}", t.label);
        let member = server.register("opsreader").await;
        assert_eq!(server.get_as("/api/get_operations", Some(&member)).await.0, 403, "{}", t.label);
        let (_, page) = server.get_as("/dashboard", Some(&member)).await;
        assert!(!page.contains("Background jobs"), "{}: members do not see the operations panel", t.label);
        let admin = server.admin("opsadmin").await;
        let (status, body) = server.get_as("/api/get_operations", Some(&admin)).await;
        assert_eq!(status, 200, "{}: {body}", t.label);
        let (_, page) = server.get_as("/dashboard", Some(&admin)).await;
        assert!(page.contains("Background jobs"), "{}: admins do", t.label);
        let ops: marquee::model::OperationsView = serde_json::from_str(&body).unwrap();
        let vote = ops.routes.iter().find(|r| r.route == "/vote").expect("the vote page is listed");
        assert_eq!(vote.mean_queries, 4.0, "{}", t.label);
        assert!(ops.caches.iter().any(|c| c.name == "rankings" && c.misses >= 1), "{}", t.label);
        assert!(ops.jobs.iter().any(|j| j.job == "predictions-score" && j.runs >= 1), "{}", t.label);
    }
}
