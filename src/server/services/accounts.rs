//! Accounts: password hashing, registration, password changes, invitations, and what admins do
//! with members and the audit log. Sessions and cookies are `web::auth`.

use crate::error::AppError;
use crate::model::{AuditEntry, MemberRow, Slice, Viewer, AUDIT_ACTIONS};
use crate::server::config::AccountsConfig;
use crate::server::db::accounts::RegisterRefused;
use crate::server::db::audit::Actor;
use crate::server::db::{accounts, attempts, audit, Db, Missing};
use crate::server::observe;
use crate::server::services::worded;
use crate::validate;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Argon2id with the library's defaults (19 MiB, 2 passes): the OWASP recommendation, and about
/// 20-40 ms per hash on this class of machine.
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

pub fn hash_password_now(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|err| observe::internal("password hashing failed", err))
}

fn verify_password_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Hashing is CPU-bound for tens of milliseconds: keep it off the async workers.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(|e| observe::internal("password hashing stopped", e))?
}

/// Verifies against the stored hash, or against a dummy hash when there is none, so that
/// "no such user" takes as long as "wrong password".
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let ok = verify_password_now(&password, hash.as_deref().unwrap_or_else(|| dummy_hash()));
        ok && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password_now("not a real password").unwrap_or_default())
}

/// A fresh random token (what the cookie holds) and its hash (what the database holds).
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex(&bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sign-in limits: failed attempts per account and per address within a window, counted in the
/// database, so they hold across restarts and across several servers sharing it.
pub struct SignInThrottle {
    per_account: u32,
    per_ip: u32,
    window: Duration,
}

impl SignInThrottle {
    pub fn new(per_account: u32, per_ip: u32, window: Duration) -> Self {
        Self { per_account, per_ip, window }
    }

    /// Takes one attempt from the account's and the address's allowance, or refuses when either
    /// is used up. It is taken before the password is checked, so that guesses sent in parallel
    /// cannot all be checked before the first failure is counted; a success gives it back.
    pub async fn begin(&self, db: &Db, username_key: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
        let (now, window) = (crate::server::db::now(), self.window.as_secs() as i64);
        let account = format!("account:{username_key}");
        if !attempts::take(db, &account, self.per_account, now, window).await? {
            return Err(AppError::TooManyRequests);
        }
        if let Some(ip) = ip {
            if !attempts::take(db, &format!("address:{}", limit_key(ip)), self.per_ip, now, window).await? {
                attempts::give_back(db, &account).await?;
                return Err(AppError::TooManyRequests);
            }
        }
        Ok(())
    }

    /// The attempt succeeded: the account's count starts again, and the address gets its attempt back.
    pub async fn succeeded(&self, db: &Db, username_key: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
        attempts::clear(db, &format!("account:{username_key}"), crate::server::db::now()).await?;
        if let Some(ip) = ip {
            attempts::give_back(db, &format!("address:{}", limit_key(ip))).await?;
        }
        Ok(())
    }
}

/// The address a limit counts a client under: IPv4 addresses alone, IPv6 ones by their /64, the
/// block one subscriber is usually given (so rotating through it gains nothing).
pub fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Members, their sessions, invitations and the audit log, over one database handle.
#[derive(Clone)]
pub struct Accounts {
    db: Db,
    throttle: Arc<SignInThrottle>,
}

impl Accounts {
    pub fn new(db: Db, config: &AccountsConfig) -> Accounts {
        let throttle = SignInThrottle::new(
            config.failures_per_account,
            config.failures_per_ip,
            Duration::from_secs(config.lockout_minutes * 60),
        );
        Accounts { db, throttle: Arc::new(throttle) }
    }

    /// Checks a sign-in, throttled (see `SignInThrottle`); a failure is written to the audit log. The
    /// member's id when the username and password match an account that may sign in.
    pub async fn check_sign_in(&self, username: &str, password: String, ip: Option<IpAddr>) -> Result<i64, AppError> {
        let db = &self.db;
        let key = validate::username_key(username);
        self.throttle.begin(db, &key, ip).await?;
        let account = accounts::credentials(db, username).await?;
        let (user_id, hash) = match &account {
            Some(c) if !c.disabled => (Some(c.id), c.password_hash.clone()),
            _ => (None, None),
        };
        match user_id {
            Some(user_id) if verify_password(password, hash).await => {
                self.throttle.succeeded(db, &key, ip).await?;
                Ok(user_id)
            }
            _ => {
                let details = Some(format!("username {:?}", username.chars().take(40).collect::<String>()));
                let _ = audit::record(db, user_id, "account.sign_in_failed", details, ip.map(|i| i.to_string())).await;
                Err(AppError::BadRequest("That username and password do not match.".into()))
            }
        }
    }

    /// Opens a server-side session for the member, lasting `lifetime`; the token is for its cookie.
    pub async fn open_session(
        &self,
        user_id: i64,
        lifetime: Duration,
        user_agent: Option<&str>,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let db = &self.db;
        let (token, hash) = new_token();
        let expires = crate::server::db::now() + lifetime.as_secs() as i64;
        accounts::create_session(db, &hash, user_id, expires, user_agent, ip).await?;
        Ok(token)
    }

    /// The member a session's token names, while the session lasts.
    pub async fn session_viewer(&self, token: &str) -> Result<Option<Viewer>, sqlx::Error> {
        accounts::session_viewer(&self.db, &token_hash(token)).await
    }

    /// The member with this id, as a session shows them.
    pub async fn viewer(&self, user_id: i64) -> Result<Option<Viewer>, sqlx::Error> {
        accounts::session_viewer_by_id(&self.db, user_id).await
    }

    /// Ends the session whose token hashes to `token_hash`.
    pub async fn close_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        accounts::delete_session(&self.db, token_hash).await
    }

    /// Checks a registration and creates the member.
    pub async fn register(&self, form: Registration<'_>) -> Result<Viewer, AppError> {
        let invite_hash = if form.invite_only {
            let code = form.invite.map(str::trim).filter(|c| !c.is_empty()).ok_or_else(|| {
                AppError::BadRequest("Registration here is by invitation: ask an admin for an invitation link.".into())
            })?;
            Some(token_hash(code))
        } else {
            None
        };
        let username = validate::username(form.username)?;
        let display_name = validate::display_name(form.display_name.unwrap_or(""), &username)?;
        validate::new_password(&form.password, &username)?;
        let hash = hash_password(form.password).await?;
        let user = accounts::NewUser {
            username: &username,
            display_name: &display_name,
            password_hash: &hash,
            is_admin: false,
            invite_hash: invite_hash.as_deref(),
            ip: form.ip,
        };
        accounts::create_user(&self.db, &user)
            .await
            .map_err(|e| worded(e, |reason| register_refused(reason, &username)))
    }

    /// Makes `username` an admin with this password hash, creating the account if there is none;
    /// whether it was created.
    pub async fn upsert_admin(
        &self,
        username: &str,
        display_name: &str,
        password_hash: &str,
    ) -> Result<bool, AppError> {
        accounts::upsert_admin(&self.db, username, display_name, password_hash)
            .await
            .map_err(|e| worded(e, |reason| register_refused(reason, username)))
    }

    /// Replaces the member's password after checking the current one; every other session ends
    /// (`keep` is the hash of the session making the change).
    pub async fn change_password(
        &self,
        viewer: &Actor,
        current: String,
        new: String,
        keep: &str,
    ) -> Result<(), AppError> {
        let db = &self.db;
        if current.chars().count() > validate::MAX_PASSWORD {
            return Err(AppError::BadRequest("Your current password is not right.".into()));
        }
        let stored = accounts::password_hash(db, viewer.id).await?;
        if !verify_password(current, stored).await {
            return Err(AppError::BadRequest("Your current password is not right.".into()));
        }
        validate::new_password(&new, &viewer.username)?;
        let hash = hash_password(new).await?;
        accounts::change_password(db, viewer.id, &hash, keep).await?;
        audit::record(db, Some(viewer.id), "account.password", None, viewer.ip.clone()).await?;
        Ok(())
    }

    /// A new invitation code (only its hash is stored), for the admin page and `marquee invite`.
    pub async fn create_invite(&self, by: Option<i64>, days: u32) -> Result<String, sqlx::Error> {
        let db = &self.db;
        let (code, hash) = new_token();
        let expires = crate::server::db::now() + days as i64 * 86_400;
        accounts::create_invite(db, &hash, by, expires).await?;
        Ok(code)
    }

    /// An invitation made on the admin page, valid for a week and recorded in the audit log.
    pub async fn invite(&self, admin: &Actor) -> Result<String, AppError> {
        let code = self.create_invite(Some(admin.id), 7).await?;
        audit::record(&self.db, Some(admin.id), "admin.invite", None, admin.ip.clone()).await?;
        Ok(code)
    }

    pub async fn members(&self) -> Result<Vec<MemberRow>, AppError> {
        Ok(accounts::members(&self.db).await?)
    }

    /// Sets a member's own proposal limit from what an admin typed; empty means "the default".
    pub async fn set_proposal_limit(&self, admin: &Actor, user_id: i64, limit: &str) -> Result<(), AppError> {
        let limit = match limit.trim() {
            "" => None,
            text => {
                let n = text.parse::<i64>().map_err(|_| {
                    AppError::BadRequest("A proposal limit must be a whole number from 0 to 100.".into())
                })?;
                Some(validate::proposal_limit(n)? as i32)
            }
        };
        accounts::set_proposal_limit(&self.db, admin, user_id, limit)
            .await
            .map_err(|e| worded(e, |Missing| AppError::NotFound("That member".into())))
    }

    /// Page `page` (from 1) of the audit log, filtered by a known action and an actor's username.
    pub async fn audit_log(
        &self,
        action: Option<String>,
        actor: Option<String>,
        page: u32,
    ) -> Result<Slice<AuditEntry>, AppError> {
        let offset = validate::page_offset(page, AUDIT_PAGE)?;
        let action = action.filter(|a| !a.is_empty());
        if let Some(a) = &action {
            if !AUDIT_ACTIONS.iter().any(|(known, _)| known == a) {
                return Err(AppError::BadRequest(format!("{a:?} is not an action the log records.")));
            }
        }
        let actor = actor.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        if actor.as_ref().is_some_and(|a| a.len() > 64) {
            return Err(AppError::BadRequest("A username has at most 32 characters.".into()));
        }
        let filter = audit::AuditFilter { action, actor, limit: AUDIT_PAGE, offset: offset as u64 };
        let (items, total) = audit::entries(&self.db, &filter).await?;
        Ok(Slice { items, offset, limit: AUDIT_PAGE, total })
    }
}

/// What a visitor fills in to join.
pub struct Registration<'a> {
    pub username: &'a str,
    pub display_name: Option<&'a str>,
    pub password: String,
    pub invite: Option<&'a str>,
    /// Whether joining needs an invitation (the `accounts.registration` setting).
    pub invite_only: bool,
    pub ip: Option<String>,
}

fn register_refused(reason: RegisterRefused, username: &str) -> AppError {
    match reason {
        RegisterRefused::UsernameTaken => {
            AppError::Conflict(format!("The username {username:?} is taken; choose another."))
        }
        RegisterRefused::InvitationNotValid => AppError::BadRequest(
            "That invitation is not valid: it may have been used or have expired. Ask an admin for a new one.".into(),
        ),
    }
}

/// Audit log entries per page.
const AUDIT_PAGE: u32 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_ipv6_clients_by_their_64_block() {
        let key = |s: &str| limit_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password_now("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password_now("correct horse battery", &hash));
        assert!(!verify_password_now("correct horse batterx", &hash));
        assert!(!verify_password_now("correct horse battery", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(ha, token_hash(&a));
        assert_ne!(ha, a);
    }
}
