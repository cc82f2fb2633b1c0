//! Making a proposal, withdrawing it, marking it watched: each in one transaction with its checks.

use super::*;

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
    by: &Actor,
    imdb_id: &str,
    default_limit: i64,
    prefill: Prefill,
) -> Result<i64, StepError<ProposeRefused>> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        // Locks the member's row: two proposals sent at once cannot both take the last slot.
        let limit: Option<Option<i32>> =
            sqlx::query_scalar("UPDATE users SET disabled = disabled WHERE id = $1 RETURNING proposal_limit")
                .bind(by.id)
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
                .bind(by.id)
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
        .bind(by.id)
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
            Some(by.id),
            "proposal.create",
            Some("proposal"),
            Some(id.to_string()),
            Some(imdb_id.to_string()),
            by.ip.as_deref()
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
pub(super) struct Subject {
    proposer_id: i64,
    status: ProposalStatus,
    title: Option<String>,
    imdb_id: String,
}
crate::from_row!(Subject { proposer_id, status: text, title, imdb_id });

/// Withdraws an active proposal: its proposer or an admin.
pub async fn withdraw(db: &Db, by: &Actor, id: i64) -> Result<(), StepError<StatusRefused>> {
    change_status(db, by, id, ProposalStatus::Withdrawn).await
}

/// Marks a proposal watched (any proposal that is not already watched; the caller checked that
/// `viewer` is an admin).
pub async fn mark_watched(db: &Db, by: &Actor, id: i64) -> Result<(), StepError<StatusRefused>> {
    change_status(db, by, id, ProposalStatus::Watched).await
}

pub(super) async fn change_status(
    db: &Db,
    by: &Actor,
    id: i64,
    to: ProposalStatus,
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
            ProposalStatus::Withdrawn => {
                if subject.proposer_id != by.id && !by.is_admin {
                    return Err(StepError::Refused(StatusRefused::NotYours));
                }
                if subject.status != ProposalStatus::Active {
                    return Err(StepError::Refused(StatusRefused::NoLongerActive { name }));
                }
            }
            ProposalStatus::Active | ProposalStatus::Watched => {
                if subject.status == ProposalStatus::Watched {
                    return Err(StepError::Refused(StatusRefused::AlreadyWatched { name }));
                }
            }
        }
        sqlx::query(
            "UPDATE proposals SET status = $1, status_changed_at = $2, \
                    watched_at = CASE WHEN $1 = 'watched' THEN $2 ELSE watched_at END \
             WHERE id = $3",
        )
        .bind(to.as_str())
        .bind(at)
        .bind(id)
        .execute(CountedConn(&mut *tx))
        .await?;
        let action = if to == ProposalStatus::Watched { "proposal.watched" } else { "proposal.withdraw" };
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(by.id),
            action,
            Some("proposal"),
            Some(id.to_string()),
            Some(name),
            by.ip.as_deref()
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
}
