//! Casting and taking back votes, and a proposal's vote state.

use super::*;

/// Casts (`on`) or takes back a vote. A second vote for the same film is refused (409), as is
/// voting on a proposal that is missing, withdrawn or watched. Also returns the proposal's film
/// in the catalogue, if it is there.
pub async fn vote(db: &Db, by: &Actor, id: i64, on: bool) -> Result<(VoteState, Option<i64>), StepError<VoteRefused>> {
    let at = now();
    let mut tx = db.begin().await?;
    hold_open_round(&mut tx).await?;
    if change_vote(&mut tx, id, by.id, on, at).await? == 0 {
        return Err(StepError::Refused(why_unchanged(&mut tx, id, on, at).await?));
    }
    let (votes, version, movie_id) = count_vote(&mut tx, id, on).await?;
    let action = if on { "vote.cast" } else { "vote.remove" };
    super::super::audit::write(
        &mut tx,
        at,
        Some(by.id),
        action,
        Some(("proposal", id.to_string())),
        None,
        by.ip.clone(),
    )
    .await?;
    tx.commit().await?;
    let state = vote_state_with(db, id, (votes, version), Some(by.id), Some(crate::model::VOTERS_SHOWN)).await?;
    Ok((state, movie_id))
}

/// A vote and a round's close never overlap: on PostgreSQL the vote holds a shared lock on the
/// open round's row, which the close's update waits for (and a vote waits for a close under way,
/// then sees the round closed); SQLite runs one write at a time anyway. So a vote is either in
/// the count or refused, never answered and then left out.
async fn hold_open_round(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT id FROM rounds WHERE status = 'open' FOR SHARE").execute(CountedConn(&mut **t)).await?;
    }
    Ok(())
}

/// Adds or removes the ballot row, only on an active proposal and while no round is past its
/// deadline; returns how many rows changed (0 or 1).
async fn change_vote(tx: &mut Tx, id: i64, user: i64, on: bool, at: i64) -> Result<u64, sqlx::Error> {
    let sql = if on {
        "INSERT INTO votes (proposal_id, user_id, created_at) \
         SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM proposals WHERE id = $1 AND status = 'active') \
           AND NOT EXISTS (SELECT 1 FROM rounds WHERE status = 'open' AND deadline <= $3) \
         ON CONFLICT (proposal_id, user_id) DO NOTHING"
    } else {
        "DELETE FROM votes WHERE proposal_id = $1 AND user_id = $2 \
           AND EXISTS (SELECT 1 FROM proposals WHERE id = $1 AND status = 'active') \
           AND NOT EXISTS (SELECT 1 FROM rounds WHERE status = 'open' AND deadline <= $3)"
    };
    on_tx!(tx, |conn| {
        let done = sqlx::query(sql).bind(id).bind(user).bind(at).execute(CountedConn(&mut *conn)).await?;
        Ok(done.rows_affected())
    })
}

/// Why a vote changed nothing.
async fn why_unchanged(tx: &mut Tx, id: i64, on: bool, at: i64) -> Result<VoteRefused, sqlx::Error> {
    on_tx!(tx, |conn| {
        // The deadline of the open round has passed; it closes within moments.
        let closing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM rounds WHERE status = 'open' AND deadline <= $1 LIMIT 1")
                .bind(at)
                .fetch_optional(CountedConn(&mut *conn))
                .await?;
        if closing.is_some() {
            return Ok(VoteRefused::RoundClosed);
        }
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_optional(CountedConn(&mut *conn))
            .await?;
        Ok(match status.as_deref().and_then(ProposalStatus::parse) {
            None => VoteRefused::Missing,
            Some(ProposalStatus::Watched) => VoteRefused::Watched,
            Some(ProposalStatus::Active) if on => VoteRefused::AlreadyVoted,
            Some(ProposalStatus::Active) => VoteRefused::NotVoted,
            Some(ProposalStatus::Withdrawn) => VoteRefused::Withdrawn,
        })
    })
}

/// Moves the proposal's vote count by one; returns the count, its version and the film's id.
async fn count_vote(tx: &mut Tx, id: i64, on: bool) -> Result<(i64, i64, Option<i64>), sqlx::Error> {
    let delta: i64 = if on { 1 } else { -1 };
    on_tx!(tx, |conn| {
        sqlx::query_as(
            "UPDATE proposals SET vote_count = vote_count + $1, vote_version = vote_version + 1 WHERE id = $2 \
             RETURNING vote_count, vote_version, movie_id",
        )
        .bind(delta)
        .bind(id)
        .fetch_one(CountedConn(&mut *conn))
        .await
    })
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
pub(super) async fn vote_state_with(
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
