//! Plain data shared by the server and the browser.

use serde::{Deserialize, Serialize};

/// A film as it appears on a poster card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MovieCard {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub genres: String,
    pub poster_url: Option<String>,
    pub rating: Option<f64>,
    pub director: Option<String>,
}

/// The numbers the home page and the dashboard show; one aggregate query fills it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SiteStats {
    pub movies: i64,
    pub candidates: i64,
    pub members: i64,
    pub active_proposals: i64,
    pub votes: i64,
    pub ratings: i64,
    pub list_entries: i64,
    pub nominations: i64,
}

/// An active proposal on the vote page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProposalCard {
    pub id: i64,
    pub imdb_id: String,
    pub title: Option<String>,
    pub year: Option<i32>,
    pub poster_url: Option<String>,
    pub genres: Option<String>,
    pub imdb_rating: Option<f64>,
    pub proposer: String,
    pub votes: i64,
    pub voters: String,
}

/// One page of a longer list, with whether more follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

impl<T> Page<T> {
    pub fn has_more(&self) -> bool {
        (self.page as i64) * (self.per_page as i64) < self.total
    }
}

/// The home page: headline numbers and a shelf of recent films.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub stats: SiteStats,
    pub recent: Vec<MovieCard>,
}

/// A 2020s film and, if it has joined the target list, the edition that added it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentFilm {
    pub movie: MovieCard,
    pub edition: Option<i32>,
}
