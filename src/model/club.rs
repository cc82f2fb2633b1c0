//! The club: proposals with their votes, the vote board, quotas, recent activity, watched films
//! and IMDb search hits.

use super::Viewer;
use serde::{Deserialize, Serialize};

named_states! {
    /// Where a proposal stands.
    ProposalStatus {
        /// On the list: it takes votes.
        Active = "active",
        /// Screened (picked by a round, or marked by an admin).
        Watched = "watched",
        /// Taken back by its proposer or an admin, or archived by a round.
        Withdrawn = "withdrawn",
    }
}

/// An active proposal on the vote page, with its cached IMDb metadata (any of which may be missing
/// until the refresher has fetched it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProposalCard {
    pub id: i64,
    pub imdb_id: String,
    pub status: ProposalStatus,
    pub title: Option<String>,
    pub year: Option<i32>,
    pub runtime_minutes: Option<i32>,
    pub genres: Option<String>,
    pub plot: Option<String>,
    /// The stored poster's image key (`model::poster`): none until it is downloaded.
    pub poster: Option<String>,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub proposer_id: i64,
    pub proposer: String,
    pub votes: i64,
    pub created_at: i64,
    /// The first voters, in vote order: at most `VOTERS_SHOWN` (`votes` is how many there are).
    pub voters: Vec<String>,
    /// Whether the member looking at the page has voted for it.
    pub voted: bool,
}
#[cfg(feature = "ssr")]
crate::from_row!(ProposalCard {
    id,
    imdb_id,
    status: text,
    title,
    year,
    runtime_minutes,
    genres,
    plot,
    poster,
    imdb_rating,
    imdb_votes,
    proposer_id,
    proposer,
    votes,
    created_at,
    voters: skip,
    voted: skip
});

impl ProposalCard {
    /// A card that knows only its id (to be filled in).
    pub fn placeholder(id: i64) -> Self {
        ProposalCard {
            id,
            imdb_id: String::new(),
            status: ProposalStatus::Active,
            title: None,
            year: None,
            runtime_minutes: None,
            genres: None,
            plot: None,
            poster: None,
            imdb_rating: None,
            imdb_votes: None,
            proposer_id: 0,
            proposer: String::new(),
            votes: 0,
            created_at: 0,
            voters: Vec::new(),
            voted: false,
        }
    }

    pub fn display_title(&self) -> String {
        self.title.clone().unwrap_or_else(|| self.imdb_id.clone())
    }

    /// True once the refresher (or the catalogue) has filled in the film's details.
    pub fn has_metadata(&self) -> bool {
        self.title.is_some()
    }
}

/// How many voters a card names; "and N more" stands for the rest, so a card costs the same
/// however many votes it has.
pub const VOTERS_SHOWN: usize = 5;

/// "Voters: Ada, Ben and 3 more" for a card that names `shown` of its `votes` voters.
pub fn voters_line(shown: &[String], votes: i64) -> String {
    if shown.is_empty() {
        return "No votes yet".to_string();
    }
    let rest = votes - shown.len() as i64;
    if rest > 0 {
        format!("Voters: {} and {rest} more", shown.join(", "))
    } else {
        format!("Voters: {}", shown.join(", "))
    }
}

/// A proposal's votes after a vote or unvote (`voters`: the first few, or all where an endpoint says so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VoteState {
    pub proposal_id: i64,
    pub voted: bool,
    pub votes: i64,
    pub voters: Vec<String>,
    /// Goes up with every change to the count: of two answers, the higher version is the newer.
    #[serde(default)]
    pub version: i64,
}

/// The first screen of `/vote`: who is looking and the most-voted proposals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoteBoard {
    pub viewer: Option<Viewer>,
    #[serde(with = "crate::packed")]
    pub proposals: Vec<ProposalCard>,
    pub total: i64,
    /// How many of `proposals` belong in the page's first flush.
    pub first_flush: u32,
}

/// "n of N used".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Quota {
    pub used: i64,
    pub limit: i64,
}

/// One line of the club's recent activity (from the audit log, public actions only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityItem {
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub title: Option<String>,
    /// The server's clock when this was read, for "3 h ago".
    pub now: i64,
}
#[cfg(feature = "ssr")]
crate::from_row!(ActivityItem { at, actor, action, title, now: default });

/// A watched film with the club's star ratings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchedFilm {
    pub proposal: ProposalCard,
    pub watched_at: i64,
    /// Each member's rating, in half stars (1-10: 0.5 to 5 stars).
    pub ratings: Vec<(String, i32)>,
    /// The reader's own rating, in half stars.
    pub my_half_stars: Option<i32>,
}

impl WatchedFilm {
    /// Picked for a screening still to come: rated once it has been seen.
    pub fn scheduled(&self, now: i64) -> bool {
        self.watched_at > now
    }

    /// The club's mean rating, in stars.
    pub fn average(&self) -> Option<f64> {
        (!self.ratings.is_empty())
            .then(|| self.ratings.iter().map(|(_, s)| *s as f64 / 2.0).sum::<f64>() / self.ratings.len() as f64)
    }
}

/// A title found by the IMDb search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub kind: Option<String>,
    pub poster_url: Option<String>,
    pub imdb_rating: Option<f64>,
    /// Its stored poster's image key, when Marquee has one (see `model::poster`).
    pub poster: Option<String>,
}
