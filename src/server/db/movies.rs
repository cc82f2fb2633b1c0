//! Catalogue reads and member ratings.

use super::counted::CountedConn;
use super::{now, on_pool, Db, Missing, StepError};
use crate::model::{
    AwardRow, ClubRecord, CreditRow, ListRow, MetricRow, MovieCard, MovieCursor, MovieFilter, MovieInfo, MovieSort,
};
use crate::validate::MovieKey;

const CARD_COLUMNS: &str = "m.id, m.imdb_id, m.title, m.year, m.genres, \
     (SELECT ps.image_key FROM posters ps WHERE ps.source_url = m.poster_url) AS poster, m.rating, \
     (SELECT p.name FROM credits c JOIN people p ON p.id = c.person_id \
       WHERE c.movie_id = m.id AND c.role = 'director' ORDER BY c.billing LIMIT 1) AS director";

/// The sort key of each order (no NULLs, matching the indexes of migration 0004); numeric keys
/// sort descending, the title ascending; ties are broken by id.
fn sort_key(sort: MovieSort) -> (&'static str, &'static str) {
    match sort {
        MovieSort::Popular => ("COALESCE(m.popularity, -1)", "''"),
        MovieSort::Rating => ("COALESCE(m.rating, -1)", "''"),
        MovieSort::Year => ("CAST(COALESCE(m.year, 0) AS DOUBLE PRECISION)", "''"),
        MovieSort::Title => ("CAST(0 AS DOUBLE PRECISION)", "m.title_search"),
    }
}

struct KeyedCard {
    card: MovieCard,
    sort_num: f64,
    sort_text: String,
}
crate::from_row!(KeyedCard { card: flatten, sort_num, sort_text });

/// Where a page starts: a row offset (page numbers) or after a cursor (the JSON API).
pub enum Start {
    Offset(u64),
    After(MovieCursor),
}

/// A page of films matching `filter`, the number matching, and the cursor after the last one.
/// `search` must already be folded (lower case, no accents), like `title_search`.
/// One page of the catalogue: its films, how many match the filter, and where the next page starts.
#[derive(Debug, Clone)]
pub struct Listed {
    pub items: Vec<MovieCard>,
    pub total: i64,
    pub next: Option<MovieCursor>,
}

pub async fn list(
    db: &Db,
    filter: &MovieFilter,
    folded_search: Option<&str>,
    start: &Start,
    limit: u32,
) -> Result<Listed, sqlx::Error> {
    let (num_key, text_key) = sort_key(filter.sort);
    let order = match filter.sort {
        MovieSort::Title => "m.title_search, m.id".to_string(),
        _ => format!("{num_key} DESC, m.id"),
    };
    let pattern = folded_search.map(|q| {
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("%{escaped}%")
    });
    on_pool!(db, |pool| {
        // The same filters for the page and for the count.
        macro_rules! filters {
            ($q:expr) => {{
                if let Some(genre) = &filter.genre {
                    $q.push(" AND EXISTS (SELECT 1 FROM movie_genres g WHERE g.movie_id = m.id AND g.genre = ");
                    $q.push_bind(genre.clone()).push(")");
                }
                if let Some(decade) = filter.decade {
                    $q.push(" AND m.year BETWEEN ").push_bind(decade).push(" AND ").push_bind(decade + 9);
                }
                if filter.on_list {
                    $q.push(" AND EXISTS (SELECT 1 FROM list_memberships l WHERE l.movie_id = m.id)");
                }
                if let Some(p) = &pattern {
                    $q.push(" AND m.title_search LIKE ").push_bind(p.clone()).push(" ESCAPE '\\'");
                }
            }};
        }
        let mut q = sqlx::QueryBuilder::new(format!(
            "SELECT {CARD_COLUMNS}, CAST({num_key} AS DOUBLE PRECISION) AS sort_num, {text_key} AS sort_text \
             FROM movies m WHERE 1 = 1"
        ));
        filters!(q);
        if let Start::After(c) = start {
            match filter.sort {
                MovieSort::Title => {
                    q.push(" AND (m.title_search > ").push_bind(c.text.clone());
                    q.push(" OR (m.title_search = ").push_bind(c.text.clone());
                }
                _ => {
                    q.push(format!(" AND ({num_key} < ")).push_bind(c.num);
                    q.push(format!(" OR ({num_key} = ")).push_bind(c.num);
                }
            }
            q.push(" AND m.id > ").push_bind(c.id).push("))");
        }
        q.push(format!(" ORDER BY {order} LIMIT ")).push_bind(limit as i64);
        if let Start::Offset(offset) = start {
            q.push(" OFFSET ").push_bind(*offset as i64);
        }
        let rows = q.build_query_as::<KeyedCard>().fetch_all(pool).await?;
        let mut count = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM movies m WHERE 1 = 1");
        filters!(count);
        let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
        let next = (rows.len() == limit as usize)
            .then(|| {
                rows.last().map(|r| MovieCursor {
                    sort: filter.sort,
                    num: r.sort_num,
                    text: r.sort_text.clone(),
                    id: r.card.id,
                })
            })
            .flatten();
        Ok(Listed { items: rows.into_iter().map(|r| r.card).collect(), total, next })
    })
}

/// The film's own row, by catalogue id or IMDb id.
pub async fn info(db: &Db, key: &MovieKey) -> Result<Option<MovieInfo>, sqlx::Error> {
    let sql = "SELECT m.id, m.imdb_id, m.title, m.original_title, m.year, m.runtime_minutes, m.genres, m.plot, \
                      (SELECT ps.image_key FROM posters ps WHERE ps.source_url = m.poster_url) AS poster, m.rating, m.popularity FROM movies m WHERE ";
    on_pool!(db, |pool| match key {
        MovieKey::Id(id) => {
            sqlx::query_as::<_, MovieInfo>(&format!("{sql} m.id = $1")).bind(*id).fetch_optional(pool).await
        }
        MovieKey::Imdb(imdb) => {
            sqlx::query_as::<_, MovieInfo>(&format!("{sql} m.imdb_id = $1"))
                .bind(imdb.as_str())
                .fetch_optional(pool)
                .await
        }
    })
}

/// Everything about one film except what is member-specific, in a fixed number of queries.
pub async fn facts(
    db: &Db,
    movie_id: i64,
) -> Result<(Vec<CreditRow>, Vec<MetricRow>, Vec<AwardRow>, Vec<ListRow>, ClubRecord), sqlx::Error> {
    on_pool!(db, |pool| {
        let credits = sqlx::query_as::<_, CreditRow>(
            "SELECT p.name, c.role, c.job FROM credits c JOIN people p ON p.id = c.person_id \
             WHERE c.movie_id = $1 ORDER BY CASE c.role WHEN 'director' THEN 0 WHEN 'writer' THEN 1 ELSE 2 END, c.billing, p.name",
        )
        .bind(movie_id)
        .fetch_all(pool)
        .await?;
        let metrics = sqlx::query_as::<_, MetricRow>(
            "SELECT source, metric, value FROM metrics WHERE movie_id = $1 ORDER BY source, metric",
        )
        .bind(movie_id)
        .fetch_all(pool)
        .await?;
        let awards = sqlx::query_as::<_, AwardRow>(
            "SELECT f.name AS festival, c.year, k.name AS category, n.won FROM nominations n \
             JOIN ceremonies c ON c.id = n.ceremony_id JOIN festivals f ON f.id = c.festival_id \
             JOIN award_categories k ON k.id = n.category_id \
             WHERE n.movie_id = $1 ORDER BY n.won DESC, c.year, f.name, k.name",
        )
        .bind(movie_id)
        .fetch_all(pool)
        .await?;
        let lists = sqlx::query_as::<_, ListRow>(
            "SELECT l.name, m.edition_year AS edition, l.is_target FROM list_memberships m \
             JOIN canonical_lists l ON l.id = m.list_id WHERE m.movie_id = $1 ORDER BY l.is_target DESC, l.name",
        )
        .bind(movie_id)
        .fetch_all(pool)
        .await?;
        let club = sqlx::query_as::<_, ClubRecord>(
            "SELECT \
               (SELECT COUNT(*) FROM proposals p WHERE p.movie_id = $1 AND p.status = 'active') AS active_proposals, \
               (SELECT CAST(COALESCE(SUM(p.vote_count), 0) AS BIGINT) FROM proposals p WHERE p.movie_id = $1 AND p.status = 'active') AS votes, \
               (SELECT MAX(p.watched_at) FROM proposals p WHERE p.movie_id = $1 AND p.status = 'watched') AS watched_at, \
               (SELECT AVG(CAST(w.half_stars AS DOUBLE PRECISION)) / 2 FROM watch_ratings w JOIN proposals p ON p.id = w.proposal_id \
                  WHERE p.movie_id = $1) AS watch_stars, \
               (SELECT AVG(CAST(r.half_stars AS DOUBLE PRECISION)) / 2 FROM ratings r WHERE r.movie_id = $1 AND r.shared) AS member_stars, \
               (SELECT COUNT(*) FROM ratings r WHERE r.movie_id = $1 AND r.shared) AS member_ratings",
        )
        .bind(movie_id)
        .fetch_one(pool)
        .await?;
        Ok((credits, metrics, awards, lists, club))
    })
}

/// The member's rating of a film, in half stars.
pub async fn my_rating(db: &Db, user_id: i64, movie_id: i64) -> Result<Option<i32>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT half_stars FROM ratings WHERE user_id = $1 AND movie_id = $2")
            .bind(user_id)
            .bind(movie_id)
            .fetch_optional(pool)
            .await
    })
}

/// Every rating of the member: (movie id, half stars), newest first.
pub async fn ratings_of(db: &Db, user_id: i64) -> Result<Vec<(i64, i32)>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as("SELECT movie_id, half_stars FROM ratings WHERE user_id = $1 ORDER BY rated_at DESC, movie_id")
            .bind(user_id)
            .fetch_all(pool)
            .await
    })
}

/// Sets (`Some`) or removes (`None`) the member's rating; returns whether anything changed.
pub async fn rate(db: &Db, user_id: i64, movie_id: i64, half_stars: Option<i32>) -> Result<bool, StepError<Missing>> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let changed = match half_stars {
            Some(h) => sqlx::query(
                "INSERT INTO ratings (user_id, movie_id, half_stars, rated_at) \
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM movies WHERE id = $2) \
                 ON CONFLICT (user_id, movie_id) DO UPDATE SET half_stars = excluded.half_stars, rated_at = excluded.rated_at",
            )
            .bind(user_id)
            .bind(movie_id)
            .bind(h)
            .bind(at)
            .execute(CountedConn(&mut *tx))
            .await?
            .rows_affected(),
            None => sqlx::query("DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2")
                .bind(user_id)
                .bind(movie_id)
                .execute(CountedConn(&mut *tx))
                .await?
                .rows_affected(),
        };
        if half_stars.is_some() && changed == 0 {
            return Err(StepError::Refused(Missing));
        }
        tx.commit().await?;
        Ok(changed > 0)
    })
}

/// What the recommender needs of every film: (id, genres, director ids, IMDb rating, IMDb votes).
pub async fn taste_rows(db: &Db) -> Result<Vec<(i64, String, Option<String>, Option<f64>, Option<f64>)>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT m.id, m.genres, \
                    (SELECT STRING_AGG(CAST(c.person_id AS TEXT), ',') FROM credits c \
                       WHERE c.movie_id = m.id AND c.role = 'director') AS directors, \
                    m.rating, m.popularity \
             FROM movies m ORDER BY m.id",
        )
        .fetch_all(pool)
        .await
    })
}

/// Cards for the given films, in the given order.
pub async fn cards(db: &Db, ids: &[i64]) -> Result<Vec<MovieCard>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = on_pool!(db, |pool| {
        let mut q = sqlx::QueryBuilder::new(format!("SELECT {CARD_COLUMNS} FROM movies m WHERE m.id IN ("));
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        q.push(")");
        q.build_query_as::<MovieCard>().fetch_all(pool).await
    })?;
    found.sort_by_key(|c| ids.iter().position(|id| *id == c.id));
    Ok(found)
}

/// Every genre in the catalogue, alphabetically.
pub async fn genres(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT DISTINCT genre FROM movie_genres ORDER BY genre").fetch_all(pool).await
    })
}
