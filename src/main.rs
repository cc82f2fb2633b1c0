/// The C library's allocator by default: with the busy pages replayed from memory, mimalloc is no
/// faster here but holds about 35 MiB more (docs/benchmarks.md); `--features mimalloc` builds it.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    marquee::server::tools::cli::main()
}
