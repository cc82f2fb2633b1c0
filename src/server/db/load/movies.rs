//! One batch of the dataset's films, with everything that hangs off them.

use super::{References, BATCH};
use crate::server::db::dataset::{fold_text, NewMovie};
use crate::server::db::{on_tx, Db, Tx};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// One batch of films with their genres, metrics, people, credits, nominations and list
/// memberships, in one transaction; how many films were new.
pub(super) async fn load_movies(db: &Db, chunk: &[NewMovie], refs: &References, now: i64) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let added = add_movies(&mut tx, chunk, now).await?;
    let ids = movie_ids(&mut tx, chunk).await?;
    let movie_id = |m: &NewMovie| ids[&m.imdb_id];
    add_genres_and_metrics(&mut tx, chunk, &movie_id, now).await?;
    let people = add_people(&mut tx, chunk, now).await?;
    add_credits(&mut tx, chunk, &movie_id, &people).await?;
    add_honours(&mut tx, chunk, &movie_id, refs).await?;
    tx.commit().await?;
    Ok(added)
}

/// The films themselves; how many were new.
async fn add_movies(tx: &mut Tx, chunk: &[NewMovie], now: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |conn| {
        Ok(insert_in_parts!(
            conn,
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
        ))
    })
}

/// The films' ids by IMDb id.
async fn movie_ids(tx: &mut Tx, chunk: &[NewMovie]) -> Result<HashMap<String, i64>, sqlx::Error> {
    on_tx!(tx, |conn| {
        let mut q = QueryBuilder::new("SELECT imdb_id, id FROM movies WHERE imdb_id IN (");
        let mut ids = q.separated(", ");
        for m in chunk {
            ids.push_bind(&m.imdb_id);
        }
        q.push(")");
        Ok(q.build_query_as::<(String, i64)>().fetch_all(&mut *conn).await?.into_iter().collect())
    })
}

async fn add_genres_and_metrics(
    tx: &mut Tx,
    chunk: &[NewMovie],
    movie_id: &dyn Fn(&NewMovie) -> i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let genres: Vec<(i64, &str)> =
        chunk.iter().flat_map(|m| m.genres.iter().map(move |g| (movie_id(m), g.as_str()))).collect();
    let metrics: Vec<(i64, &str, &str, f64)> =
        chunk.iter().flat_map(|m| m.metrics.iter().map(move |x| (movie_id(m), x.source, x.metric, x.value))).collect();
    on_tx!(tx, |conn| {
        insert_in_parts!(
            conn,
            genres,
            BATCH * 2,
            "INSERT INTO movie_genres (movie_id, genre) ",
            " ON CONFLICT DO NOTHING",
            |b, (id, g)| { b.push_bind(*id).push_bind(*g) }
        );
        insert_in_parts!(
            conn,
            metrics,
            BATCH * 2,
            "INSERT INTO metrics (movie_id, source, metric, value, fetched_at) ",
            " ON CONFLICT (movie_id, source, metric) DO NOTHING",
            |b, (id, s, k, v)| b.push_bind(*id).push_bind(*s).push_bind(*k).push_bind(*v).push_bind(now)
        );
        Ok(())
    })
}

/// The people the films credit, each once; their ids by person key.
async fn add_people(tx: &mut Tx, chunk: &[NewMovie], now: i64) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut people: Vec<(&str, &str, Option<f64>)> = chunk
        .iter()
        .flat_map(|m| m.credits.iter().map(|c| (c.person_key.as_str(), c.name.as_str(), c.quality)))
        .collect();
    people.sort_by(|a, b| a.0.cmp(b.0));
    people.dedup_by(|a, b| a.0 == b.0);
    let mut person_ids: HashMap<String, i64> = HashMap::new();
    for part in people.chunks(BATCH) {
        on_tx!(tx, |conn| {
            insert_in_parts!(
                conn,
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
            person_ids.extend(q.build_query_as::<(String, i64)>().fetch_all(&mut *conn).await?);
        });
    }
    Ok(person_ids)
}

async fn add_credits(
    tx: &mut Tx,
    chunk: &[NewMovie],
    movie_id: &dyn Fn(&NewMovie) -> i64,
    person_ids: &HashMap<String, i64>,
) -> Result<(), sqlx::Error> {
    let credits: Vec<(i64, i64, &str, i32)> = chunk
        .iter()
        .flat_map(|m| {
            m.credits
                .iter()
                .enumerate()
                .map(move |(i, c)| (movie_id(m), person_ids[&c.person_key], c.role.as_str(), i as i32))
        })
        .collect();
    on_tx!(tx, |conn| {
        insert_in_parts!(
            conn,
            credits,
            BATCH,
            "INSERT INTO credits (movie_id, person_id, role, billing) ",
            " ON CONFLICT DO NOTHING",
            |b, (m, p, role, billing)| { b.push_bind(*m).push_bind(*p).push_bind(*role).push_bind(*billing) }
        );
        Ok(())
    })
}

/// The films' nominations and list memberships.
async fn add_honours(
    tx: &mut Tx,
    chunk: &[NewMovie],
    movie_id: &dyn Fn(&NewMovie) -> i64,
    refs: &References,
) -> Result<(), sqlx::Error> {
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
    on_tx!(tx, |conn| {
        insert_in_parts!(
            conn,
            nominations,
            BATCH,
            "INSERT INTO nominations (ceremony_id, category_id, movie_id, won) ",
            " ON CONFLICT DO NOTHING",
            |b, (c, k, m, won)| b.push_bind(*c).push_bind(*k).push_bind(*m).push_bind(*won)
        );
        insert_in_parts!(
            conn,
            memberships,
            BATCH,
            "INSERT INTO list_memberships (list_id, movie_id, edition_year) ",
            " ON CONFLICT (list_id, movie_id) DO NOTHING",
            |b, (l, m, e)| b.push_bind(*l).push_bind(*m).push_bind(*e)
        );
        Ok(())
    })
}
