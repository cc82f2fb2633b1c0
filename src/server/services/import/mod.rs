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
pub use crate::server::db::import::ImportRow;
use crate::server::db::import::{write_batch, write_ratings};
use crate::server::db::Db;
use crate::server::services::catalogue::Catalogue;
use crate::server::services::predictions::Predictions;
use std::io::Read;
use std::sync::Arc;

mod rows;
pub use rows::{check, RawRow};

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

/// The admin's upload: imported, then the catalogue and the predictions follow what changed.
#[derive(Clone)]
pub struct Imports {
    db: Db,
    catalogue: Arc<Catalogue>,
    predictions: Arc<Predictions>,
}

impl Imports {
    pub fn new(db: Db, catalogue: Arc<Catalogue>, predictions: Arc<Predictions>) -> Imports {
        Imports { db, catalogue, predictions }
    }

    /// Imports a CSV or JSON document held in memory; a dry run only checks and reports.
    pub async fn upload(&self, format: Format, bytes: &[u8], dry_run: bool) -> Result<ImportReport, AppError> {
        let report = import_bytes(&self.db, format, bytes, dry_run, |_| {}).await?;
        if !dry_run && (report.created + report.updated) > 0 {
            self.catalogue.catalogue_changed().await?;
            if let Err(err) = self.predictions.refresh_if_changed().await {
                tracing::warn!(%err, "could not rescore after an import");
            }
        }
        Ok(report)
    }
}

/// Imports a CSV or JSON document held in memory.
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

    #[test]
    fn formats_by_name() {
        assert_eq!(Format::parse("CSV").unwrap(), Format::Csv);
        assert_eq!(Format::parse("imdb-tsv").unwrap(), Format::ImdbTsv);
        assert_eq!(Format::parse("xml").unwrap_err().status(), 400);
    }
}
