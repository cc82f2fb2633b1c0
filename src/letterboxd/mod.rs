//! Letterboxd exports: reading them, and matching their films to the catalogue. Plain Rust over
//! readers and structs: no database, no web server.
//!
//! Letterboxd's account export is a ZIP of CSV files. `watched.csv` lists the films watched,
//! `ratings.csv` their ratings in half stars (0.5 to 5), `diary.csv` each viewing with its date and
//! whether it was a rewatch. The export has no IMDb ids, so films are matched by title and year.
//! Entries are read one by one and each is capped while it is inflated, so a ZIP bomb or an
//! oversized file stops at the cap; nothing is held but the films read so far.

use std::collections::HashMap;
use std::io::{Read, Seek};

mod matching;
pub use matching::*;

mod fields;
pub use fields::*;

/// What an export may hold: generous for a lifetime of films, small enough for a 2-core box.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of one CSV file, once inflated.
    pub file_bytes: u64,
    /// Bytes of every file read, once inflated.
    pub total_bytes: u64,
    /// Rows over every file.
    pub rows: usize,
    /// Entries in the ZIP (Letterboxd puts each list in a file of its own).
    pub entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { file_bytes: 32 << 20, total_bytes: 64 << 20, rows: 200_000, entries: 20_000 }
    }
}

/// Why an upload could not be read; each message says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    #[error("This is not a Letterboxd export: upload the ZIP that Letterboxd makes (Settings, Data, Export your data) or one of its CSV files (watched.csv, ratings.csv, diary.csv).")]
    NotAnExport,
    #[error("This ZIP has none of Letterboxd's files (watched.csv, ratings.csv, diary.csv). Upload the export as Letterboxd made it.")]
    NoFilms,
    #[error("{file} does not look like Letterboxd's: its first line should name the columns Date, Name, Year and Letterboxd URI.")]
    UnknownColumns { file: String },
    #[error("Line {line} of {file} is not UTF-8 text. Letterboxd's files are; upload the export as Letterboxd made it, not a copy saved by a spreadsheet.")]
    NotUtf8 { file: String, line: u64 },
    #[error("Line {line} of {file}: {reason}.")]
    BadRow { file: String, line: u64, reason: String },
    #[error("{what} is too large for an import (at most {limit}).")]
    TooLarge { what: String, limit: String },
    #[error("The ZIP is damaged or uses a feature this server does not read ({0}). Download the export again.")]
    BadZip(String),
    #[error("The file could not be read: {0}")]
    Io(String),
}

/// One viewing of a film.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Watch {
    /// YYYY-MM-DD.
    pub on: String,
    pub rewatch: bool,
}

/// A film of the export, with everything the files say of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExportFilm {
    pub name: String,
    pub year: Option<i32>,
    /// 1..=10 (0.5 to 5 stars).
    pub half_stars: Option<i32>,
    /// YYYY-MM-DD: when the rating was given.
    pub rated_on: Option<String>,
    pub watches: Vec<Watch>,
}

/// What was read from an upload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Export {
    /// In the order they first appear.
    pub films: Vec<ExportFilm>,
    /// Files of the export that are not imported (the watchlist, reviews, lists, likes).
    pub skipped: Vec<String>,
    /// CSV rows read.
    pub rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Watched,
    Ratings,
    Diary,
}

impl Kind {
    /// The kind of a file by its name; `None` for files that are not imported.
    fn of(path: &str) -> Option<Kind> {
        let base = path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
        match base.as_str() {
            "watched.csv" => Some(Kind::Watched),
            "ratings.csv" => Some(Kind::Ratings),
            "diary.csv" => Some(Kind::Diary),
            _ => None,
        }
    }
}

/// Reads an upload: a Letterboxd ZIP, or one of its CSV files (`file_name` tells which).
pub fn read_export<R: Read + Seek>(mut input: R, file_name: &str, limits: Limits) -> Result<Export, ExportError> {
    let mut magic = [0u8; 4];
    let got = read_up_to(&mut input, &mut magic).map_err(|e| ExportError::Io(e.to_string()))?;
    input.seek(std::io::SeekFrom::Start(0)).map_err(|e| ExportError::Io(e.to_string()))?;
    let mut builder = Builder::new(limits);
    if got == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06") {
        read_zip(input, &mut builder)?;
        if builder.files_read == 0 {
            return Err(ExportError::NoFilms);
        }
    } else {
        if magic[..got].contains(&0) {
            return Err(ExportError::NotAnExport);
        }
        let name = display_name(file_name);
        let kind = match Kind::of(&name) {
            Some(kind) => kind,
            None if name.to_ascii_lowercase().ends_with(".csv") && !name.to_ascii_lowercase().contains("watchlist") => {
                // A renamed file: its columns tell ratings and diary apart; the rest count as watched.
                Kind::Watched
            }
            None => return Err(ExportError::NotAnExport),
        };
        let mut capped = Capped::new(input, limits.file_bytes);
        builder.read_csv(&mut capped, &name, kind)?;
    }
    Ok(builder.finish())
}

fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// The last part of an uploaded file's name, without control characters, for messages.
pub fn display_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if clean.trim().is_empty() {
        "the file".to_string()
    } else {
        clean
    }
}

fn read_zip<R: Read + Seek>(input: R, builder: &mut Builder) -> Result<(), ExportError> {
    let mut archive = zip::ZipArchive::new(input).map_err(|e| ExportError::BadZip(e.to_string()))?;
    if archive.len() > builder.limits.entries {
        return Err(ExportError::TooLarge {
            what: "The ZIP".into(),
            limit: format!("{} files", builder.limits.entries),
        });
    }
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| ExportError::BadZip(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let path = entry.name().map_err(|e| ExportError::BadZip(e.to_string()))?.to_string();
        // Letterboxd keeps deleted and orphaned entries in folders of their own: not the member's history.
        let top_level = !path.contains('/');
        match Kind::of(&path).filter(|_| top_level) {
            Some(kind) => {
                let name = display_name(&path);
                if entry.size() > builder.limits.file_bytes {
                    return Err(too_large(&name, builder.limits.file_bytes));
                }
                let remaining = builder.limits.total_bytes.saturating_sub(builder.bytes_read);
                let cap = builder.limits.file_bytes.min(remaining);
                let mut capped = Capped::new(entry, cap);
                builder.read_csv(&mut capped, &name, kind)?;
                builder.bytes_read += capped.read;
            }
            None if top_level && path.to_ascii_lowercase().ends_with(".csv") => builder.skipped.push(path),
            None => {}
        }
    }
    Ok(())
}

fn too_large(name: &str, limit: u64) -> ExportError {
    ExportError::TooLarge { what: name.to_string(), limit: format!("{} MiB", limit >> 20) }
}

/// A reader that fails once more than `cap` bytes came through: inflating stops there.
struct Capped<R> {
    inner: R,
    cap: u64,
    read: u64,
}

impl<R> Capped<R> {
    fn new(inner: R, cap: u64) -> Self {
        Capped { inner, cap, read: 0 }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.cap {
            return Err(std::io::ErrorKind::FileTooLarge.into());
        }
        Ok(n)
    }
}

/// Films gathered over the files of one export.
struct Builder {
    limits: Limits,
    films: Vec<ExportFilm>,
    /// (title key, year) → index in `films`.
    seen: HashMap<(String, Option<i32>), usize>,
    /// Films whose watch came from watched.csv's date (a diary entry replaces it).
    logged: Vec<Option<String>>,
    skipped: Vec<String>,
    rows: usize,
    bytes_read: u64,
    files_read: usize,
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Builder {
            limits,
            films: Vec::new(),
            seen: HashMap::new(),
            logged: Vec::new(),
            skipped: Vec::new(),
            rows: 0,
            bytes_read: 0,
            files_read: 0,
        }
    }

    fn film(&mut self, name: &str, year: Option<i32>) -> usize {
        let key = (title_key(name), year);
        if let Some(&i) = self.seen.get(&key) {
            return i;
        }
        self.films.push(ExportFilm { name: name.to_string(), year, ..Default::default() });
        self.logged.push(None);
        self.seen.insert(key, self.films.len() - 1);
        self.films.len() - 1
    }

    fn read_csv<R: Read>(&mut self, input: &mut Capped<R>, file: &str, kind: Kind) -> Result<(), ExportError> {
        let cap = input.cap;
        let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(input);
        let mut record = csv::ByteRecord::new();
        let read_error = |e: csv::Error| match e.kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::FileTooLarge => too_large(file, cap),
            _ => ExportError::Io(format!("{file}: {e}")),
        };
        if !reader.read_byte_record(&mut record).map_err(read_error)? {
            return Err(ExportError::UnknownColumns { file: file.to_string() });
        }
        let columns = Columns::read(&record).ok_or_else(|| ExportError::UnknownColumns { file: file.to_string() })?;
        let kind = columns.kind(kind);
        self.files_read += 1;
        loop {
            if !reader.read_byte_record(&mut record).map_err(read_error)? {
                break;
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            self.rows += 1;
            if self.rows > self.limits.rows {
                return Err(ExportError::TooLarge {
                    what: "The export".into(),
                    limit: format!("{} rows", self.limits.rows),
                });
            }
            let field = |col: Option<usize>| -> Result<&str, ExportError> {
                match col.and_then(|c| record.get(c)) {
                    None => Ok(""),
                    Some(bytes) => std::str::from_utf8(bytes)
                        .map(str::trim)
                        .map_err(|_| ExportError::NotUtf8 { file: file.to_string(), line }),
                }
            };
            let bad = |reason: String| ExportError::BadRow { file: file.to_string(), line, reason };
            let name = field(Some(columns.name))?;
            if name.is_empty() {
                return Err(bad("the film has no name".into()));
            }
            if name.chars().count() > 500 || name.chars().any(char::is_control) {
                return Err(bad("the film's name is not a title".into()));
            }
            let year = parse_year(field(Some(columns.year))?).map_err(bad)?;
            let date = parse_date(field(columns.date)?).map_err(bad)?;
            let film = self.film(name, year);
            match kind {
                Kind::Watched => {
                    if self.films[film].watches.is_empty() && self.logged[film].is_none() {
                        self.logged[film] = date;
                    }
                }
                Kind::Ratings => {
                    let half_stars = parse_rating(field(columns.rating)?).map_err(bad)?;
                    if half_stars.is_some() {
                        let f = &mut self.films[film];
                        f.half_stars = half_stars;
                        f.rated_on = date;
                    }
                }
                Kind::Diary => {
                    let on = parse_date(field(columns.watched)?).map_err(bad)?.or(date);
                    let rewatch = field(columns.rewatch)?.eq_ignore_ascii_case("yes");
                    let half_stars = parse_rating(field(columns.rating)?).map_err(bad)?;
                    self.add_viewing(film, on, rewatch, half_stars);
                }
            }
        }
        Ok(())
    }

    /// A diary entry: a viewing on `on`, whose rating stands in when ratings.csv gives none (the
    /// latest one).
    fn add_viewing(&mut self, film: usize, on: Option<String>, rewatch: bool, half_stars: Option<i32>) {
        let f = &mut self.films[film];
        if let Some(on) = on {
            if half_stars.is_some() && f.rated_on.as_deref().is_none_or(|r| r <= on.as_str()) {
                f.half_stars = half_stars;
                f.rated_on = Some(on.clone());
            }
            f.watches.push(Watch { on, rewatch });
        }
    }

    fn finish(mut self) -> Export {
        for (film, logged) in self.films.iter_mut().zip(self.logged) {
            if film.watches.is_empty() {
                if let Some(on) = logged {
                    film.watches.push(Watch { on, rewatch: false });
                }
            }
            film.watches.sort();
            film.watches.dedup_by(|a, b| a.on == b.on);
        }
        Export { films: self.films, skipped: self.skipped, rows: self.rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(*name, options).unwrap();
            std::io::Write::write_all(&mut zip, bytes).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    fn read(bytes: &[u8], name: &str) -> Result<Export, ExportError> {
        read_export(Cursor::new(bytes), name, Limits::default())
    }

    #[test]
    fn titles_match_whatever_their_case_accents_punctuation_and_articles() {
        assert_eq!(title_key("Amélie"), title_key("AMELIE"));
        assert_eq!(title_key("The 400 Blows"), title_key("400 Blows, The"));
        assert_eq!(title_key("Schindler's List"), title_key("Schindler’s List"));
        assert_eq!(title_key("L'Avventura"), title_key("Avventura"));
        assert_eq!(title_key("Crouching Tiger, Hidden Dragon"), "crouching tiger hidden dragon");
        assert_eq!(title_key("Fast & Furious"), title_key("Fast and Furious"));
        assert_eq!(title_key("Die"), "die", "a title that is only an article keeps it");
        assert_ne!(title_key("Alien"), title_key("Aliens"));
    }

    #[test]
    fn a_film_is_found_by_title_and_year_one_either_side() {
        let film = |id, title: &str, year| CatalogueTitle { id, title: title.into(), original_title: None, year };
        let index = TitleIndex::new([
            film(1, "Dune", Some(1984)),
            film(2, "Dune", Some(2021)),
            film(3, "Amélie", Some(2001)),
            film(4, "Solaris", Some(1972)),
            film(5, "Solaris", Some(2002)),
            film(6, "Twin", Some(2010)),
            film(7, "Twin", Some(2010)),
        ]);
        assert_eq!(index.find("Dune", Some(2021)), Match::Found(2));
        assert_eq!(index.find("DUNE", Some(1985)), Match::Found(1), "a year off by one still matches");
        assert_eq!(index.find("Amelie", Some(2002)), Match::Found(3));
        assert_eq!(index.find("Dune", Some(2000)), Match::Missing, "too far in years");
        assert_eq!(index.find("Dune", None), Match::Several(vec![1, 2]), "no year: the member picks");
        assert_eq!(index.find("Twin", Some(2010)), Match::Several(vec![6, 7]), "two films of one title and year");
        assert_eq!(index.find("Nothing Like It", Some(2001)), Match::Missing);
        let original = TitleIndex::new([CatalogueTitle {
            id: 9,
            title: "The Seventh Seal".into(),
            original_title: Some("Det sjunde inseglet".into()),
            year: Some(1957),
        }]);
        assert_eq!(original.find("Det sjunde inseglet", Some(1957)), Match::Found(9));
    }

    #[test]
    fn an_export_gathers_ratings_and_viewings_per_film() {
        let zip = zip_of(&[
            ("watched.csv", "\u{feff}Date,Name,Year,Letterboxd URI\n2020-01-02,Amélie,2001,u1\n2020-02-03,\"Dune\",2021,u2\n2020-02-04,Alien,1979,u3\n".as_bytes()),
            ("ratings.csv", b"Date,Name,Year,Letterboxd URI,Rating\n2020-01-05,Am\xc3\xa9lie,2001,u1,4.5\n2020-01-06,Dune,2021,u2,3\n"),
            ("diary.csv", b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n2020-02-03,Dune,2021,d1,3,No,,2020-02-01\n2023-05-01,Dune,2021,d2,4,Yes,\"imax, friends\",2023-04-30\n"),
            ("watchlist.csv", b"Date,Name,Year,Letterboxd URI\n2020-01-01,Heat,1995,u9\n"),
            ("deleted/diary.csv", b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n2020-01-01,Gone,1990,x,5,No,,2020-01-01\n"),
        ]);
        let export = read(&zip, "letterboxd-me-2024.zip").unwrap();
        assert_eq!(export.films.len(), 3);
        assert_eq!(export.rows, 7);
        let amelie = &export.films[0];
        assert_eq!((amelie.half_stars, amelie.rated_on.as_deref()), (Some(9), Some("2020-01-05")));
        assert_eq!(amelie.watches, vec![Watch { on: "2020-01-02".into(), rewatch: false }]);
        let dune = &export.films[1];
        assert_eq!(dune.half_stars, Some(8), "the newest diary rating is later than ratings.csv's");
        assert_eq!(
            dune.watches,
            vec![Watch { on: "2020-02-01".into(), rewatch: false }, Watch { on: "2023-04-30".into(), rewatch: true }],
            "the diary's dates replace the day it was logged"
        );
        assert_eq!(export.films[2].half_stars, None);
        assert_eq!(export.skipped, vec!["watchlist.csv".to_string()]);
    }

    #[test]
    fn one_csv_may_be_uploaded_alone() {
        let export = read(b"Date,Name,Year,Letterboxd URI,Rating\n2021-01-01,Heat,1995,u,5\n", "ratings.csv").unwrap();
        assert_eq!(export.films[0].half_stars, Some(10));
        let renamed = read(b"Date,Name,Year,Letterboxd URI,Rating\n2021-01-01,Heat,1995,u,0.5\n", "mine.csv").unwrap();
        assert_eq!(renamed.films[0].half_stars, Some(1), "its columns say it holds ratings");
    }

    #[test]
    fn wrong_files_and_bad_rows_are_refused_with_the_reason() {
        assert_eq!(read(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "poster.png"), Err(ExportError::NotAnExport));
        assert_eq!(read(b"hello", "notes.txt"), Err(ExportError::NotAnExport));
        assert!(matches!(read(b"a,b,c\n1,2,3\n", "watched.csv"), Err(ExportError::UnknownColumns { .. })));
        assert!(matches!(read(b"", "watched.csv"), Err(ExportError::UnknownColumns { .. })));
        assert_eq!(
            read(b"Date,Name,Year,Letterboxd URI\n2020-01-01,Caf\xe9,2001,u\n", "watched.csv"),
            Err(ExportError::NotUtf8 { file: "watched.csv".into(), line: 2 })
        );
        let bad_rating = read(b"Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,Heat,1995,u,4.3\n", "ratings.csv");
        assert!(matches!(bad_rating, Err(ExportError::BadRow { line: 2, .. })), "{bad_rating:?}");
        let bad_year = read(b"Date,Name,Year,Letterboxd URI\n2020-01-01,Heat,nineteen,u\n", "watched.csv");
        assert!(matches!(bad_year, Err(ExportError::BadRow { .. })));
        let bad_date = read(b"Date,Name,Year,Letterboxd URI\n2020-13-01,Heat,1995,u\n", "watched.csv");
        assert!(matches!(bad_date, Err(ExportError::BadRow { .. })));
        assert_eq!(read(&zip_of(&[("readme.txt", b"hi")]), "x.zip"), Err(ExportError::NoFilms));
        assert!(matches!(read(b"PK\x03\x04garbage", "x.zip"), Err(ExportError::BadZip(_))));
    }

    #[test]
    fn a_zip_bomb_stops_at_the_cap_without_inflating_the_rest() {
        let mut bomb = b"Date,Name,Year,Letterboxd URI\n".to_vec();
        bomb.resize(40 << 20, b' ');
        let zip = zip_of(&[("watched.csv", &bomb)]);
        assert!(zip.len() < 200_000, "40 MiB of spaces pack small: {}", zip.len());
        let limits = Limits { file_bytes: 1 << 20, ..Limits::default() };
        assert!(matches!(read_export(Cursor::new(&zip), "x.zip", limits), Err(ExportError::TooLarge { .. })));
        let rows = Limits { rows: 2, ..Limits::default() };
        let three = b"Date,Name,Year,Letterboxd URI\n2020-01-01,A,2000,u\n2020-01-01,B,2000,u\n2020-01-01,C,2000,u\n";
        assert!(matches!(read_export(Cursor::new(three), "watched.csv", rows), Err(ExportError::TooLarge { .. })));
    }

    #[test]
    fn the_sample_export_reads_back_and_mostly_matches() {
        let catalogue: Vec<CatalogueTitle> = (0..500)
            .map(|i| CatalogueTitle {
                id: i,
                title: format!("The Película {i}"),
                original_title: None,
                year: Some(1950 + (i % 70) as i32),
            })
            .collect();
        let zip = sample_export(&catalogue, 1000, 7);
        let export = read(&zip, "export.zip").unwrap();
        assert!(export.films.len() > 300, "{}", export.films.len());
        let index = TitleIndex::new(catalogue);
        let found = export.films.iter().filter(|f| matches!(index.find(&f.name, f.year), Match::Found(_))).count();
        let made_up = export.films.iter().filter(|f| f.name.starts_with("Unseen")).count();
        assert_eq!(found + made_up, export.films.len(), "every catalogue film is found, however it is written");
        assert_eq!(export.skipped, vec!["watchlist.csv".to_string(), "reviews.csv".to_string()]);
    }
}
