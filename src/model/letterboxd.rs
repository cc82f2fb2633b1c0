//! A Letterboxd import as the member reviews it: how each film of the export was matched.

use serde::{Deserialize, Serialize};

/// A catalogue film named in the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueFilm {
    pub id: i64,
    pub title: String,
    pub year: Option<i32>,
}

/// How one film of the export was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchState {
    Matched,
    Ambiguous,
    Missing,
}

impl MatchState {
    pub fn slug(self) -> &'static str {
        match self {
            MatchState::Matched => "matched",
            MatchState::Ambiguous => "ambiguous",
            MatchState::Missing => "missing",
        }
    }

    pub fn parse(raw: &str) -> Option<MatchState> {
        [MatchState::Matched, MatchState::Ambiguous, MatchState::Missing].into_iter().find(|s| s.slug() == raw)
    }
}

/// One film of the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportFilm {
    /// Its place in the export (the key of the member's pick).
    pub position: i32,
    pub name: String,
    pub year: Option<i32>,
    pub half_stars: Option<i32>,
    /// How many viewings the export has of it.
    pub watches: i32,
    pub state: MatchState,
    /// The film it matched (or, once applied, the one the member picked).
    pub film: Option<CatalogueFilm>,
    /// For a film that fits several: the candidates, nearest year first.
    pub candidates: Vec<CatalogueFilm>,
}

/// An uploaded export: the dry run until it is applied, then what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReview {
    pub id: i64,
    pub file_name: String,
    pub created_at: i64,
    pub applied_at: Option<i64>,
    pub shared: bool,
    /// What applying it did, in words.
    pub result: Option<String>,
    pub films: i64,
    pub matched: i64,
    pub ambiguous: i64,
    pub missing: i64,
    /// Files of the export that are not imported.
    pub skipped: Vec<String>,
    /// Every film that needs the member's pick.
    pub to_pick: Vec<ImportFilm>,
    /// Every film not in the catalogue.
    pub not_found: Vec<ImportFilm>,
    /// One page of the matched films.
    pub matched_page: Vec<ImportFilm>,
    pub page: u32,
    pub pages: u32,
}

/// Where the upload form posts (a multipart form, handled outside the server functions).
pub const LETTERBOXD_UPLOAD_PATH: &str = "/account/letterboxd/upload";

/// Matched films shown per page of the review.
pub const MATCHED_PER_PAGE: u32 = 100;
