//! Voting rounds: opening one, ranked ballots, and closing a round exactly once with its tally.
//!
//! A round is closed by the transaction that flips its status from open to closed; whoever loses
//! that race (another server's scheduler, an admin's click) finds nothing to do.

mod closing;
pub use closing::*;

use super::counted::CountedConn;
use super::{on_pool, Db, StepError};
use crate::model::{NewRound, Round, RoundEntry};

const ROUND_COLUMNS: &str = "r.id, r.name, r.screening_at, r.time_zone, r.deadline, r.method, \
     CASE WHEN r.archive_unpicked = 1 THEN 'archive' ELSE r.carry_over END AS carry_over, \
     r.status, r.opened_at, r.closed_at, r.closed_by, r.winner_proposal_id, COALESCE(w.title, w.imdb_id) AS winner_title";
const ROUND_FROM: &str = "rounds r LEFT JOIN proposals w ON w.id = r.winner_proposal_id";

/// Another round is open: only one may be at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyOpen;

/// An open round's voting has closed (its deadline passed, or it is closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VotingClosed;

fn already_open(err: sqlx::Error) -> StepError<AlreadyOpen> {
    match &err {
        sqlx::Error::Database(e) if e.is_unique_violation() => StepError::Refused(AlreadyOpen),
        _ => err.into(),
    }
}

/// Opens a round (checked already); refused while another is open.
pub async fn open(db: &Db, round: &NewRound, by: i64, at: i64) -> Result<i64, StepError<AlreadyOpen>> {
    on_pool!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO rounds \
               (name, screening_at, time_zone, deadline, method, carry_over, archive_unpicked, opened_by, opened_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&round.name)
        .bind(round.screening_at)
        .bind(&round.time_zone)
        .bind(round.deadline)
        .bind(&round.method)
        // Archived proposals leave the list; their votes go with them.
        .bind(if round.carry_over == "archive" { "without_votes" } else { round.carry_over.as_str() })
        .bind(i32::from(round.carry_over == "archive"))
        .bind(by)
        .bind(at)
        .fetch_one(pool)
        .await
    })
    .map_err(already_open)
}

/// The newest round, open or closed.
pub async fn latest(db: &Db) -> Result<Option<Round>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as::<_, Round>(&format!(
            "SELECT {ROUND_COLUMNS} FROM {ROUND_FROM} ORDER BY r.opened_at DESC, r.id DESC LIMIT 1"
        ))
        .fetch_optional(pool)
        .await
    })
}

/// One round and its stored result (JSON), if closed.
pub async fn get(db: &Db, id: i64) -> Result<Option<(Round, Option<String>)>, sqlx::Error> {
    struct Row {
        round: Round,
        result_json: Option<String>,
    }
    crate::from_row!(Row { round: flatten, result_json });
    let row = on_pool!(db, |pool| {
        sqlx::query_as::<_, Row>(&format!("SELECT {ROUND_COLUMNS}, r.result_json FROM {ROUND_FROM} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.map(|r| (r.round, r.result_json)))
}

/// Rounds, newest first, and how many there are.
pub async fn page(db: &Db, limit: u32, offset: u64) -> Result<(Vec<Round>, i64), sqlx::Error> {
    let rounds = on_pool!(db, |pool| {
        sqlx::query_as::<_, Round>(&format!(
            "SELECT {ROUND_COLUMNS} FROM {ROUND_FROM} ORDER BY r.opened_at DESC, r.id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(pool)
        .await
    })?;
    let total = on_pool!(db, |pool| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM rounds").fetch_one(pool).await)?;
    Ok((rounds, total))
}

/// Open rounds whose deadline falls within `within` seconds after `at`, and that were opened more
/// than that long before it (a round opened an hour before its deadline needs no reminder).
pub async fn closing_soon(db: &Db, at: i64, within: i64) -> Result<Vec<Round>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as::<_, Round>(&format!(
            "SELECT {ROUND_COLUMNS} FROM {ROUND_FROM} \
             WHERE r.status = 'open' AND r.deadline > $1 AND r.deadline <= $1 + $2 AND r.deadline - r.opened_at > $2"
        ))
        .bind(at)
        .bind(within)
        .fetch_all(pool)
        .await
    })
}

/// Open rounds whose deadline has passed.
pub async fn due(db: &Db, at: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM rounds WHERE status = 'open' AND deadline <= $1 ORDER BY deadline")
            .bind(at)
            .fetch_all(pool)
            .await
    })
}

/// Moves an open round's deadline (not past its screening), as long as the deadline has not passed
/// at `at`: once it has, voting is over and the round closes with the ballots it has. The close at
/// the deadline checks the deadline again (`close`), so an extend and a close never both win.
/// Whether it moved.
pub async fn extend(db: &Db, id: i64, deadline: i64, at: i64) -> Result<bool, sqlx::Error> {
    let changed = on_pool!(db, |pool| {
        sqlx::query(
            "UPDATE rounds SET deadline = $2 WHERE id = $1 AND status = 'open' AND screening_at >= $2 AND deadline > $3",
        )
        .bind(id)
        .bind(deadline)
        .bind(at)
        .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(changed > 0)
}

/// The proposals taking part in the open round: the active ones.
pub async fn entries(db: &Db) -> Result<Vec<RoundEntry>, sqlx::Error> {
    let rows: Vec<(i64, String, String)> = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT p.id, COALESCE(p.title, p.imdb_id), u.display_name FROM proposals p \
             JOIN users u ON u.id = p.proposer_id WHERE p.status = 'active' ORDER BY p.id",
        )
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().map(|(proposal_id, title, proposer)| RoundEntry { proposal_id, title, proposer }).collect())
}

/// Replaces a member's ranking in an open round whose deadline has not passed.
pub async fn save_ranking(
    db: &Db,
    round: i64,
    user: i64,
    ranking: &[i64],
    at: i64,
) -> Result<(), StepError<VotingClosed>> {
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        // A write first: SQLite takes its write lock now, PostgreSQL locks the round's row.
        let open = sqlx::query("UPDATE rounds SET id = id WHERE id = $1 AND status = 'open' AND deadline > $2")
            .bind(round)
            .bind(at)
            .execute(CountedConn(&mut *tx))
            .await?
            .rows_affected();
        if open == 0 {
            return Err(StepError::Refused(VotingClosed));
        }
        sqlx::query("DELETE FROM ranked_ballots WHERE round_id = $1 AND user_id = $2")
            .bind(round)
            .bind(user)
            .execute(CountedConn(&mut *tx))
            .await?;
        for (i, id) in ranking.iter().enumerate() {
            sqlx::query(
                "INSERT INTO ranked_ballots (round_id, user_id, proposal_id, position) VALUES ($1, $2, $3, $4)",
            )
            .bind(round)
            .bind(user)
            .bind(id)
            .bind(i as i64 + 1)
            .execute(CountedConn(&mut *tx))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    })
}

/// A member's ranking in a round, most wanted first.
pub async fn ranking(db: &Db, round: i64, user: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT proposal_id FROM ranked_ballots WHERE round_id = $1 AND user_id = $2 ORDER BY position",
        )
        .bind(round)
        .bind(user)
        .fetch_all(pool)
        .await
    })
}

/// The nights decided so far, with their winning films, latest screening first.
pub async fn screenings(db: &Db, limit: u32) -> Result<Vec<crate::calendar::Screening>, sqlx::Error> {
    /// Round id, round name, film, screening, the film's minutes, when the round closed.
    type Night = (i64, String, String, i64, Option<i64>, Option<i64>);
    let rows: Vec<Night> = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT r.id, r.name, COALESCE(p.title, p.imdb_id), r.screening_at, CAST(p.runtime_minutes AS BIGINT), \
               r.closed_at FROM rounds r JOIN proposals p ON p.id = r.winner_proposal_id \
             WHERE r.status = 'closed' ORDER BY r.screening_at DESC LIMIT $1",
        )
        .bind(limit as i64)
        .fetch_all(pool)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(round_id, round_name, film, starts_at, minutes, closed_at)| crate::calendar::Screening {
            round_id,
            round_name,
            film,
            starts_at,
            minutes,
            decided_at: closed_at.unwrap_or(starts_at),
        })
        .collect())
}
