//! `marquee bench-letterboxd`: a generated Letterboxd export read, matched, stored and imported,
//! on a throwaway SQLite file and, when `MARQUEE_TEST_PG_URL` names a PostgreSQL server, on a
//! throwaway database there.

use super::*;
use crate::letterboxd::sample_export;
use std::collections::HashMap;

/// The bytes of every file in a ZIP, inflated.
fn inflated(zip: &[u8]) -> u64 {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(zip)) else { return 0 };
    (0..archive.len()).filter_map(|i| archive.by_index(i).ok().map(|f| f.size())).sum()
}

/// A backend to measure: its name, the database, a scratch directory to remove, and for
/// PostgreSQL the server's URL and the scratch database to drop.
type Backend = (&'static str, Db, Option<std::path::PathBuf>, Option<(String, String)>);

/// A scratch SQLite file, and a scratch PostgreSQL database when `MARQUEE_TEST_PG_URL` names a
/// server.
async fn scratch_backends(catalogue: usize) -> Result<Vec<Backend>, BoxError> {
    let mut backends: Vec<Backend> = Vec::new();
    let (db, _, dir) = scratch_database("letterboxd", catalogue).await?;
    backends.push(("SQLite", db, Some(dir), None));
    if let Ok(admin_url) = std::env::var("MARQUEE_TEST_PG_URL") {
        let name = format!("bench_letterboxd_{}", std::process::id());
        let admin = Db::connect(&admin_url, 1, Duration::from_secs(10)).await?;
        if let Db::Postgres(pool) = &admin {
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(pool).await?;
        }
        admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
        let db = Db::connect(&format!("{base}/{name}"), 8, Duration::from_secs(10)).await?;
        db.migrate().await?;
        backends.push(("PostgreSQL", db, None, Some((admin_url.clone(), name))));
    }
    Ok(backends)
}

async fn remove_backend(db: Db, dir: Option<std::path::PathBuf>, pg: Option<(String, String)>) -> Result<(), BoxError> {
    db.close().await;
    if let Some(dir) = dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    if let Some((admin_url, name)) = pg {
        let admin = Db::connect(&admin_url, 1, Duration::from_secs(10)).await?;
        if let Db::Postgres(pool) = &admin {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(pool).await?;
        }
        admin.close().await;
    }
    Ok(())
}

pub async fn run_letterboxd(films: usize, catalogue: usize) -> Result<(), BoxError> {
    let mut data = gen::generate(catalogue, 41);
    // Accents, as real catalogues have them: the export writes some without.
    for (i, movie) in data.movies.iter_mut().enumerate() {
        if i % 9 == 0 {
            movie.title = movie.title.replace('e', "é").replace("The é", "The E");
        }
    }
    let backends = scratch_backends(catalogue).await?;
    println!(
        "| backend | catalogue films | export films (rows) | matched | several fit | not found | match rate | \
         found or offered | dry run: read, match, store | import | same export again | export ZIP (inflated) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (label, db, dir, pg) in backends {
        load_dataset(&db, &data, |_| {}).await?;
        let viewer = bench_member(&db).await?;
        let member = crate::server::db::audit::Actor::new(viewer.clone(), None);
        let titles = crate::server::db::letterboxd::catalogue_titles(&db).await?;
        let export = sample_export(&titles, films, 7);
        drop(titles);
        let path = std::env::temp_dir().join(format!("marquee-bench-letterboxd-{}.zip", std::process::id()));
        std::fs::write(&path, &export)?;
        // The import service as a server builds it (with the catalogue it tells of changes).
        let imports = AppState::build(Config::default(), db.clone()).await?.letterboxd.clone();
        let started = Instant::now();
        let run = imports.dry_run(&viewer, "letterboxd-bencher.zip", std::fs::File::open(&path)?).await?;
        let dry = started.elapsed();
        let review = crate::server::db::letterboxd::review(&db, viewer.id, run.id, 1).await?.ok_or("no review")?;
        // The member picks the nearest candidate wherever several fit.
        let picks: HashMap<i32, i64> =
            review.to_pick.iter().filter_map(|f| f.candidates.first().map(|c| (f.position, c.id))).collect();
        let started = Instant::now();
        let applied = crate::server::db::letterboxd::apply(&db, &member, run.id, &picks, false).await?;
        let apply = started.elapsed();
        let again = imports.dry_run(&viewer, "letterboxd-bencher.zip", std::fs::File::open(&path)?).await?;
        let started = Instant::now();
        let second = crate::server::db::letterboxd::apply(&db, &member, again.id, &picks, false).await?;
        let repeat = started.elapsed();
        let _ = std::fs::remove_file(&path);
        if second.ratings_added + second.ratings_updated + second.watches_added > 0 {
            return Err(format!("the same export changed something the second time: {second:?}").into());
        }
        let rows = {
            let parsed = crate::letterboxd::read_export(
                std::io::Cursor::new(&export),
                "x.zip",
                crate::letterboxd::Limits::default(),
            )?;
            parsed.rows
        };
        println!(
            "| {label} | {catalogue} | {} ({rows}) | {} | {} | {} | {:.1} % | {:.1} % | {} | {} ({} ratings, {} viewings) | {} | {} KiB ({} KiB) |",
            run.films,
            run.matched,
            run.ambiguous,
            run.missing,
            run.matched as f64 * 100.0 / run.films.max(1) as f64,
            (run.matched + run.ambiguous) as f64 * 100.0 / run.films.max(1) as f64,
            ms(dry),
            ms(apply),
            applied.ratings_added,
            applied.watches_added,
            ms(repeat),
            export.len() / 1024,
            inflated(&export) / 1024,
        );
        remove_backend(db, dir, pg).await?;
    }
    println!();
    println!(
        "The export is made from the catalogue: most films written as Letterboxd writes them (other case, accents \
         dropped, \"Title, The\", a year one off), 8 % not in the catalogue. \"Several fit\": same title within a \
         year either side (the generated catalogue repeats titles often); the benchmark picks the nearest. The upload is \
         read from a file, one CSV row at a time."
    );
    Ok(())
}
