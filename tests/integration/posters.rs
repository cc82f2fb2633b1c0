//! Posters end to end, on both backends: downloaded once from a poster host on loopback (real
//! image bytes, and hostile ones), made into WebP widths, stored (a directory beside the SQLite
//! file; the database on PostgreSQL) and served by Marquee with the pages pointing at them.

use crate::common::fake_imdb::{jpeg, png, png_bomb, FakeImdb};
use crate::common::{self, TestServer};
use marquee::model::poster::{parse_file_name, WIDTHS};
use marquee::server::db::load::load_dataset;
use marquee::server::db::{now, on_pool, posters, Db};
use marquee::server::tools::demo;

async fn set_poster(db: &Db, table: &str, imdb_id: &str, url: &str) {
    let sql = format!("UPDATE {table} SET poster_url = $1 WHERE imdb_id = $2");
    let changed =
        on_pool!(db, |pool| sqlx::query(&sql).bind(url).bind(imdb_id).execute(pool).await.unwrap().rows_affected());
    assert!(changed > 0, "{table} has {imdb_id}");
}

#[derive(Debug)]
struct Row {
    image_key: Option<String>,
    failures: i32,
    next_attempt_at: Option<i64>,
    last_error: Option<String>,
}
marquee::from_row!(Row { image_key, failures, next_attempt_at, last_error });

async fn row(db: &Db, url: &str) -> Row {
    on_pool!(db, |pool| sqlx::query_as::<_, Row>(
        "SELECT image_key, failures, next_attempt_at, last_error FROM posters WHERE source_url = $1"
    )
    .bind(url)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("no poster row for {url}: {e}")))
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn posters_are_fetched_once_made_small_and_served_by_marquee(t) {
        let label = t.label;
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let fake = FakeImdb::start().await;
        let good = fake.add_image("good.jpg", 200, "image/jpeg", jpeg(1000, 1500, 7));
        let small = fake.add_image("small.png", 200, "image/png", png(240, 360));
        let truncated = {
            let whole = jpeg(600, 900, 9);
            fake.add_image("truncated.jpg", 200, "image/jpeg", whole[..whole.len() / 2].to_vec())
        };
        let bomb = fake.add_image("bomb.png", 200, "image/png", png_bomb(30_000));
        let page = fake.add_image("page.jpg", 200, "image/jpeg", b"<html><body>Moved</body></html>".to_vec());
        let mut oversize = jpeg(300, 450, 3);
        oversize.resize(600_000, 0);
        let oversize = fake.add_image("oversize.jpg", 200, "image/jpeg", oversize);
        let gone = fake.add_image("gone.jpg", 404, "text/plain", b"not here".to_vec());
        let elsewhere = "https://images.example.net/poster.jpg".to_string();

        // Two films share one address: it is downloaded once. A proposal's poster goes first.
        let films = ["tt0111161", "tt0068646", "tt0071562", "tt0468569", "tt0050083", "tt0108052", "tt0167260"];
        set_poster(&t.db, "movies", films[0], &good).await;
        set_poster(&t.db, "movies", films[1], &good).await;
        set_poster(&t.db, "movies", films[2], &truncated).await;
        set_poster(&t.db, "movies", films[3], &bomb).await;
        set_poster(&t.db, "movies", films[4], &page).await;
        set_poster(&t.db, "movies", films[5], &oversize).await;
        set_poster(&t.db, "movies", films[6], &gone).await;
        let proposal: (i64, String) = on_pool!(&t.db, |pool| sqlx::query_as(
            "SELECT id, imdb_id FROM proposals WHERE status = 'active' ORDER BY id LIMIT 1"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        set_poster(&t.db, "proposals", &proposal.1, &small).await;
        let stranger: String = on_pool!(&t.db, |pool| sqlx::query_scalar(
            "SELECT imdb_id FROM movies WHERE poster_url IS NULL ORDER BY id LIMIT 1"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        set_poster(&t.db, "movies", &stranger, &elsewhere).await;

        let server = TestServer::start_with(t.db.clone(), |c| {
            c.imdb.base_url = fake.base.clone();
            c.posters.max_bytes = 500_000;
        })
        .await;
        let store = server.state.posters.store().describe();
        match t.label {
            "sqlite" => assert!(store.starts_with("directory") && store.ends_with("posters"), "{store}"),
            _ => assert_eq!(store, "the database"),
        }
        assert_eq!(posters::due(&t.db, now(), 100).await.unwrap().first(), Some(&small), "{label}: proposals first");
        fake.clear_calls();
        // A failure is stamped no earlier than the pass began, so its back-off is checked from there
        // (on a loaded machine the pass itself can take many seconds).
        let started = now();
        let report = server.state.posters.run_once(100).await.unwrap();
        assert_eq!((report.due, report.stored, report.failed), (8, 2, 6), "{label}: {report:?}");
        let mut calls = fake.calls();
        calls.sort();
        let expected = ["bomb.png", "gone.jpg", "good.jpg", "oversize.jpg", "page.jpg", "small.png", "truncated.jpg"];
        assert_eq!(
            calls,
            expected.map(|n| format!("image {n}")),
            "{label}: each address once, the elsewhere host never"
        );

        // Each failure says why, and waits before the next try.
        for (url, says) in [
            (&truncated, "cut short"),
            (&bomb, "30000×30000 pixels"),
            (&page, "not a JPEG, PNG or WebP"),
            (&oversize, "larger than 500000 bytes"),
            (&gone, "HTTP 404"),
            (&elsewhere, "not an allowed poster host"),
        ] {
            let r = row(&t.db, url).await;
            assert!(r.image_key.is_none(), "{label}: {url}");
            assert_eq!(r.failures, 1, "{label}: {url}");
            assert!(r.last_error.as_deref().unwrap_or("").contains(says), "{label}: {url}: {:?}", r.last_error);
            assert!(r.next_attempt_at.unwrap() >= started + 300, "{label}: {url} backs off");
        }
        let again = server.state.posters.run_once(100).await.unwrap();
        assert_eq!(again.due, 0, "{label}: nothing is due while failures back off");

        // The stored ones: every width, WebP, never enlarged, cached for good.
        let key = row(&t.db, &good).await.image_key.unwrap();
        let small_key = row(&t.db, &small).await.image_key.unwrap();
        for (key, source_width) in [(&key, 1000), (&small_key, 240)] {
            for width in WIDTHS {
                let res =
                    server.client.get(format!("{}/posters/{key}-{width}.webp", server.base)).send().await.unwrap();
                assert_eq!(res.status(), 200, "{label}");
                let headers = res.headers().clone();
                assert_eq!(headers["content-type"], "image/webp");
                assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
                let body = res.bytes().await.unwrap();
                let image = image::load_from_memory_with_format(&body, image::ImageFormat::WebP).unwrap();
                assert_eq!(image.width(), width.min(source_width), "{label}: {key} at {width}");
                assert_eq!(image.height(), image.width() * 3 / 2, "{label}");
                if width == 320 {
                    assert!(body.len() < 40_000, "{label}: a card's poster is {} bytes", body.len());
                }
                let etag = headers["etag"].to_str().unwrap().to_string();
                let cached = server
                    .client
                    .get(format!("{}/posters/{key}-{width}.webp", server.base))
                    .header("if-none-match", &etag)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(cached.status(), 304);
            }
        }
        // Names that are not a stored poster's are 404, whatever they try.
        for name in [
            format!("{key}-321.webp"),
            format!("{}-320.webp", "0".repeat(16) + "-000000"),
            "..%2F..%2FCargo.toml".to_string(),
            "%2e%2e%2fCargo.toml".to_string(),
            format!("{key}-320.webp%00.png"),
            format!("{}-320.webp", key.to_uppercase()),
        ] {
            let (status, _) = server.get(&format!("/posters/{name}")).await;
            assert_eq!(status, 404, "{label}: /posters/{name}");
        }
        assert!(parse_file_name(&format!("{key}-160.webp")).is_some());

        // The pages show Marquee's images and nothing from elsewhere.
        let film_id: i64 = on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT id FROM movies WHERE imdb_id = $1")
            .bind(films[0])
            .fetch_one(pool)
            .await
            .unwrap());
        let (_, film) = server.get(&format!("/movies/{film_id}")).await;
        assert!(film.contains(&format!("src=\"/posters/{key}-320.webp\"")), "{label}");
        assert!(film.contains(&format!("/posters/{key}-640.webp 640w")), "{label}: srcset");
        assert!(film.contains("width=\"320\" height=\"480\""), "{label}: no layout shift");
        let colour = marquee::model::poster::poster_colour(&key).unwrap();
        assert!(film.contains(&format!("background-color: {colour}")), "{label}: placeholder colour");
        let member = server.register("looker").await;
        let (_, vote) = server.get_as("/vote", Some(&member)).await;
        assert!(vote.contains(&format!("/posters/{small_key}-160.webp 160w")), "{label}: the proposal's poster");
        let failed_id: i64 = on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT id FROM movies WHERE imdb_id = $1")
            .bind(films[2])
            .fetch_one(pool)
            .await
            .unwrap());
        let (_, failed_film) = server.get(&format!("/movies/{failed_id}")).await;
        assert!(failed_film.contains("(no poster)"), "{label}: a failed poster keeps the tile");
        for html in [&film, &vote, &failed_film] {
            assert!(!html.contains(&fake.base) && !html.contains("images.example.net"), "{label}: an outside address");
        }
        let res = server.client.get(format!("{}/vote", server.base)).send().await.unwrap();
        let policy = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(policy.contains("img-src 'self' data:;"), "{policy}");

        // /metrics counts them; an admin's re-fetch makes the failed ones due again.
        let (_, metrics) = server.get("/metrics").await;
        assert!(metrics.contains("posters{state=\"stored\"} 2"), "{label}: {metrics}");
        assert!(metrics.contains("posters{state=\"failed\"} 6"), "{label}");
        assert!(metrics.contains("poster_bytes_served_total"), "{label}");
        assert_eq!(posters::refetch(&t.db, true).await.unwrap(), 6, "{label}");
        assert_eq!(posters::due(&t.db, now(), 100).await.unwrap().len(), 6, "{label}");
        assert_eq!(posters::refetch(&t.db, false).await.unwrap(), 8, "{label}");
        // A stored poster whose new download fails keeps its image.
        fake.add_image("good.jpg", 500, "text/plain", b"upstream exploded".to_vec());
        server.state.posters.run_once(100).await.unwrap();
        let kept = row(&t.db, &good).await;
        assert_eq!((kept.image_key.as_deref(), kept.failures), (Some(key.as_str()), 1), "{label}");
    }
}

common::on_each_backend! {
    /// The demo's own posters go through the same making and storing, wherever the server keeps them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_demo_draws_its_posters_and_stores_them_like_downloaded_ones(t) {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let config = marquee::server::config::Config::default();
        let maker = marquee::server::services::posters::Posters::new(&config.posters, "http://127.0.0.1:9", t.db.clone());
        let made = demo::seed_posters(&t.db, &maker).await.unwrap();
        assert!(made >= 100, "{}: {made} demo posters", t.label);
        assert_eq!(demo::seed_posters(&t.db, &maker).await.unwrap(), 0, "{}: made once", t.label);
        let server = TestServer::start(t.db.clone()).await;
        let (_, vote) = server.get("/predictions").await;
        let first = vote.find("src=\"/posters/").unwrap_or_else(|| panic!("{}: the ranking shows posters", t.label));
        let src = &vote[first + 5..];
        let src = &src[..src.find('"').unwrap()];
        let (status, _) = server.get(src).await;
        assert_eq!(status, 200, "{}: {src}", t.label);
    }
}
