//! The watched history: members' ratings of the films the club has seen, and its pages.

use super::*;

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

/// Rates a watched film 0.5-5 stars, given in half stars (again: the new rating replaces the old).
pub async fn rate_watched(db: &Db, by: &Actor, id: i64, half_stars: i32) -> Result<(), StepError<RatingRefused>> {
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
        .bind(by.id)
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
                Some((status, Some(on))) if ProposalStatus::parse(&status) == Some(ProposalStatus::Watched) => {
                    RatingRefused::NotScreenedYet { on }
                }
                Some(_) => RatingRefused::NotWatched,
            }));
        }
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(by.id),
            "watched.rate",
            Some("proposal"),
            Some(id.to_string()),
            Some(format!("{} stars", half_stars as f64 / 2.0)),
            by.ip.as_deref()
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
}

pub(super) struct WatchedRow {
    card: ProposalCard,
    watched_at: i64,
    total: i64,
}
crate::from_row!(WatchedRow { card: flatten, watched_at, total });

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
