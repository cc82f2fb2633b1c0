//! Letterboxd imports on both backends: an export is uploaded (a dry run: nothing of the member's
//! changes), reviewed, then imported; importing it again changes nothing; where several films fit,
//! the member's pick is what goes in; ratings stay private unless shared; hostile uploads and picks
//! get a clear refusal and store nothing.

use crate::common::{self, Member, TestServer};
use marquee::letterboxd::sample_export;
use marquee::server::db::load::load_dataset;
use marquee::server::db::{on_pool, Db};
use marquee::server::tools::demo;

const UPLOAD: &str = "/account/letterboxd/upload";

/// A multipart form with one file field, as a browser sends the upload form.
fn multipart(field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----marqueeTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

struct Upload {
    status: u16,
    location: Option<String>,
    body: String,
}

async fn upload(server: &TestServer, member: Option<&Member>, file_name: &str, bytes: &[u8], html: bool) -> Upload {
    try_upload(server, member, file_name, bytes, html).await.unwrap()
}

/// Whether the server closed the connection while the client was still sending the body: how a
/// refusal made on the declared length alone can reach a client instead of its 413.
fn cut_while_sending(err: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(io.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset);
        }
        source = e.source();
    }
    false
}

async fn try_upload(
    server: &TestServer,
    member: Option<&Member>,
    file_name: &str,
    bytes: &[u8],
    html: bool,
) -> Result<Upload, reqwest::Error> {
    let (content_type, body) = multipart("export", file_name, bytes);
    let mut req =
        server.client.post(format!("{}{UPLOAD}", server.base)).header("content-type", content_type).body(body);
    if let Some(m) = member {
        req = req.header("cookie", &m.cookie);
    }
    req = req.header("accept", if html { "text/html" } else { "application/json" });
    let res = req.send().await?;
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    // A refusal sent before the whole upload was read may cut the connection under its body.
    Ok(Upload { status, location, body: res.text().await.unwrap_or_default() })
}

/// Uploads as the browser's form does and follows to the review: the import's id.
async fn dry_run(server: &TestServer, member: &Member, file_name: &str, bytes: &[u8]) -> i64 {
    let up = upload(server, Some(member), file_name, bytes, true).await;
    assert_eq!(up.status, 303, "{}", up.body);
    let location = up.location.unwrap();
    location.strip_prefix("/account/letterboxd?import=").unwrap().parse().unwrap()
}

async fn review(server: &TestServer, member: &Member, id: i64) -> serde_json::Value {
    let (status, body) = server.get_as(&format!("/api/letterboxd_review?import={id}"), Some(member)).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn user_id(db: &Db, username: &str) -> i64 {
    on_pool!(db, |pool| sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(pool)
        .await
        .unwrap())
}

async fn count(db: &Db, sql: &str, user: i64) -> i64 {
    on_pool!(db, |pool| sqlx::query_scalar(sql).bind(user).fetch_one(pool).await.unwrap())
}

/// (ratings, of them shared, viewings) of `user`.
async fn history(db: &Db, user: i64) -> (i64, i64, i64) {
    (
        count(db, "SELECT COUNT(*) FROM ratings WHERE user_id = $1", user).await,
        count(db, "SELECT COUNT(*) FROM ratings WHERE user_id = $1 AND shared", user).await,
        count(db, "SELECT COUNT(*) FROM member_watches WHERE user_id = $1", user).await,
    )
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_export_is_reviewed_then_imported_once(t) {
        let label = t.label;
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let server = TestServer::start(t.db.clone()).await;
        let member = server.register("cinephile").await;
        let user = user_id(&t.db, "cinephile").await;
        let catalogue = marquee::server::db::letterboxd::catalogue_titles(&t.db).await.unwrap();
        let export = sample_export(&catalogue, 2000, 11);

        // The dry run: a match table, and nothing of the member's stored.
        let id = dry_run(&server, &member, "letterboxd-cinephile-2026-12-05.zip", &export).await;
        let r = review(&server, &member, id).await;
        let films = r["films"].as_i64().unwrap();
        let matched = r["matched"].as_i64().unwrap();
        assert!(films > 500, "{label}: {r}");
        assert!(matched * 100 / films >= 85, "{label}: {matched} of {films} matched");
        assert_eq!(matched + r["ambiguous"].as_i64().unwrap() + r["missing"].as_i64().unwrap(), films, "{label}");
        assert!(r["not_found"].as_array().unwrap().iter().all(|f| f["name"].as_str().unwrap().starts_with("Unseen")));
        assert_eq!(r["skipped"], serde_json::json!(["watchlist.csv", "reviews.csv"]), "{label}");
        assert_eq!(r["matched_page"].as_array().unwrap().len(), 100, "{label}: one page of matches");
        assert_eq!(history(&t.db, user).await, (0, 0, 0), "{label}: a dry run stores nothing of the member's");
        // The review page renders it without JavaScript.
        let (status, html) = server.get_as(&format!("/account/letterboxd?import={id}"), Some(&member)).await;
        assert_eq!(status, 200, "{label}");
        assert!(html.contains(&format!("{matched} matched")), "{label}");

        // Imported: private ratings and viewings; For you no longer offers what was watched.
        let applied = server.post("/api/apply_letterboxd_import", &[("import", &id.to_string())], Some(&member)).await;
        assert_eq!(applied.status, 200, "{label}: {}", applied.body);
        let (ratings, shared, watches) = history(&t.db, user).await;
        assert!(ratings > 0 && watches >= matched, "{label}: {ratings} ratings, {watches} viewings");
        assert_eq!(shared, 0, "{label}: nothing is shared unless the member says so");
        let (status, body) = server.get_as("/api/v1/recommendations", Some(&member)).await;
        assert_eq!(status, 200, "{label}: {body}");
        let watched: Vec<i64> = on_pool!(&t.db, |pool| sqlx::query_scalar(
            "SELECT DISTINCT movie_id FROM member_watches WHERE user_id = $1"
        )
        .bind(user)
        .fetch_all(pool)
        .await
        .unwrap());
        let recs: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
        assert!(!recs.is_empty(), "{label}");
        for rec in &recs {
            let film = rec["movie"]["id"].as_i64().unwrap();
            assert!(!watched.contains(&film), "{label}: film {film} was watched, yet recommended");
        }
        let r = review(&server, &member, id).await;
        assert!(r["result"].as_str().unwrap().contains(&format!("{ratings} ratings added")), "{label}: {r}");
        let again = server.post("/api/apply_letterboxd_import", &[("import", &id.to_string())], Some(&member)).await;
        assert_eq!(again.status, 409, "{label}: an import is applied once");

        // The same export again changes nothing.
        let id2 = dry_run(&server, &member, "letterboxd-cinephile-2026-12-05.zip", &export).await;
        let applied = server.post("/api/apply_letterboxd_import", &[("import", &id2.to_string())], Some(&member)).await;
        assert_eq!(applied.status, 200, "{label}: {}", applied.body);
        assert!(applied.body.contains("0 ratings added, 0 updated, 0 viewings added"), "{label}: {}", applied.body);
        assert_eq!(history(&t.db, user).await, (ratings, 0, watches), "{label}: idempotent");

        // A newer export updates: one rating changed, one viewing added.
        let first = &r["matched_page"][0];
        let (name, year) = (first["name"].as_str().unwrap(), first["year"].as_i64().unwrap());
        let newer = format!(
            "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n2026-11-30,\"{}\",{year},u,0.5,Yes,,2026-11-29\n",
            name.replace('"', "\"\"")
        );
        let id3 = dry_run(&server, &member, "diary.csv", newer.as_bytes()).await;
        let applied = server.post("/api/apply_letterboxd_import", &[("import", &id3.to_string())], Some(&member)).await;
        assert_eq!(applied.status, 200, "{label}: {}", applied.body);
        assert!(applied.body.contains("1 viewings added"), "{label}: {}", applied.body);
        let movie = first["film"]["id"].as_i64().unwrap();
        let half: i32 = on_pool!(&t.db, |pool| sqlx::query_scalar(
            "SELECT half_stars FROM ratings WHERE user_id = $1 AND movie_id = $2"
        )
        .bind(user)
        .bind(movie)
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(half, 1, "{label}: the newer rating stands");
        let audit =
            count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND action = 'letterboxd.import'", user)
                .await;
        assert_eq!(audit, 3, "{label}");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn where_several_films_fit_the_members_pick_goes_in(t) {
        let label = t.label;
        let server = TestServer::start(t.db.clone()).await;
        let admin = server.admin("boss").await;
        let csv = "imdb_id,title,year\ntt9900001,Twin Peril,1999\ntt9900002,Twin Peril,2000\ntt9900003,Amélie des Bois,2001\ntt9900004,Rated Here,2005\n";
        let (status, body) = server.import_csv(&admin, csv.to_string()).await;
        assert_eq!(status, 200, "{label}: {body}");
        let id_of = |imdb: &'static str| {
            let db = t.db.clone();
            async move {
                on_pool!(&db, |pool| sqlx::query_scalar::<_, i64>("SELECT id FROM movies WHERE imdb_id = $1")
                    .bind(imdb)
                    .fetch_one(pool)
                    .await
                    .unwrap())
            }
        };
        let (twin_2000, amelie, rated_here) =
            (id_of("tt9900002").await, id_of("tt9900003").await, id_of("tt9900004").await);
        let member = server.register("picker").await;
        let other = server.register("nosy").await;
        let user = user_id(&t.db, "picker").await;
        // A rating made in Marquee itself is the member's word: an import leaves it alone.
        let put = server
            .client
            .put(format!("{}/api/v1/movies/{rated_here}/rating", server.base))
            .header("cookie", &member.cookie)
            .json(&serde_json::json!({ "stars": 4.0 }))
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{label}: {}", put.text().await.unwrap());

        let ratings = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Twin Peril,,u1,4.5\n2024-01-02,AMELIE DES BOIS,2002,u2,5\n2024-01-03,Rated Here,2005,u3,1\n";
        let id = dry_run(&server, &member, "ratings.csv", ratings.as_bytes()).await;
        let r = review(&server, &member, id).await;
        assert_eq!((r["matched"].as_i64(), r["ambiguous"].as_i64()), (Some(2), Some(1)), "{label}: {r}");
        let pick = &r["to_pick"][0];
        let candidates: Vec<i64> =
            pick["candidates"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(candidates.len(), 2, "{label}: {pick}");
        assert!(candidates.contains(&twin_2000));
        let position = pick["position"].as_i64().unwrap().to_string();
        let key = format!("picks[{position}]");

        // Hostile: another member's import, a film that was not offered, nonsense picks.
        let theirs = server.post("/api/apply_letterboxd_import", &[("import", &id.to_string())], Some(&other)).await;
        assert_eq!(theirs.status, 404, "{label}: {}", theirs.body);
        let (status, _) = server.get_as(&format!("/api/letterboxd_review?import={id}"), Some(&other)).await;
        assert_eq!(status, 404, "{label}: another member's import is not theirs to see");
        let id_text = id.to_string();
        let amelie_text = amelie.to_string();
        let not_offered = server
            .post("/api/apply_letterboxd_import", &[("import", &id_text), (&key, &amelie_text)], Some(&member))
            .await;
        assert_eq!(not_offered.status, 400, "{label}: {}", not_offered.body);
        assert!(not_offered.body.contains("pick one of the films offered"), "{label}: {}", not_offered.body);
        for (k, v) in [("picks[x]", "1"), (key.as_str(), "drop table"), ("picks[999]", "1")] {
            let bad = server.post("/api/apply_letterboxd_import", &[("import", &id_text), (k, v)], Some(&member)).await;
            assert_eq!(bad.status, 400, "{label}: {k}={v}: {}", bad.body);
        }
        let anonymous = server.post("/api/apply_letterboxd_import", &[("import", &id_text)], None).await;
        assert_eq!(anonymous.status, 401, "{label}");
        assert_eq!(history(&t.db, user).await, (1, 1, 0), "{label}: refusals store nothing");

        // The pick, shared with the club.
        let twin_text = twin_2000.to_string();
        let applied = server
            .post(
                "/api/apply_letterboxd_import",
                &[("import", &id_text), (&key, &twin_text), ("share", "on")],
                Some(&member),
            )
            .await;
        assert_eq!(applied.status, 200, "{label}: {}", applied.body);
        assert!(applied.body.contains("1 ratings you made here were kept"), "{label}: {}", applied.body);
        let stars = |movie: i64| {
            let db = t.db.clone();
            async move {
                on_pool!(&db, |pool| sqlx::query_as::<_, (i32, bool, String)>(
                    "SELECT half_stars, shared, source FROM ratings WHERE user_id = $1 AND movie_id = $2"
                )
                .bind(user)
                .bind(movie)
                .fetch_optional(pool)
                .await
                .unwrap())
            }
        };
        assert_eq!(stars(twin_2000).await, Some((9, true, "letterboxd".to_string())), "{label}");
        assert_eq!(
            stars(amelie).await,
            Some((10, true, "letterboxd".to_string())),
            "{label}: the year one off still matched"
        );
        assert_eq!(stars(rated_here).await, Some((8, true, "marquee".to_string())), "{label}: kept");
        let (_, detail) = server.get(&format!("/api/v1/movies/{twin_2000}")).await;
        assert!(detail.contains("\"member_ratings\":1"), "{label}: a shared rating counts for the club: {detail}");
        let r = review(&server, &member, id).await;
        assert_eq!(r["to_pick"][0]["film"]["id"].as_i64(), Some(twin_2000), "{label}: the pick is shown");
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hostile_uploads_are_refused_and_store_nothing(t) {
        let label = t.label;
        let server = TestServer::start(t.db.clone()).await;
        let member = server.register("uploader").await;
        let user = user_id(&t.db, "uploader").await;
        let imports = || count(&t.db, "SELECT COUNT(*) FROM letterboxd_imports WHERE user_id = $1", user);

        let anonymous = upload(&server, None, "watched.csv", b"Date,Name,Year,Letterboxd URI\n", false).await;
        assert_eq!(anonymous.status, 401, "{label}: {}", anonymous.body);

        let png = upload(&server, Some(&member), "poster.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0", false).await;
        assert_eq!(png.status, 400, "{label}: {}", png.body);
        assert!(png.body.contains("not a Letterboxd export"), "{label}: {}", png.body);

        let latin1 = upload(
            &server,
            Some(&member),
            "watched.csv",
            b"Date,Name,Year,Letterboxd URI\n2020-01-01,Caf\xe9,2001,u\n",
            false,
        )
        .await;
        assert_eq!(latin1.status, 400, "{label}");
        assert!(latin1.body.contains("Line 2 of watched.csv is not UTF-8"), "{label}: {}", latin1.body);

        // A ZIP bomb: 40 MiB of one byte, inflated no further than the cap.
        let mut bomb = b"Date,Name,Year,Letterboxd URI\n".to_vec();
        bomb.resize(40 << 20, b' ');
        let zipped = {
            let mut out = std::io::Cursor::new(Vec::new());
            let mut zip = zip::ZipWriter::new(&mut out);
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("watched.csv", options).unwrap();
            std::io::Write::write_all(&mut zip, &bomb).unwrap();
            zip.finish().unwrap();
            out.into_inner()
        };
        let boom = upload(&server, Some(&member), "export.zip", &zipped, false).await;
        assert_eq!(boom.status, 413, "{label}: {}", boom.body);

        let truncated = upload(&server, Some(&member), "export.zip", &zipped[..zipped.len() / 2], false).await;
        assert_eq!(truncated.status, 400, "{label}: {}", truncated.body);

        let empty = upload(&server, Some(&member), "watched.csv", b"", false).await;
        assert_eq!(empty.status, 400, "{label}: {}", empty.body);
        assert!(empty.body.contains("Choose your Letterboxd export"), "{label}");

        let oversize = vec![b'x'; (16 << 20) + 200_000];
        match try_upload(&server, Some(&member), "watched.csv", &oversize, false).await {
            Ok(big) => assert_eq!(big.status, 413, "{label}: {}", big.body),
            Err(err) => assert!(cut_while_sending(&err), "{label}: {err:?}"),
        }

        let not_multipart = server
            .client
            .post(format!("{}{UPLOAD}", server.base))
            .header("cookie", &member.cookie)
            .header("content-type", "text/csv")
            .header("accept", "application/json")
            .body("Date,Name,Year,Letterboxd URI\n")
            .send()
            .await
            .unwrap();
        assert_eq!(not_multipart.status().as_u16(), 400, "{label}");

        let (content_type, body) =
            multipart("export", "watched.csv", b"Date,Name,Year,Letterboxd URI\n2020-01-01,Heat,1995,u\n");
        let cross_site = server
            .client
            .post(format!("{}{UPLOAD}", server.base))
            .header("cookie", &member.cookie)
            .header("content-type", content_type)
            .header("origin", "https://evil.example")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status().as_u16(), 403, "{label}");

        // A browser is answered with a page; the file's name in the message is escaped.
        let named = upload(&server, Some(&member), "<img src=x onerror=alert(1)>.csv", b"a,b\n1,2\n", true).await;
        assert_eq!(named.status, 400, "{label}");
        assert!(!named.body.contains("<img"), "{label}: {}", named.body);
        assert!(
            named.body.contains("&lt;img src=x onerror=alert(1)&gt;.csv does not look like Letterboxd"),
            "{label}: {}",
            named.body
        );
        assert!(named.body.contains("href=\"/account/letterboxd\""), "{label}");

        assert_eq!(imports().await, 0, "{label}: refused uploads store nothing");
        assert_eq!(history(&t.db, user).await, (0, 0, 0), "{label}");
    }
}
