//! Members, sessions and invitations.

use super::audit::Actor;
use super::counted::CountedConn;
use super::{now, on_pool, Db, Missing, StepError};
use crate::model::{MemberRow, Viewer};

/// What sign-in needs to know about an account.
#[derive(Debug)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: Option<String>,
    pub disabled: bool,
}
crate::from_row!(Credentials { id, password_hash, disabled });

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    /// Hash of the invitation code that admits this member, when registration is by invitation.
    pub invite_hash: Option<&'a str>,
    pub ip: Option<String>,
}

fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// Why an account was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterRefused {
    UsernameTaken,
    /// The invitation was used, has expired, or never existed.
    InvitationNotValid,
}

/// Creates a member (and uses up their invitation) in one transaction.
pub async fn create_user(db: &Db, user: &NewUser<'_>) -> Result<Viewer, StepError<RegisterRefused>> {
    let at = now();
    let key = crate::validate::username_key(user.username);
    let role = if user.is_admin { "admin" } else { "member" };
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (username, username_key, display_name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user.username)
        .bind(&key)
        .bind(user.display_name)
        .bind(user.password_hash)
        .bind(role)
        .bind(at)
        .fetch_one(CountedConn(&mut *tx))
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(err) if is_unique_violation(&err) => return Err(StepError::Refused(RegisterRefused::UsernameTaken)),
            Err(err) => return Err(err.into()),
        };
        if let Some(invite) = user.invite_hash {
            let used = sqlx::query(
                "UPDATE invites SET used_by = $1, used_at = $2 \
                 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(id)
            .bind(at)
            .bind(invite)
            .execute(CountedConn(&mut *tx))
            .await?;
            if used.rows_affected() != 1 {
                return Err(StepError::Refused(RegisterRefused::InvitationNotValid));
            }
        }
        let details = Some(format!("{} ({role})", user.username));
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(id),
            "account.register",
            Some("user"),
            Some(id.to_string()),
            details,
            user.ip.clone()
        )
        .await?;
        tx.commit().await?;
        Ok(Viewer {
            id,
            username: user.username.to_string(),
            display_name: user.display_name.to_string(),
            is_admin: user.is_admin,
        })
    })
}

/// Creates the account as an admin, or makes an existing account an admin with the new password.
pub async fn upsert_admin(
    db: &Db,
    username: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<bool, StepError<RegisterRefused>> {
    let key = crate::validate::username_key(username);
    let updated = on_pool!(db, |pool| {
        sqlx::query("UPDATE users SET role = 'admin', password_hash = $1, disabled = FALSE WHERE username_key = $2")
            .bind(password_hash)
            .bind(&key)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?;
    if updated == 1 {
        return Ok(false);
    }
    let user = NewUser { username, display_name, password_hash, is_admin: true, invite_hash: None, ip: None };
    create_user(db, &user).await?;
    Ok(true)
}

pub async fn credentials(db: &Db, username: &str) -> Result<Option<Credentials>, sqlx::Error> {
    let key = crate::validate::username_key(username);
    on_pool!(db, |pool| {
        sqlx::query_as::<_, Credentials>("SELECT id, password_hash, disabled FROM users WHERE username_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await
    })
}

pub async fn password_hash(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar::<_, Option<String>>("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
            .map(Option::flatten)
    })
}

/// Sets a new password and ends every other session of the member.
pub async fn change_password(db: &Db, user_id: i64, hash: &str, keep_session: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(CountedConn(&mut *tx))
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep_session)
            .execute(CountedConn(&mut *tx))
            .await?;
        tx.commit().await
    })
}

pub async fn create_session(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    expires_at: i64,
    user_agent: Option<&str>,
    ip: Option<&str>,
) -> Result<(), sqlx::Error> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, user_agent, ip) \
             VALUES ($1, $2, $3, $4, $3, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(at)
        .bind(expires_at)
        .bind(user_agent.map(|ua| ua.chars().take(200).collect::<String>()))
        .bind(ip)
        .execute(CountedConn(&mut *tx))
        .await?;
        // Expired sessions are swept as new ones are made, so the table stays small without a job.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(at).execute(CountedConn(&mut *tx)).await?;
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(user_id),
            "account.sign_in",
            Some("user"),
            Some(user_id.to_string()),
            None::<String>,
            ip
        )
        .await?;
        tx.commit().await
    })
}

/// The member a session token belongs to, if the session is live and the account enabled.
pub async fn session_viewer(db: &Db, token_hash: &str) -> Result<Option<Viewer>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as::<_, Viewer>(
            "SELECT u.id, u.username, u.display_name, u.role = 'admin' AS is_admin \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND s.expires_at > $2 AND u.disabled = FALSE",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(pool)
        .await
    })
}

pub async fn session_viewer_by_id(db: &Db, user_id: i64) -> Result<Option<Viewer>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as::<_, Viewer>(
            "SELECT id, username, display_name, role = 'admin' AS is_admin FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await
    })
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn create_invite(db: &Db, code_hash: &str, by: Option<i64>, expires_at: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query("INSERT INTO invites (code_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(code_hash)
            .bind(by)
            .bind(now())
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

pub async fn members(db: &Db) -> Result<Vec<MemberRow>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as::<_, MemberRow>(
            "SELECT u.id, u.username, u.display_name, u.role = 'admin' AS is_admin, u.proposal_limit, \
                    COUNT(p.id) AS active_proposals, u.created_at \
             FROM users u LEFT JOIN proposals p ON p.proposer_id = u.id AND p.status = 'active' \
             GROUP BY u.id, u.username, u.display_name, u.role, u.proposal_limit, u.created_at \
             ORDER BY u.username_key",
        )
        .fetch_all(pool)
        .await
    })
}

/// Sets one member's proposal limit (`None`: back to the configured default).
pub async fn set_proposal_limit(
    db: &Db,
    by: &Actor,
    user_id: i64,
    limit: Option<i32>,
) -> Result<(), StepError<Missing>> {
    let at = now();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let changed = sqlx::query("UPDATE users SET proposal_limit = $1 WHERE id = $2")
            .bind(limit)
            .bind(user_id)
            .execute(CountedConn(&mut *tx))
            .await?;
        if changed.rows_affected() == 0 {
            return Err(StepError::Refused(Missing));
        }
        let details = Some(limit.map_or("default".to_string(), |l| l.to_string()));
        crate::audit_entry!(
            CountedConn(&mut *tx),
            at,
            Some(by.id),
            "admin.set_limit",
            Some("user"),
            Some(user_id.to_string()),
            details,
            by.ip.as_deref()
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
}

/// Whether a member has made a calendar link.
pub async fn has_calendar_key(db: &Db, user: i64) -> Result<bool, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE id = $1 AND (calendar_key_hash IS NOT NULL OR calendar_token IS NOT NULL)",
        )
        .bind(user)
        .fetch_one(pool)
        .await
        .map(|n| n > 0)
    })
}

/// Gives a member a new calendar link key (stored by its hash); the old link stops working.
pub async fn set_calendar_key_hash(db: &Db, user: i64, hash: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query("UPDATE users SET calendar_key_hash = $2, calendar_token = NULL WHERE id = $1")
            .bind(user)
            .bind(hash)
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// Whether a calendar link key's hash belongs to a member who may still use it (not disabled).
pub async fn calendar_key_known(db: &Db, hash: &str) -> Result<bool, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE calendar_key_hash = $1 AND disabled = FALSE")
            .bind(hash)
            .fetch_one(pool)
            .await
            .map(|n| n > 0)
    })
}

/// Calendar link keys kept as they were made (before they were hashed): (member, key).
pub async fn unhashed_calendar_keys(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_as("SELECT id, calendar_token FROM users WHERE calendar_token IS NOT NULL").fetch_all(pool).await
    })
}
