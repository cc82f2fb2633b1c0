//! Movie nights: voting rounds with a deadline, and their results.

use crate::ballots::Tally;
use serde::{Deserialize, Serialize};

/// A voting round. Times are Unix seconds; `time_zone` is the IANA name the screening is shown in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Round {
    pub id: i64,
    pub name: String,
    pub screening_at: i64,
    pub time_zone: String,
    pub deadline: i64,
    pub method: VoteMethod,
    pub carry_over: CarryOver,
    pub status: RoundStatus,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// "deadline", or the admin who closed it early.
    pub closed_by: Option<String>,
    pub winner_proposal_id: Option<i64>,
    pub winner_title: Option<String>,
    /// The deadline and the screening in the round's time zone, for reading ("Fri 12 Dec 2025,
    /// 20:00"), and the deadline as a form field's value there; filled in by the server.
    #[serde(default)]
    pub deadline_local: String,
    #[serde(default)]
    pub screening_local: String,
    #[serde(default)]
    pub deadline_input: String,
}
#[cfg(feature = "ssr")]
crate::from_row!(Round {
    id,
    name,
    screening_at,
    time_zone,
    deadline,
    method: text,
    carry_over: text,
    status: text,
    opened_at,
    closed_at,
    closed_by,
    winner_proposal_id,
    winner_title,
    deadline_local: skip,
    screening_local: skip,
    deadline_input: skip
});

named_states! {
    /// How a round's ballots are counted.
    VoteMethod {
        /// Each member approves any number of films; most approvals wins.
        Approval = "approval",
        /// Each member orders the films; instant runoff.
        Ranked = "ranked",
    }
}

named_states! {
    /// What happens to the proposals a round did not pick.
    CarryOver {
        /// They stay on the list for the next round, with their votes.
        WithVotes = "with_votes",
        /// They stay on the list, their votes cleared.
        WithoutVotes = "without_votes",
        /// They leave the list.
        Archive = "archive",
    }
}

named_states! {
    /// Whether a round still takes ballots.
    RoundStatus {
        Open = "open",
        Closed = "closed",
    }
}

/// A proposal as a round's result names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoundEntry {
    pub proposal_id: i64,
    pub title: String,
    pub proposer: String,
}

/// A round with its result once closed: the tally with every count, and the tie rule if it decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoundResult {
    pub round: Round,
    /// The proposals that took part.
    pub entries: Vec<RoundEntry>,
    /// Counts, eliminations and tie-breaks; none while the round is open.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub tally: Option<Tally>,
}

/// What an admin sends to open a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewRound {
    pub name: String,
    /// Unix seconds.
    pub screening_at: i64,
    /// An IANA time zone name, such as "Europe/Paris".
    pub time_zone: String,
    /// Unix seconds; in the future, and no later than the screening.
    pub deadline: i64,
    /// "approval" (default) or "ranked".
    #[serde(default = "approval")]
    pub method: String,
    /// "with_votes" (default), "without_votes" or "archive".
    #[serde(default = "with_votes")]
    pub carry_over: String,
}

fn approval() -> String {
    "approval".into()
}

fn with_votes() -> String {
    "with_votes".into()
}

/// A member's ballot: approvals for an approval round, a ranking (most wanted first) for a ranked one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ballot {
    Approvals(Vec<i64>),
    Ranking(Vec<i64>),
}

/// Where open vote pages follow live counts.
pub const LIVE_EVENTS_PATH: &str = "/events";

/// What an open vote page hears on the live event stream (`/events`): counts and round news,
/// never who voted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A proposal's vote count changed; of two events for one proposal, the higher version is newer.
    Votes { proposal: i64, votes: i64, version: i64 },
    /// A round opened, moved its deadline or closed: the page asks for it again.
    Round { id: i64 },
    /// Every active proposal's count, as `[proposal, votes, version]`: sent on connecting and
    /// whenever events may have been missed.
    Counts { counts: Vec<(i64, i64, i64)> },
}
