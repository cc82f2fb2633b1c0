//! The `marquee` process: its allocator limits, its async runtime, and the command it runs.
//! Here rather than in `main.rs`, so the server's whole program compiles in the library, in
//! parallel code units, and the binary only links it.

use super::{run, Cli};
use clap::Parser;
use std::process::ExitCode;

/// glibc gives threads that allocate at the same moment arenas of their own (up to eight per core)
/// and keeps what is freed in each: under the load suite the server's peak grew from about 150 MiB
/// after start-up to 280-320 MiB. Two arenas held it at about 220 MiB at the same throughput
/// (docs/benchmarks.md). An explicit MALLOC_ARENA_MAX in the environment still wins.
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
fn limit_malloc_arenas() {
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_ARENA_MAX: i32 = -8;
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: a plain libc call with constant arguments, made before any other thread starts.
        unsafe {
            mallopt(M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc"))))]
fn limit_malloc_arenas() {}

/// Parses the command line and runs it to the end.
pub fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    // At least four workers, whatever the core count: Leptos 0.8's streaming renderer has been
    // reported to stall on one- and two-worker runtimes, and idle workers cost next to nothing.
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).max(4);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_cli(cli))
}

async fn run_cli(cli: Cli) -> ExitCode {
    crate::server::observe::init_tracing();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line that says what to fix; no backtrace.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
