//! The steps of closing a round, run by the rounds service in one transaction: claim the round,
//! read its candidates and ballots, keep the tally, schedule the winner, and carry over or
//! archive the rest.

use crate::ballots::{Candidate, Tally};
use crate::model::{CarryOver, VoteMethod};
use crate::server::db::counted::CountedConn;
use crate::server::db::{on_tx, Tx};

/// Who closes a round.
#[derive(Clone, Copy)]
pub enum Closer<'a> {
    /// The scheduler, at the deadline.
    Deadline,
    /// An admin (by username), before the deadline.
    Admin(&'a str),
}

/// What a claimed round was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosingRules {
    pub method: VoteMethod,
    pub carry_over: CarryOver,
    pub screening_at: i64,
}

/// Marks round `id` closed if it is still open (and, at the deadline, still due: an extend may
/// have just moved it). None when someone else closed it first, or it is not due.
pub async fn claim(tx: &mut Tx, id: i64, at: i64, by: Closer<'_>) -> Result<Option<ClosingRules>, sqlx::Error> {
    let due_only = matches!(by, Closer::Deadline);
    let by = match by {
        Closer::Deadline => "deadline".to_string(),
        Closer::Admin(name) => format!("admin {name}"),
    };
    let (method, carry_over, archive, screening_at): (String, String, i32, i64) = on_tx!(tx, |conn| {
        let claimed = sqlx::query(
            "UPDATE rounds SET status = 'closed', closed_at = $2, closed_by = $3 \
             WHERE id = $1 AND status = 'open' AND (deadline <= $2 OR NOT $4)",
        )
        .bind(id)
        .bind(at)
        .bind(&by)
        .bind(due_only)
        .execute(CountedConn(&mut *conn))
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        sqlx::query_as("SELECT method, carry_over, archive_unpicked, screening_at FROM rounds WHERE id = $1")
            .bind(id)
            .fetch_one(CountedConn(&mut *conn))
            .await?
    });
    let stored = |e: String| sqlx::Error::Decode(e.into());
    let carry_over = if archive == 1 { CarryOver::Archive } else { CarryOver::try_from(carry_over).map_err(stored)? };
    Ok(Some(ClosingRules { method: VoteMethod::try_from(method).map_err(stored)?, carry_over, screening_at }))
}

/// The proposals on the list, each with when its proposer last won another round.
pub async fn candidates(tx: &mut Tx, round: i64) -> Result<Vec<Candidate>, sqlx::Error> {
    let rows: Vec<(i64, i64, Option<i64>)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT p.id, p.created_at, \
               (SELECT MAX(r.closed_at) FROM rounds r JOIN proposals w ON w.id = r.winner_proposal_id \
                 WHERE w.proposer_id = p.proposer_id AND r.id <> $1) \
             FROM proposals p WHERE p.status = 'active' ORDER BY p.id",
        )
        .bind(round)
        .fetch_all(CountedConn(&mut *conn))
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, proposed_at, proposer_won_at)| Candidate { id, proposed_at, proposer_won_at })
        .collect())
}

/// One ballot per member: a ranking (most wanted first) for a ranked round, the approved
/// proposals for an approval round.
pub async fn ballots(tx: &mut Tx, round: i64, method: VoteMethod) -> Result<Vec<Vec<i64>>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = on_tx!(tx, |conn| match method {
        VoteMethod::Ranked => {
            sqlx::query_as(
                "SELECT user_id, proposal_id FROM ranked_ballots WHERE round_id = $1 ORDER BY user_id, position",
            )
            .bind(round)
            .fetch_all(CountedConn(&mut *conn))
            .await?
        }
        VoteMethod::Approval => {
            sqlx::query_as(
                "SELECT v.user_id, v.proposal_id FROM votes v JOIN proposals p ON p.id = v.proposal_id \
                 WHERE p.status = 'active' ORDER BY v.user_id, v.proposal_id",
            )
            .fetch_all(CountedConn(&mut *conn))
            .await?
        }
    });
    Ok(ballots_from(rows))
}

/// Groups (member, proposal) rows, in member order, into one ballot per member.
fn ballots_from(rows: Vec<(i64, i64)>) -> Vec<Vec<i64>> {
    let mut ballots: Vec<Vec<i64>> = Vec::new();
    let mut last = None;
    for (user, proposal) in rows {
        if last != Some(user) {
            ballots.push(Vec::new());
            last = Some(user);
        }
        if let Some(b) = ballots.last_mut() {
            b.push(proposal);
        }
    }
    ballots
}

/// Keeps a closed round's tally and winner.
pub async fn keep_result(tx: &mut Tx, round: i64, tally: &Tally) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(tally).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE rounds SET winner_proposal_id = $2, result_json = $3 WHERE id = $1")
            .bind(round)
            .bind(tally.winner)
            .bind(&json)
            .execute(CountedConn(&mut *conn))
            .await
            .map(|_| ())
    })
}

/// The winner joins the watched history on the screening's date.
pub async fn schedule_winner(tx: &mut Tx, proposal: i64, screening_at: i64, at: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE proposals SET status = 'watched', watched_at = $2, status_changed_at = $3 \
             WHERE id = $1 AND status = 'active'",
        )
        .bind(proposal)
        .bind(screening_at)
        .bind(at)
        .execute(CountedConn(&mut *conn))
        .await
        .map(|_| ())
    })
}

/// The proposals still on the list leave it, marked as archived by `round`.
pub async fn archive_unpicked(tx: &mut Tx, round: i64, at: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE proposals SET status = 'withdrawn', archived_by_round = $1, status_changed_at = $2 \
             WHERE status = 'active'",
        )
        .bind(round)
        .bind(at)
        .execute(CountedConn(&mut *conn))
        .await
        .map(|_| ())
    })
}

/// The proposals still on the list stay, with their votes cleared.
pub async fn clear_votes(tx: &mut Tx) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM votes WHERE proposal_id IN (SELECT id FROM proposals WHERE status = 'active')")
            .execute(CountedConn(&mut *conn))
            .await?;
        sqlx::query("UPDATE proposals SET vote_count = 0, vote_version = vote_version + 1 WHERE status = 'active'")
            .execute(CountedConn(&mut *conn))
            .await
            .map(|_| ())
    })
}
