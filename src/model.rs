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

/// Which films a prediction list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CandidateSet {
    /// 2020s films not yet on the list.
    Candidates,
    /// 2020s films already on the list.
    OnList,
}

/// What the predictions page was asked for, straight from its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PredictionQuery {
    /// A named profile's slug; ignored when `w` is given.
    pub profile: Option<String>,
    /// Custom weights as five whole percentages: `20,20,20,20,20`.
    pub w: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileInfo {
    pub slug: String,
    pub name: String,
    /// Normalised weights as whole percentages (sum 100), in dimension order.
    pub percentages: [u32; 5],
    pub is_default: bool,
}

/// The weights in force for a request: a named profile or custom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveWeights {
    pub profile: Option<ProfileInfo>,
    pub percentages: [u32; 5],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRow {
    pub rank: u32,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub director: Option<String>,
    pub poster_url: Option<String>,
    pub score: f64,
    pub likelihood: f64,
    /// The edition that added the film to the list, if it is on it.
    pub edition: Option<i32>,
    pub top_dimension: String,
    pub completeness: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionPage {
    pub active: ActiveWeights,
    pub profiles: Vec<ProfileInfo>,
    pub rows: Vec<PredictionRow>,
    pub offset: u32,
    pub total: u32,
}

impl PredictionPage {
    pub fn next_offset(&self) -> Option<u32> {
        let next = self.offset + self.rows.len() as u32;
        (next < self.total && !self.rows.is_empty()).then_some(next)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionStats {
    pub films_scored: u32,
    pub candidates: u32,
    pub on_list: u32,
    pub mean_completeness: f64,
    /// Per cache (rankings, backtests, comparison): name, hits, misses, total compute time.
    pub caches: Vec<CacheFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheFigures {
    pub name: String,
    pub hits: u64,
    pub misses: u64,
    pub compute_ms: f64,
}

/// A film named in the backtest's examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilmRef {
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecadeView {
    pub decade: i32,
    pub on_list: u32,
    pub hits: u32,
    pub films: u32,
    pub accuracy: f64,
    pub hits_examples: Vec<FilmRef>,
    pub misses: Vec<FilmRef>,
    pub false_positives: Vec<FilmRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestView {
    pub active: ActiveWeights,
    pub decades: Vec<DecadeView>,
    pub micro: f64,
    pub macro_avg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileScore {
    pub profile: ProfileInfo,
    /// Accuracy per decade, in the order of `ComparisonView::decades`.
    pub accuracies: Vec<f64>,
    pub micro: f64,
    pub macro_avg: f64,
    pub std_dev: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonView {
    pub decades: Vec<i32>,
    pub profiles: Vec<ProfileScore>,
    /// Slug of the best profile by macro average.
    pub best_overall: String,
    /// Slug of the profile with the lowest standard deviation across decades.
    pub most_consistent: String,
    /// Per decade, the slug of the best profile (ties: the earlier profile).
    pub best_per_decade: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionBreakdown {
    pub label: String,
    pub key: String,
    /// 0..1, or `None` when the film has no source for it.
    pub score: Option<f64>,
    pub weight_pct: f64,
    pub points: f64,
    /// The raw inputs behind the score, as label/value pairs ("—" when missing).
    pub inputs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub film: FilmRef,
    pub director: Option<String>,
    pub rank: Option<u32>,
    pub score: f64,
    pub likelihood: f64,
    pub edition: Option<i32>,
    pub completeness: f64,
    pub dimensions: Vec<DimensionBreakdown>,
    pub active: ActiveWeights,
}

/// Request, cache and background-job figures since the server started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationsView {
    pub routes: Vec<RouteRow>,
    pub caches: Vec<CacheFigures>,
    pub jobs: Vec<JobRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteRow {
    pub route: String,
    pub requests: u64,
    pub errors: u64,
    pub mean_ms: f64,
    pub max_ms: f64,
    pub mean_queries: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub job: String,
    pub runs: u64,
    pub failures: u64,
    pub last_duration_ms: f64,
    /// Unix seconds.
    pub last_run: i64,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
}
