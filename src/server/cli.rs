//! The `marquee` command line.

use super::config::Config;
use super::db::load::{load_dataset, LoadSummary};
use super::http::{bind, prepare_database, serve};
use super::state::AppState;
use super::{demo, gen};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Instant;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Parser)]
#[command(
    name = "marquee",
    version,
    about = "Marquee: canon predictions, film-club voting and a film catalogue",
    long_about = "Marquee serves a web app for film clubs. Settings come from Leptos.toml and environment \
                  variables (DATABASE_URL, MARQUEE_SITE_ADDR, ...); see the README."
)]
pub struct Cli {
    /// Settings file to read instead of ./Leptos.toml
    #[arg(long, global = true, env = "MARQUEE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default): migrates, loads the demo data into an empty database, listens
    Serve,
    /// Apply the database migrations and exit
    Migrate,
    /// Load the demo films, festivals, lists, members, proposals and votes (safe to run again)
    SeedDemo,
    /// Add deterministic synthetic films for benchmarks (ids tt9000000 and up; same seed, same data)
    GenData {
        /// How many films to generate
        #[arg(long, default_value_t = 10_000)]
        movies: usize,
        /// Seed of the generator: the same seed always produces the same films
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Also add this many members
        #[arg(long, default_value_t = 0)]
        members: usize,
        /// Also add this many active proposals (of the generated films), with up to ten votes each
        #[arg(long, default_value_t = 0)]
        proposals: usize,
    },
    /// Measure the predictions path on generated data (throwaway SQLite files) and print a table
    BenchPredictions {
        /// Catalogue sizes to measure, comma-separated
        #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
        movies: Vec<usize>,
        /// Page requests per size for the latency medians
        #[arg(long, default_value_t = 50)]
        requests: usize,
    },
}

pub async fn run(cli: Cli) -> Result<(), BoxError> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::BenchPredictions { movies, requests } => super::bench::run(&movies, requests.max(1)).await,
        Command::Serve => run_server(config).await,
        Command::Migrate => {
            prepare_database(&config).await?;
            println!("migrations applied to {}", super::db::redact_url(&config.database.url));
            Ok(())
        }
        Command::SeedDemo => {
            let db = prepare_database(&config).await?;
            let summary = load_dataset(&db, &demo::dataset(), |_| {}).await?;
            print_summary("demo data", &summary);
            Ok(())
        }
        Command::GenData { movies, seed, members, proposals } => {
            if proposals > 0 && members == 0 {
                return Err("--proposals needs --members (someone has to propose them)".into());
            }
            let db = prepare_database(&config).await?;
            let started = Instant::now();
            let mut data = gen::generate(movies, seed);
            gen::add_club(&mut data, members, proposals.min(movies), seed);
            let generated = started.elapsed();
            let step = (movies / 10).max(1);
            let summary = load_dataset(&db, &data, |done| {
                if done % step < super::db::load::BATCH || done == movies {
                    eprintln!("  loaded {done} of {movies} films");
                }
            })
            .await?;
            print_summary("synthetic data", &summary);
            println!(
                "generated in {:.1} s, loaded in {:.1} s (seed {seed})",
                generated.as_secs_f64(),
                (started.elapsed() - generated).as_secs_f64()
            );
            Ok(())
        }
    }
}

fn print_summary(what: &str, s: &LoadSummary) {
    println!(
        "{what}: {} films added, {} already present; {} members, {} proposals, {} votes added",
        s.movies_added, s.movies_skipped, s.users_added, s.proposals_added, s.votes_added
    );
}

async fn run_server(config: Config) -> Result<(), BoxError> {
    // Bind first: a port in use is the most common start-up problem and needs no database.
    let listener = bind(&config.site.addr).await?;
    let db = prepare_database(&config).await?;
    if config.demo.seed_on_first_start && super::db::stats::site_stats(&db).await?.movies == 0 {
        tracing::info!("empty catalogue: loading the demo data");
        let summary = load_dataset(&db, &demo::dataset(), |_| {}).await?;
        tracing::info!(films = summary.movies_added, members = summary.users_added, "demo data loaded");
    }
    let site_root = std::path::Path::new(&config.site.root);
    if !site_root.join(&config.site.pkg_dir).exists() {
        tracing::warn!(
            root = %site_root.display(),
            "no built bundle found: pages will render but not hydrate (run scripts/build.sh)"
        );
    }
    let started = Instant::now();
    let state = AppState::build(config, db.clone()).await?;
    tracing::info!(
        films = state.predictions.index().films.len(),
        ms = started.elapsed().as_millis() as u64,
        "predictions scored and cached"
    );
    state.watch_for_changes(std::time::Duration::from_secs(60));
    let addr = listener.local_addr()?;
    tracing::info!("Marquee is ready at http://{addr}");
    serve(listener, state).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}
