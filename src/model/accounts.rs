//! Members as the site sees them, and what admins see: members and the audit log.

use serde::{Deserialize, Serialize};

/// The signed-in member, as pages and server functions see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Viewer {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
}
#[cfg(feature = "ssr")]
crate::from_row!(Viewer { id, username, display_name, is_admin });

/// The actions the audit log records, with the words the admin sees.
pub const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("account.register", "registered"),
    ("account.sign_in", "signed in"),
    ("account.sign_in_failed", "failed to sign in"),
    ("account.password", "changed their password"),
    ("proposal.create", "proposed"),
    ("proposal.withdraw", "withdrew"),
    ("proposal.watched", "marked watched"),
    ("vote.cast", "voted for"),
    ("vote.remove", "took back a vote for"),
    ("watched.rate", "rated"),
    ("admin.set_limit", "changed a proposal limit"),
    ("admin.invite", "created an invitation"),
    ("round.open", "opened a round"),
    ("round.close", "closed a round early"),
    ("round.extend", "moved a round's deadline"),
    ("round.ballot", "ranked the films of a round"),
    ("token.create", "created an API token"),
    ("token.revoke", "revoked an API token"),
    ("token.write", "changed data with an API token"),
];

/// What a personal API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// Read everything the member may read.
    Read,
    /// Also vote, rank a round's films and rate films.
    Vote,
    /// Also what only admins may do (open and close rounds, import films): admins only.
    Admin,
}

impl TokenScope {
    pub const ALL: [TokenScope; 3] = [TokenScope::Read, TokenScope::Vote, TokenScope::Admin];

    pub fn slug(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Vote => "vote",
            TokenScope::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Read => "Read",
            TokenScope::Vote => "Read and vote",
            TokenScope::Admin => "Admin",
        }
    }

    pub fn from_slug(slug: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// One of a member's API tokens, as their account page lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// One audit log entry for the admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub details: Option<String>,
    pub ip: Option<String>,
}
#[cfg(feature = "ssr")]
crate::from_row!(AuditEntry { id, at, actor, action, subject_type, subject_id, details, ip });

/// A member on the admin's members page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub proposal_limit: Option<i32>,
    pub active_proposals: i64,
    pub created_at: i64,
}
#[cfg(feature = "ssr")]
crate::from_row!(MemberRow { id, username, display_name, is_admin, proposal_limit, active_proposals, created_at });
