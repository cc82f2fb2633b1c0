//! Films: cards, details, filters and cursors of the catalogue, recommendations, the site's
//! counts, and what an import reports.

use super::{Breakdown, Viewer};
use serde::{Deserialize, Serialize};

/// A film as it appears on a poster card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MovieCard {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub genres: String,
    /// The stored poster's image key (`model::poster`): none until it is downloaded.
    pub poster: Option<String>,
    pub rating: Option<f64>,
    pub director: Option<String>,
}
#[cfg(feature = "ssr")]
crate::from_row!(MovieCard { id, imdb_id, title, year, genres, poster, rating, director });

/// How the catalogue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MovieSort {
    #[default]
    Popular,
    Rating,
    Year,
    Title,
}

impl MovieSort {
    pub const ALL: [MovieSort; 4] = [MovieSort::Popular, MovieSort::Rating, MovieSort::Year, MovieSort::Title];

    pub fn slug(self) -> &'static str {
        match self {
            MovieSort::Popular => "popular",
            MovieSort::Rating => "rating",
            MovieSort::Year => "year",
            MovieSort::Title => "title",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MovieSort::Popular => "Most rated",
            MovieSort::Rating => "Highest rated",
            MovieSort::Year => "Newest",
            MovieSort::Title => "Title A-Z",
        }
    }
}

/// A checked catalogue filter (see `validate::movie_filter`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct MovieFilter {
    pub genre: Option<String>,
    /// First year of the decade (1990 = the 1990s).
    pub decade: Option<i32>,
    pub on_list: bool,
    pub search: Option<String>,
    pub sort: MovieSort,
}

impl MovieFilter {
    /// The query string that reproduces this filter (for links; page numbers are added by callers).
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(g) = &self.genre {
            parts.push(format!("genre={}", encode_component(g)));
        }
        if let Some(d) = self.decade {
            parts.push(format!("decade={d}"));
        }
        if self.on_list {
            parts.push("on_list=true".to_string());
        }
        if let Some(q) = &self.search {
            parts.push(format!("q={}", encode_component(q)));
        }
        if self.sort != MovieSort::Popular {
            parts.push(format!("sort={}", self.sort.slug()));
        }
        parts.join("&")
    }
}

/// What stays as it is in a value of a query string or a path segment: RFC 3986's unreserved
/// characters, and the comma (weights read `w=30,20,20,15,15`).
const COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b',');

/// Percent-encodes a query-string value or a path segment.
pub fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

/// Where a cursor-paged list resumes: after the row with this sort key and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovieCursor {
    pub sort: MovieSort,
    /// Written as text: a JSON number would not always read back as the very same float, and the
    /// next page must start exactly after this row.
    #[serde(with = "exact_f64")]
    pub num: f64,
    pub text: String,
    pub id: i64,
}

mod exact_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        // Rust writes the shortest text that parses back to the same float.
        s.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Num {
            Text(String),
            Number(f64),
        }
        match Num::deserialize(d)? {
            Num::Number(n) => Ok(n),
            Num::Text(t) => {
                t.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| serde::de::Error::custom("not a number"))
            }
        }
    }
}

impl MovieCursor {
    /// An opaque, URL-safe token.
    pub fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    pub fn decode(token: &str) -> Option<MovieCursor> {
        if !token.len().is_multiple_of(2) || token.len() > 2_000 {
            return None;
        }
        let bytes: Option<Vec<u8>> =
            (0..token.len()).step_by(2).map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok()).collect();
        serde_json::from_slice(&bytes?).ok()
    }
}

/// A page of films in a cursor-paged list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MovieList {
    pub items: Vec<MovieCard>,
    pub total: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A film's own facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MovieInfo {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub runtime_minutes: Option<i32>,
    pub genres: String,
    pub plot: Option<String>,
    /// The stored poster's image key (`model::poster`).
    pub poster: Option<String>,
    /// IMDb average (0-10).
    pub rating: Option<f64>,
    /// How many people rated it on IMDb.
    pub popularity: Option<f64>,
}
#[cfg(feature = "ssr")]
crate::from_row!(MovieInfo {
    id,
    imdb_id,
    title,
    original_title,
    year,
    runtime_minutes,
    genres,
    plot,
    poster,
    rating,
    popularity
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreditRow {
    pub name: String,
    pub role: String,
    pub job: Option<String>,
}
#[cfg(feature = "ssr")]
crate::from_row!(CreditRow { name, role, job });

/// One figure from one source (imdb rating, metacritic metascore, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MetricRow {
    pub source: String,
    pub metric: String,
    pub value: f64,
}
#[cfg(feature = "ssr")]
crate::from_row!(MetricRow { source, metric, value });

/// A festival or award nomination (or win).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AwardRow {
    pub festival: String,
    pub year: i32,
    pub category: String,
    pub won: bool,
}
#[cfg(feature = "ssr")]
crate::from_row!(AwardRow { festival, year, category, won });

/// A canonical list the film is on, with the edition that added it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ListRow {
    pub name: String,
    pub edition: Option<i32>,
    pub is_target: bool,
}
#[cfg(feature = "ssr")]
crate::from_row!(ListRow { name, edition, is_target });

/// What the club has done with the film.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClubRecord {
    pub active_proposals: i64,
    pub votes: i64,
    pub watched_at: Option<i64>,
    /// Average of members' 1-5 stars after watching it together.
    pub watch_stars: Option<f64>,
    /// Average of members' catalogue ratings (0.5-5 stars).
    pub member_stars: Option<f64>,
    pub member_ratings: i64,
}
#[cfg(feature = "ssr")]
crate::from_row!(ClubRecord { active_proposals, votes, watched_at, watch_stars, member_stars, member_ratings });

/// Everything `/movies/:id` shows that is the same for every reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MovieDetail {
    pub movie: MovieInfo,
    pub credits: Vec<CreditRow>,
    pub metrics: Vec<MetricRow>,
    pub awards: Vec<AwardRow>,
    pub lists: Vec<ListRow>,
    pub club: ClubRecord,
    pub similar: Vec<MovieCard>,
}

/// The film page: the shared detail, the prediction breakdown, and the reader's own rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoviePage {
    pub detail: MovieDetail,
    pub breakdown: Option<Breakdown>,
    pub viewer: Option<Viewer>,
    /// The reader's rating in half stars (1-10).
    pub my_rating: Option<i32>,
}

/// A film recommended to a member, with the reason in one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecommendedFilm {
    pub movie: MovieCard,
    pub reason: String,
    pub score: f32,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    /// Rows left out; each (up to 1,000) is listed in `problems` with its line.
    pub skipped: usize,
    /// Films whose IMDb rating and votes came from a ratings file.
    pub ratings_updated: usize,
    pub batches: usize,
    pub problems: Vec<ImportProblem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportProblem {
    /// Line in the file (for JSON: the film's position in the array, from 1).
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{} created, {} updated, {} skipped{}",
            if self.dry_run { "dry run (nothing written): " } else { "" },
            self.created,
            self.updated,
            self.skipped,
            if self.ratings_updated > 0 {
                format!(", {} ratings updated", self.ratings_updated)
            } else {
                String::new()
            }
        )
    }
}

/// The numbers the home page and the dashboard show; one aggregate query fills it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SiteStats {
    pub movies: i64,
    pub candidates: i64,
    pub members: i64,
    pub active_proposals: i64,
    pub votes: i64,
    pub ratings: i64,
    pub list_entries: i64,
    pub nominations: i64,
    /// Proposals whose IMDb details are missing or older than the freshness setting.
    pub stale_imdb: i64,
    /// Proposals whose last IMDb fetch failed.
    pub failed_imdb: i64,
}
#[cfg(feature = "ssr")]
crate::from_row!(SiteStats {
    movies,
    candidates,
    members,
    active_proposals,
    votes,
    ratings,
    list_entries,
    nominations,
    stale_imdb,
    failed_imdb
});

/// The home page: headline numbers and a shelf of recent films.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub stats: SiteStats,
    pub recent: Vec<MovieCard>,
}
