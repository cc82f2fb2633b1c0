//! The catalogue and the JSON API over real HTTP on both backends: lists, filters, cursors, film
//! details, ratings, recommendations, cache invalidation, errors, the OpenAPI document, imports.

use crate::common;

use common::{Member, TestServer};
use marquee::model::{MovieCard, MovieDetail, MovieList, RecommendedFilm, SiteStats};
use marquee::server::db::load::load_dataset;
use marquee::server::db::{on_pool, Db};
use marquee::server::tools::demo;
use serde_json::Value;
use std::collections::HashSet;

async fn count(db: &Db, sql: &str) -> i64 {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
}

async fn demo_server(t: &common::TestDb) -> TestServer {
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    TestServer::start(t.db.clone()).await
}

async fn json(server: &TestServer, path: &str, member: Option<&Member>) -> (u16, Value) {
    let (status, body) = server.get_as(path, member).await;
    (status, serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: not JSON: {body}")))
}

/// Every API error has the same shape.
fn assert_error(status: u16, body: &Value, expected: u16, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.len() > 10), "{body}");
}

async fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    body: &str,
    member: Option<&Member>,
    origin: Option<&str>,
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = server
        .client
        .request(method, format!("{}{}", server.base, path))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(m) = member {
        req = req.header("cookie", &m.cookie);
    }
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn lists_filter_sort_search_and_page_by_cursor(t) {
        let server = demo_server(&t).await;
        let total = count(&t.db, "SELECT COUNT(*) FROM movies").await;

        // Following the cursors visits every film once, in order.
        let mut seen = HashSet::new();
        let mut cursor = String::new();
        let mut last_popularity = f64::INFINITY;
        loop {
            let (status, body) = json(&server, &format!("/api/v1/movies?limit=50&cursor={cursor}"), None).await;
            assert_eq!(status, 200, "{}: {body}", t.label);
            let page: MovieList = serde_json::from_value(body).unwrap();
            assert_eq!(page.total, total);
            for m in &page.items {
                assert!(seen.insert(m.id), "{}: {} twice", t.label, m.title);
            }
            let ids: Vec<i64> = page.items.iter().map(|m| m.id).collect();
            let pops: Vec<f64> = on_pool!(&t.db, |pool| {
                let mut q = sqlx::QueryBuilder::new("SELECT COALESCE(popularity, -1) FROM movies WHERE id IN (");
                let mut sep = q.separated(", ");
                for id in &ids {
                    sep.push_bind(*id);
                }
                q.push(") ORDER BY COALESCE(popularity, -1) DESC");
                q.build_query_scalar::<f64>().fetch_all(pool).await.unwrap()
            });
            assert!(pops.first().copied().unwrap_or(0.0) <= last_popularity, "{}: pages continue downwards", t.label);
            last_popularity = pops.last().copied().unwrap_or(last_popularity);
            match page.next_cursor {
                Some(c) => cursor = c,
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, total, "{}: no gaps", t.label);

        let (_, body) = json(&server, "/api/v1/movies?genre=western&limit=100", None).await;
        let westerns: MovieList = serde_json::from_value(body).unwrap();
        let expected = demo::dataset().movies.iter().filter(|m| m.genres.iter().any(|g| g == "Western")).count();
        assert!(expected > 0);
        assert_eq!(westerns.total as usize, expected, "{}: genre names match regardless of case", t.label);
        assert!(westerns.items.iter().all(|m| m.genres.contains("Western")));

        let (_, body) = json(&server, "/api/v1/movies?decade=1990s&sort=year&limit=100", None).await;
        let nineties: MovieList = serde_json::from_value(body).unwrap();
        assert!(nineties.items.iter().all(|m| (1990..=1999).contains(&m.year.unwrap())), "{}", t.label);
        assert!(nineties.items.windows(2).all(|w| w[0].year >= w[1].year), "{}: newest first", t.label);

        let on_list = count(&t.db, "SELECT COUNT(DISTINCT movie_id) FROM list_memberships").await;
        let (_, body) = json(&server, "/api/v1/movies?on_list=true&limit=1", None).await;
        assert_eq!(body["total"], on_list, "{}", t.label);

        // Search ignores case and accents.
        for q in ["amelie", "AMÉLIE", "méli"] {
            let (_, body) =
                json(&server, &format!("/api/v1/movies?q={}", marquee::model::encode_component(q)), None).await;
            let found: MovieList = serde_json::from_value(body).unwrap();
            assert_eq!(found.items.first().map(|m| m.title.as_str()), Some("Amélie"), "{}: {q}", t.label);
        }
        // LIKE wildcards in a search are plain characters.
        let (_, body) = json(&server, "/api/v1/movies?q=%25", None).await;
        assert_eq!(body["total"], 0, "{}", t.label);

        let (_, body) = json(&server, "/api/v1/movies?sort=title&limit=100", None).await;
        let titles: MovieList = serde_json::from_value(body).unwrap();
        let keys: Vec<String> =
            titles.items.iter().map(|m| marquee::server::db::dataset::fold_text(&m.title)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{}: A-Z", t.label);

        // The site's list pages use the same filters from the URL.
        let (status, html) = server.get("/movies?genre=Western&decade=1960").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Once Upon a Time in the West") || html.contains("The Good, the Bad and the Ugly"),
            "{}",
            t.label
        );
        assert!(!html.contains(">Parasite<"), "{}", t.label);
        let (_, page2) = server.get("/movies?page=2").await;
        let (_, page1) = server.get("/movies?page=1").await;
        assert!(page2.contains("data-page=\"2\"") && page1 != page2);

        // Bad input: a 400 with the stable JSON shape, never a 500.
        for (path, needle) in [
            ("/api/v1/movies?genre=Telenovela", "Unknown genre"),
            ("/api/v1/movies?sort=random", "Unknown sort"),
            ("/api/v1/movies?decade=1995", "Decade"),
            ("/api/v1/movies?on_list=perhaps", "on_list"),
            ("/api/v1/movies?cursor=zz", "cursor"),
            ("/api/v1/movies?cursor=7b7d", "cursor"),
            ("/api/v1/movies?limit=0", "limit"),
            ("/api/v1/movies?limit=101", "limit"),
            ("/api/v1/movies?limit=x", "Invalid query"),
        ] {
            let (status, body) = json(&server, path, None).await;
            assert_error(status, &body, 400, "bad_request");
            assert!(body["message"].as_str().unwrap().contains(needle), "{}: {path}: {body}", t.label);
        }
        let (_, body) = json(&server, "/api/v1/movies?sort=title&limit=2", None).await;
        let title_cursor = body["next_cursor"].as_str().unwrap().to_string();
        let (status, body) = json(&server, &format!("/api/v1/movies?sort=rating&cursor={title_cursor}"), None).await;
        assert_error(status, &body, 400, "bad_request");
        assert_eq!(server.get("/movies?genre=Telenovela").await.0, 400, "{}: the page too", t.label);
        let (status, body) = json(&server, "/api/v1/nothing-here", None).await;
        assert_error(status, &body, 404, "not_found");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn film_details_ratings_and_invalidation(t) {
        let server = demo_server(&t).await;
        let (status, body) = json(&server, "/api/v1/movies/tt6751668", None).await;
        assert_eq!(status, 200, "{}: {body}", t.label);
        let parasite: MovieDetail = serde_json::from_value(body).unwrap();
        assert_eq!(parasite.movie.title, "Parasite");
        assert!(parasite.credits.iter().any(|c| c.name == "Bong Joon Ho" && c.role == "director"), "{}", t.label);
        assert!(
            parasite.awards.iter().any(|a| a.won && a.category.to_lowercase().contains("palme")),
            "{}: {:?}",
            t.label,
            parasite.awards
        );
        assert!(
            parasite.lists.iter().any(|l| l.is_target && l.edition == Some(2020)),
            "{}: {:?}",
            t.label,
            parasite.lists
        );
        assert!(parasite.metrics.iter().any(|m| m.source == "metacritic"), "{}", t.label);
        assert!(!parasite.similar.is_empty() && parasite.similar.iter().all(|m| m.id != parasite.movie.id));
        let id = parasite.movie.id;
        let (_, same) = json(&server, &format!("/api/v1/movies/{id}"), None).await;
        assert_eq!(same["movie"]["imdb_id"], "tt6751668");

        let ben = server.register("reader").await;
        let path = format!("/api/v1/movies/{id}/rating");
        let (status, body) = send(&server, "PUT", &path, r#"{"stars": 4.5}"#, Some(&ben), None).await;
        assert_eq!(status, 200, "{}: {body}", t.label);
        // The cached detail was dropped by the rating: the new figure shows at once.
        let (_, after) = json(&server, &format!("/api/v1/movies/{id}"), None).await;
        assert_eq!(
            (after["club"]["member_ratings"].as_i64(), after["club"]["member_stars"].as_f64()),
            (Some(1), Some(4.5)),
            "{}",
            t.label
        );
        let (_, mine) = json(&server, "/api/v1/ratings", Some(&ben)).await;
        assert_eq!(mine[0]["stars"], 4.5);
        let (status, html) = server.get_as(&format!("/movies/{id}"), Some(&ben)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Your rating: 4.5★") && html.contains("Members' rating 4.5★ from 1"), "{}", t.label);
        assert!(html.contains("Canon prediction") && html.contains("Bong Joon Ho"), "{}", t.label);

        for (body, code, status) in [
            (r#"{"stars": 6}"#, "bad_request", 400),
            (r#"{"stars": 0.3}"#, "bad_request", 400),
            (r#"{"stars": "four"}"#, "bad_request", 400),
            (r#"{"stars": 4"#, "bad_request", 400),
        ] {
            let (s, b) = send(&server, "PUT", &path, body, Some(&ben), None).await;
            assert_error(s, &serde_json::from_str(&b).unwrap(), status, code);
        }
        let huge = format!(r#"{{"stars": 4, "pad": "{}"}}"#, "x".repeat(40_000));
        let (s, b) = send(&server, "PUT", &path, &huge, Some(&ben), None).await;
        assert_error(s, &serde_json::from_str(&b).unwrap(), 413, "too_large");
        let (s, b) = send(&server, "PUT", &path, r#"{"stars": 4}"#, None, None).await;
        assert_error(s, &serde_json::from_str(&b).unwrap(), 401, "unauthorized");
        let (s, _) = send(&server, "PUT", &path, r#"{"stars": 4}"#, Some(&ben), Some("https://evil.example")).await;
        assert_eq!(s, 403, "{}: cross-site API writes are refused", t.label);
        let (s, b) = send(&server, "PUT", "/api/v1/movies/999999/rating", r#"{"stars": 4}"#, Some(&ben), None).await;
        assert_error(s, &serde_json::from_str(&b).unwrap(), 404, "not_found");
        let (s, b) = json(&server, "/api/v1/movies/not-a-film", None).await;
        assert_error(s, &b, 400, "bad_request");

        let (status, _) = send(&server, "DELETE", &path, "", Some(&ben), None).await;
        assert_eq!(status, 200);
        let (_, after) = json(&server, &format!("/api/v1/movies/{id}"), None).await;
        assert_eq!(after["club"]["member_ratings"], 0, "{}", t.label);

        // The site's rating form: half stars, and an empty value removes.
        let p = server.post("/api/rate_movie", &[("movie_id", &id.to_string()), ("stars", "2.5")], Some(&ben)).await;
        assert_eq!((p.status, p.body.as_str()), (200, "5"), "{}", t.label);
        let p = server.post("/api/rate_movie", &[("movie_id", &id.to_string()), ("stars", "7")], Some(&ben)).await;
        assert_eq!(p.status, 400);
        let p = server.post("/api/rate_movie", &[("movie_id", &id.to_string()), ("stars", "")], Some(&ben)).await;
        assert_eq!((p.status, p.body.as_str()), (200, "null"));
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM ratings").await, 0, "{}", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn recommendations_follow_ratings_and_counts_stay_fresh(t) {
        let server = demo_server(&t).await;
        let chloe = server.register("critic").await;
        let (status, body) = json(&server, "/api/v1/recommendations", Some(&chloe)).await;
        assert_eq!(status, 200, "{}: {body}", t.label);
        let cold: Vec<RecommendedFilm> = serde_json::from_value(body).unwrap();
        assert_eq!(cold.len(), 24);
        assert!(cold[0].reason.contains("rate a few films"), "{}: {}", t.label, cold[0].reason);

        let (_, before) = json(&server, "/api/v1/stats", None).await;
        let before: SiteStats = serde_json::from_value(before).unwrap();
        // Chloé loves Kubrick and dislikes musicals.
        let kubrick: Vec<i64> = on_pool!(&t.db, |pool| sqlx::query_scalar(
            "SELECT c.movie_id FROM credits c JOIN people p ON p.id = c.person_id \
             WHERE p.name = 'Stanley Kubrick' AND c.role = 'director' ORDER BY c.movie_id LIMIT 2"
        )
        .fetch_all(pool)
        .await
        .unwrap());
        for id in &kubrick {
            let (s, b) =
                send(&server, "PUT", &format!("/api/v1/movies/{id}/rating"), r#"{"stars": 5}"#, Some(&chloe), None)
                    .await;
            assert_eq!(s, 200, "{b}");
        }
        let (_, body) = json(&server, "/api/v1/recommendations", Some(&chloe)).await;
        let warm: Vec<RecommendedFilm> = serde_json::from_value(body).unwrap();
        assert_ne!(
            cold.iter().map(|r| r.movie.id).collect::<Vec<_>>(),
            warm.iter().map(|r| r.movie.id).collect::<Vec<_>>(),
            "{}",
            t.label
        );
        assert!(warm.iter().all(|r| !kubrick.contains(&r.movie.id)), "{}: rated films are not recommended", t.label);
        assert_eq!(warm[0].movie.director.as_deref(), Some("Stanley Kubrick"), "{}: {:?}", t.label, warm[0]);
        assert!(
            warm[0].reason.starts_with("Because you rated ") && warm[0].reason.contains("same director"),
            "{}",
            warm[0].reason
        );
        let (status, html) = server.get_as("/movies/for-you", Some(&chloe)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Because you rated"), "{}", t.label);
        assert_eq!(server.get_as("/movies/for-you", None).await.0, 401, "{}", t.label);
        let (s, b) = json(&server, "/api/v1/recommendations", None).await;
        assert_error(s, &b, 401, "unauthorized");

        // The counts were cached, and the ratings dropped them.
        let (_, after) = json(&server, "/api/v1/stats", None).await;
        let after: SiteStats = serde_json::from_value(after).unwrap();
        assert_eq!(after.ratings, before.ratings + 2, "{}", t.label);
        assert_eq!(after.members, before.members, "{}", t.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_openapi_document_is_valid_and_complete() {
    let t = common::sqlite().await;
    let server = demo_server(&t).await;
    let (status, doc) = json(&server, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let expected = [
        ("get", "/api/v1/movies"),
        ("get", "/api/v1/genres"),
        ("get", "/api/v1/movies/{id}"),
        ("put", "/api/v1/movies/{id}/rating"),
        ("delete", "/api/v1/movies/{id}/rating"),
        ("get", "/api/v1/ratings"),
        ("get", "/api/v1/recommendations"),
        ("get", "/api/v1/predictions"),
        ("get", "/api/v1/proposals"),
        ("get", "/api/v1/proposals/{id}/votes"),
        ("get", "/api/v1/stats"),
        ("post", "/api/v1/import"),
        ("get", "/api/v1/rounds"),
        ("post", "/api/v1/rounds"),
        ("get", "/api/v1/rounds/{id}"),
        ("post", "/api/v1/rounds/{id}/close"),
        ("put", "/api/v1/rounds/{id}/ballot"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            assert!(expected.contains(&(method.as_str(), path.as_str())), "undocumented in the test: {method} {path}");
            let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{method} {path}: no responses"));
            assert!(responses.contains_key("200"), "{method} {path}");
            // Every documented path parameter appears in the path.
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    assert!(path.contains(&format!("{{{}}}", p["name"].as_str().unwrap())), "{method} {path}");
                }
            }
        }
    }
    assert_eq!(operations, expected.len(), "every endpoint is documented");
    // Every $ref points at a schema the document defines.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(doc["components"]["schemas"][name].is_object(), "dangling {r}");
    }
    let (status, html) = server.get("/api/docs").await;
    assert_eq!(status, 200);
    assert!(html.contains("/api/v1/movies/{id}/rating") && html.contains("Try it"));
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_read_endpoint_answers_and_refuses_bad_input_on_both_backends(t) {
        let server = demo_server(&t).await;
        for path in [
            "/api/v1/movies",
            "/api/v1/genres",
            "/api/v1/movies/tt6751668",
            "/api/v1/predictions",
            "/api/v1/predictions?profile=award-winner&set=OnList&offset=2&limit=5",
            "/api/v1/predictions?w=40,15,15,15,15",
            "/api/v1/proposals?limit=5",
            "/api/v1/proposals/1/votes",
            "/api/v1/stats",
        ] {
            let (status, body) = server.get(path).await;
            assert_eq!(status, 200, "{}: {path}: {body}", t.label);
        }
        let (_, body) = json(&server, "/api/v1/predictions?limit=3", None).await;
        assert_eq!(body["rows"].as_array().map(Vec::len), Some(3), "{}: {body}", t.label);
        let (_, body) = json(&server, "/api/v1/proposals?limit=3", None).await;
        assert_eq!(body["items"].as_array().map(Vec::len), Some(3), "{}", t.label);
        for (path, status, code) in [
            ("/api/v1/predictions?profile=nonsense", 400, "bad_request"),
            ("/api/v1/predictions?w=1,2,3", 400, "bad_request"),
            ("/api/v1/predictions?set=Everything", 400, "bad_request"),
            ("/api/v1/predictions?limit=1000", 400, "bad_request"),
            ("/api/v1/proposals?offset=-3", 400, "bad_request"),
            ("/api/v1/proposals/abc/votes", 400, "bad_request"),
            ("/api/v1/proposals/999999/votes", 404, "not_found"),
            ("/api/v1/movies/999999", 404, "not_found"),
            ("/api/v1/ratings", 401, "unauthorized"),
        ] {
            let (s, b) = json(&server, path, None).await;
            assert_error(s, &b, status, code);
        }
    }
}

const CSV: &str = "imdb_id,title,year,genres,imdb_rating,imdb_votes,metascore\n\
tt0000101,First Import,2021,Drama|Horror,7.5,1200,70\n\
tt0000102,Second Import,2022,Comedy,,,\n\
nm0000001,Not A Title,2020,,,,\n\
tt0000103,,2020,,,,\n\
tt0000104,Bad Rating,2020,Drama,12,,\n\
tt0000105,Short Row\n\
tt0111161,The Shawshank Redemption (re-cut),1994,Drama,9.3,3000000,82\n";

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn imports_report_each_line_and_write_whole_batches(t) {
        use marquee::server::services::import::{import_bytes, import_reader, Format};
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let films = count(&t.db, "SELECT COUNT(*) FROM movies").await;

        let dry = import_bytes(&t.db, Format::Csv, CSV.as_bytes(), true, |_| {}).await.unwrap();
        assert_eq!((dry.created, dry.updated, dry.skipped), (2, 1, 4), "{}: {dry:?}", t.label);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM movies").await, films, "{}: a dry run writes nothing", t.label);

        let report = import_bytes(&t.db, Format::Csv, CSV.as_bytes(), false, |_| {}).await.unwrap();
        assert_eq!((report.created, report.updated, report.skipped), (2, 1, 4), "{}: {report:?}", t.label);
        let lines: Vec<usize> = report.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![4, 5, 6, 7], "{}: {:?}", t.label, report.problems);
        assert!(report.problems[0].message.contains("not an IMDb title id"));
        assert!(report.problems[1].message.contains("title is missing"));
        assert!(report.problems[2].message.contains("imdb_rating"));
        assert!(report.problems[3].message.contains("fields"));
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM movies").await, films + 2, "{}", t.label);
        assert_eq!(
            count(
                &t.db,
                "SELECT COUNT(*) FROM movie_genres g JOIN movies m ON m.id = g.movie_id WHERE m.imdb_id = 'tt0000101'"
            )
            .await,
            2
        );
        assert_eq!(
            count(
                &t.db,
                "SELECT COUNT(*) FROM metrics x JOIN movies m ON m.id = x.movie_id WHERE m.imdb_id = 'tt0000101'"
            )
            .await,
            3
        );
        let again = import_bytes(&t.db, Format::Csv, CSV.as_bytes(), false, |_| {}).await.unwrap();
        assert_eq!((again.created, again.updated), (0, 3), "{}: importing twice updates", t.label);

        let json = r#"[{"imdb_id": "tt0000106", "title": "From JSON", "year": 2023, "imdb_rating": 8.1},
                       {"imdb_id": "tt0000107", "year": 2023},
                       {"imdb_id": "tt0000108", "title": "Typo", "yaer": 2023}]"#;
        let r = import_bytes(&t.db, Format::Json, json.as_bytes(), false, |_| {}).await.unwrap();
        assert_eq!((r.created, r.skipped), (1, 2), "{}: {r:?}", t.label);
        assert!(r.problems[1].message.contains("yaer"), "{:?}", r.problems);
        let err = import_bytes(&t.db, Format::Json, b"{not json", false, |_| {}).await.unwrap_err();
        assert_eq!(err.status(), 400);
        let err = import_bytes(&t.db, Format::Csv, b"imdb_id,name\ntt1,x\n", false, |_| {}).await.unwrap_err();
        assert!(err.to_string().contains("unknown column \"name\""), "{err}");

        // IMDb's dataset files, gzip-compressed as published; only films are taken.
        let gz = |text: &str| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut enc, text.as_bytes()).unwrap();
            enc.finish().unwrap()
        };
        let basics =
            gz("tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres\n\
tt0000201\tmovie\tA \"Quoted\" Film\tA Quoted Film\t0\t1999\t\\N\t95\tDrama,Crime\n\
tt0000202\ttvSeries\tA Series\tA Series\t0\t2001\t2003\t30\tComedy\n\
tt0000203\tmovie\tNo Year\tNo Year\t0\t\\N\t\\N\t\\N\t\\N\n");
        let ratings = gz("tconst\taverageRating\tnumVotes\ntt0000201\t7.7\t4321\ntt9999999\t5.0\t10\n");
        let r = import_reader(&t.db, Format::ImdbTsv, basics.as_slice(), Some(ratings.as_slice()), false, |_| {})
            .await
            .unwrap();
        assert_eq!((r.created, r.ratings_updated, r.skipped), (2, 1, 0), "{}: {r:?}", t.label);
        let (title, rating): (String, Option<f64>) =
            on_pool!(&t.db, |pool| sqlx::query_as("SELECT title, rating FROM movies WHERE imdb_id = 'tt0000201'")
                .fetch_one(pool)
                .await
                .unwrap());
        assert_eq!((title.as_str(), rating), ("A \"Quoted\" Film", Some(7.7)), "{}", t.label);
        assert_eq!(
            count(&t.db, "SELECT COUNT(*) FROM movies WHERE imdb_id = 'tt0000202'").await,
            0,
            "{}: series skipped",
            t.label
        );
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failure_mid_import_leaves_no_partial_batch(t) {
        use marquee::server::services::import::{import_bytes, Format, BATCH};
        // The database refuses one film, as a crash would stop the import half-way.
        let setup: &[&str] = match t.db.backend() {
            marquee::server::db::Backend::Sqlite => &[
                "CREATE TRIGGER refuse BEFORE INSERT ON movies WHEN NEW.imdb_id = 'tt0000450' \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END",
            ],
            marquee::server::db::Backend::Postgres => &[
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN \
                 IF NEW.imdb_id = 'tt0000450' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse BEFORE INSERT ON movies FOR EACH ROW EXECUTE FUNCTION refuse()",
            ],
        };
        for sql in setup {
            on_pool!(&t.db, |pool| sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap());
        }
        let mut csv = String::from("imdb_id,title\n");
        for i in 1..=500 {
            csv.push_str(&format!("tt{:07},Film {i}\n", i));
        }
        let err = import_bytes(&t.db, Format::Csv, csv.as_bytes(), false, |_| {}).await.unwrap_err();
        assert_eq!(err.status(), 500, "{}", t.label);
        assert_eq!(
            count(&t.db, "SELECT COUNT(*) FROM movies").await,
            BATCH as i64,
            "{}: the first batch stays, none of the second",
            t.label
        );
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn admins_upload_imports_and_the_catalogue_shows_them_at_once(t) {
        let server = demo_server(&t).await;
        let ben = server.register("reader").await;
        let admin = server.admin("root").await;
        // Cache the list first, so the import must invalidate it.
        let (_, before) = json(&server, "/api/v1/movies?q=first%20import", None).await;
        assert_eq!(before["total"], 0);
        let upload = |who: Option<&Member>, query: &str| {
            let mut req = server
                .client
                .post(format!("{}/api/v1/import?{query}", server.base))
                .header("content-type", "text/csv")
                .body(CSV);
            if let Some(m) = who {
                req = req.header("cookie", &m.cookie);
            }
            req.send()
        };
        assert_eq!(upload(None, "format=csv").await.unwrap().status(), 401);
        assert_eq!(upload(Some(&ben), "format=csv").await.unwrap().status(), 403);
        let res = upload(Some(&admin), "format=xml").await.unwrap();
        assert_eq!(res.status(), 400);
        let res = upload(Some(&admin), "format=csv&dry_run=true").await.unwrap();
        let dry: Value = res.json().await.unwrap();
        assert_eq!((dry["dry_run"].as_bool(), dry["created"].as_i64()), (Some(true), Some(2)), "{}", t.label);
        let res = upload(Some(&admin), "format=csv").await.unwrap();
        assert_eq!(res.status(), 200);
        let report: Value = res.json().await.unwrap();
        assert_eq!(report["skipped"], 4, "{}: {report}", t.label);
        let (_, after) = json(&server, "/api/v1/movies?q=first%20import", None).await;
        let after: MovieList = serde_json::from_value(after).unwrap();
        assert_eq!(
            after.items.iter().map(|m: &MovieCard| m.imdb_id.as_str()).collect::<Vec<_>>(),
            vec!["tt0000101"],
            "{}",
            t.label
        );
        // A film without ratings or votes sorts last, in every order.
        for sort in ["popular", "rating", "year", "title"] {
            let (status, body) = json(&server, &format!("/api/v1/movies?q=second%20import&sort={sort}"), None).await;
            assert_eq!((status, body["total"].as_i64()), (200, Some(1)), "{}: {sort}: {body}", t.label);
        }
        let (status, _) = server.get("/movies?q=second%20import").await;
        assert_eq!(status, 200);
        let (_, genres) = json(&server, "/api/v1/genres", None).await;
        assert!(genres.as_array().unwrap().iter().any(|g| g == "Horror"));
    }
}
