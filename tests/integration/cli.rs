//! The `marquee` binary: help, and start-up failures that must say what to fix in one line.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn marquee(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_marquee"));
    cmd.args(args).env_remove("DATABASE_URL").env_remove("MARQUEE_SITE_ADDR").env("MARQUEE_SEED_DEMO", "false");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Fails with exit code 1 and exactly one line on stderr, naming `expected`; no panic.
fn assert_one_line_failure(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(expected), "expected {expected:?} in: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr}");
}

#[test]
fn help_explains_every_command() {
    let out = marquee(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "migrate", "seed-demo", "gen-data"] {
        assert!(help.contains(cmd), "--help does not mention {cmd}: {help}");
    }
    let out = marquee(&["gen-data", "--help"], &[]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--movies") && help.contains("--seed"), "{help}");
}

#[test]
fn malformed_database_url() {
    let out = marquee(&["migrate"], &[("DATABASE_URL", "mysql://somewhere/db")]);
    assert_one_line_failure(&out, "DATABASE_URL");
}

#[test]
fn unwritable_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    // A directory cannot be made inside a regular file, whoever we are.
    let url = format!("sqlite://{}/data/marquee.db", file.display());
    let out = marquee(&["migrate"], &[("DATABASE_URL", &url)]);
    assert_one_line_failure(&out, "cannot use the data directory");
}

#[test]
fn unreachable_database_hides_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://marquee:hunter2@127.0.0.1:{port}/marquee");
    let out = marquee(&["migrate"], &[("DATABASE_URL", &url), ("MARQUEE_DB_ACQUIRE_TIMEOUT_SECS", "2")]);
    assert_one_line_failure(&out, "cannot open the database");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}

#[test]
fn port_already_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/marquee.db", dir.path().display());
    let out = marquee(&["serve"], &[("MARQUEE_SITE_ADDR", &addr), ("DATABASE_URL", &url)]);
    assert_one_line_failure(&out, "already in use");
}

#[test]
fn bad_settings_name_the_setting() {
    let out = marquee(&["migrate"], &[("MARQUEE_SITE_ADDR", "not-an-address")]);
    assert_one_line_failure(&out, "site.addr");
    let out = marquee(&["migrate"], &[("MARQUEE_DB_MAX_CONNECTIONS", "lots")]);
    assert_one_line_failure(&out, "MARQUEE_DB_MAX_CONNECTIONS");
}

/// A fresh database URL per backend: a new SQLite file, and a new database on the test PostgreSQL.
fn fresh_databases(dir: &std::path::Path, tag: &str) -> Vec<String> {
    let mut urls = vec![format!("sqlite://{}/data/marquee.db", dir.display())];
    match std::env::var("MARQUEE_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("cli{}_{tag}", std::process::id());
            let status = Command::new("psql")
                .args([admin.as_str(), "-q", "-c", &format!("CREATE DATABASE {name}")])
                .status()
                .expect("psql runs");
            assert!(status.success(), "could not create the test database");
            urls.push(format!("{}/{name}", admin.rsplit_once('/').unwrap().0));
        }
        _ if std::env::var("MARQUEE_TEST_BACKENDS").as_deref() == Ok("sqlite") => {}
        _ => panic!("MARQUEE_TEST_PG_URL is not set: run scripts/test.sh, or set MARQUEE_TEST_BACKENDS=sqlite"),
    }
    urls
}

#[test]
fn migrate_seed_and_generate_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    for url in fresh_databases(dir.path(), "seed") {
        let env = [("DATABASE_URL", url.as_str())];
        assert!(marquee(&["migrate"], &env).status.success(), "{url}");
        let out = marquee(&["seed-demo"], &env);
        assert!(out.status.success(), "{url}: {}", String::from_utf8_lossy(&out.stderr));
        let films = marquee::server::tools::demo::dataset().movies.len();
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{films} films added")), "{url}");
        let out = marquee(&["seed-demo"], &env);
        let again = String::from_utf8_lossy(&out.stdout);
        assert!(again.contains(&format!("0 films added, {films} already present")), "{url}: {again}");
        let out = marquee(&["gen-data", "--movies", "2000", "--seed", "3"], &env);
        assert!(out.status.success(), "{url}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("2000 films added"), "{url}");
    }
}

#[test]
fn admin_create_and_imdb_refresh_on_both_backends() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fake = runtime.block_on(common::fake_imdb::FakeImdb::start());
    fake.add(common::fake_imdb::title("tt7160372", "The Zone of Interest", 2023));
    let dir = tempfile::tempdir().unwrap();
    for url in fresh_databases(dir.path(), "admin") {
        let env = [("DATABASE_URL", url.as_str()), ("MARQUEE_IMDB_BASE_URL", fake.base.as_str())];
        assert!(marquee(&["seed-demo"], &env).status.success(), "{url}");

        // The password comes from standard input, never from the command line.
        let mut child = Command::new(env!("CARGO_BIN_EXE_marquee"))
            .args(["admin", "create", "--username", "boss"])
            .env("DATABASE_URL", &url)
            .env_remove("MARQUEE_ADMIN_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"a strong admin secret\n").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{url}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("boss is a new admin"), "{url}");
        let weak = marquee(
            &["admin", "create", "--username", "boss2"],
            &[("DATABASE_URL", &url), ("MARQUEE_ADMIN_PASSWORD", "short")],
        );
        assert_one_line_failure(&weak, "at least 10 characters");

        // Everything counts as stale with --hours 0: one film is known to the API, the rest are not.
        let out = marquee(&["refresh-imdb-cache", "--hours", "0", "--limit", "100"], &env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{url}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(" due: 1 fetched, ") && stdout.contains(" not found, 0 failed"), "{url}: {stdout}");
        // Right away again: the unknown ones are backing off, so only the known one is tried.
        let out = marquee(&["refresh-imdb-cache", "--hours", "0", "--limit", "100"], &env);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("IMDb refresh: 1 due: 1 fetched") && !stdout.contains(" 0 skipped"), "{url}: {stdout}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A server that nobody scrapes for metrics must not grow with the requests it serves (histogram
/// samples used to pile up until a scrape). SQLite only: the growth has nothing to do with the
/// database, and one real process is measured, not the test's own.
#[test]
fn memory_stays_flat_without_a_metrics_scrape() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_marquee"))
        .arg("serve")
        .env("DATABASE_URL", format!("sqlite://{}/m.db", dir.path().display()))
        .env("MARQUEE_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("MARQUEE_SEED_DEMO", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            let client = reqwest::Client::new();
            for _ in 0..200 {
                if client.get(&url).send().await.is_ok_and(|r| r.status() == 200) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            let drive = |n: usize| {
                let client = client.clone();
                let url = url.clone();
                async move {
                    let tasks: Vec<_> = (0..16)
                        .map(|_| {
                            let (client, url) = (client.clone(), url.clone());
                            tokio::spawn(async move {
                                for _ in 0..n / 16 {
                                    let res = client.get(&url).send().await.unwrap();
                                    assert_eq!(res.status(), 200);
                                    res.bytes().await.unwrap();
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                }
            };
            // Warm up (allocator pools, connection buffers, every lazily built structure), then measure.
            drive(40_000).await;
            let warm = rss_kib(child.id());
            drive(160_000).await;
            // Upkeep runs every few seconds; give it one round.
            tokio::time::sleep(std::time::Duration::from_secs(6)).await;
            let after = rss_kib(child.id());
            println!("RSS after 40k requests: {warm} KiB; after 200k: {after} KiB");
            // Before upkeep ran on its own, 160k requests added about 9 MB here.
            assert!(after < warm + 4 * 1024, "RSS grew from {warm} KiB to {after} KiB over 160k requests");
        })
    }));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
