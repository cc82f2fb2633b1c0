//! Bulk import of films with metrics: CSV, JSON, and IMDb's public TSV dataset files.
//!
//! Rows are checked one by one (a bad row is reported with its line and skipped; the good rows go
//! in), then written in batches of 400, one transaction per batch, so a crash leaves no half batch.
//! Files are read as streams: a multi-gigabyte IMDb dump needs memory for one batch only.
//!
//! CSV and JSON columns: `imdb_id` and `title` (required), `year`, `genres` (separated by `|`),
//! `runtime_minutes`, `plot`, `poster_url`, `imdb_rating`, `imdb_votes`, `metascore`,
//! `tomatometer`, `tmdb_rating`, `tmdb_popularity`.

use crate::error::AppError;
use crate::model::{ImportProblem, ImportReport};
use crate::server::db::dataset::{IMDB, METACRITIC, ROTTEN_TOMATOES, TMDB};
pub use crate::server::db::import::ImportRow;
use crate::server::db::import::{write_batch, write_ratings};
use crate::server::db::Db;
use serde::Deserialize;
use std::io::Read;

/// Rows written per transaction: the loader's batch size, within both backends' bind limits.
pub use crate::server::db::load::BATCH;

/// Problems listed one by one; beyond this they are only counted.
const MAX_PROBLEMS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    ImdbTsv,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format, AppError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "imdb-tsv" => Ok(Format::ImdbTsv),
            other => Err(AppError::BadRequest(format!("Unknown format {other:?}: use csv, json or imdb-tsv."))),
        }
    }
}

/// A row as written in a CSV or JSON file: everything text or number, nothing trusted yet.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRow {
    imdb_id: Option<String>,
    title: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    year: Option<String>,
    genres: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    runtime_minutes: Option<String>,
    plot: Option<String>,
    poster_url: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    imdb_rating: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    imdb_votes: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    metascore: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    tomatometer: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    tmdb_rating: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    tmdb_popularity: Option<String>,
}

/// Accepts a number or a string (JSON files have numbers, CSV files only text).
fn loose<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Number(f64),
    }
    Ok(Option::<Loose>::deserialize(d)?.map(|v| match v {
        Loose::Text(s) => s,
        Loose::Number(n) => n.to_string(),
    }))
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s != "\\N")
}

/// Checks one raw row; the message says what is wrong with it.
pub fn check(line: usize, raw: RawRow) -> Result<ImportRow, String> {
    let imdb_id = match text(raw.imdb_id) {
        None => return Err("imdb_id is missing".into()),
        Some(id) => crate::validate::imdb_id(&id).map_err(|_| format!("imdb_id {id:?} is not an IMDb title id"))?,
    };
    let title = text(raw.title).ok_or("title is missing")?;
    if crate::validate::has_control(&title) {
        return Err("title holds control characters".into());
    }
    if title.chars().count() > 500 {
        return Err("title is longer than 500 characters".into());
    }
    fn number(name: &str, v: Option<String>, range: std::ops::RangeInclusive<f64>) -> Result<Option<f64>, String> {
        match text(v) {
            None => Ok(None),
            Some(s) => match s.parse::<f64>() {
                Ok(n) if n.is_finite() && range.contains(&n) => Ok(Some(n)),
                _ => Err(format!("{name} {s:?} is not a number from {} to {}", range.start(), range.end())),
            },
        }
    }
    let year = number("year", raw.year, 1870.0..=2100.0)?.map(|y| y as i32);
    let runtime_minutes = number("runtime_minutes", raw.runtime_minutes, 1.0..=1500.0)?.map(|m| m as i32);
    let mut metrics = Vec::new();
    for (source, metric, value) in [
        (IMDB, "rating", number("imdb_rating", raw.imdb_rating, 0.0..=10.0)?),
        (IMDB, "votes", number("imdb_votes", raw.imdb_votes, 0.0..=1e10)?),
        (METACRITIC, "metascore", number("metascore", raw.metascore, 0.0..=100.0)?),
        (ROTTEN_TOMATOES, "tomatometer", number("tomatometer", raw.tomatometer, 0.0..=100.0)?),
        (TMDB, "rating", number("tmdb_rating", raw.tmdb_rating, 0.0..=10.0)?),
        (TMDB, "popularity", number("tmdb_popularity", raw.tmdb_popularity, 0.0..=1e9)?),
    ] {
        if let Some(v) = value {
            metrics.push((source, metric, v));
        }
    }
    let poster_url = text(raw.poster_url);
    if poster_url.as_deref().is_some_and(|u| !u.starts_with("https://")) {
        return Err("poster_url must start with https://".into());
    }
    let genres: Vec<String> = text(raw.genres)
        .map(|g| g.split(['|', ',']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    if genres.iter().any(|g| g.chars().count() > 40) {
        return Err("a genre is longer than 40 characters".into());
    }
    if genres.iter().any(|g| crate::validate::has_control(g)) {
        return Err("a genre holds control characters".into());
    }
    if poster_url.as_deref().is_some_and(crate::validate::has_control) {
        return Err("poster_url holds control characters".into());
    }
    // Line breaks and tabs are fine in a plot; other control characters are not.
    let plot = text(raw.plot);
    if plot.as_deref().is_some_and(|p| p.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))) {
        return Err("plot holds control characters".into());
    }
    Ok(ImportRow { line, imdb_id, title, year, genres, runtime_minutes, plot, poster_url, metrics })
}

/// Collects checked rows into batches and writes (or, in a dry run, classifies) each.
struct Importer<'a, F: FnMut(usize)> {
    db: &'a Db,
    dry_run: bool,
    batch: Vec<ImportRow>,
    report: ImportReport,
    progress: F,
}

impl<F: FnMut(usize)> Importer<'_, F> {
    async fn push(&mut self, row: Result<ImportRow, (usize, String)>) -> Result<(), AppError> {
        match row {
            Ok(row) => {
                self.batch.push(row);
                if self.batch.len() >= BATCH {
                    self.flush().await?;
                }
            }
            Err((line, message)) => {
                self.report.skipped += 1;
                if self.report.problems.len() < MAX_PROBLEMS {
                    self.report.problems.push(ImportProblem { line, message });
                }
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), AppError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let mut rows = std::mem::take(&mut self.batch);
        // A file may name a film twice: the later line wins, the earlier is reported.
        let mut seen = std::collections::HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            if let Some(earlier) = seen.insert(row.imdb_id.clone(), i) {
                self.report.skipped += 1;
                if self.report.problems.len() < MAX_PROBLEMS {
                    self.report.problems.push(ImportProblem {
                        line: rows[earlier].line,
                        message: format!("{} appears again on line {}; that line is used", row.imdb_id, row.line),
                    });
                }
            }
        }
        let keep: std::collections::HashSet<usize> = seen.into_values().collect();
        let mut i = 0;
        rows.retain(|_| {
            i += 1;
            keep.contains(&(i - 1))
        });
        let (created, updated) = write_batch(self.db, &rows, self.dry_run).await?;
        self.report.created += created;
        self.report.updated += updated;
        self.report.batches += 1;
        (self.progress)(self.report.created + self.report.updated + self.report.skipped);
        Ok(())
    }
}

/// Imports a CSV or JSON document held in memory (the admin upload).
pub async fn import_bytes(
    db: &Db,
    format: Format,
    bytes: &[u8],
    dry_run: bool,
    progress: impl FnMut(usize) + Send,
) -> Result<ImportReport, AppError> {
    import_reader(db, format, bytes, None::<&[u8]>, dry_run, progress).await
}

/// Imports from a reader. For `imdb-tsv`, `reader` is `title.basics.tsv(.gz)` and `ratings` the
/// optional `title.ratings.tsv(.gz)`.
pub async fn import_reader<R: Read + Send, Q: Read + Send>(
    db: &Db,
    format: Format,
    reader: R,
    ratings: Option<Q>,
    dry_run: bool,
    progress: impl FnMut(usize) + Send,
) -> Result<ImportReport, AppError> {
    let mut importer =
        Importer { db, dry_run, batch: Vec::new(), report: ImportReport { dry_run, ..Default::default() }, progress };
    match format {
        Format::Csv => {
            let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(reader);
            let headers = csv.headers().map_err(|e| AppError::BadRequest(format!("Line 1: {e}")))?.clone();
            check_headers(&headers)?;
            for (i, record) in csv.records().enumerate() {
                let line = i + 2;
                let row = record
                    .map_err(|e| (line, plain_csv_error(&e)))
                    .and_then(|rec| rec.deserialize::<RawRow>(Some(&headers)).map_err(|e| (line, plain_csv_error(&e))))
                    .and_then(|raw| check(line, raw).map_err(|m| (line, m)));
                importer.push(row).await?;
            }
        }
        Format::Json => {
            let values: Vec<serde_json::Value> = serde_json::from_reader(reader).map_err(|e| {
                AppError::BadRequest(format!("The file is not a JSON array of films (line {}): {e}", e.line()))
            })?;
            for (i, value) in values.into_iter().enumerate() {
                // For JSON, "line" is the film's position in the array, from 1.
                let line = i + 1;
                let row = serde_json::from_value::<RawRow>(value)
                    .map_err(|e| (line, format!("film {line}: {e}")))
                    .and_then(|raw| check(line, raw).map_err(|m| (line, m)));
                importer.push(row).await?;
            }
        }
        Format::ImdbTsv => read_title_basics(&mut importer, reader).await?,
    }
    importer.flush().await?;
    let mut report = importer.report;
    if let (Format::ImdbTsv, Some(ratings)) = (format, ratings) {
        report.ratings_updated = import_ratings(db, ratings, dry_run).await?;
    }
    Ok(report)
}

/// Films of IMDb's `title.basics.tsv` (only its movies), as rows for the importer.
async fn read_title_basics<R: Read + Send, F: FnMut(usize) + Send>(
    importer: &mut Importer<'_, F>,
    reader: R,
) -> Result<(), AppError> {
    let mut tsv = tsv_reader(reader);
    let headers = tsv.headers().map_err(|e| AppError::BadRequest(format!("Line 1: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id), Some(kind), Some(title), Some(year), Some(runtime), Some(genres)) =
        (col("tconst"), col("titleType"), col("primaryTitle"), col("startYear"), col("runtimeMinutes"), col("genres"))
    else {
        return Err(AppError::BadRequest(
            "This is not title.basics.tsv: it needs tconst, titleType, primaryTitle, startYear, runtimeMinutes and genres."
                .into(),
        ));
    };
    for (i, record) in tsv.records().enumerate() {
        let line = i + 2;
        let rec = match record {
            Ok(r) => r,
            Err(e) => {
                importer.push(Err((line, plain_csv_error(&e)))).await?;
                continue;
            }
        };
        if rec.get(kind) != Some("movie") {
            continue; // series, episodes and shorts are not the catalogue's business
        }
        let get = |c: usize| rec.get(c).map(str::to_string);
        let raw = RawRow {
            imdb_id: get(id),
            title: get(title),
            year: get(year),
            genres: get(genres),
            runtime_minutes: get(runtime),
            ..Default::default()
        };
        importer.push(check(line, raw).map_err(|m| (line, m))).await?;
    }
    Ok(())
}

fn check_headers(headers: &csv::StringRecord) -> Result<(), AppError> {
    const KNOWN: &[&str] = &[
        "imdb_id",
        "title",
        "year",
        "genres",
        "runtime_minutes",
        "plot",
        "poster_url",
        "imdb_rating",
        "imdb_votes",
        "metascore",
        "tomatometer",
        "tmdb_rating",
        "tmdb_popularity",
    ];
    if let Some(unknown) = headers.iter().find(|h| !KNOWN.contains(h)) {
        return Err(AppError::BadRequest(format!(
            "Line 1: unknown column {unknown:?}. The columns are: {}.",
            KNOWN.join(", ")
        )));
    }
    for required in ["imdb_id", "title"] {
        if !headers.iter().any(|h| h == required) {
            return Err(AppError::BadRequest(format!("Line 1: the column {required:?} is missing.")));
        }
    }
    Ok(())
}

fn plain_csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".into(),
        _ => e.to_string(),
    }
}

/// IMDb's TSV: tab-separated, no quoting, `\N` for nothing; gzip-compressed or not.
fn tsv_reader<'a, R: Read + Send + 'a>(reader: R) -> csv::Reader<Box<dyn Read + Send + 'a>> {
    let mut buffered = std::io::BufReader::new(reader);
    let gz = std::io::BufRead::fill_buf(&mut buffered).map(|b| b.starts_with(&[0x1f, 0x8b])).unwrap_or(false);
    let inner: Box<dyn Read + Send + 'a> =
        if gz { Box::new(flate2::bufread::MultiGzDecoder::new(buffered)) } else { Box::new(buffered) };
    csv::ReaderBuilder::new().delimiter(b'\t').quoting(false).flexible(true).from_reader(inner)
}

/// `title.ratings.tsv`: sets the IMDb rating and votes of films already in the catalogue.
async fn import_ratings<Q: Read + Send>(db: &Db, reader: Q, dry_run: bool) -> Result<usize, AppError> {
    let mut tsv = tsv_reader(reader);
    let mut updated = 0;
    let mut batch: Vec<(String, f64, f64)> = Vec::with_capacity(BATCH);
    let mut records = tsv.records();
    loop {
        let next = records.next();
        if let Some(Ok(rec)) = &next {
            let (Some(id), Some(rating), Some(votes)) = (rec.get(0), rec.get(1), rec.get(2)) else { continue };
            if let (Ok(rating), Ok(votes)) = (rating.parse::<f64>(), votes.parse::<f64>()) {
                batch.push((id.to_string(), rating, votes));
            }
        }
        if batch.len() >= BATCH || (next.is_none() && !batch.is_empty()) {
            if !dry_run {
                updated += write_ratings(db, &batch).await?;
            }
            batch.clear();
        }
        if next.is_none() {
            break;
        }
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(id: &str, title: &str) -> RawRow {
        RawRow { imdb_id: Some(id.into()), title: Some(title.into()), ..Default::default() }
    }

    #[test]
    fn good_rows_are_read_with_their_metrics() {
        let mut r = raw("tt0111161", " The Shawshank Redemption ");
        r.year = Some("1994".into());
        r.genres = Some("Drama|Crime".into());
        r.imdb_rating = Some("9.3".into());
        r.metascore = Some("82".into());
        let row = check(2, r).unwrap();
        assert_eq!(row.title, "The Shawshank Redemption");
        assert_eq!(row.genres, vec!["Drama", "Crime"]);
        assert_eq!(row.metrics, vec![(IMDB, "rating", 9.3), (METACRITIC, "metascore", 82.0)]);
    }

    #[test]
    fn bad_rows_say_what_is_wrong() {
        assert!(check(2, raw("", "x")).unwrap_err().contains("imdb_id is missing"));
        assert!(check(2, raw("nm0000001", "x")).unwrap_err().contains("not an IMDb title id"));
        assert!(check(2, raw("tt0111161", "  ")).unwrap_err().contains("title is missing"));
        let mut r = raw("tt0111161", "x");
        r.imdb_rating = Some("11".into());
        assert!(check(2, r).unwrap_err().contains("imdb_rating"));
        let mut r = raw("tt0111161", "x");
        r.year = Some("nineteen".into());
        assert!(check(2, r).unwrap_err().contains("year"));
        let mut r = raw("tt0111161", "x");
        r.poster_url = Some("javascript:alert(1)".into());
        assert!(check(2, r).unwrap_err().contains("https://"));
    }

    #[test]
    fn formats_by_name() {
        assert_eq!(Format::parse("CSV").unwrap(), Format::Csv);
        assert_eq!(Format::parse("imdb-tsv").unwrap(), Format::ImdbTsv);
        assert_eq!(Format::parse("xml").unwrap_err().status(), 400);
    }
}
