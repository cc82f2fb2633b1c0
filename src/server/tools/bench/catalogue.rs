//! `marquee bench-catalogue`: lists, search, film pages and recommendations at catalogue scale.

use super::*;

/// Median of `rounds` GETs of each path in `paths` (one round = every path once), in ms.
async fn median_gets(
    client: &reqwest::Client,
    base: &str,
    paths: &[String],
    cookie: Option<&str>,
) -> Result<Duration, BoxError> {
    let mut times = Vec::new();
    for path in paths {
        let mut req = client.get(format!("{base}{path}"));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let started = Instant::now();
        let res = req.send().await?;
        let status = res.status();
        res.bytes().await?;
        times.push(started.elapsed());
        if !status.is_success() {
            return Err(format!("GET {path} answered {status}").into());
        }
    }
    Ok(median(times))
}

/// Twelve addresses of each kind, spread over a catalogue of `n` films.
struct Requests {
    lists: Vec<String>,
    pages: Vec<String>,
    searches: Vec<String>,
    details: Vec<String>,
}

impl Requests {
    fn new(n: usize) -> Requests {
        let genres = ["Drama", "Comedy", "Thriller", "Romance", "Crime", "Horror"];
        let lists = (0..12)
            .map(|k| {
                format!(
                    "/api/v1/movies?genre={}&decade={}&sort={}",
                    genres[k % 6],
                    1950 + 10 * (k % 7),
                    ["popular", "rating", "year", "title"][k % 4]
                )
            })
            .collect();
        let pages = (0..12).map(|k| format!("/movies?genre={}&page={}", genres[k % 6], 1 + k / 6)).collect();
        let words = [
            "silent", "crimson", "golden", "broken", "quiet", "frozen", "midnight", "velvet", "harbor", "mirror",
            "orchard", "signal",
        ];
        let searches = words.iter().map(|w| format!("/api/v1/movies?q={w}%20")).collect();
        let details = (0..12).map(|k| format!("/api/v1/movies/{}", 1 + (k * 104_729) % n)).collect();
        Requests { lists, pages, searches, details }
    }
}

/// `marquee bench-catalogue`: list, search, film page and recommendations at catalogue scale,
/// cold (first request for that key) and warm (cached), and the dashboard's SQL statement count.
pub async fn run_catalogue(sizes: &[usize]) -> Result<(), BoxError> {
    println!(
        "| films | list page (API), cold | warm | /movies page, cold | warm | search, cold | warm | film detail, cold | warm | \
         recommendations (20 ratings), cold | warm | dashboard SQL statements |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &n in sizes {
        let (db, url, dir) = scratch_database("catalogue", n).await?;
        load_dataset(&db, &gen::generate(n, 42), |_| {}).await?;
        let viewer = bench_member(&db).await?;
        // Twenty ratings spread over the catalogue.
        for k in 0..20i64 {
            let movie = 1 + (k * 7919) % n as i64;
            crate::server::db::movies::rate(&db, viewer.id, movie, Some(1 + (k % 10) as i32)).await?;
        }
        let mut config = Config::default();
        config.database.url = url;
        let state = AppState::build(config, db.clone()).await?;
        let catalogue = state.catalogue.clone();
        let (addr, server) = serve_locally(state).await?;
        let base = format!("http://{addr}");
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let (_, cookie) = sign_in(&client, addr).await?;

        let Requests { lists, pages, searches, details } = Requests::new(n);
        let recs = vec!["/api/v1/recommendations".to_string()];

        let list_cold = median_gets(&client, &base, &lists, None).await?;
        let list_warm = median_gets(&client, &base, &lists, None).await?;
        let page_cold = median_gets(&client, &base, &pages, None).await?;
        let page_warm = median_gets(&client, &base, &pages, None).await?;
        let search_cold = median_gets(&client, &base, &searches, None).await?;
        let search_warm = median_gets(&client, &base, &searches, None).await?;
        let detail_cold = median_gets(&client, &base, &details, None).await?;
        let detail_warm = median_gets(&client, &base, &details, None).await?;
        // Cold recommendations: before each request the member rates again (the first film, with
        // the same stars), which drops their cache entry as any rating does.
        let mut rec_cold = Vec::new();
        for _ in 0..7 {
            catalogue.rate(viewer.id, 1, Some(1)).await?;
            rec_cold.push(median_gets(&client, &base, &recs, Some(&cookie)).await?);
        }
        let rec_warm = median_gets(&client, &base, &vec![recs[0].clone(); 7], Some(&cookie)).await?;
        let before = crate::server::observe::route_queries("/dashboard").unwrap_or(0.0);
        median_gets(&client, &base, &["/dashboard".to_string()], None).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let dashboard_sql = crate::server::observe::route_queries("/dashboard").unwrap_or(0.0) - before;
        server.abort();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "| {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {dashboard_sql:.0} |",
            ms(list_cold),
            ms(list_warm),
            ms(page_cold),
            ms(page_warm),
            ms(search_cold),
            ms(search_warm),
            ms(detail_cold),
            ms(detail_warm),
            ms(median(rec_cold)),
            ms(rec_warm),
        );
    }
    Ok(())
}
