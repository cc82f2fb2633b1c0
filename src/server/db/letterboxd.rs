//! Letterboxd imports: the dry run kept for review, and applying it to the member's own ratings and
//! viewings.

use super::counted::CountedConn;
use super::{now, on_pool, Db, StepError};
use crate::letterboxd::CatalogueTitle;
use crate::model::{CatalogueFilm, ImportFilm, ImportReview, MatchState, MATCHED_PER_PAGE};
use std::collections::{HashMap, HashSet};

/// Every catalogue film's titles and year, for matching.
pub async fn catalogue_titles(db: &Db) -> Result<Vec<CatalogueTitle>, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>, Option<i32>)> = on_pool!(db, |pool| {
        sqlx::query_as("SELECT id, title, original_title, year FROM movies").fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, title, original_title, year)| CatalogueTitle { id, title, original_title, year })
        .collect())
}

/// One film of a dry run, as stored.
#[derive(Debug, Clone)]
pub struct DryRunFilm {
    pub name: String,
    pub year: Option<i32>,
    pub half_stars: Option<i32>,
    pub rated_on: Option<String>,
    /// 'YYYY-MM-DD' or 'YYYY-MM-DD r' (a rewatch), joined by ','.
    pub watches: String,
    pub state: MatchState,
    pub movie_id: Option<i64>,
    /// Movie ids, joined by ','.
    pub candidates: String,
}

/// Rows per INSERT: 10 values each, well under either database's limit on parameters.
const CHUNK: usize = 1000;

/// Keeps a dry run for the member to review; their earlier unapplied ones go. Returns its id.
pub async fn save(
    db: &Db,
    user: i64,
    file_name: &str,
    skipped: &[String],
    films: &[DryRunFilm],
) -> Result<i64, sqlx::Error> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM letterboxd_imports WHERE user_id = $1 AND applied_at IS NULL")
            .bind(user)
            .execute(CountedConn(&mut *tx))
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO letterboxd_imports (user_id, file_name, created_at, films, skipped) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user)
        .bind(file_name)
        .bind(at)
        .bind(films.len() as i32)
        .bind(skipped.join("\n"))
        .fetch_one(CountedConn(&mut *tx))
        .await?;
        for (chunk_no, chunk) in films.chunks(CHUNK).enumerate() {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO letterboxd_import_films \
                 (import_id, position, name, year, half_stars, rated_on, watches, state, movie_id, candidates) ",
            );
            q.push_values(chunk.iter().enumerate(), |mut row, (i, f)| {
                row.push_bind(id)
                    .push_bind((chunk_no * CHUNK + i) as i32)
                    .push_bind(f.name.clone())
                    .push_bind(f.year)
                    .push_bind(f.half_stars)
                    .push_bind(f.rated_on.clone())
                    .push_bind(f.watches.clone())
                    .push_bind(f.state.slug())
                    .push_bind(f.movie_id)
                    .push_bind(f.candidates.clone());
            });
            q.build().execute(CountedConn(&mut *tx)).await?;
        }
        tx.commit().await?;
        Ok(id)
    })
}

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: i64,
    file_name: String,
    created_at: i64,
    applied_at: Option<i64>,
    shared: bool,
    result: Option<String>,
    films: i32,
    skipped: String,
}

#[derive(sqlx::FromRow)]
struct FilmRow {
    position: i32,
    name: String,
    year: Option<i32>,
    half_stars: Option<i32>,
    watches: String,
    state: String,
    movie_id: Option<i64>,
    candidates: String,
    title: Option<String>,
    movie_year: Option<i32>,
}

fn ids(list: &str) -> impl Iterator<Item = i64> + '_ {
    list.split(',').filter_map(|id| id.trim().parse().ok())
}

const FILM_COLUMNS: &str = "f.position, f.name, f.year, f.half_stars, f.watches, f.state, f.movie_id, f.candidates, \
                            m.title, m.year AS movie_year \
                            FROM letterboxd_import_films f LEFT JOIN movies m ON m.id = f.movie_id";

/// The member's import `id` (`None` if it is not theirs or not there), with one page of matches.
/// What the review reads in one go: the import, its counts by state, the films to pick, those not
/// found, one page of the matched, that page's number and the number of pages.
type Stored = (ImportRow, Vec<(String, i64)>, Vec<FilmRow>, Vec<FilmRow>, Vec<FilmRow>, u32, u32);

pub async fn review(db: &Db, user: i64, id: i64, page: u32) -> Result<Option<ImportReview>, sqlx::Error> {
    let stored: Option<Stored> = on_pool!(db, |pool| {
        let Some(import) = sqlx::query_as::<_, ImportRow>(
            "SELECT id, file_name, created_at, applied_at, shared, result, films, skipped \
             FROM letterboxd_imports WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user)
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        let counts: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM letterboxd_import_films WHERE import_id = $1 GROUP BY state")
                .bind(id)
                .fetch_all(pool)
                .await?;
        let count = |state: MatchState| counts.iter().find(|(s, _)| s == state.slug()).map_or(0, |c| c.1);
        let of_state_sql = format!(
            "SELECT {FILM_COLUMNS} WHERE f.import_id = $1 AND f.state = $2 ORDER BY f.position LIMIT $3 OFFSET $4"
        );
        let of_state = |state: MatchState, limit: i64, offset: i64| {
            sqlx::query_as::<_, FilmRow>(&of_state_sql)
                .bind(id)
                .bind(state.slug())
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
        };
        let to_pick = of_state(MatchState::Ambiguous, i64::MAX, 0).await?;
        let not_found = of_state(MatchState::Missing, i64::MAX, 0).await?;
        let matched = count(MatchState::Matched);
        let pages = (matched as u32).div_ceil(MATCHED_PER_PAGE).max(1);
        let page = page.clamp(1, pages);
        let matched_page =
            of_state(MatchState::Matched, MATCHED_PER_PAGE as i64, ((page - 1) * MATCHED_PER_PAGE) as i64).await?;
        Ok::<_, sqlx::Error>(Some((import, counts, to_pick, not_found, matched_page, page, pages)))
    })?;
    let Some((import, counts, to_pick, not_found, matched_page, page, pages)) = stored else { return Ok(None) };
    // The candidates' names, read as the catalogue's cards are.
    let wanted: Vec<i64> = to_pick.iter().flat_map(|f| ids(&f.candidates).collect::<Vec<_>>()).collect();
    let names: HashMap<i64, CatalogueFilm> = super::movies::cards(db, &wanted)
        .await?
        .into_iter()
        .map(|c| (c.id, CatalogueFilm { id: c.id, title: c.title, year: c.year }))
        .collect();
    let count = |state: MatchState| counts.iter().find(|(s, _)| s == state.slug()).map_or(0, |c| c.1);
    let matched = count(MatchState::Matched);
    let film = |row: FilmRow| ImportFilm {
        position: row.position,
        watches: row.watches.split(',').filter(|w| !w.is_empty()).count() as i32,
        state: MatchState::parse(&row.state).unwrap_or(MatchState::Missing),
        film: match (row.movie_id, row.title) {
            (Some(id), Some(title)) => Some(CatalogueFilm { id, title, year: row.movie_year }),
            _ => None,
        },
        candidates: ids(&row.candidates).filter_map(|id| names.get(&id).cloned()).collect(),
        name: row.name,
        year: row.year,
        half_stars: row.half_stars,
    };
    Ok(Some(ImportReview {
        id: import.id,
        file_name: import.file_name,
        created_at: import.created_at,
        applied_at: import.applied_at,
        shared: import.shared,
        result: import.result,
        films: import.films as i64,
        matched,
        ambiguous: count(MatchState::Ambiguous),
        missing: count(MatchState::Missing),
        skipped: import.skipped.lines().map(str::to_string).collect(),
        to_pick: to_pick.into_iter().map(film).collect(),
        not_found: not_found.into_iter().map(film).collect(),
        matched_page: matched_page.into_iter().map(film).collect(),
        page,
        pages,
    }))
}

/// The member's newest import, if any.
pub async fn latest(db: &Db, user: i64) -> Result<Option<i64>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT id FROM letterboxd_imports WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(user)
        .fetch_optional(pool)
        .await
    })
}

/// What applying an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub films: usize,
    pub ratings_added: usize,
    pub ratings_updated: usize,
    /// Films rated in Marquee itself, whose rating the import left alone.
    pub ratings_kept: usize,
    pub watches_added: usize,
    /// Films not imported: not found, or not picked.
    pub left_out: usize,
}

impl Applied {
    pub fn sentence(&self) -> String {
        let mut out = format!(
            "{} films imported: {} ratings added, {} updated, {} viewings added",
            self.films, self.ratings_added, self.ratings_updated, self.watches_added
        );
        if self.ratings_kept > 0 {
            out.push_str(&format!("; {} ratings you made here were kept", self.ratings_kept));
        }
        if self.left_out > 0 {
            out.push_str(&format!("; {} films left out (not found or not picked)", self.left_out));
        }
        out.push('.');
        out
    }
}

#[derive(sqlx::FromRow)]
struct ApplyRow {
    position: i32,
    state: String,
    movie_id: Option<i64>,
    candidates: String,
    half_stars: Option<i32>,
    rated_on: Option<String>,
    watches: String,
}

/// What goes in for one catalogue film: (half stars, the day they were given, viewings).
type Chosen = (Option<i32>, Option<String>, Vec<String>);

/// Midnight UTC of a YYYY-MM-DD date, as a Unix time.
fn day_start(date: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.parse().ok()?;
    date.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp().as_second())
}

/// Why an import was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyRefused {
    Missing,
    AppliedAlready,
    /// A pick names a film that was not among that row's candidates (`position` counts from 0).
    NotACandidate {
        position: i32,
        movie: i64,
    },
}

/// Applies the member's import `id`: ratings (private unless `share`) and viewings of every
/// matched film and of every film the member picked (`picks`: position → movie). Ratings made in
/// Marquee itself are kept; the same export applied twice changes nothing.
pub async fn apply(
    db: &Db,
    user: i64,
    id: i64,
    picks: &HashMap<i32, i64>,
    share: bool,
    ip: Option<String>,
) -> Result<Applied, StepError<ApplyRefused>> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let applied_at: Option<Option<i64>> =
            sqlx::query_scalar("SELECT applied_at FROM letterboxd_imports WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user)
                .fetch_optional(CountedConn(&mut *tx))
                .await?;
        match applied_at {
            None => return Err(StepError::Refused(ApplyRefused::Missing)),
            Some(Some(_)) => return Err(StepError::Refused(ApplyRefused::AppliedAlready)),
            Some(None) => {}
        }
        let rows: Vec<ApplyRow> = sqlx::query_as(
            "SELECT position, state, movie_id, candidates, half_stars, rated_on, watches \
             FROM letterboxd_import_films WHERE import_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(CountedConn(&mut *tx))
        .await?;
        let ambiguous: HashMap<i32, &ApplyRow> =
            rows.iter().filter(|r| r.state == MatchState::Ambiguous.slug()).map(|r| (r.position, r)).collect();
        for (position, movie) in picks {
            let fits = ambiguous.get(position).is_some_and(|r| ids(&r.candidates).any(|c| c == *movie));
            if !fits {
                return Err(StepError::Refused(ApplyRefused::NotACandidate { position: *position, movie: *movie }));
            }
        }
        // Each catalogue film once: the latest rating and every viewing of the films that name it.
        let mut chosen: HashMap<i64, Chosen> = HashMap::new();
        let mut left_out = 0;
        let mut picked: Vec<(i32, i64)> = Vec::new();
        for row in &rows {
            let movie = match MatchState::parse(&row.state) {
                Some(MatchState::Matched) => row.movie_id,
                Some(MatchState::Ambiguous) => {
                    let pick = picks.get(&row.position).copied();
                    if let Some(movie) = pick {
                        picked.push((row.position, movie));
                    }
                    pick
                }
                _ => None,
            };
            let Some(movie) = movie else {
                left_out += 1;
                continue;
            };
            let entry = chosen.entry(movie).or_default();
            if row.half_stars.is_some() && entry.1.as_deref() <= row.rated_on.as_deref() {
                entry.0 = row.half_stars;
                entry.1 = row.rated_on.clone();
            }
            entry.2.extend(row.watches.split(',').filter(|w| !w.is_empty()).map(str::to_string));
        }
        // Films removed from the catalogue since the dry run are left out.
        let movies: Vec<i64> = chosen.keys().copied().collect();
        let mut present: HashSet<i64> = HashSet::new();
        for chunk in movies.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new("SELECT id FROM movies WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            present.extend(q.build_query_scalar::<i64>().fetch_all(CountedConn(&mut *tx)).await?);
        }
        left_out += chosen.len() - present.len();
        chosen.retain(|movie, _| present.contains(movie));
        let existing: HashMap<i64, (i32, bool, String)> = sqlx::query_as::<_, (i64, i32, bool, String)>(
            "SELECT movie_id, half_stars, shared, source FROM ratings WHERE user_id = $1",
        )
        .bind(user)
        .fetch_all(CountedConn(&mut *tx))
        .await?
        .into_iter()
        .map(|(movie, half, shared, source)| (movie, (half, shared, source)))
        .collect();
        let mut report = Applied { films: chosen.len(), left_out, ..Default::default() };
        let mut new_ratings: Vec<(i64, i32, i64)> = Vec::new();
        let mut watches: Vec<(i64, String, bool)> = Vec::new();
        let mut order: Vec<&i64> = chosen.keys().collect();
        order.sort();
        for movie in order {
            let (half_stars, rated_on, seen) = &chosen[movie];
            for watch in seen {
                let (on, rewatch) = match watch.strip_suffix(" r") {
                    Some(on) => (on.to_string(), true),
                    None => (watch.clone(), false),
                };
                watches.push((*movie, on, rewatch));
            }
            let Some(half_stars) = *half_stars else { continue };
            let rated_at = rated_on.as_deref().and_then(day_start).unwrap_or(at);
            match existing.get(movie) {
                None => new_ratings.push((*movie, half_stars, rated_at)),
                Some((_, _, source)) if source != "letterboxd" => report.ratings_kept += 1,
                Some((half, shared, _)) if *half == half_stars && *shared == share => {}
                Some(_) => {
                    sqlx::query(
                        "UPDATE ratings SET half_stars = $3, rated_at = $4, shared = $5 \
                         WHERE user_id = $1 AND movie_id = $2 AND source = 'letterboxd'",
                    )
                    .bind(user)
                    .bind(*movie)
                    .bind(half_stars)
                    .bind(rated_at)
                    .bind(share)
                    .execute(CountedConn(&mut *tx))
                    .await?;
                    report.ratings_updated += 1;
                }
            }
        }
        for chunk in new_ratings.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO ratings (user_id, movie_id, half_stars, rated_at, shared, source) ",
            );
            q.push_values(chunk, |mut row, (movie, half, rated_at)| {
                row.push_bind(user)
                    .push_bind(*movie)
                    .push_bind(*half)
                    .push_bind(*rated_at)
                    .push_bind(share)
                    .push("'letterboxd'");
            });
            q.push(" ON CONFLICT (user_id, movie_id) DO NOTHING");
            report.ratings_added += q.build().execute(CountedConn(&mut *tx)).await?.rows_affected() as usize;
        }
        for chunk in watches.chunks(CHUNK) {
            let mut q =
                sqlx::QueryBuilder::new("INSERT INTO member_watches (user_id, movie_id, watched_on, rewatch, source) ");
            q.push_values(chunk, |mut row, (movie, on, rewatch)| {
                row.push_bind(user).push_bind(*movie).push_bind(on.clone()).push_bind(*rewatch).push("'letterboxd'");
            });
            q.push(" ON CONFLICT (user_id, movie_id, watched_on) DO NOTHING");
            report.watches_added += q.build().execute(CountedConn(&mut *tx)).await?.rows_affected() as usize;
        }
        for (position, movie) in picked {
            sqlx::query("UPDATE letterboxd_import_films SET movie_id = $3 WHERE import_id = $1 AND position = $2")
                .bind(id)
                .bind(position)
                .bind(movie)
                .execute(CountedConn(&mut *tx))
                .await?;
        }
        let sentence = report.sentence();
        sqlx::query("UPDATE letterboxd_imports SET applied_at = $2, shared = $3, result = $4 WHERE id = $1")
            .bind(id)
            .bind(at)
            .bind(share)
            .bind(&sentence)
            .execute(CountedConn(&mut *tx))
            .await?;
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(user),
            "letterboxd.import",
            Some("letterboxd_import"),
            Some(id.to_string()),
            Some(format!("{sentence} Shared with the club: {}.", if share { "yes" } else { "no" })),
            ip
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    })
}

/// The films the member has watched on their own (imported viewings).
pub async fn watched_movies(db: &Db, user: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT DISTINCT movie_id FROM member_watches WHERE user_id = $1")
            .bind(user)
            .fetch_all(pool)
            .await
    })
}
