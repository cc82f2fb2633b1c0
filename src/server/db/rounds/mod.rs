//! Voting rounds: opening one, ranked ballots, and closing a round exactly once with its tally.
//!
//! A round is closed by the transaction that flips its status from open to closed; whoever loses
//! that race (another server's scheduler, an admin's click) finds nothing to do.

use super::counted::CountedConn;
use super::{on_pool, Db, StepError};
use crate::ballots::{self, Candidate, Tally};
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
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        round: Round,
        result_json: Option<String>,
    }
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

/// Who closes a round.
#[derive(Clone, Copy)]
pub enum Closer<'a> {
    /// The scheduler, at the deadline.
    Deadline,
    /// An admin (by username), before the deadline.
    Admin(&'a str),
}

/// Closes round `id` if it is still open: counts its ballots, keeps the result, and schedules the
/// winner (it joins the watched history on the screening's date). Returns the tally, or none when
/// the round was not open (closed already, by whoever got there first).
pub async fn close(db: &Db, id: i64, at: i64, by: Closer<'_>, seed: u64) -> Result<Option<Tally>, sqlx::Error> {
    // At the deadline: only if it is still due (an extend may have just moved it).
    let due_only = matches!(by, Closer::Deadline);
    let by = match by {
        Closer::Deadline => "deadline".to_string(),
        Closer::Admin(name) => format!("admin {name}"),
    };
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query(
            "UPDATE rounds SET status = 'closed', closed_at = $2, closed_by = $3 \
             WHERE id = $1 AND status = 'open' AND (deadline <= $2 OR NOT $4)",
        )
        .bind(id)
        .bind(at)
        .bind(&by)
        .bind(due_only)
        .execute(CountedConn(&mut *tx))
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(None);
        }
        let (method, carry_over, archive, screening_at): (String, String, i32, i64) =
            sqlx::query_as("SELECT method, carry_over, archive_unpicked, screening_at FROM rounds WHERE id = $1")
                .bind(id)
                .fetch_one(CountedConn(&mut *tx))
                .await?;
        let candidates: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT p.id, p.created_at, \
               (SELECT MAX(r.closed_at) FROM rounds r JOIN proposals w ON w.id = r.winner_proposal_id \
                 WHERE w.proposer_id = p.proposer_id AND r.id <> $1) \
             FROM proposals p WHERE p.status = 'active' ORDER BY p.id",
        )
        .bind(id)
        .fetch_all(CountedConn(&mut *tx))
        .await?;
        let candidates: Vec<Candidate> = candidates
            .into_iter()
            .map(|(id, proposed_at, proposer_won_at)| Candidate { id, proposed_at, proposer_won_at })
            .collect();
        let tally = if method == "ranked" {
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT user_id, proposal_id FROM ranked_ballots WHERE round_id = $1 ORDER BY user_id, position",
            )
            .bind(id)
            .fetch_all(CountedConn(&mut *tx))
            .await?;
            ballots::count_ranked(&candidates, &ballots_from(rows), seed)
        } else {
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT v.user_id, v.proposal_id FROM votes v JOIN proposals p ON p.id = v.proposal_id \
                 WHERE p.status = 'active' ORDER BY v.user_id, v.proposal_id",
            )
            .fetch_all(CountedConn(&mut *tx))
            .await?;
            ballots::count_approval(&candidates, &ballots_from(rows), seed)
        };
        let json = serde_json::to_string(&tally).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query("UPDATE rounds SET winner_proposal_id = $2, result_json = $3 WHERE id = $1")
            .bind(id)
            .bind(tally.winner)
            .bind(json)
            .execute(CountedConn(&mut *tx))
            .await?;
        if let Some(winner) = tally.winner {
            sqlx::query(
                "UPDATE proposals SET status = 'watched', watched_at = $2, status_changed_at = $3 \
                 WHERE id = $1 AND status = 'active'",
            )
            .bind(winner)
            .bind(screening_at)
            .bind(at)
            .execute(CountedConn(&mut *tx))
            .await?;
        }
        if archive == 1 {
            sqlx::query(
                "UPDATE proposals SET status = 'withdrawn', archived_by_round = $1, status_changed_at = $2 \
                 WHERE status = 'active'",
            )
            .bind(id)
            .bind(at)
            .execute(CountedConn(&mut *tx))
            .await?;
        } else if carry_over == "without_votes" {
            sqlx::query("DELETE FROM votes WHERE proposal_id IN (SELECT id FROM proposals WHERE status = 'active')")
                .execute(CountedConn(&mut *tx))
                .await?;
            sqlx::query("UPDATE proposals SET vote_count = 0, vote_version = vote_version + 1 WHERE status = 'active'")
                .execute(CountedConn(&mut *tx))
                .await?;
        }
        tx.commit().await?;
        Ok(Some(tally))
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
