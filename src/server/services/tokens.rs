//! Personal API tokens: made, listed and revoked by their member on the account page, shown once,
//! kept as hashes; `Authorization: Bearer …` on `/api/v1` only, within the token's scope.

use crate::error::AppError;
use crate::model::{ApiTokenInfo, TokenScope, Viewer};
use crate::server::db::audit::Actor;
use crate::server::db::{tokens, Db};
use crate::server::services::accounts::{new_token, token_hash};
use axum::http::{header, HeaderMap, Method};

/// What every token starts with, so a leaked one is easy to recognise (and to scan for).
pub const PREFIX: &str = "mq_";
/// Live tokens a member may hold at once.
pub const MAX_LIVE: i64 = 20;
const MAX_DAYS: u32 = 3650;

/// A live token's member, id, name and scope.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub viewer: Viewer,
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
}

/// Members' API tokens, over one database handle.
#[derive(Clone)]
pub struct Tokens {
    db: Db,
}

impl Tokens {
    pub fn new(db: Db) -> Tokens {
        Tokens { db }
    }

    /// Makes a token for `viewer`: returns it (shown once; only its hash is kept).
    pub async fn create(&self, viewer: &Actor, name: &str, scope: &str, days: Option<u32>) -> Result<String, AppError> {
        let db = &self.db;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 || crate::validate::has_control(name) {
            return Err(AppError::BadRequest(
                "Give the token a name of up to 60 characters (such as \"club bot\"), so you know it later.".into(),
            ));
        }
        let scope = TokenScope::from_slug(scope.trim())
            .ok_or_else(|| AppError::BadRequest("Choose what the token may do: read, vote or admin.".into()))?;
        if scope == TokenScope::Admin && !viewer.is_admin {
            return Err(AppError::BadRequest("Only admins can make admin tokens; choose read or vote.".into()));
        }
        if days.is_some_and(|d| d == 0 || d > MAX_DAYS) {
            return Err(AppError::BadRequest(format!(
                "A token lasts from 1 to {MAX_DAYS} days, or until you revoke it (leave the days empty)."
            )));
        }
        if tokens::live_count(db, viewer.id).await? >= MAX_LIVE {
            return Err(AppError::Conflict(format!(
                "You have {MAX_LIVE} tokens already; revoke one you no longer use first."
            )));
        }
        let token = format!("{PREFIX}{}", new_token().0);
        let expires_at = days.map(|d| crate::server::db::now() + d as i64 * 86_400);
        tokens::create(db, viewer, name, scope, &token_hash(&token), expires_at).await?;
        Ok(token)
    }

    pub async fn list(&self, viewer: &Viewer) -> Result<Vec<ApiTokenInfo>, AppError> {
        Ok(tokens::list(&self.db, viewer.id).await?)
    }

    pub async fn revoke(&self, viewer: &Actor, id: i64) -> Result<(), AppError> {
        if tokens::revoke(&self.db, viewer, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("That token".into()))
        }
    }

    /// The live token's holder, if it is one.
    pub async fn holder(&self, token: &str) -> Result<Option<TokenHolder>, AppError> {
        let Some((viewer, id, name, scope)) = tokens::holder(&self.db, &token_hash(token)).await? else {
            return Ok(None);
        };
        Ok(Some(TokenHolder { viewer, id, name, scope }))
    }

    /// Notes a use of the token; a change it made goes in the audit log under its name.
    pub async fn used(&self, holder: &TokenHolder, change: Option<String>, ip: Option<String>) {
        let db = &self.db;
        if let Err(err) = tokens::touch(db, holder.id).await {
            tracing::warn!(%err, "could not note an API token's use");
        }
        if let Some(change) = change {
            if let Err(err) = tokens::record_write(db, holder.viewer.id, &holder.name, change, ip).await {
                tracing::warn!(%err, "could not record an API token's change in the audit log");
            }
        }
    }
}

/// The bearer token of a request: none without an `Authorization` header, an error (with words a
/// person can act on) for one that is not `Bearer mq_` and 64 hex digits.
pub fn bearer(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err("Send one Authorization header, not several.");
    }
    let value = value.to_str().map_err(|_| "The Authorization header must be `Bearer` and a token.")?;
    let (kind, token) = value.trim().split_once(' ').ok_or("The Authorization header must be `Bearer` and a token.")?;
    if !kind.eq_ignore_ascii_case("bearer") {
        return Err("Only `Authorization: Bearer` tokens are accepted here (make one on your account page).");
    }
    let token = token.trim();
    let well_formed = token
        .strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    if !well_formed {
        return Err("That is not a Marquee API token (they start with mq_ and are 67 characters long).");
    }
    Ok(Some(token.to_string()))
}

/// The scope a request to the JSON API needs. Reads need `read`; voting, ranking a round's films
/// and rating need `vote`; everything else that changes data (opening and closing rounds,
/// imports, and any write not named here) needs `admin`.
pub fn needed_scope(method: &Method, path: &str) -> TokenScope {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return TokenScope::Read;
    }
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("PUT" | "DELETE", ["", "api", "v1", "movies", _, "rating"]) => TokenScope::Vote,
        ("PUT", ["", "api", "v1", "rounds", _, "ballot"]) => TokenScope::Vote,
        _ => TokenScope::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_endpoint_needs_the_least_scope_that_covers_it() {
        let get = Method::GET;
        assert_eq!(needed_scope(&get, "/api/v1/rounds/3"), TokenScope::Read);
        assert_eq!(needed_scope(&Method::PUT, "/api/v1/movies/12/rating"), TokenScope::Vote);
        assert_eq!(needed_scope(&Method::DELETE, "/api/v1/movies/tt0111161/rating"), TokenScope::Vote);
        assert_eq!(needed_scope(&Method::PUT, "/api/v1/rounds/3/ballot"), TokenScope::Vote);
        assert_eq!(needed_scope(&Method::POST, "/api/v1/rounds"), TokenScope::Admin);
        assert_eq!(needed_scope(&Method::POST, "/api/v1/rounds/3/close"), TokenScope::Admin);
        assert_eq!(needed_scope(&Method::POST, "/api/v1/import"), TokenScope::Admin);
        // A write nobody named is an admin's.
        assert_eq!(needed_scope(&Method::POST, "/api/v1/movies/12/rating"), TokenScope::Admin);
        assert_eq!(needed_scope(&Method::PATCH, "/api/v1/anything"), TokenScope::Admin);
    }

    #[test]
    fn only_a_well_formed_bearer_token_is_read() {
        let token = format!("{PREFIX}{}", "ab".repeat(32));
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            bearer(&headers)
        };
        assert_eq!(bearer(&HeaderMap::new()), Ok(None));
        assert_eq!(with(&format!("Bearer {token}")), Ok(Some(token.clone())));
        assert_eq!(with(&format!("bearer  {token} ")), Ok(Some(token.clone())));
        for bad in [
            format!("Basic {token}"),
            format!("Bearer {}", "ab".repeat(32)),
            format!("Bearer {}", token.to_uppercase()),
            format!("Bearer {token}x"),
            "Bearer".to_string(),
            format!("Bearer {token}; drop table"),
        ] {
            assert!(with(&bad).is_err(), "{bad}");
        }
    }
}
