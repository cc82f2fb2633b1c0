//! The club's proposals, votes and watched history.
//!
//! Every change runs in one transaction that starts with a write, so SQLite takes its write lock
//! up front (no lock upgrade to fail under concurrency) and PostgreSQL locks the rows it checks.

use super::counted::CountedConn;
use super::{now, on_pool, Db, StepError};
use crate::model::{ProposalCard, Quota, Viewer, VoteState, WatchedFilm};
use std::collections::HashMap;

const CARD_COLUMNS: &str = "p.id, p.imdb_id, p.status, p.title, p.year, p.runtime_minutes, p.genres, p.plot, \
     (SELECT ps.image_key FROM posters ps WHERE ps.source_url = p.poster_url) AS poster, p.imdb_rating, p.imdb_votes, p.proposer_id, u.display_name AS proposer, p.vote_count AS votes, \
     p.created_at";

#[derive(sqlx::FromRow)]
struct CardWithTotal {
    #[sqlx(flatten)]
    card: ProposalCard,
    total: i64,
}

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

/// Metadata a new proposal can start with (from the catalogue or a recent search).
#[derive(Debug, Clone, Default)]
pub struct Prefill {
    pub title: Option<String>,
    pub year: Option<i32>,
    pub poster_url: Option<String>,
    pub imdb_rating: Option<f64>,
}

/// Creates a proposal at once; its metadata is copied from the catalogue when the film is there,
/// else from `prefill`, and the refresher fills in the rest.
pub async fn create(
    db: &Db,
    viewer: &Viewer,
    imdb_id: &str,
    default_limit: i64,
    prefill: Prefill,
    ip: Option<String>,
) -> Result<i64, StepError<ProposeRefused>> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        // Locks the member's row: two proposals sent at once cannot both take the last slot.
        let limit: Option<Option<i32>> =
            sqlx::query_scalar("UPDATE users SET disabled = disabled WHERE id = $1 RETURNING proposal_limit")
                .bind(viewer.id)
                .fetch_optional(CountedConn(&mut *tx))
                .await?;
        let Some(limit) = limit else { return Err(StepError::Refused(ProposeRefused::NotAMember)) };
        let limit = limit.map(i64::from).unwrap_or(default_limit);
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM proposals WHERE imdb_id = $1 AND status = 'active'")
                .bind(imdb_id)
                .fetch_optional(CountedConn(&mut *tx))
                .await?;
        if let Some(id) = existing {
            return Err(StepError::Refused(ProposeRefused::AlreadyProposed { id }));
        }
        let used: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM proposals WHERE proposer_id = $1 AND status = 'active'")
                .bind(viewer.id)
                .fetch_one(CountedConn(&mut *tx))
                .await?;
        if used >= limit {
            return Err(StepError::Refused(ProposeRefused::NoSlotLeft { limit }));
        }
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO proposals (imdb_id, movie_id, proposer_id, status, title, year, runtime_minutes, genres, plot, \
                                    poster_url, imdb_rating, imdb_votes, cached_at, created_at, status_changed_at) \
             SELECT $1, m.id, $2, 'active', COALESCE(m.title, $3), COALESCE(m.year, $4), m.runtime_minutes, \
                    NULLIF(m.genres, ''), m.plot, COALESCE(m.poster_url, $5), COALESCE(m.rating, $6), \
                    CAST(m.popularity AS BIGINT), m.imdb_cached_at, $7, $7 \
             FROM (SELECT 1 AS one) one LEFT JOIN movies m ON m.imdb_id = $1 \
             RETURNING id",
        )
        .bind(imdb_id)
        .bind(viewer.id)
        .bind(prefill.title)
        .bind(prefill.year)
        .bind(prefill.poster_url)
        .bind(prefill.imdb_rating)
        .bind(at)
        .fetch_one(CountedConn(&mut *tx))
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StepError::Refused(ProposeRefused::ProposedMeanwhile))
            }
            Err(e) => return Err(e.into()),
        };
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(viewer.id),
            "proposal.create",
            Some("proposal"),
            Some(id.to_string()),
            Some(imdb_id.to_string()),
            ip
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    })
}

/// Why a proposal was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposeRefused {
    /// The viewer's account is gone.
    NotAMember,
    /// The film has an active proposal already.
    AlreadyProposed { id: i64 },
    /// The member's active proposals fill every slot.
    NoSlotLeft { limit: i64 },
    /// Another member's proposal of the film landed first.
    ProposedMeanwhile,
}

/// Why a proposal's status did not change; `name` is the film's title (or IMDb id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusRefused {
    Missing,
    /// Only its proposer or an admin may withdraw a proposal.
    NotYours,
    NoLongerActive {
        name: String,
    },
    AlreadyWatched {
        name: String,
    },
}

/// The proposal's proposer and status, read inside a change's transaction after its first write.
#[derive(sqlx::FromRow)]
struct Subject {
    proposer_id: i64,
    status: String,
    title: Option<String>,
    imdb_id: String,
}

/// Withdraws an active proposal: its proposer or an admin.
pub async fn withdraw(db: &Db, viewer: &Viewer, id: i64, ip: Option<String>) -> Result<(), StepError<StatusRefused>> {
    change_status(db, viewer, id, "withdrawn", ip).await
}

/// Marks a proposal watched (any proposal that is not already watched; the caller checked that
/// `viewer` is an admin).
pub async fn mark_watched(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    ip: Option<String>,
) -> Result<(), StepError<StatusRefused>> {
    change_status(db, viewer, id, "watched", ip).await
}

async fn change_status(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    to: &str,
    ip: Option<String>,
) -> Result<(), StepError<StatusRefused>> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        // A no-op write first: takes the row lock before the checks below.
        let subject = sqlx::query_as::<_, Subject>(
            "UPDATE proposals SET status = status WHERE id = $1 RETURNING proposer_id, status, title, imdb_id",
        )
        .bind(id)
        .fetch_optional(CountedConn(&mut *tx))
        .await?
        .ok_or(StepError::Refused(StatusRefused::Missing))?;
        let name = subject.title.clone().unwrap_or(subject.imdb_id.clone());
        match to {
            "withdrawn" => {
                if subject.proposer_id != viewer.id && !viewer.is_admin {
                    return Err(StepError::Refused(StatusRefused::NotYours));
                }
                if subject.status != "active" {
                    return Err(StepError::Refused(StatusRefused::NoLongerActive { name }));
                }
            }
            _ => {
                if subject.status == "watched" {
                    return Err(StepError::Refused(StatusRefused::AlreadyWatched { name }));
                }
            }
        }
        sqlx::query(
            "UPDATE proposals SET status = $1, status_changed_at = $2, \
                    watched_at = CASE WHEN $1 = 'watched' THEN $2 ELSE watched_at END \
             WHERE id = $3",
        )
        .bind(to)
        .bind(at)
        .bind(id)
        .execute(CountedConn(&mut *tx))
        .await?;
        let action = if to == "watched" { "proposal.watched" } else { "proposal.withdraw" };
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(viewer.id),
            action,
            Some("proposal"),
            Some(id.to_string()),
            Some(name),
            ip
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
}

/// Casts (`on`) or takes back a vote. A second vote for the same film is refused (409), as is
/// voting on a proposal that is missing, withdrawn or watched. Also returns the proposal's film
/// in the catalogue, if it is there.
pub async fn vote(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    on: bool,
    ip: Option<String>,
) -> Result<(VoteState, Option<i64>), StepError<VoteRefused>> {
    let at = now();
    let votes = on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        // A vote and a round's close never overlap: on PostgreSQL the vote holds a shared lock on
        // the open round's row, which the close's update waits for (and a vote waits for a close
        // under way, then sees the round closed); SQLite runs one write at a time anyway. So a
        // vote is either in the count or refused, never answered and then left out.
        if matches!(db, Db::Postgres(_)) {
            sqlx::query("SELECT id FROM rounds WHERE status = 'open' FOR SHARE").execute(CountedConn(&mut *tx)).await?;
        }
        let changed = if on {
            sqlx::query(
                "INSERT INTO votes (proposal_id, user_id, created_at) \
                 SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM proposals WHERE id = $1 AND status = 'active') \
                   AND NOT EXISTS (SELECT 1 FROM rounds WHERE status = 'open' AND deadline <= $3) \
                 ON CONFLICT (proposal_id, user_id) DO NOTHING",
            )
            .bind(id)
            .bind(viewer.id)
            .bind(at)
            .execute(CountedConn(&mut *tx))
            .await?
        } else {
            sqlx::query(
                "DELETE FROM votes WHERE proposal_id = $1 AND user_id = $2 \
                   AND EXISTS (SELECT 1 FROM proposals WHERE id = $1 AND status = 'active') \
                   AND NOT EXISTS (SELECT 1 FROM rounds WHERE status = 'open' AND deadline <= $3)",
            )
            .bind(id)
            .bind(viewer.id)
            .bind(at)
            .execute(CountedConn(&mut *tx))
            .await?
        }
        .rows_affected();
        if changed == 0 {
            // The deadline of the open round has passed; it closes within moments.
            let closing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM rounds WHERE status = 'open' AND deadline <= $1 LIMIT 1")
                    .bind(at)
                    .fetch_optional(CountedConn(&mut *tx))
                    .await?;
            if closing.is_some() {
                return Err(StepError::Refused(VoteRefused::RoundClosed));
            }
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
                .bind(id)
                .fetch_optional(CountedConn(&mut *tx))
                .await?;
            return Err(StepError::Refused(match status.as_deref() {
                None => VoteRefused::Missing,
                Some("watched") => VoteRefused::Watched,
                Some("active") if on => VoteRefused::AlreadyVoted,
                Some("active") => VoteRefused::NotVoted,
                Some(_) => VoteRefused::Withdrawn,
            }));
        }
        let delta: i64 = if on { 1 } else { -1 };
        let (votes, version, movie_id): (i64, i64, Option<i64>) = sqlx::query_as(
            "UPDATE proposals SET vote_count = vote_count + $1, vote_version = vote_version + 1 WHERE id = $2 \
             RETURNING vote_count, vote_version, movie_id",
        )
        .bind(delta)
        .bind(id)
        .fetch_one(CountedConn(&mut *tx))
        .await?;
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(viewer.id),
            if on { "vote.cast" } else { "vote.remove" },
            Some("proposal"),
            Some(id.to_string()),
            None::<String>,
            ip
        )
        .await?;
        tx.commit().await?;
        Ok::<(i64, i64, Option<i64>), StepError<VoteRefused>>((votes, version, movie_id))
    })?;
    let (votes, version, movie_id) = votes;
    let state = vote_state_with(db, id, (votes, version), Some(viewer.id), Some(crate::model::VOTERS_SHOWN)).await?;
    Ok((state, movie_id))
}

/// Why a vote was not cast or taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteRefused {
    /// The open round's deadline has passed; it closes within moments.
    RoundClosed,
    Missing,
    Watched,
    Withdrawn,
    AlreadyVoted,
    NotVoted,
}

/// Why a watched film's rating was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingRefused {
    Missing,
    /// The film won a round and is screened on this date (Unix seconds).
    NotScreenedYet {
        on: i64,
    },
    NotWatched,
}

/// Every active proposal's vote count and its version, as `(proposal, votes, version)`.
pub async fn active_counts(db: &Db) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as("SELECT id, vote_count, vote_version FROM proposals WHERE status = 'active' ORDER BY id")
            .fetch_all(pool)
            .await
    })
}

/// A proposal's votes as `viewer` sees them, with every voter; `None` if there is no such proposal.
pub async fn vote_state(db: &Db, id: i64, viewer: Option<i64>) -> Result<Option<VoteState>, sqlx::Error> {
    let votes: Option<(i64, i64)> = on_pool!(db, |pool| {
        sqlx::query_as("SELECT vote_count, vote_version FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })?;
    let Some(votes) = votes else { return Ok(None) };
    Ok(Some(vote_state_with(db, id, votes, viewer, None).await?))
}

/// A proposal's vote state once its count is known, with its first `first` voters (all with
/// `None`): one query.
async fn vote_state_with(
    db: &Db,
    id: i64,
    (votes, version): (i64, i64),
    viewer: Option<i64>,
    first: Option<usize>,
) -> Result<VoteState, sqlx::Error> {
    let mut card = [ProposalCard::placeholder(id)];
    fill_voters(db, &mut card, viewer, first).await?;
    let [card] = card;
    Ok(VoteState { proposal_id: id, voted: card.voted, votes, voters: card.voters, version })
}

/// Rates a watched film 0.5-5 stars, given in half stars (again: the new rating replaces the old).
pub async fn rate_watched(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    half_stars: i32,
    ip: Option<String>,
) -> Result<(), StepError<RatingRefused>> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let rated = sqlx::query(
            "INSERT INTO watch_ratings (proposal_id, user_id, half_stars, rated_at) \
             SELECT $1, $2, $3, $4 \
             WHERE EXISTS (SELECT 1 FROM proposals WHERE id = $1 AND status = 'watched' AND watched_at <= $4) \
             ON CONFLICT (proposal_id, user_id) DO UPDATE SET half_stars = excluded.half_stars, rated_at = excluded.rated_at",
        )
        .bind(id)
        .bind(viewer.id)
        .bind(half_stars)
        .bind(at)
        .execute(CountedConn(&mut *tx))
        .await?;
        if rated.rows_affected() == 0 {
            let found: Option<(String, Option<i64>)> =
                sqlx::query_as("SELECT status, watched_at FROM proposals WHERE id = $1")
                    .bind(id)
                    .fetch_optional(CountedConn(&mut *tx))
                    .await?;
            return Err(StepError::Refused(match found {
                None => RatingRefused::Missing,
                Some((status, Some(on))) if status == "watched" => RatingRefused::NotScreenedYet { on },
                Some(_) => RatingRefused::NotWatched,
            }));
        }
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(viewer.id),
            "watched.rate",
            Some("proposal"),
            Some(id.to_string()),
            Some(format!("{} stars", half_stars as f64 / 2.0)),
            ip
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
}

#[derive(sqlx::FromRow)]
struct WatchedRow {
    #[sqlx(flatten)]
    card: ProposalCard,
    watched_at: i64,
    total: i64,
}

/// Watched films, latest first, with every member's rating: two queries.
pub async fn watched_page(
    db: &Db,
    viewer: Option<i64>,
    limit: u32,
    offset: u64,
) -> Result<(Vec<WatchedFilm>, i64), sqlx::Error> {
    let rows = on_pool!(db, |pool| {
        sqlx::query_as::<_, WatchedRow>(&format!(
            "SELECT {CARD_COLUMNS}, COALESCE(p.watched_at, p.status_changed_at) AS watched_at, COUNT(*) OVER () AS total \
             FROM proposals p JOIN users u ON u.id = p.proposer_id \
             WHERE p.status = 'watched' \
             ORDER BY p.watched_at DESC, p.id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(pool)
        .await
    })?;
    let total = rows.first().map_or(0, |r| r.total);
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let ratings = on_pool!(db, |pool| {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT r.proposal_id, r.user_id, u.display_name, r.half_stars FROM watch_ratings r \
             JOIN users u ON u.id = r.user_id WHERE r.proposal_id IN (",
        );
        let mut ids = q.separated(", ");
        for r in &rows {
            ids.push_bind(r.card.id);
        }
        q.push(") ORDER BY u.display_name");
        q.build_query_as::<(i64, i64, String, i32)>().fetch_all(pool).await
    })?;
    let mut by_proposal: HashMap<i64, Vec<(i64, String, i32)>> = HashMap::new();
    for (proposal, user, name, stars) in ratings {
        by_proposal.entry(proposal).or_default().push((user, name, stars));
    }
    let films = rows
        .into_iter()
        .map(|r| {
            let list = by_proposal.remove(&r.card.id).unwrap_or_default();
            let my_half_stars = viewer.and_then(|me| list.iter().find(|(u, _, _)| *u == me).map(|(_, _, s)| *s));
            WatchedFilm {
                proposal: r.card,
                watched_at: r.watched_at,
                ratings: list.into_iter().map(|(_, name, half)| (name, half)).collect(),
                my_half_stars,
            }
        })
        .collect();
    Ok((films, total))
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
