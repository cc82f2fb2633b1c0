//! Predictions on SQLite and PostgreSQL: leakage, paging, stored scores, HTTP errors, streaming.

use crate::common;

use common::TestServer;
use marquee::model::{CandidateSet, PredictionQuery};
use marquee::server::db::load::load_dataset;
use marquee::server::db::{on_pool, scores, Db};
use marquee::server::services::predictions::Predictions;
use marquee::server::tools::demo;
use std::collections::BTreeMap;
use std::time::Duration;

async fn loaded() -> Vec<common::TestDb> {
    let mut all = common::backends().await;
    for t in &mut all {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    }
    all
}

/// Every film's dimension scores, by IMDb id.
fn all_dims(p: &Predictions) -> BTreeMap<String, String> {
    let index = p.index();
    index.films.iter().zip(&index.dims).map(|(f, d)| (f.imdb_id.clone(), format!("{d:?}"))).collect()
}

async fn set_target_membership(db: &Db, imdb_id: &str, member: bool) {
    on_pool!(db, |pool| {
        if member {
            sqlx::query(
                "INSERT INTO list_memberships (list_id, movie_id, edition_year) \
                 SELECT l.id, m.id, 2025 FROM canonical_lists l, movies m WHERE l.is_target = $1 AND m.imdb_id = $2",
            )
            .bind(true)
            .bind(imdb_id)
            .execute(pool)
            .await
            .map(|_| ())
        } else {
            sqlx::query(
                "DELETE FROM list_memberships WHERE movie_id = (SELECT id FROM movies WHERE imdb_id = $2) \
                 AND list_id = (SELECT id FROM canonical_lists WHERE is_target = $1)",
            )
            .bind(true)
            .bind(imdb_id)
            .execute(pool)
            .await
            .map(|_| ())
        }
    })
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flipping_target_membership_changes_no_score() {
    for t in loaded().await {
        let p = Predictions::load(t.db.clone(), Duration::from_secs(60), 3).await.unwrap();
        let before = all_dims(&p);
        // A candidate joins the list, and a member (with the same director as other films) leaves it.
        set_target_membership(&t.db, "tt13238346", true).await; // Past Lives
        set_target_membership(&t.db, "tt15398776", false).await; // Oppenheimer
        assert!(p.refresh_if_changed().await.unwrap(), "{}: the change was noticed", t.label);
        assert_eq!(all_dims(&p), before, "{}: a score moved when only the target list changed", t.label);
        let index = p.index();
        let past_lives = index.by_imdb["tt13238346"] as usize;
        assert!(index.on_list[past_lives], "{}: the answer key did change", t.label);

        // The check can fail: the same change on a *non-target* list does move the score.
        on_pool!(&t.db, |pool| {
            sqlx::query(
                "INSERT INTO list_memberships (list_id, movie_id) SELECT l.id, m.id FROM canonical_lists l, movies m \
                 WHERE l.slug = 'ebert-great-movies' AND m.imdb_id = 'tt13238346'",
            )
            .execute(pool)
            .await
            .map(|_| ())
        })
        .unwrap();
        p.rebuild().await.unwrap();
        assert_ne!(all_dims(&p)["tt13238346"], before["tt13238346"], "{}", t.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_continue_the_ranking_exactly() {
    for t in loaded().await {
        let p = Predictions::load(t.db.clone(), Duration::from_secs(60), 3).await.unwrap();
        for q in [
            PredictionQuery::default(),
            PredictionQuery { profile: Some("award-winner".into()), w: None },
            PredictionQuery { profile: None, w: Some("10,40,10,30,10".into()) },
        ] {
            let all = p.page(&q, CandidateSet::Candidates, 0, 100).unwrap();
            let mut paged = Vec::new();
            let mut offset = Some(0);
            while let Some(o) = offset {
                let page = p.page(&q, CandidateSet::Candidates, o, 25).unwrap();
                offset = page.next_offset();
                paged.extend(page.rows);
            }
            assert_eq!(paged.len() as u32, all.total, "{}: every film once", t.label);
            let ids =
                |rows: &[marquee::model::PredictionRow]| rows.iter().map(|r| r.imdb_id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&paged[..all.rows.len()]), ids(&all.rows), "{}: pages match one big page", t.label);
            assert!(paged.windows(2).all(|w| w[0].rank + 1 == w[1].rank && w[0].score >= w[1].score), "{}", t.label);
            assert!(paged.iter().all(|r| r.edition.is_none()), "{}: candidates are not on the list", t.label);
        }
        let on_list = p.page(&PredictionQuery::default(), CandidateSet::OnList, 0, 100).unwrap();
        assert!(on_list.rows.iter().all(|r| r.edition.is_some() && r.year.unwrap() >= 2020), "{}", t.label);
        assert!(p.ranking_stats.hits() > 0, "{}: repeated pages come from the cache", t.label);
        let figures = p.cache_figures();
        let rankings = figures.iter().find(|c| c.name == "rankings").unwrap();
        assert_eq!((rankings.hits, rankings.misses), (p.ranking_stats.hits(), p.ranking_stats.misses()));
        // Three weight sets, one candidate set each, plus the on-list ranking: four computed, the rest cached.
        assert_eq!(rankings.misses, 4, "{}", t.label);
        assert!(rankings.compute_ms > 0.0, "{}", t.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stored_scores_are_refreshed_only_where_they_changed() {
    for t in loaded().await {
        let p = Predictions::load(t.db.clone(), Duration::from_secs(60), 3).await.unwrap();
        let index = p.index();
        let list = index.target_list.unwrap();
        let stored: i64 =
            on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM dimension_scores WHERE list_id = $1")
                .bind(list)
                .fetch_one(pool)
                .await)
            .unwrap();
        assert_eq!(stored as usize, index.films.len(), "{}", t.label);
        let mut rows: Vec<_> = index
            .films
            .iter()
            .zip(&index.dims)
            .zip(&index.inputs)
            .map(|((f, d), i)| (f.id, *d, marquee::scoring::completeness(i)))
            .collect();
        assert_eq!(
            scores::store_dimension_scores(&t.db, list, &rows).await.unwrap(),
            0,
            "{}: nothing changed",
            t.label
        );
        rows[0].1[0] = Some(0.123);
        assert_eq!(
            scores::store_dimension_scores(&t.db, list, &rows).await.unwrap(),
            1,
            "{}: one film changed",
            t.label
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backtest_and_comparison_are_consistent() {
    for t in loaded().await {
        let p = Predictions::load(t.db.clone(), Duration::from_secs(60), 3).await.unwrap();
        let bt = p.backtest(&PredictionQuery::default()).unwrap();
        assert_eq!(bt.decades.len(), 10, "{}: 1920s to 2010s", t.label);
        for d in &bt.decades {
            assert!(d.hits <= d.on_list && d.on_list <= d.films, "{}: {d:?}", t.label);
            assert_eq!(d.hits_examples.len().min(5), (d.hits as usize).min(5));
        }
        let c = p.comparison();
        assert_eq!(c.profiles.len(), 5, "{}", t.label);
        let best = c.profiles.iter().map(|x| x.macro_avg).fold(0.0, f64::max);
        let named = c.profiles.iter().find(|x| x.profile.slug == c.best_overall).unwrap();
        assert_eq!(named.macro_avg, best, "{}", t.label);
        let b = p.breakdown("tt15398776", &PredictionQuery::default()).unwrap();
        let points: f64 = b.dimensions.iter().map(|d| d.points).sum();
        assert!((points - b.score).abs() < 0.3, "{}: points add up to the score", t.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_prediction_requests_get_clear_4xx() {
    for t in loaded().await {
        let server = TestServer::start(t.db.clone()).await;
        let cases = [
            ("/api/predictions?set=Candidates&offset=0&limit=25&profile=nope", 400, "Unknown profile"),
            ("/api/predictions?set=Candidates&offset=0&limit=25&w=50,50,50,0,0", 400, "add up to 100"),
            ("/api/predictions?set=Candidates&offset=0&limit=25&w=1,2", 400, "five weights"),
            ("/api/predictions?set=Candidates&offset=0&limit=25&w=NaN,20,20,20,20", 400, "numbers"),
            ("/api/predictions?set=Candidates&offset=0&limit=0", 400, "Page size"),
            ("/api/predictions?set=Candidates&offset=0&limit=100000", 400, "Page size"),
            ("/api/predictions?set=Candidates&offset=99999&limit=25", 400, "past the end"),
            ("/api/predictions?set=Everything&offset=0&limit=25", 400, ""),
            ("/api/prediction_breakdown?imdb_id=tt0000001", 404, "tt0000001"),
            ("/predictions?profile=%3Cscript%3E", 400, "Unknown profile"),
            ("/predictions?w=120,0,0,0,0", 400, "add up to 100"),
            ("/predictions?page=999", 400, "past the end"),
        ];
        for (path, status, text) in cases {
            let (got, body) = server.get(path).await;
            assert_eq!(got, status, "{} {path}: {body}", t.label);
            assert!(body.contains(text), "{} {path}: {body}", t.label);
            assert!(!body.contains("<script>"), "{}: user input is escaped", t.label);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_page_streams_the_ranking_in_order_then_the_backtests_summary() {
    let t = common::sqlite().await;
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let server = TestServer::start(t.db.clone()).await;
    let frames = http1_chunks(&server.base, "/predictions").await;
    assert!(frames.len() >= 2, "the response streams in more than one flush");
    let first = &frames[0];
    assert!(first.contains("site-header"), "the first flush carries the header");
    let first_ranks: Vec<&str> =
        first.match_indices("data-rank=\"").map(|(i, m)| first[i + m.len()..].split('"').next().unwrap()).collect();
    assert_eq!(
        first_ranks,
        (1..=25).map(|r| r.to_string()).collect::<Vec<_>>(),
        "the first flush holds the top 25, in order"
    );
    assert!(!first.contains("aria-label=\"Backtest summary\""), "the backtest comes later");
    let html = frames.concat();
    let ranks: Vec<u32> = html
        .match_indices("data-rank=\"")
        .map(|(i, m)| html[i + m.len()..].split('"').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ranks, (1..=25).collect::<Vec<_>>(), "ranks 1-25, in order, once each; the rest by scroll");
    let last_row = html.rfind("data-rank=\"25\"").unwrap();
    let summary = html.find("aria-label=\"Backtest summary\"").expect("the backtest's summary in the same response");
    assert!(summary > last_row, "the backtest's summary follows the ranking");
    let summary = &html[summary..];
    assert!(summary.contains("In past decades, weights Balanced would have found"), "{summary}");
    assert!(summary.contains("Best profile overall"), "the comparison's verdict is in the same response");
    // The full tables are one tab away, under the same weights; not on this page.
    assert!(
        summary.contains("href=\"/predictions?tab=backtest\"") && summary.contains("href=\"/predictions?tab=compare\"")
    );
    assert!(!html.contains("aria-label=\"Backtest\"") && !html.contains("aria-label=\"Profile comparison\""));
}

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).map(|i| i + start.len()).unwrap_or_else(|| panic!("no {start:?} in {html}"));
    let len = html[from..].find(end).unwrap_or_else(|| panic!("no {end:?} after {start:?} in {html}"));
    &html[from..from + len]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_backtests_summary_agrees_with_its_tabs() {
    for t in loaded().await {
        let server = TestServer::start(t.db.clone()).await;
        let (_, compare) = server.get("/predictions?tab=compare").await;
        let best = between(&compare, "Best overall: <strong>", "<");
        for weights in ["profile=critics-choice", "w=10,20,30,40,0"] {
            let (status, page) = server.get(&format!("/predictions?{weights}")).await;
            assert_eq!(status, 200, "{} {weights}", t.label);
            let summary = &page[page.find("aria-label=\"Backtest summary\"").expect("a summary")..];
            let (_, backtest) = server.get(&format!("/predictions?{weights}&tab=backtest")).await;
            let whose = if weights.starts_with("w=") { "your weights" } else { "weights Critics" };
            assert!(summary.contains(&format!("In past decades, {whose}")), "{} {weights}: {summary}", t.label);
            let found = between(summary, "<strong>", " of the films");
            assert!(found.ends_with(" %"), "{} {weights}: {summary}", t.label);
            assert!(
                backtest.contains(&format!("<strong>{found} of list films found overall")),
                "{} {weights}: the summary's {found} is the backtest tab's",
                t.label
            );
            assert_eq!(between(summary, "Best profile overall: <strong>", "<"), best, "{} {weights}", t.label);
            let link = format!("href=\"/predictions?{weights}&amp;tab=backtest\"");
            assert!(summary.contains(&link), "{} {weights}: the backtest tab keeps the weights: {summary}", t.label);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_page_sends_each_ranked_film_once_for_hydration() {
    let t = common::sqlite().await;
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let server = TestServer::start(t.db.clone()).await;
    let (status, html) = server.get("/predictions").await;
    assert_eq!(status, 200);
    for rank in [1, 25] {
        let at = html.find(&format!("data-rank=\"{rank}\"")).expect("ranked row");
        let id = html[at..].split("data-imdb=\"").nth(1).unwrap().split('"').next().unwrap();
        common::assert_lean_hydration(&format!("/predictions rank {rank}"), &html, id);
    }
}

/// The body of an HTTP/1.1 response split the way the server flushed it (its chunked encoding).
async fn http1_chunks(base: &str, path: &str) -> Vec<String> {
    http1_frames(base, path, "identity", "").await.iter().map(|f| String::from_utf8_lossy(f).to_string()).collect()
}

/// The raw frames of a response asked for with `Accept-Encoding: encoding`, as the server flushed them.
async fn http1_frames(base: &str, path: &str, encoding: &str, cookie: &str) -> Vec<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let cookie = if cookie.is_empty() { String::new() } else { format!("Cookie: {cookie}\r\n") };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\nAccept-Encoding: {encoding}\r\n{cookie}Connection: close\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    socket.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "a streamed response: {head}");
    if encoding != "identity" {
        assert!(head.to_ascii_lowercase().contains(&format!("content-encoding: {encoding}")), "{head}");
    }
    let mut body = &raw[split + 4..];
    let mut frames = Vec::new();
    loop {
        let eol = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&body[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        frames.push(body[eol + 2..eol + 2 + size].to_vec());
        body = &body[eol + 2 + size + 2..];
    }
    frames
}

/// What the first compressed frame alone decodes to.
fn decode_prefix(encoding: &str, frame: &[u8]) -> String {
    use std::io::Read;
    let mut out = Vec::new();
    // The stream is not finished after one frame: read what it decodes to so far.
    let _ = match encoding {
        "br" => brotli::Decompressor::new(frame, 4096).read_to_end(&mut out),
        _ => flate2::read::GzDecoder::new(frame).read_to_end(&mut out),
    };
    String::from_utf8_lossy(&out).to_string()
}

fn ranks_in(html: &str) -> Vec<String> {
    html.match_indices("data-rank=\"")
        .map(|(i, m)| html[i + m.len()..].split('"').next().unwrap().to_string())
        .collect()
}

/// Compressed, the first frame of a streamed page still decodes to the part that matters.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn compressed_pages_keep_their_first_flush() {
    let t = common::sqlite().await;
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    let server = TestServer::start(t.db.clone()).await;
    let member = server.register("reader").await;
    for encoding in ["br", "gzip"] {
        let frames = http1_frames(&server.base, "/predictions", encoding, "").await;
        assert!(frames.len() >= 2, "{encoding}: the response streams in more than one flush");
        let first = decode_prefix(encoding, &frames[0]);
        assert!(first.contains("site-header"), "{encoding}: the first flush carries the header");
        assert_eq!(ranks_in(&first), (1..=25).map(|r| r.to_string()).collect::<Vec<_>>(), "{encoding}: top 25");
        let whole = decode_prefix(encoding, &frames.concat());
        assert_eq!(ranks_in(&whole).len(), 25, "{encoding}: the whole page decodes");
        assert!(whole.contains("aria-label=\"Backtest summary\"") && whole.contains("</html>"), "{encoding}");

        let frames = http1_frames(&server.base, "/vote", encoding, &member.cookie).await;
        let first = decode_prefix(encoding, &frames[0]);
        let whole = decode_prefix(encoding, &frames.concat());
        let cards = |html: &str| html.matches("data-proposal=").count();
        assert!(first.contains("data-first-flush"), "{encoding}: the vote page's first flush ends at its marker");
        assert!(cards(&whole) > 0, "{encoding}: the demo has proposals");
        assert_eq!(cards(&first), cards(&whole).min(20), "{encoding}: the first flush of /vote holds the top 20");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_get_server_function_pages_continue_exactly() {
    for t in loaded().await {
        let server = TestServer::start(t.db.clone()).await;
        let fetch = |offset: u32, limit: u32| {
            let path = format!("/api/predictions?set=Candidates&offset={offset}&limit={limit}&profile=cult-classic");
            let server = &server;
            async move {
                let (status, body) = server.get(&path).await;
                assert_eq!(status, 200, "{path}: {body}");
                serde_json::from_str::<marquee::model::PredictionPage>(&body).unwrap()
            }
        };
        let all = fetch(0, 100).await;
        let mut paged = Vec::new();
        let mut next = Some(0);
        while let Some(offset) = next.filter(|o| *o < 100) {
            let page = fetch(offset, 25).await;
            next = page.next_offset();
            paged.extend(page.rows);
        }
        assert_eq!(paged, all.rows, "{}: pages 1-4 equal ranks 1-100", t.label);
    }
}

/// A visitor's /predictions is rendered once per version of the rankings and then served from
/// memory, each time with its own nonce; a change to the data is on the very next load.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn visitors_predictions_come_from_memory_and_stay_current() {
    for t in loaded().await {
        let server = TestServer::start(t.db.clone()).await;
        let get = || async {
            let res = server.client.get(format!("{}/predictions", server.base)).send().await.unwrap();
            let policy = res.headers()["content-security-policy"].to_str().unwrap().to_string();
            let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
            (nonce, res.text().await.unwrap())
        };
        let (first_nonce, first) = get().await;
        assert!(server.state.pages.holds("/predictions", None), "{}: kept after the first load", t.label);
        let (second_nonce, second) = get().await;
        assert_ne!(first_nonce, second_nonce, "{}: every response has its own nonce", t.label);
        assert!(second.contains(&format!("nonce=\"{second_nonce}\"")), "{}", t.label);
        assert!(!second.contains(&first_nonce), "{}: no nonce is reused", t.label);
        assert_eq!(first.replace(&first_nonce, &second_nonce), second, "{}: the same page", t.label);

        // A member's page is their own: never from, or into, the visitors' copy.
        let member = server.register("member").await;
        let (status, html) = server.get_as("/predictions", Some(&member)).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Sign out") && !first.contains("Sign out"),
            "{}: the header says who is signed in",
            t.label
        );

        // An import that changes the rankings is on the next visitor's load.
        let admin = server.admin("root").await;
        let csv =
            "imdb_id,title,year,genres,imdb_rating,imdb_votes,metascore,tomatometer,tmdb_rating,tmdb_popularity\n\
                   tt7999001,Freshly Imported Masterpiece,2024,Drama,9.8,2500000,100,100,9.8,900\n";
        let (status, report) = server.import_csv(&admin, csv.to_string()).await;
        assert_eq!(status, 200, "{}: {report}", t.label);
        assert!(!first.contains("Freshly Imported Masterpiece"));
        let (_, after) = get().await;
        assert!(after.contains("Freshly Imported Masterpiece"), "{}: the new film is ranked at once", t.label);
    }
}
