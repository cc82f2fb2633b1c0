//! Site-wide counts, in one aggregate query.

use super::{on_pool, Db};
use crate::model::SiteStats;

/// `fresh_secs`: how old IMDb metadata may be before it counts as stale.
pub async fn site_stats(db: &Db, fresh_secs: i64) -> Result<SiteStats, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as::<_, SiteStats>(
            "SELECT \
               (SELECT COUNT(*) FROM movies) AS movies, \
               (SELECT COUNT(*) FROM movies WHERE year BETWEEN $3 AND $4) AS candidates, \
               (SELECT COUNT(*) FROM users WHERE disabled = $1) AS members, \
               (SELECT COUNT(*) FROM proposals WHERE status = 'active') AS active_proposals, \
               (SELECT COUNT(*) FROM votes) AS votes, \
               (SELECT COUNT(*) FROM ratings WHERE shared) + (SELECT COUNT(*) FROM watch_ratings) AS ratings, \
               (SELECT COUNT(*) FROM list_memberships) AS list_entries, \
               (SELECT COUNT(*) FROM nominations) AS nominations, \
               (SELECT COUNT(*) FROM proposals WHERE status IN ('active', 'watched') \
                  AND (cached_at IS NULL OR cached_at <= $2)) AS stale_imdb, \
               (SELECT COUNT(*) FROM proposals WHERE status IN ('active', 'watched') \
                  AND last_fetch_error IS NOT NULL) AS failed_imdb",
        )
        .bind(false)
        .bind(super::now() - fresh_secs)
        .bind(crate::scoring::CANDIDATE_YEARS.start())
        .bind(crate::scoring::CANDIDATE_YEARS.end())
        .fetch_one(pool)
        .await
    })
}
