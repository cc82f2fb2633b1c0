//! The real router over HTTP, on both backends: pages, status codes, server functions, errors.

use crate::common;

use common::TestServer;
use marquee::server::db::load::load_dataset;
use marquee::server::tools::demo;

fn demo_films() -> usize {
    demo::dataset().movies.len()
}

/// A server over `t` with the demo data loaded.
async fn served(t: &common::TestDb) -> TestServer {
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    TestServer::start(t.db.clone()).await
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn health_check_reports_the_database(t) {
        let (label, server) = (t.label, served(&t).await);
        let (status, body) = server.get("/healthz").await;
        assert_eq!(status, 200, "{label}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["database"], "ok", "{label}");
        // With the database gone, the check says so instead of claiming health.
        t.db.close().await;
        let (status, body) = server.get("/healthz").await;
        assert_eq!(status, 503, "{label}: {body}");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn home_page_has_the_shell_and_data(t) {
        let (label, server) = (t.label, served(&t).await);
        let (status, html) = server.get("/").await;
        let html = common::without_markers(&html);
        assert_eq!(status, 200, "{label}");
        for nav in ["href=\"/predictions\"", "href=\"/vote\"", "href=\"/movies\"", "href=\"/dashboard\""] {
            assert!(html.contains(nav), "{label}: navigation link {nav} missing");
        }
        assert!(html.contains("<footer"), "{label}: footer missing");
        let films = demo_films();
        assert!(html.contains(&format!("<strong>{films}</strong> films")), "{label}: film count missing");
        assert!(html.contains("/pkg/marquee.js"), "{label}: hydration script missing");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn each_page_renders_its_data_without_javascript(t) {
        let (label, server) = (t.label, served(&t).await);
        let (status, html) = server.get("/vote").await;
        assert_eq!(status, 200, "{label}");
        let zone = html.find("The Zone of Interest").expect("top proposal shown");
        let anatomy = html.find("Anatomy of a Fall").expect("second proposal shown");
        assert!(zone < anatomy, "{label}: proposals in vote order");
        assert!(html.contains("Voters: "), "{label}");

        let (status, html) = server.get("/movies").await;
        assert_eq!(status, 200, "{label}");
        assert!(html.contains(&format!("{} films", demo_films())), "{label}");
        assert!(html.contains("The Shawshank Redemption"), "{label}: most-rated film on page 1");
        assert!(html.contains("rel=\"next\""), "{label}: link to page 2");

        let (_, page2) = server.get("/movies?page=2").await;
        assert!(page2.contains("rel=\"prev\""), "{label}");
        assert!(!page2.contains("The Shawshank Redemption"), "{label}: page 2 does not repeat page 1");

        let (status, html) = server.get("/predictions").await;
        assert_eq!(status, 200, "{label}");
        assert!(html.contains("Candidate") && html.contains("data-rank=\"1\""), "{label}");
        let (status, html) = server.get("/predictions?tab=on-list").await;
        assert_eq!(status, 200, "{label}");
        assert!(html.contains("On the list (2024)"), "{label}: Oppenheimer's edition shown");

        let (status, html) = server.get("/dashboard").await;
        assert_eq!(status, 200, "{label}");
        assert!(html.contains("Active proposals"), "{label}");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn unknown_pages_get_a_friendly_404(t) {
        let (label, server) = (t.label, served(&t).await);
        let (status, html) = server.get("/no-such-page").await;
        assert_eq!(status, 404, "{label}");
        assert!(html.contains("Nothing showing here"), "{label}");
        assert!(html.contains("href=\"/movies\""), "{label}: the 404 page keeps the navigation");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn bad_page_numbers_are_400_with_a_message(t) {
        let (label, server) = (t.label, served(&t).await);
        for path in [
            "/movies?page=0",
            "/movies?page=abc",
            "/vote/watched?page=-1",
            "/movies?page=99999999",
            "/predictions?page=0",
        ] {
            let (status, html) = server.get(path).await;
            assert_eq!(status, 400, "{label} {path}");
            assert!(html.contains("Page must be a whole number from 1 to"), "{label} {path}");
            // Shown in the failed section's own panel, the rest of the page around it.
            assert!(html.contains("Sorry, this part could not be shown"), "{label} {path}");
            assert!(html.contains("href=\"/dashboard\""), "{label} {path}: navigation kept");
        }
        for path in ["/vote?from=-1", "/vote?from=abc", "/vote?from=99999999"] {
            let (status, html) = server.get(path).await;
            assert_eq!(status, 400, "{label} {path}");
            assert!(html.contains("A list position must be from 0"), "{label} {path}");
        }
        // A page past the end is not an error: it is simply empty, with no "next" link.
        let (status, html) = server.get("/movies?page=500").await;
        assert_eq!(status, 200, "{label}");
        assert!(!html.contains("rel=\"next\""), "{label}");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn server_functions_answer_json_with_proper_statuses(t) {
        let (label, server) = (t.label, served(&t).await);
        let (status, body) = server.get("/api/list_movies?page=1").await;
        assert_eq!(status, 200, "{label}: {body}");
        let page: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 20, "{label}");
        assert_eq!(page["total"], demo_films(), "{label}");

        let (status, body) = server.get("/api/list_movies?page=0").await;
        assert_eq!(status, 400, "{label}: {body}");
        assert!(body.contains("Page must be a whole number"), "{label}: {body}");

        let (status, body) = server.get("/api/list_movies?page=lots").await;
        assert_eq!(status, 400, "{label}: unparseable arguments are the caller's error: {body}");

        let (status, body) = server.get("/api/list_movies").await;
        assert_eq!(status, 400, "{label}: a missing argument is the caller's error: {body}");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn api_errors_have_one_json_shape(t) {
        let (label, server) = (t.label, served(&t).await);
        let res = server.client.get(format!("{}/api/v1/nothing-here", server.base)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "{label}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let json: serde_json::Value = res.json().await.unwrap();
        assert_eq!(json["code"], "not_found", "{label}");
        assert!(json["message"].as_str().unwrap().contains("not found"), "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn responses_carry_a_request_id() {
    let t = common::sqlite().await;
    let server = served(&t).await;
    let a = server.client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    let b = server.client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id(&a), id(&b));
}
