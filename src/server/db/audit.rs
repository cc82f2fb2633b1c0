//! The audit log: who did what, when, from where. Written in the same transaction as the change.

use super::{on_pool, Db};
use crate::model::{ActivityItem, AuditEntry, Viewer};

/// Who makes a change, and from where: the signed-in member, and the client address of the
/// request (none outside a request). What the audit log records beside each change.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub viewer: Viewer,
    pub ip: Option<String>,
}

impl Actor {
    pub fn new(viewer: Viewer, ip: Option<String>) -> Actor {
        Actor { viewer, ip }
    }
}

impl std::ops::Deref for Actor {
    type Target = Viewer;

    fn deref(&self) -> &Viewer {
        &self.viewer
    }
}

/// Binds, in order: at, actor_id, action, subject_type, subject_id, details, ip.
pub const INSERT: &str = "INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, details, ip) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Writes one entry with `$exec` (a change's transaction, so the entry commits with the change):
/// `audit_entry!(exec, at, actor, action, subject_type, subject_id, details, ip)`.
#[macro_export]
macro_rules! audit_entry {
    ($exec:expr, $at:expr, $actor:expr, $action:expr, $subject_type:expr, $subject_id:expr, $details:expr, $ip:expr) => {
        sqlx::query($crate::server::db::audit::INSERT)
            .bind($at)
            .bind($actor)
            .bind($action)
            .bind($subject_type)
            .bind($subject_id)
            .bind($details)
            .bind($ip)
            .execute($exec)
    };
}

/// Writes one entry inside a change's transaction, so that it commits with the change.
pub async fn write(
    tx: &mut super::Tx,
    at: i64,
    actor: Option<i64>,
    action: &str,
    subject: Option<(&str, String)>,
    details: Option<String>,
    ip: Option<String>,
) -> Result<(), sqlx::Error> {
    let (subject_type, subject_id) = subject.unzip();
    super::on_tx!(tx, |conn| {
        crate::audit_entry!(
            super::counted::CountedConn(&mut *conn),
            at,
            actor,
            action,
            subject_type,
            subject_id,
            details,
            ip.as_deref()
        )
        .await
        .map(|_| ())
    })
}

/// Writes one entry outside any other change (failed sign-ins).
pub async fn record(
    db: &Db,
    actor: Option<i64>,
    action: &str,
    details: Option<String>,
    ip: Option<String>,
) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        crate::audit_entry!(pool, super::now(), actor, action, None::<String>, None::<String>, details, ip)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

pub struct AuditFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub limit: u32,
    pub offset: u64,
}

/// Entries newest first, filtered by action and by the actor's username.
pub async fn entries(db: &Db, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, i64), sqlx::Error> {
    let actor_key = filter.actor.as_deref().map(crate::validate::username_key);
    on_pool!(db, |pool| {
        let where_clause = "WHERE ($1 IS NULL OR a.action = $1) AND ($2 IS NULL OR u.username_key = $2)";
        let rows = sqlx::query_as::<_, AuditEntry>(&format!(
            "SELECT a.id, a.at, u.display_name AS actor, a.action, a.subject_type, a.subject_id, a.details, a.ip \
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id {where_clause} \
             ORDER BY a.at DESC, a.id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(filter.action.as_deref())
        .bind(actor_key.as_deref())
        .bind(filter.limit as i64)
        .bind(filter.offset as i64)
        .fetch_all(pool)
        .await?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id {where_clause}"
        ))
        .bind(filter.action.as_deref())
        .bind(actor_key.as_deref())
        .fetch_one(pool)
        .await?;
        Ok((rows, total))
    })
}

/// The club's latest public actions (proposals, votes, watched films), for the vote page.
pub async fn recent_activity(db: &Db, limit: u32) -> Result<Vec<ActivityItem>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as::<_, ActivityItem>(
            "SELECT a.at, u.display_name AS actor, a.action, COALESCE(p.title, p.imdb_id) AS title, $2 AS now \
             FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor_id \
             LEFT JOIN proposals p ON a.subject_type = 'proposal' AND p.id = CAST(a.subject_id AS BIGINT) \
             WHERE a.action IN ('proposal.create', 'proposal.withdraw', 'proposal.watched', 'vote.cast', 'watched.rate') \
             ORDER BY a.at DESC, a.id DESC LIMIT $1",
        )
        .bind(limit as i64)
        .bind(super::now())
        .fetch_all(pool)
        .await
    })
}
