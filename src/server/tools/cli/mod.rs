//! The `marquee` command line.

use crate::server::config::Config;
use crate::server::db::load::{load_dataset, LoadSummary};
use crate::server::db::Db;
use crate::server::web::serve::{bind, serve};
use crate::server::web::state::AppState;
use crate::server::{tools::demo, tools::gen};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Instant;

mod process;
mod tasks;
pub use process::main;
use tasks::*;

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
        /// Give every proposal exactly this many votes instead
        #[arg(long)]
        votes: Option<usize>,
    },
    /// Manage admin accounts
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Create an invitation for invite-only registration and print its link
    Invite {
        /// Days until the invitation expires
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// Fetch missing or stale IMDb metadata for proposals once and report what happened
    RefreshImdbCache {
        /// Refresh entries older than this many hours (default: imdb.fresh_hours)
        #[arg(long)]
        hours: Option<u64>,
        /// Look at no more than this many films
        #[arg(long, default_value_t = 500)]
        limit: u32,
    },
    /// Download posters again: every one (a stored image stays shown until its replacement is
    /// stored), or only those that failed; a running server does it in the background
    Posters {
        /// Only the posters whose download or decoding failed
        #[arg(long)]
        failed: bool,
        /// Also fetch up to this many here and now, and report what happened
        #[arg(long, default_value_t = 0)]
        fetch: u32,
    },
    /// Import films with metrics from a CSV or JSON file, or IMDb's title.basics.tsv(.gz)
    Import {
        /// csv, json or imdb-tsv
        #[arg(long)]
        format: String,
        /// The file to read
        file: PathBuf,
        /// With --format imdb-tsv: title.ratings.tsv(.gz) to take ratings and votes from
        #[arg(long)]
        ratings: Option<PathBuf>,
        /// Check every row and report, without writing anything
        #[arg(long)]
        dry_run: bool,
    },
    /// Measure catalogue lists, search, film pages and recommendations on generated films; print a table
    BenchCatalogue {
        /// Catalogue sizes to measure, comma-separated
        #[arg(long, value_delimiter = ',', default_value = "100000")]
        movies: Vec<usize>,
    },
    /// Import a generated Letterboxd export (read, match, store, apply, apply again); print a table
    BenchLetterboxd {
        /// Films in the export
        #[arg(long, default_value_t = 5000)]
        films: usize,
        /// Films in the catalogue it is matched against
        #[arg(long, default_value_t = 20000)]
        catalogue: usize,
    },
    /// Make posters from realistic originals and print their cost and sizes against the originals
    BenchPosters {
        /// How many originals to make posters of
        #[arg(long, default_value_t = 20)]
        count: usize,
        /// Only write the originals (JPEG) into this directory
        #[arg(long)]
        write_sources: Option<PathBuf>,
    },
    /// Measure the vote page (20 / 200 / 2,000 proposals with ten votes each) and sign-in; print a table
    BenchVoting {
        /// Club sizes to measure (active proposals), comma-separated
        #[arg(long, value_delimiter = ',', default_value = "20,200,2000")]
        proposals: Vec<usize>,
        /// Page requests per size for the latency medians
        #[arg(long, default_value_t = 30)]
        requests: usize,
        /// Seconds of load per throughput measurement
        #[arg(long, default_value_t = 3)]
        seconds: u64,
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
    /// Write NAME.br and NAME.gz beside each file of a built bundle (run by scripts/build.sh)
    CompressAssets {
        /// The bundle's folder, e.g. target/site/pkg
        dir: PathBuf,
        /// Fail when the brotli-compressed shell (`marquee.<hash>.wasm`, the wasm every page
        /// loads before its own chunks) is larger than this many bytes
        #[arg(long)]
        wasm_budget: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create an admin (or make an existing member an admin). The password is read from
    /// MARQUEE_ADMIN_PASSWORD or, if that is unset, from the first line of standard input.
    Create {
        #[arg(long)]
        username: String,
        /// The name others see (default: the username)
        #[arg(long, default_value = "")]
        display_name: String,
    },
}

pub async fn run(cli: Cli) -> Result<(), BoxError> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::BenchPredictions { movies, requests } => {
            crate::server::tools::bench::run(&movies, requests.max(1)).await
        }
        Command::BenchCatalogue { movies } => crate::server::tools::bench::run_catalogue(&movies).await,
        Command::BenchVoting { proposals, requests, seconds } => {
            crate::server::tools::bench::run_voting(&proposals, requests.max(1), seconds.max(1)).await
        }
        Command::BenchLetterboxd { films, catalogue } => {
            crate::server::tools::bench::run_letterboxd(films.max(1), catalogue.max(1)).await
        }
        Command::BenchPosters { count, write_sources } => {
            let count = count.max(1);
            match write_sources {
                Some(dir) => crate::server::tools::bench::write_sources(&dir, count),
                None => crate::server::tools::bench::run_posters(count),
            }
        }
        Command::Serve => run_server(config).await,
        Command::CompressAssets { dir, wasm_budget } => compress_assets(&dir, wasm_budget),
        Command::Migrate => {
            Db::open(&config.database).await?;
            println!("migrations applied to {}", crate::server::db::redact_url(&config.database.url));
            Ok(())
        }
        Command::SeedDemo => {
            let db = Db::open(&config.database).await?;
            let summary = load_dataset(&db, &demo::dataset(), |_| {}).await?;
            print_summary("demo data", &summary);
            let made = demo::seed_posters(&db, &demo_posters(&config, &db)).await?;
            println!("demo posters: {made} made");
            Ok(())
        }
        Command::Admin { action: AdminAction::Create { username, display_name } } => {
            create_admin(&config, &username, &display_name).await
        }
        Command::Invite { days } => {
            if !(1..=90).contains(&days) {
                return Err("--days must be from 1 to 90".into());
            }
            let db = Db::open(&config.database).await?;
            let accounts = crate::server::services::accounts::Accounts::new(db, &config.accounts);
            let code = accounts.create_invite(None, days).await?;
            println!("invitation (valid {days} days): http://{}/register?invite={code}", config.site.addr);
            Ok(())
        }
        Command::Import { format, file, ratings, dry_run } => import(&config, &format, &file, ratings, dry_run).await,
        Command::RefreshImdbCache { hours, limit } => refresh_imdb_cache(&config, hours, limit).await,
        Command::Posters { failed, fetch } => posters(&config, failed, fetch).await,
        Command::GenData { movies, seed, members, proposals, votes } => {
            gen_data(&config, movies, seed, members, proposals, votes).await
        }
    }
}

fn print_summary(what: &str, s: &LoadSummary) {
    println!(
        "{what}: {} films added, {} already present; {} members, {} proposals, {} votes added",
        s.movies_added, s.movies_skipped, s.users_added, s.proposals_added, s.votes_added
    );
}

/// The poster maker the demo's own posters go through, storing where the server will look.
fn demo_posters(config: &Config, db: &Db) -> crate::server::services::posters::Posters {
    crate::server::services::posters::Posters::new(&config.posters, &config.imdb.base_url, db.clone())
}

async fn run_server(config: Config) -> Result<(), BoxError> {
    // Bind first: a port in use is the most common start-up problem and needs no database.
    let listener = bind(&config.site.addr).await?;
    let db = Db::open(&config.database).await?;
    if config.demo.seed_on_first_start && crate::server::db::stats::site_stats(&db, 0).await?.movies == 0 {
        tracing::info!("empty catalogue: loading the demo data");
        let summary = load_dataset(&db, &demo::dataset(), |_| {}).await?;
        tracing::info!(films = summary.movies_added, members = summary.users_added, "demo data loaded");
        if summary.users_added > 0 {
            // The demo's admin gets a fresh random password, shown once, so no two installs share one.
            let password = crate::server::services::accounts::new_token().0[..20].to_string();
            let hash = crate::server::services::accounts::hash_password(password.clone()).await?;
            let accounts = crate::server::services::accounts::Accounts::new(db.clone(), &config.accounts);
            accounts.upsert_admin(demo::ADMIN, "", &hash).await?;
            tracing::info!("demo admin: sign in as {:?} with password {password}", demo::ADMIN);
        }
        let started = Instant::now();
        let made = demo::seed_posters(&db, &demo_posters(&config, &db)).await?;
        tracing::info!(posters = made, ms = started.elapsed().as_millis() as u64, "demo posters made");
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
    crate::server::jobs::start(&state);
    let addr = listener.local_addr()?;
    tracing::info!("Marquee is ready at http://{addr}");
    serve(listener, state).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}
