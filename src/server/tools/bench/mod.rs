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

mod catalogue;
mod letterboxd;
mod posters;
mod voting;

pub use catalogue::run_catalogue;
pub use letterboxd::run_letterboxd;
pub use posters::{run_posters, write_sources};
pub use voting::run_voting;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub(super) fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median time of `rounds` runs of `work(round)`.
pub(super) fn median_time(rounds: usize, mut work: impl FnMut(usize)) -> Duration {
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

pub(super) fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Peak and current resident memory of this process, from /proc (Linux).
pub(super) fn memory() -> (String, String) {
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
pub(super) async fn timed_get(addr: std::net::SocketAddr, path: &str) -> Result<(Duration, Duration, usize), BoxError> {
    timed_get_with(addr, path, "").await
}

/// `timed_get` with extra header lines (each ending in `\r\n`).
pub(super) async fn timed_get_with(
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
            std::hint::black_box(scoring::backtest(&index.packed, &index.years, &index.on_list, &custom(k + 200), 3));
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
pub(super) async fn scratch_database(tag: &str, n: usize) -> Result<(Db, String, std::path::PathBuf), BoxError> {
    let dir = std::env::temp_dir().join(format!("marquee-bench-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("sqlite://{}/bench.db", dir.display());
    let db = Db::connect(&url, 8, Duration::from_secs(5)).await?;
    db.migrate().await?;
    Ok((db, url, dir))
}

pub(super) const BENCH_USER: &str = "bencher";
pub(super) const BENCH_PASSWORD: &str = "benchmark password";

/// The member the benchmarks sign in as.
pub(super) async fn bench_member(db: &Db) -> Result<crate::model::Viewer, BoxError> {
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
pub(super) async fn sign_in(
    client: &reqwest::Client,
    addr: std::net::SocketAddr,
) -> Result<(Duration, String), BoxError> {
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
pub(super) async fn serve_locally(
    state: AppState,
) -> Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>), BoxError> {
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
pub(super) async fn requests_per_second(
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
