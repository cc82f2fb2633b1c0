//! Catalogue reads.

use super::{on_pool, Db};
use crate::model::MovieCard;

const CARD_COLUMNS: &str = "m.id, m.imdb_id, m.title, m.year, m.genres, m.poster_url, m.rating, \
     (SELECT p.name FROM credits c JOIN people p ON p.id = c.person_id \
       WHERE c.movie_id = m.id AND c.role = 'director' ORDER BY c.billing LIMIT 1) AS director";

/// How a page of films is ordered; each order ends on the id so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovieOrder {
    Popular,
}

impl MovieOrder {
    fn sql(self) -> &'static str {
        match self {
            MovieOrder::Popular => "m.popularity DESC NULLS LAST, m.id",
        }
    }
}

/// One page of films, optionally only those released in `years` (inclusive).
pub async fn page(
    db: &Db,
    order: MovieOrder,
    years: Option<(i32, i32)>,
    limit: u32,
    offset: u64,
) -> Result<(Vec<MovieCard>, i64), sqlx::Error> {
    let (from, to) = years.unwrap_or((i32::MIN, i32::MAX));
    let filter = if years.is_some() { "WHERE m.year BETWEEN $1 AND $2" } else { "WHERE $1 <= $2" };
    let sql = format!("SELECT {CARD_COLUMNS} FROM movies m {filter} ORDER BY {} LIMIT $3 OFFSET $4", order.sql());
    let count_sql = format!("SELECT COUNT(*) FROM movies m {filter}");
    on_pool!(db, |pool| {
        let items = sqlx::query_as::<_, MovieCard>(&sql)
            .bind(from)
            .bind(to)
            .bind(limit as i64)
            .bind(offset as i64)
            .fetch_all(pool)
            .await?;
        let total: i64 = sqlx::query_scalar(&count_sql).bind(from).bind(to).fetch_one(pool).await?;
        Ok((items, total))
    })
}
