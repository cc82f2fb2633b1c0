//! Reading back a stored import for review, a page at a time.

use super::*;

pub(super) struct ImportRow {
    id: i64,
    file_name: String,
    created_at: i64,
    applied_at: Option<i64>,
    shared: bool,
    result: Option<String>,
    films: i32,
    skipped: String,
}
crate::from_row!(ImportRow { id, file_name, created_at, applied_at, shared, result, films, skipped });

pub(super) struct FilmRow {
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
crate::from_row!(FilmRow { position, name, year, half_stars, watches, state, movie_id, candidates, title, movie_year });

pub(super) fn ids(list: &str) -> impl Iterator<Item = i64> + '_ {
    list.split(',').filter_map(|id| id.trim().parse().ok())
}

pub(super) const FILM_COLUMNS: &str =
    "f.position, f.name, f.year, f.half_stars, f.watches, f.state, f.movie_id, f.candidates, \
                            m.title, m.year AS movie_year \
                            FROM letterboxd_import_films f LEFT JOIN movies m ON m.id = f.movie_id";

/// What the review reads in one go.
pub(super) struct Stored {
    import: ImportRow,
    /// How many films are in each state.
    counts: Vec<(String, i64)>,
    to_pick: Vec<FilmRow>,
    not_found: Vec<FilmRow>,
    /// One page of the matched films.
    matched_page: Vec<FilmRow>,
    page: u32,
    pages: u32,
}

impl Stored {
    fn count(&self, state: MatchState) -> i64 {
        self.counts.iter().find(|(s, _)| s == state.slug()).map_or(0, |c| c.1)
    }
}

/// The member's import `id` (`None` if it is not theirs or not there), with one page of matches.
pub async fn review(db: &Db, user: i64, id: i64, page: u32) -> Result<Option<ImportReview>, sqlx::Error> {
    let Some(stored) = stored(db, user, id, page).await? else { return Ok(None) };
    // The candidates' names, read as the catalogue's cards are.
    let wanted: Vec<i64> = stored.to_pick.iter().flat_map(|f| ids(&f.candidates).collect::<Vec<_>>()).collect();
    let names: HashMap<i64, CatalogueFilm> = crate::server::db::movies::cards(db, &wanted)
        .await?
        .into_iter()
        .map(|c| (c.id, CatalogueFilm { id: c.id, title: c.title, year: c.year }))
        .collect();
    let (matched, ambiguous, missing) =
        (stored.count(MatchState::Matched), stored.count(MatchState::Ambiguous), stored.count(MatchState::Missing));
    let Stored { import, to_pick, not_found, matched_page, page, pages, .. } = stored;
    let films = |rows: Vec<FilmRow>| rows.into_iter().map(|row| import_film(row, &names)).collect();
    Ok(Some(ImportReview {
        id: import.id,
        file_name: import.file_name,
        created_at: import.created_at,
        applied_at: import.applied_at,
        shared: import.shared,
        result: import.result,
        films: import.films as i64,
        matched,
        ambiguous,
        missing,
        skipped: import.skipped.lines().map(str::to_string).collect(),
        to_pick: films(to_pick),
        not_found: films(not_found),
        matched_page: films(matched_page),
        page,
        pages,
    }))
}

fn import_film(row: FilmRow, names: &HashMap<i64, CatalogueFilm>) -> ImportFilm {
    ImportFilm {
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
    }
}

async fn stored(db: &Db, user: i64, id: i64, page: u32) -> Result<Option<Stored>, sqlx::Error> {
    on_pool!(db, |pool| {
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
        Ok(Some(Stored { import, counts, to_pick, not_found, matched_page, page, pages }))
    })
}
