//! The longer commands, one function each: what `run` calls for them.

use super::*;

/// `compress-assets`: writes the bundle's compressed copies and checks the shell's budget.
pub(super) fn compress_assets(dir: &std::path::Path, wasm_budget: Option<u64>) -> Result<(), BoxError> {
    let sizes = crate::server::web::compress::compress_assets(dir)?;
    println!("{:<40} {:>10} {:>10} {:>10}", "file", "bytes", "brotli", "gzip");
    for s in &sizes {
        println!("{:<40} {:>10} {:>10} {:>10}", s.path, s.raw, s.brotli, s.gzip);
    }
    let shell: u64 =
        sizes.iter().filter(|s| s.path.starts_with("marquee.") && s.path.ends_with(".wasm")).map(|s| s.brotli).sum();
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

/// `admin create`: makes an admin, asking for the password unless the environment has it.
pub(super) async fn create_admin(config: &Config, username: &str, display_name: &str) -> Result<(), BoxError> {
    let username = crate::validate::username(username)?;
    let display_name = crate::validate::display_name(display_name, &username)?;
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
    let accounts = crate::server::services::accounts::Accounts::new(db, &config.accounts);
    let created = accounts.upsert_admin(&username, &display_name, &hash).await?;
    println!("{username} is {} admin", if created { "a new" } else { "now an" });
    Ok(())
}

/// `import`: a catalogue file, with a progress bar on a terminal.
pub(super) async fn import(
    config: &Config,
    format: &str,
    file: &PathBuf,
    ratings: Option<PathBuf>,
    dry_run: bool,
) -> Result<(), BoxError> {
    let format = crate::server::services::import::Format::parse(format)?;
    if ratings.is_some() && format != crate::server::services::import::Format::ImdbTsv {
        return Err("--ratings goes with --format imdb-tsv".into());
    }
    let open = |path: &PathBuf| std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let input = open(file)?;
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

/// `refresh-imdb-cache`: one pass of the IMDb refresher, paced with any running servers.
pub(super) async fn refresh_imdb_cache(config: &Config, hours: Option<u64>, limit: u32) -> Result<(), BoxError> {
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
    let report =
        crate::server::services::refresher::refresh_once(&db, &client, fresh_for, limit, &policy, |done, total| {
            if let Some(bar) = &bar {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
        })
        .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!("IMDb refresh: {report}");
    Ok(())
}

/// `posters`: marks posters to download again and makes up to `fetch` of them now.
pub(super) async fn posters(config: &Config, failed: bool, fetch: u32) -> Result<(), BoxError> {
    use crate::server::services::posters::Posters;
    let db = Db::open(&config.database).await?;
    let marked = crate::server::db::posters::refetch(&db, failed).await?;
    println!("{marked} posters will be downloaded again");
    if fetch > 0 {
        let posters = Posters::new(&config.posters, &config.imdb.base_url, db.clone());
        let report = posters.run_once(fetch).await?;
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

/// `gen-data`: a synthetic catalogue (and club) of the given size, loaded in batches.
pub(super) async fn gen_data(
    config: &Config,
    movies: usize,
    seed: u64,
    members: usize,
    proposals: usize,
    votes: Option<usize>,
) -> Result<(), BoxError> {
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
