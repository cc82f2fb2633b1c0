//! Members' personal API tokens, kept as hashes.

use super::audit::Actor;
use super::counted::CountedConn;
use super::{now, on_pool, Db};
use crate::model::{ApiTokenInfo, TokenScope, Viewer};

struct TokenRow {
    id: i64,
    name: String,
    scope: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
}
crate::from_row!(TokenRow { id, name, scope, created_at, expires_at, last_used_at });

impl TokenRow {
    fn info(self) -> Option<ApiTokenInfo> {
        Some(ApiTokenInfo {
            id: self.id,
            name: self.name,
            scope: TokenScope::from_slug(&self.scope)?,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
        })
    }
}

/// Stores a new token of `user` (its hash) and records it in the audit log, in one transaction.
/// Returns its id.
pub async fn create(
    db: &Db,
    by: &Actor,
    name: &str,
    scope: TokenScope,
    hash: &str,
    expires_at: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let (at, user) = (now(), by.id);
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user)
        .bind(name)
        .bind(scope.slug())
        .bind(hash)
        .bind(at)
        .bind(expires_at)
        .fetch_one(CountedConn(&mut *tx))
        .await?;
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(user),
            "token.create",
            Some("api_token"),
            Some(id.to_string()),
            Some(format!("{name:?}, scope {}", scope.slug())),
            by.ip.as_deref()
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    })
}

/// How many live (not revoked, not expired) tokens `user` has.
pub async fn live_count(db: &Db, user: i64) -> Result<i64, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL \
               AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(user)
        .bind(now())
        .fetch_one(pool)
        .await
    })
}

/// `user`'s live tokens, newest first.
pub async fn list(db: &Db, user: i64) -> Result<Vec<ApiTokenInfo>, sqlx::Error> {
    let rows: Vec<TokenRow> = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT id, name, scope, created_at, expires_at, last_used_at FROM api_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
             ORDER BY id DESC",
        )
        .bind(user)
        .bind(now())
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().filter_map(TokenRow::info).collect())
}

/// Revokes `user`'s token `id`; false if they have no such live token.
pub async fn revoke(db: &Db, by: &Actor, id: i64) -> Result<bool, sqlx::Error> {
    let (at, user) = (now(), by.id);
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL \
             RETURNING name",
        )
        .bind(at)
        .bind(id)
        .bind(user)
        .fetch_optional(CountedConn(&mut *tx))
        .await?;
        let Some(name) = name else { return Ok(false) };
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(user),
            "token.revoke",
            Some("api_token"),
            Some(id.to_string()),
            Some(format!("{name:?}")),
            by.ip.as_deref()
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// The member, token id, name and scope of a live token by its hash; none for a revoked or expired
/// token, or one of a disabled member.
pub async fn holder(db: &Db, hash: &str) -> Result<Option<(Viewer, i64, String, TokenScope)>, sqlx::Error> {
    struct Row {
        viewer: Viewer,
        token_id: i64,
        token_name: String,
        scope: String,
    }
    crate::from_row!(Row { viewer: flatten, token_id, token_name, scope });
    let row: Option<Row> = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.role = 'admin' AS is_admin, \
                    t.id AS token_id, t.name AS token_name, t.scope \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
               AND u.disabled = FALSE",
        )
        .bind(hash)
        .bind(now())
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.and_then(|r| {
        let scope = TokenScope::from_slug(&r.scope)?;
        // An admin token of a member who is no longer an admin reads and votes only.
        let scope = if scope == TokenScope::Admin && !r.viewer.is_admin { TokenScope::Vote } else { scope };
        Some((r.viewer, r.token_id, r.token_name, scope))
    }))
}

/// Notes a token's use (at most once a minute, so a busy bot costs few writes).
pub async fn touch(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    let at = now();
    on_pool!(db, |pool| {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(at)
        .bind(id)
        .bind(at - 60)
        .execute(pool)
        .await
        .map(|_| ())
    })
}

/// Records a change made with a token, in the audit log under its name.
pub async fn record_write(
    db: &Db,
    user: i64,
    token: &str,
    what: String,
    ip: Option<String>,
) -> Result<(), sqlx::Error> {
    super::audit::record(db, Some(user), "token.write", Some(format!("{token:?}: {what}")), ip).await
}
