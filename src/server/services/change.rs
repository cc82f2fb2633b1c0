//! The one description of a change that caches care about: made by the service that changed the
//! data, applied to this server's caches, announced to the other servers (`coherence`) and shown
//! to open pages (`live`).

use serde::{Deserialize, Serialize};

/// What changed, as far as caches are concerned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Proposals, votes, watched films or IMDb metadata: the club's pages, and one film's page
    /// (or every film's, when `movie` is none).
    Club { movie: Option<i64> },
    /// A vote was cast or taken back: as `Club`, and open vote pages show the proposal's new count.
    Vote { movie: Option<i64>, proposal: i64, votes: i64, version: i64 },
    /// A round opened, moved its deadline or closed: as `Club { movie: None }`, and open vote pages
    /// show the news.
    Round { id: i64 },
    /// A member rated a film: that film's page and that member's recommendations.
    Rating { user: i64, movie: i64 },
    /// A member imported their film history: their recommendations, and when they shared their
    /// ratings, every film page and the counts.
    History { user: i64, shared: bool },
    /// Something the site counts changed (a new member).
    Counts,
    /// Films were added or changed (an import): every cache built from the catalogue.
    Catalogue,
    /// Never sent: the listener reconnected and may have missed notices, so everything goes.
    Everything,
}
