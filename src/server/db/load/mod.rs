//! Writes a `Dataset` in batches, one transaction per batch. Every insert skips rows that already
//! exist, so loading the same data twice changes nothing.

use super::{now, on_pool, Db};
use crate::server::db::dataset::{fold_text, Dataset, NewMovie};
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

/// One batch of films with their genres, metrics, people, credits, nominations and list
/// memberships, in one transaction; how many films were new.
async fn load_movies(db: &Db, chunk: &[NewMovie], refs: &References, now: i64) -> Result<u64, sqlx::Error> {
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let added = insert_in_parts!(
            tx,
            chunk,
            BATCH,
            "INSERT INTO movies (imdb_id, title, original_title, year, release_date, runtime_minutes, genres, \
             plot, poster_url, title_search, popularity, rating, data_completeness, created_at, updated_at) ",
            " ON CONFLICT (imdb_id) DO NOTHING",
            |b, m| b
                .push_bind(&m.imdb_id)
                .push_bind(&m.title)
                .push_bind(&m.original_title)
                .push_bind(m.year)
                .push_bind(&m.release_date)
                .push_bind(m.runtime_minutes)
                .push_bind(m.genres_display())
                .push_bind(&m.plot)
                .push_bind(&m.poster_url)
                .push_bind(fold_text(&m.title))
                .push_bind(m.popularity())
                .push_bind(m.rating())
                .push_bind(m.completeness())
                .push_bind(now)
                .push_bind(now)
        );
        let mut q = QueryBuilder::new("SELECT imdb_id, id FROM movies WHERE imdb_id IN (");
        let mut ids = q.separated(", ");
        for m in chunk {
            ids.push_bind(&m.imdb_id);
        }
        q.push(")");
        let movie_ids: HashMap<String, i64> =
            q.build_query_as::<(String, i64)>().fetch_all(&mut *tx).await?.into_iter().collect();
        let movie_id = |m: &NewMovie| movie_ids[&m.imdb_id];

        let genres: Vec<(i64, &str)> =
            chunk.iter().flat_map(|m| m.genres.iter().map(move |g| (movie_id(m), g.as_str()))).collect();
        insert_in_parts!(
            tx,
            genres,
            BATCH * 2,
            "INSERT INTO movie_genres (movie_id, genre) ",
            " ON CONFLICT DO NOTHING",
            |b, (id, g)| { b.push_bind(*id).push_bind(*g) }
        );
        let metrics: Vec<(i64, &str, &str, f64)> = chunk
            .iter()
            .flat_map(|m| m.metrics.iter().map(move |x| (movie_id(m), x.source, x.metric, x.value)))
            .collect();
        insert_in_parts!(
            tx,
            metrics,
            BATCH * 2,
            "INSERT INTO metrics (movie_id, source, metric, value, fetched_at) ",
            " ON CONFLICT (movie_id, source, metric) DO NOTHING",
            |b, (id, s, k, v)| b.push_bind(*id).push_bind(*s).push_bind(*k).push_bind(*v).push_bind(now)
        );

        let mut people: Vec<(&str, &str, Option<f64>)> = chunk
            .iter()
            .flat_map(|m| m.credits.iter().map(|c| (c.person_key.as_str(), c.name.as_str(), c.quality)))
            .collect();
        people.sort_by(|a, b| a.0.cmp(b.0));
        people.dedup_by(|a, b| a.0 == b.0);
        let mut person_ids: HashMap<String, i64> = HashMap::new();
        for part in people.chunks(BATCH) {
            insert_in_parts!(
                tx,
                part,
                BATCH,
                "INSERT INTO people (person_key, imdb_id, name, quality, quality_updated_at) ",
                " ON CONFLICT (person_key) DO NOTHING",
                |b, (key, name, quality)| b
                    .push_bind(*key)
                    .push_bind(key.starts_with("nm").then_some(*key))
                    .push_bind(*name)
                    .push_bind(*quality)
                    .push_bind(quality.map(|_| now))
            );
            let mut q = QueryBuilder::new("SELECT person_key, id FROM people WHERE person_key IN (");
            let mut keys = q.separated(", ");
            for (key, _, _) in part {
                keys.push_bind(*key);
            }
            q.push(")");
            person_ids.extend(q.build_query_as::<(String, i64)>().fetch_all(&mut *tx).await?);
        }
        let credits: Vec<(i64, i64, &str, i32)> = chunk
            .iter()
            .flat_map(|m| {
                let person_ids = &person_ids;
                m.credits
                    .iter()
                    .enumerate()
                    .map(move |(i, c)| (movie_id(m), person_ids[&c.person_key], c.role.as_str(), i as i32))
            })
            .collect();
        insert_in_parts!(
            tx,
            credits,
            BATCH,
            "INSERT INTO credits (movie_id, person_id, role, billing) ",
            " ON CONFLICT DO NOTHING",
            |b, (m, p, role, billing)| { b.push_bind(*m).push_bind(*p).push_bind(*role).push_bind(*billing) }
        );

        let mut nominations = Vec::new();
        let mut memberships = Vec::new();
        for m in chunk {
            for n in &m.nominations {
                let f = refs.festival(&n.festival)?;
                let ceremony = refs.ceremonies[&(f, n.year)];
                nominations.push((ceremony, refs.categories[&(f, n.category.clone())], movie_id(m), n.won));
            }
            for l in &m.lists {
                memberships.push((refs.list(&l.list)?, movie_id(m), l.edition_year));
            }
        }
        insert_in_parts!(
            tx,
            nominations,
            BATCH,
            "INSERT INTO nominations (ceremony_id, category_id, movie_id, won) ",
            " ON CONFLICT DO NOTHING",
            |b, (c, k, m, won)| b.push_bind(*c).push_bind(*k).push_bind(*m).push_bind(*won)
        );
        insert_in_parts!(
            tx,
            memberships,
            BATCH,
            "INSERT INTO list_memberships (list_id, movie_id, edition_year) ",
            " ON CONFLICT (list_id, movie_id) DO NOTHING",
            |b, (l, m, e)| b.push_bind(*l).push_bind(*m).push_bind(*e)
        );
        tx.commit().await?;
        Ok(added)
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
