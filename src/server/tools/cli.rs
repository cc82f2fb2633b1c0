//! The `marquee` command line.

use crate::server::config::Config;
use crate::server::db::load::{load_dataset, LoadSummary};
use crate::server::db::Db;
use crate::server::web::http::{bind, serve};
use crate::server::web::state::AppState;
use crate::server::{tools::demo, tools::gen};
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
        Command::CompressAssets { dir, wasm_budget } => {
            let sizes = crate::server::web::compress::compress_assets(&dir)?;
            println!("{:<40} {:>10} {:>10} {:>10}", "file", "bytes", "brotli", "gzip");
            for s in &sizes {
                println!("{:<40} {:>10} {:>10} {:>10}", s.path, s.raw, s.brotli, s.gzip);
            }
            let shell: u64 = sizes
                .iter()
                .filter(|s| s.path.starts_with("marquee.") && s.path.ends_with(".wasm"))
                .map(|s| s.brotli)
                .sum();
            let chunks: u64 = sizes.iter().filter(|s| s.path.ends_with(".wasm")).map(|s| s.brotli).sum::<u64>() - shell;
            println!("shell wasm {shell} bytes brotli-compressed; the pages' chunks {chunks} more in all");
            match wasm_budget {
                Some(budget) if shell > budget => Err(format!(
                    "the shell of the browser bundle (the wasm every page loads) is {shell} bytes brotli-compressed, \
                     over its budget of {budget} bytes (package.metadata.marquee.wasm-budget-brotli in Cargo.toml): \
                     move code into the pages that use it, or raise the budget"
                )
                .into()),
                _ => Ok(()),
            }
        }
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
            let username = crate::validate::username(&username)?;
            let display_name = crate::validate::display_name(&display_name, &username)?;
            let password = match std::env::var("MARQUEE_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                        eprint!("Password for {username}: ");
                    }
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            crate::validate::new_password(&password, &username)?;
            let db = Db::open(&config.database).await?;
            let hash = crate::server::services::accounts::hash_password(password).await?;
            let created = crate::server::services::accounts::upsert_admin(&db, &username, &display_name, &hash).await?;
            println!("{username} is {} admin", if created { "a new" } else { "now an" });
            Ok(())
        }
        Command::Invite { days } => {
            if !(1..=90).contains(&days) {
                return Err("--days must be from 1 to 90".into());
            }
            let db = Db::open(&config.database).await?;
            let code = crate::server::services::accounts::create_invite(&db, None, days).await?;
            println!("invitation (valid {days} days): http://{}/register?invite={code}", config.site.addr);
            Ok(())
        }
        Command::Import { format, file, ratings, dry_run } => {
            let format = crate::server::services::import::Format::parse(&format)?;
            if ratings.is_some() && format != crate::server::services::import::Format::ImdbTsv {
                return Err("--ratings goes with --format imdb-tsv".into());
            }
            let open =
                |path: &PathBuf| std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
            let input = open(&file)?;
            let ratings = ratings.as_ref().map(open).transpose()?;
            let db = Db::open(&config.database).await?;
            let size = input.metadata().map(|m| m.len()).unwrap_or(0);
            let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
                let bar = indicatif::ProgressBar::new(size);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({eta} left) {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            let reader: Box<dyn std::io::Read + Send> = match &bar {
                Some(bar) => Box::new(bar.wrap_read(input)),
                None => Box::new(input),
            };
            let report = crate::server::services::import::import_reader(
                &db,
                format,
                std::io::BufReader::new(reader),
                ratings,
                dry_run,
                |done| {
                    if let Some(bar) = &bar {
                        bar.set_message(format!("{done} rows"));
                    }
                },
            )
            .await?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            for p in &report.problems {
                println!("line {}: {}", p.line, p.message);
            }
            if report.skipped > report.problems.len() {
                println!("... and {} more skipped rows", report.skipped - report.problems.len());
            }
            println!("import: {report}");
            if !dry_run && report.created + report.updated > 0 {
                // Servers sharing a PostgreSQL database reload at once instead of at their next poll.
                let coherence = crate::server::services::coherence::Coherence::new(
                    db.clone(),
                    crate::server::services::live::Live::new(1, 1),
                );
                coherence.announce(crate::server::services::change::Change::Catalogue).await;
            }
            Ok(())
        }
        Command::RefreshImdbCache { hours, limit } => {
            let db = Db::open(&config.database).await?;
            // Paced together with any servers running on the same PostgreSQL database.
            let client = crate::server::services::imdb::ImdbClient::new(&config.imdb).shared_with(&db);
            let fresh_for = std::time::Duration::from_secs(hours.unwrap_or(config.imdb.fresh_hours) * 3600);
            let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
                let bar = indicatif::ProgressBar::new(0);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} films ({eta} left)")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            let policy = crate::server::services::refresher::RetryPolicy::default();
            let report = crate::server::services::refresher::refresh_once(
                &db,
                &client,
                fresh_for,
                limit,
                &policy,
                |done, total| {
                    if let Some(bar) = &bar {
                        bar.set_length(total as u64);
                        bar.set_position(done as u64);
                    }
                },
            )
            .await?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            println!("IMDb refresh: {report}");
            Ok(())
        }
        Command::Posters { failed, fetch } => {
            use crate::server::services::posters::{PosterStore, Posters};
            let db = Db::open(&config.database).await?;
            let marked = crate::server::db::posters::refetch(&db, failed).await?;
            println!("{marked} posters will be downloaded again");
            if fetch > 0 {
                let store = PosterStore::from_config(&config.posters, &db);
                let posters = Posters::new(&config.posters, &config.imdb.base_url, store);
                let report = posters.run_once(&db, fetch).await?;
                if report.stored > 0 {
                    crate::server::db::posters::announce(&db).await?;
                }
                println!(
                    "posters: {} due, {} stored, {} failed; {} bytes downloaded, {} bytes stored in {}",
                    report.due,
                    report.stored,
                    report.failed,
                    report.downloaded_bytes,
                    report.stored_bytes,
                    posters.store().describe()
                );
            }
            Ok(())
        }
        Command::GenData { movies, seed, members, proposals, votes } => {
            if proposals > 0 && members == 0 {
                return Err("--proposals needs --members (someone has to propose them)".into());
            }
            let db = Db::open(&config.database).await?;
            let started = Instant::now();
            let mut data = gen::generate(movies, seed);
            gen::add_club(&mut data, members, proposals.min(movies), seed);
            if let Some(votes) = votes {
                gen::set_votes(&mut data, votes);
            }
            let generated = started.elapsed();
            let step = (movies / 10).max(1);
            let summary = load_dataset(&db, &data, |done| {
                if done % step < crate::server::db::load::BATCH || done == movies {
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

/// The poster maker the demo's own posters go through, storing where the server will look.
fn demo_posters(config: &Config, db: &Db) -> crate::server::services::posters::Posters {
    use crate::server::services::posters::{PosterStore, Posters};
    Posters::new(&config.posters, &config.imdb.base_url, PosterStore::from_config(&config.posters, db))
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
            crate::server::services::accounts::upsert_admin(&db, demo::ADMIN, "", &hash).await?;
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
