//! The club's proposals and votes.

use super::{on_pool, Db};
use crate::model::ProposalCard;
use std::collections::HashMap;

/// Active proposals, most votes first then newest, with their voters. Two queries for any page.
pub async fn active_page(db: &Db, limit: u32, offset: u64) -> Result<(Vec<ProposalCard>, i64), sqlx::Error> {
    on_pool!(db, |pool| {
        let mut cards = sqlx::query_as::<_, ProposalCard>(
            "SELECT p.id, p.imdb_id, p.title, p.year, p.poster_url, p.genres, p.imdb_rating, \
                    u.display_name AS proposer, \
                    (SELECT COUNT(*) FROM votes v WHERE v.proposal_id = p.id) AS votes, \
                    '' AS voters \
             FROM proposals p JOIN users u ON u.id = p.proposer_id \
             WHERE p.status = 'active' \
             ORDER BY votes DESC, p.created_at DESC, p.id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(pool)
        .await?;
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM proposals WHERE status = 'active'").fetch_one(pool).await?;
        if !cards.is_empty() {
            let mut q = sqlx::QueryBuilder::new(
                "SELECT v.proposal_id, u.display_name FROM votes v JOIN users u ON u.id = v.user_id \
                 WHERE v.proposal_id IN (",
            );
            let mut sep = q.separated(", ");
            for c in &cards {
                sep.push_bind(c.id);
            }
            q.push(") ORDER BY v.created_at, u.display_name");
            let mut voters: HashMap<i64, Vec<String>> = HashMap::new();
            for (proposal, name) in q.build_query_as::<(i64, String)>().fetch_all(pool).await? {
                voters.entry(proposal).or_default().push(name);
            }
            for card in &mut cards {
                card.voters = voters.remove(&card.id).unwrap_or_default().join(", ");
            }
        }
        Ok((cards, total))
    })
}
