//! The club's proposals, votes and watched history.
//!
//! Every change runs in one transaction that starts with a write, so SQLite takes its write lock
//! up front (no lock upgrade to fail under concurrency) and PostgreSQL locks the rows it checks.

use super::audit::Actor;
use super::counted::CountedConn;
use super::{now, on_pool, on_tx, Db, StepError, Tx};
use crate::model::{ProposalCard, ProposalStatus, Quota, VoteState, WatchedFilm};
use std::collections::HashMap;

mod votes;
pub use votes::*;

mod changes;
pub use changes::*;

mod watched;
pub use watched::*;

const CARD_COLUMNS: &str = "p.id, p.imdb_id, p.status, p.title, p.year, p.runtime_minutes, p.genres, p.plot, \
     (SELECT ps.image_key FROM posters ps WHERE ps.source_url = p.poster_url) AS poster, p.imdb_rating, p.imdb_votes, p.proposer_id, u.display_name AS proposer, p.vote_count AS votes, \
     p.created_at";

struct CardWithTotal {
    card: ProposalCard,
    total: i64,
}
crate::from_row!(CardWithTotal { card: flatten, total });

/// Active proposals, most votes first then newest, with their voters and whether `viewer` voted:
/// two queries for any page size.
pub async fn active_page(
    db: &Db,
    viewer: Option<i64>,
    limit: u32,
    offset: u64,
) -> Result<(Vec<ProposalCard>, i64), sqlx::Error> {
    let rows = on_pool!(db, |pool| {
        sqlx::query_as::<_, CardWithTotal>(&format!(
            "SELECT {CARD_COLUMNS}, COUNT(*) OVER () AS total \
             FROM proposals p JOIN users u ON u.id = p.proposer_id \
             WHERE p.status = 'active' \
             ORDER BY p.vote_count DESC, p.created_at DESC, p.id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(pool)
        .await
    })?;
    let total = rows.first().map_or(0, |r| r.total);
    let mut cards: Vec<ProposalCard> = rows.into_iter().map(|r| r.card).collect();
    fill_voters(db, &mut cards, viewer, Some(crate::model::VOTERS_SHOWN)).await?;
    Ok((cards, total))
}

/// Each card's first `first` voters (all of them with `None`) and whether `viewer` voted, in one
/// query. With a limit, each proposal's voters are read from the `votes_in_order` index, so the
/// cost does not grow with its votes.
async fn fill_voters(
    db: &Db,
    cards: &mut [ProposalCard],
    viewer: Option<i64>,
    first: Option<usize>,
) -> Result<(), sqlx::Error> {
    if cards.is_empty() {
        return Ok(());
    }
    const VOTER: &str =
        "SELECT v.proposal_id, v.user_id, u.display_name, v.created_at, v.id, CAST(0 AS BIGINT) AS mine \
                         FROM votes v JOIN users u ON u.id = v.user_id WHERE v.proposal_id";
    let rows = on_pool!(db, |pool| {
        let mut q = sqlx::QueryBuilder::new("SELECT proposal_id, user_id, display_name, mine FROM (");
        match first {
            None => {
                q.push(VOTER).push(" IN (");
                let mut ids = q.separated(", ");
                for c in cards.iter() {
                    ids.push_bind(c.id);
                }
                q.push(")");
            }
            Some(n) => {
                for (i, c) in cards.iter().enumerate() {
                    if i > 0 {
                        q.push(" UNION ALL ");
                    }
                    q.push("SELECT * FROM (").push(VOTER).push(" = ").push_bind(c.id);
                    q.push(" ORDER BY v.created_at, v.id LIMIT ").push_bind(n as i64);
                    q.push(format!(") AS first{i}"));
                }
            }
        }
        if let Some(me) = viewer {
            q.push(" UNION ALL SELECT v.proposal_id, v.user_id, '', v.created_at, v.id, CAST(1 AS BIGINT) FROM votes v WHERE v.user_id = ");
            q.push_bind(me).push(" AND v.proposal_id IN (");
            let mut ids = q.separated(", ");
            for c in cards.iter() {
                ids.push_bind(c.id);
            }
            q.push(")");
        }
        q.push(") AS t ORDER BY proposal_id, created_at, id");
        q.build_query_as::<(i64, i64, String, i64)>().fetch_all(pool).await
    })?;
    let mut voters: HashMap<i64, Vec<String>> = HashMap::new();
    let mut mine = std::collections::HashSet::new();
    for (proposal, _user, name, is_mine) in rows {
        if is_mine == 1 {
            mine.insert(proposal);
        } else {
            voters.entry(proposal).or_default().push(name);
        }
    }
    for card in cards.iter_mut() {
        card.voted = mine.contains(&card.id);
        card.voters = voters.remove(&card.id).unwrap_or_default();
    }
    Ok(())
}

/// How many active proposals the member has, and how many they may have.
pub async fn quota(db: &Db, user_id: i64, default_limit: i64) -> Result<Quota, sqlx::Error> {
    let (used, limit): (i64, Option<i32>) = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM proposals WHERE proposer_id = $1 AND status = 'active'), \
                    (SELECT proposal_limit FROM users WHERE id = $1)",
        )
        .bind(user_id)
        .fetch_one(pool)
        .await
    })?;
    Ok(Quota { used, limit: limit.map(i64::from).unwrap_or(default_limit) })
}
/// Proposals by id as a round's result names them (title, proposer), in the order asked.
pub async fn entries_by_id(db: &Db, ids: &[i64]) -> Result<Vec<crate::model::RoundEntry>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, String)> = on_pool!(db, |pool| {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT p.id, COALESCE(p.title, p.imdb_id), u.display_name FROM proposals p \
             JOIN users u ON u.id = p.proposer_id WHERE p.id IN (",
        );
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        q.push(")");
        q.build_query_as().fetch_all(pool).await
    })?;
    let by_id: HashMap<i64, (String, String)> = rows.into_iter().map(|(id, t, p)| (id, (t, p))).collect();
    Ok(ids
        .iter()
        .filter_map(|id| {
            by_id.get(id).map(|(title, proposer)| crate::model::RoundEntry {
                proposal_id: *id,
                title: title.clone(),
                proposer: proposer.clone(),
            })
        })
        .collect())
}

/// Which of `among` the member has voted for.
pub async fn voted_among(db: &Db, user: i64, among: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    let voted: Vec<i64> = on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT proposal_id FROM votes WHERE user_id = $1").bind(user).fetch_all(pool).await
    })?;
    Ok(voted.into_iter().filter(|id| among.contains(id)).collect())
}
