use clap::Parser;
use marquee::server::cli::{run, Cli};
use std::process::ExitCode;

/// The C library's allocator by default: with the busy pages replayed from memory, mimalloc is no
/// faster here but holds about 35 MiB more (docs/benchmarks.md); `--features mimalloc` builds it.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
    marquee::server::observe::init_tracing();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line that says what to fix; no backtrace.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
