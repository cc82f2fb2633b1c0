//! Writes a `Dataset` in batches, one transaction per batch. Every insert skips rows that already
//! exist, so loading the same data twice changes nothing.

use super::{now, on_pool, Db};
use crate::server::db::dataset::Dataset;
use sqlx::QueryBuilder;
use std::collections::{BTreeSet, HashMap};

/// Rows per batch: large enough to amortise round trips, small enough for SQLite's bind limit.
pub const BATCH: usize = 400;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadSummary {
    pub movies_added: u64,
    pub movies_skipped: u64,
    pub users_added: u64,
    pub proposals_added: u64,
    pub votes_added: u64,
}

/// Inserts `rows` in parts of `$part` rows, one multi-row `INSERT` each: `$insert` names the
/// table and columns, `$bind` binds one row, `$tail` is the conflict clause. Written as a macro so
/// one text serves both backends' transactions.
macro_rules! insert_in_parts {
    ($tx:expr, $rows:expr, $part:expr, $insert:expr, $tail:expr, |$b:ident, $row:pat_param| $bind:expr) => {{
        let mut affected = 0u64;
        for part in $rows.chunks($part) {
            let mut q = QueryBuilder::new($insert);
            q.push_values(part, |mut $b, $row| {
                $bind;
            });
            q.push($tail);
            affected += q.build().execute(&mut *$tx).await?.rows_affected();
        }
        affected
    }};
}

/// The ids of the reference rows every film batch points at.
struct References {
    festivals: HashMap<String, i64>,
    lists: HashMap<String, i64>,
    ceremonies: HashMap<(i64, i32), i64>,
    categories: HashMap<(i64, String), i64>,
}

impl References {
    fn festival(&self, slug: &str) -> Result<i64, sqlx::Error> {
        self.festivals
            .get(slug)
            .copied()
            .ok_or_else(|| sqlx::Error::Protocol(format!("unknown festival {slug:?} in dataset")))
    }

    fn list(&self, slug: &str) -> Result<i64, sqlx::Error> {
        self.lists.get(slug).copied().ok_or_else(|| sqlx::Error::Protocol(format!("unknown list {slug:?} in dataset")))
    }
}

mod movies;
use movies::load_movies;

pub async fn load_dataset(
    db: &Db,
    data: &Dataset,
    mut progress: impl FnMut(usize) + Send,
) -> Result<LoadSummary, sqlx::Error> {
    let now = now();
    let mut summary = LoadSummary::default();
    // Reference rows first, so each movie batch can look their ids up in memory.
    let refs = load_references(db, data).await?;
    let mut done = 0;
    for chunk in data.movies.chunks(BATCH) {
        let added = load_movies(db, chunk, &refs, now).await?;
        summary.movies_added += added;
        summary.movies_skipped += chunk.len() as u64 - added;
        done += chunk.len();
        progress(done);
    }
    if !data.users.is_empty() {
        load_club(db, data, now, &mut summary).await?;
    }
    Ok(summary)
}

/// Festivals, lists, ceremonies and award categories, in one transaction; their ids.
async fn load_references(db: &Db, data: &Dataset) -> Result<References, sqlx::Error> {
    let ceremonies: BTreeSet<(&str, i32)> =
        data.movies.iter().flat_map(|m| m.nominations.iter().map(|n| (n.festival.as_str(), n.year))).collect();
    let categories: BTreeSet<(&str, &str)> = data
        .movies
        .iter()
        .flat_map(|m| m.nominations.iter().map(|n| (n.festival.as_str(), n.category.as_str())))
        .collect();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        insert_in_parts!(
            tx,
            data.festivals,
            BATCH,
            "INSERT INTO festivals (slug, name, country) ",
            " ON CONFLICT (slug) DO NOTHING",
            |b, f| { b.push_bind(&f.slug).push_bind(&f.name).push_bind(&f.country) }
        );
        insert_in_parts!(
            tx,
            data.lists,
            BATCH,
            "INSERT INTO canonical_lists (slug, name, description, is_target) ",
            " ON CONFLICT (slug) DO NOTHING",
            |b, l| b.push_bind(&l.slug).push_bind(&l.name).push_bind(&l.description).push_bind(l.is_target)
        );
        let mut refs = References {
            festivals: sqlx::query_as::<_, (String, i64)>("SELECT slug, id FROM festivals")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect(),
            lists: sqlx::query_as::<_, (String, i64)>("SELECT slug, id FROM canonical_lists")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect(),
            ceremonies: HashMap::new(),
            categories: HashMap::new(),
        };
        let rows =
            ceremonies.iter().map(|(f, y)| Ok((refs.festival(f)?, *y))).collect::<Result<Vec<_>, sqlx::Error>>()?;
        insert_in_parts!(
            tx,
            rows,
            BATCH,
            "INSERT INTO ceremonies (festival_id, year) ",
            " ON CONFLICT (festival_id, year) DO NOTHING",
            |b, (f, y)| { b.push_bind(*f).push_bind(*y) }
        );
        let rows =
            categories.iter().map(|(f, c)| Ok((refs.festival(f)?, *c))).collect::<Result<Vec<_>, sqlx::Error>>()?;
        insert_in_parts!(
            tx,
            rows,
            BATCH,
            "INSERT INTO award_categories (festival_id, name) ",
            " ON CONFLICT (festival_id, name) DO NOTHING",
            |b, (f, c)| { b.push_bind(*f).push_bind(*c) }
        );
        refs.ceremonies = sqlx::query_as::<_, (i64, i32, i64)>("SELECT festival_id, year, id FROM ceremonies")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(f, y, id)| ((f, y), id))
            .collect();
        refs.categories = sqlx::query_as::<_, (i64, String, i64)>("SELECT festival_id, name, id FROM award_categories")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(f, n, id)| ((f, n), id))
            .collect();
        tx.commit().await?;
        Ok(refs)
    })
}

/// Members, their proposals (with metadata copied from the catalogue) and votes, in one
/// transaction.
async fn load_club(db: &Db, data: &Dataset, now: i64, summary: &mut LoadSummary) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let mut q = QueryBuilder::new("INSERT INTO users (username, username_key, display_name, role, created_at) ");
        q.push_values(&data.users, |mut b, u| {
            b.push_bind(&u.username)
                .push_bind(u.username.to_lowercase())
                .push_bind(&u.display_name)
                .push_bind(u.role)
                .push_bind(now);
        });
        q.push(" ON CONFLICT (username_key) DO NOTHING");
        summary.users_added = q.build().execute(&mut *tx).await?.rows_affected();
        for p in &data.proposals {
            let at = now - p.age_hours * 3600;
            let watched_at = (p.status == "watched").then_some(at + 24 * 3600);
            summary.proposals_added += sqlx::query(
                "INSERT INTO proposals (imdb_id, movie_id, proposer_id, status, title, year, runtime_minutes, genres, plot, \
                   poster_url, imdb_rating, imdb_votes, cached_at, created_at, status_changed_at, watched_at) \
                 SELECT m.imdb_id, m.id, u.id, $2, m.title, m.year, m.runtime_minutes, m.genres, m.plot, m.poster_url, \
                   m.rating, CAST(m.popularity AS BIGINT), $3, $4, $4, $5 \
                 FROM movies m JOIN users u ON u.username_key = $6 \
                 WHERE m.imdb_id = $1 \
                   AND NOT EXISTS (SELECT 1 FROM proposals x WHERE x.imdb_id = m.imdb_id AND x.proposer_id = u.id) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&p.imdb_id)
            .bind(p.status)
            .bind(now)
            .bind(at)
            .bind(watched_at)
            .bind(p.proposer.to_lowercase())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            for voter in &p.voters {
                summary.votes_added += sqlx::query(
                    "INSERT INTO votes (proposal_id, user_id, created_at) \
                     SELECT p.id, u.id, $3 FROM proposals p JOIN users u ON u.username_key = $2 \
                     JOIN users proposer ON proposer.id = p.proposer_id AND proposer.username_key = $4 \
                     WHERE p.imdb_id = $1 \
                     ON CONFLICT (proposal_id, user_id) DO NOTHING",
                )
                .bind(&p.imdb_id)
                .bind(voter.to_lowercase())
                .bind(now - p.age_hours * 1800)
                .bind(p.proposer.to_lowercase())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
        }
        if summary.votes_added > 0 {
            sqlx::query(
                "UPDATE proposals SET vote_count = (SELECT COUNT(*) FROM votes v WHERE v.proposal_id = proposals.id)",
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    })
}
