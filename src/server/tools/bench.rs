//! `marquee bench-predictions`: measures the predictions path on generated data and prints a table.
//! Everything runs on loopback against a throwaway SQLite file; nothing here is a pass/fail test.

use crate::model::CandidateSet;
use crate::scoring::{self, Weights};
use crate::server::config::Config;
use crate::server::db::load::load_dataset;
use crate::server::db::Db;
use crate::server::tools::gen;
use crate::server::web::http::router;
use crate::server::web::state::AppState;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median time of `rounds` runs of `work(round)`.
fn median_time(rounds: usize, mut work: impl FnMut(usize)) -> Duration {
    median(
        (0..rounds)
            .map(|k| {
                let t = Instant::now();
                work(k);
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Peak and current resident memory of this process, from /proc (Linux).
fn memory() -> (String, String) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| format!("{:.0} MiB", kb / 1024.0))
            .unwrap_or_else(|| "n/a".into())
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Time to the first body byte and to the last, for one GET over a fresh connection.
async fn timed_get(addr: std::net::SocketAddr, path: &str) -> Result<(Duration, Duration, usize), BoxError> {
    timed_get_with(addr, path, "").await
}

/// `timed_get` with extra header lines (each ending in `\r\n`).
async fn timed_get_with(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &str,
) -> Result<(Duration, Duration, usize), BoxError> {
    let started = Instant::now();
    let mut socket = tokio::net::TcpStream::connect(addr).await?;
    socket
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\n{headers}Connection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut buf = vec![0u8; 1 << 16];
    let mut seen = Vec::new();
    let mut first_byte = None;
    loop {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if first_byte.is_none() {
            if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                if seen.len() > at + 4 {
                    first_byte = Some(started.elapsed());
                }
            }
        }
    }
    let total = started.elapsed();
    if !seen.starts_with(b"HTTP/1.1 200") {
        return Err(format!("GET {path} did not answer 200").into());
    }
    Ok((first_byte.unwrap_or(total), total, seen.len()))
}

pub async fn run(sizes: &[usize], requests: usize) -> Result<(), BoxError> {
    println!("| films | load + score | cold ranking (all films, custom weights) | cold ranking (2020s candidates) | backtest, all decades | /predictions first byte (warm, median) | /predictions last byte (warm, median) | page size | peak memory |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &n in sizes {
        let (db, url, dir) = scratch_database("predictions", n).await?;
        load_dataset(&db, &gen::generate(n, 42), |_| {}).await?;

        let mut config = Config::default();
        config.database.url = url;
        let started = Instant::now();
        let state = AppState::build(config, db.clone()).await?;
        let load = started.elapsed();
        let index = state.predictions.index();

        // Fresh weights each round, so every measurement is a cache miss computed from scratch.
        let custom = |k: usize| Weights::new([0.3, 0.1 + k as f64 * 1e-4, 0.2, 0.25, 0.15]).unwrap();
        let cold_all = median_time(15, |k| {
            std::hint::black_box(scoring::rank(&index.packed, |_| true, &custom(k), 100));
        });
        let cold_candidates = median_time(15, |k| {
            let candidate = |i| index.is_candidate(i, CandidateSet::Candidates);
            std::hint::black_box(scoring::rank(&index.packed, candidate, &custom(k + 100), usize::MAX));
        });
        let backtest = median_time(5, |k| {
            std::hint::black_box(scoring::backtest(&index.packed, &index.years, &index.on_list, &custom(k + 200)));
        });

        let (addr, server) = serve_locally(state).await?;
        timed_get(addr, "/predictions").await?; // warm-up
        let mut firsts = Vec::new();
        let mut lasts = Vec::new();
        let mut size = 0;
        for _ in 0..requests {
            let (first, last, bytes) = timed_get(addr, "/predictions").await?;
            firsts.push(first);
            lasts.push(last);
            size = bytes;
        }
        server.abort();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        let (peak, _) = memory();
        println!(
            "| {n} | {} | {} | {} | {} | {} | {} | {} KiB | {peak} |",
            ms(load),
            ms(cold_all),
            ms(cold_candidates),
            ms(backtest),
            ms(median(firsts)),
            ms(median(lasts)),
            size / 1024
        );
    }
    Ok(())
}

/// A throwaway SQLite database for one benchmark run: (db, its URL, its directory).
async fn scratch_database(tag: &str, n: usize) -> Result<(Db, String, std::path::PathBuf), BoxError> {
    let dir = std::env::temp_dir().join(format!("marquee-bench-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite://{}/bench.db", dir.display());
    let db = Db::connect(&url, 8, Duration::from_secs(5)).await?;
    db.migrate().await?;
    Ok((db, url, dir))
}

const BENCH_USER: &str = "bencher";
const BENCH_PASSWORD: &str = "benchmark password";

/// The member the benchmarks sign in as.
async fn bench_member(db: &Db) -> Result<crate::model::Viewer, BoxError> {
    let hash = crate::server::services::accounts::hash_password(BENCH_PASSWORD.into()).await?;
    let user = crate::server::db::accounts::NewUser {
        username: BENCH_USER,
        display_name: "Bencher",
        password_hash: &hash,
        is_admin: false,
        invite_hash: None,
        ip: None,
    };
    Ok(crate::server::db::accounts::create_user(db, &user).await?)
}

/// Signs the benchmark member in over HTTP: (time taken, session cookie).
async fn sign_in(client: &reqwest::Client, addr: std::net::SocketAddr) -> Result<(Duration, String), BoxError> {
    let started = Instant::now();
    let res = client
        .post(format!("http://{addr}/api/sign_in"))
        .form(&[("username", BENCH_USER), ("password", BENCH_PASSWORD)])
        .send()
        .await?;
    let took = started.elapsed();
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .ok_or("sign-in set no cookie")?;
    Ok((took, cookie))
}

/// Serves `state` on a free loopback port until the returned task is aborted.
async fn serve_locally(state: AppState) -> Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>), BoxError> {
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // As the real server does: no waiting on delayed ACKs between a response's writes.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, server))
}

/// Completed GETs per second from `clients` keep-alive connections for `duration`.
async fn requests_per_second(
    addr: std::net::SocketAddr,
    path: &str,
    cookie: Option<&str>,
    clients: usize,
    duration: Duration,
) -> Result<f64, BoxError> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let url = format!("http://{addr}{path}");
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let workers = (0..clients).map(|_| {
        let (client, url, cookie) = (client.clone(), url.clone(), cookie.map(str::to_string));
        tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                let mut req = client.get(&url);
                if let Some(c) = &cookie {
                    req = req.header("cookie", c);
                }
                let res = req.send().await?;
                if !res.status().is_success() {
                    return Err(format!("GET answered {}", res.status()).into());
                }
                res.bytes().await?;
                done += 1;
            }
            Ok::<u64, BoxError>(done)
        })
    });
    let mut total = 0;
    for w in futures::future::join_all(workers).await {
        total += w??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// `marquee bench-voting`: the vote page at several club sizes (each proposal with ten votes),
/// and sign-in, on a throwaway SQLite file.
pub async fn run_voting(sizes: &[usize], requests: usize, seconds: u64) -> Result<(), BoxError> {
    println!(
        "| proposals | votes | /vote first byte, visitor (median) | /vote last byte, visitor | /vote first byte, member | \
         /vote last byte, member | SQL per page (member) | page size | req/s visitor (8 conns) | req/s member (8 conns) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut sign_ins = Vec::new();
    for &n in sizes {
        let club = club_server("vote", n.max(100), 20, n, 10).await?;
        let (db, dir, summary, addr, server) = (club.db, club.dir, club.summary, club.addr, club.server);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let (_, cookie) = sign_in(&client, addr).await?;
        for _ in 0..10 {
            sign_ins.push(sign_in(&client, addr).await?.0);
        }

        let member = format!("Cookie: {cookie}\r\n");
        timed_get(addr, "/vote").await?; // warm-up
        let (mut visitor, mut signed_in) = (Vec::new(), Vec::new());
        let mut size = 0;
        for _ in 0..requests {
            visitor.push(timed_get(addr, "/vote").await?);
            let got = timed_get_with(addr, "/vote", &member).await?;
            size = got.2;
            signed_in.push(got);
        }
        let before = crate::server::observe::route_queries("/vote");
        timed_get_with(addr, "/vote", &member).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let per_page = crate::server::observe::route_queries("/vote").map(|after| after - before.unwrap_or(0.0));
        let window = Duration::from_secs(seconds);
        let rps_visitor = requests_per_second(addr, "/vote", None, 8, window).await?;
        let rps_member = requests_per_second(addr, "/vote", Some(&cookie), 8, window).await?;
        server.abort();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        let firsts = |v: &[(Duration, Duration, usize)]| median(v.iter().map(|x| x.0).collect());
        let lasts = |v: &[(Duration, Duration, usize)]| median(v.iter().map(|x| x.1).collect());
        println!(
            "| {n} | {} | {} | {} | {} | {} | {} | {} KiB | {rps_visitor:.0} | {rps_member:.0} |",
            summary.votes_added,
            ms(firsts(&visitor)),
            ms(lasts(&visitor)),
            ms(firsts(&signed_in)),
            ms(lasts(&signed_in)),
            per_page.map_or("n/a".into(), |q| format!("{q:.0}")),
            size / 1024,
        );
    }
    println!();
    println!(
        "sign-in (argon2id, 19 MiB, 2 passes; POST /api/sign_in over loopback): median {}, slowest {} of {}",
        ms(median(sign_ins.clone())),
        ms(sign_ins.iter().max().copied().unwrap_or_default()),
        sign_ins.len()
    );
    println!();
    run_vote_cost(requests.max(1_000)).await
}

/// A server on loopback over a scratch database of `films` generated films and a club of
/// `members`, with `proposals` active proposals of `votes` votes each, and the bench member.
struct ClubServer {
    db: Db,
    dir: std::path::PathBuf,
    summary: crate::server::db::load::LoadSummary,
    addr: std::net::SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

async fn club_server(
    tag: &str,
    films: usize,
    members: usize,
    proposals: usize,
    votes: usize,
) -> Result<ClubServer, BoxError> {
    let (db, url, dir) = scratch_database(tag, proposals.max(votes)).await?;
    let mut data = gen::generate(films, 42);
    gen::add_club(&mut data, members, proposals, 42);
    gen::set_votes(&mut data, votes);
    let summary = load_dataset(&db, &data, |_| {}).await?;
    bench_member(&db).await?;
    let mut config = Config::default();
    config.database.url = url;
    let state = AppState::build(config, db.clone()).await?;
    let (addr, server) = serve_locally(state).await?;
    Ok(ClubServer { db, dir, summary, addr, server })
}

/// CPU time this process's threads have used, in nanoseconds (from each thread's schedstat).
fn process_cpu() -> Duration {
    let nanos: u64 = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(nanos)
}

/// The vote page's cost as votes pile up: 20 proposals with 2, 20 and 200 votes each, a signed-in
/// reader; CPU per request (server and the loopback client together) should not grow with votes.
async fn run_vote_cost(requests: usize) -> Result<(), BoxError> {
    println!("| votes per proposal (20 proposals) | CPU per signed-in /vote | vs 2 votes | page size |");
    println!("|---:|---:|---:|---:|");
    let mut base = None;
    for votes in [2usize, 20, 200] {
        let club = club_server("vote-cost", 100, 200, 20, votes).await?;
        let (db, dir, addr, server) = (club.db, club.dir, club.addr, club.server);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let (_, cookie) = sign_in(&client, addr).await?;
        let member = format!("Cookie: {cookie}\r\n");
        for _ in 0..20 {
            timed_get_with(addr, "/vote", &member).await?; // warm-up
        }
        let started = process_cpu();
        let mut size = 0;
        for _ in 0..requests {
            // Rendered every time, not replayed from the club page cache: this row is the render's cost.
            crate::server::services::versions::club_changed();
            size = timed_get_with(addr, "/vote", &member).await?.2;
        }
        let per_request = process_cpu().saturating_sub(started) / requests as u32;
        server.abort();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        let base_cost = *base.get_or_insert(per_request);
        println!(
            "| {votes} | {} | {:.2}× | {} KiB |",
            ms(per_request),
            per_request.as_secs_f64() / base_cost.as_secs_f64().max(1e-9),
            size / 1024
        );
    }
    Ok(())
}

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

        let genres = ["Drama", "Comedy", "Thriller", "Romance", "Crime", "Horror"];
        let lists: Vec<String> = (0..12)
            .map(|k| {
                format!(
                    "/api/v1/movies?genre={}&decade={}&sort={}",
                    genres[k % 6],
                    1950 + 10 * (k % 7),
                    ["popular", "rating", "year", "title"][k % 4]
                )
            })
            .collect();
        let pages: Vec<String> =
            (0..12).map(|k| format!("/movies?genre={}&page={}", genres[k % 6], 1 + k / 6)).collect();
        let words = [
            "silent", "crimson", "golden", "broken", "quiet", "frozen", "midnight", "velvet", "harbor", "mirror",
            "orchard", "signal",
        ];
        let searches: Vec<String> = words.iter().map(|w| format!("/api/v1/movies?q={w}%20")).collect();
        let details: Vec<String> = (0..12).map(|k| format!("/api/v1/movies/{}", 1 + (k * 104_729) % n)).collect();
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
            catalogue.rate(&db, viewer.id, 1, Some(1)).await?;
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
