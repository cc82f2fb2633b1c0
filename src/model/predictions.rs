//! Canon predictions as pages show them: rankings, breakdowns, backtests and profile comparisons.

use super::{next_offset, Slice};
use serde::{Deserialize, Serialize};

/// Which films a prediction list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum CandidateSet {
    /// 2020s films not yet on the list, with data for enough dimensions to be ranked.
    Candidates,
    /// 2020s films already on the list.
    OnList,
    /// The candidates with data for all five dimensions.
    Complete,
    /// 2020s films not on the list with data for too few dimensions to be ranked yet.
    NotEnoughData,
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileInfo {
    pub slug: String,
    pub name: String,
    /// Normalised weights as whole percentages (sum 100), in dimension order.
    pub percentages: [u32; 5],
    pub is_default: bool,
}

/// The weights in force for a request: a named profile or custom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActiveWeights {
    pub profile: Option<ProfileInfo>,
    pub percentages: [u32; 5],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PredictionRow {
    pub rank: u32,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub director: Option<String>,
    /// The stored poster's image key (`model::poster`).
    pub poster: Option<String>,
    pub score: f64,
    pub likelihood: f64,
    /// The edition that added the film to the list, if it is on it.
    pub edition: Option<i32>,
    pub top_dimension: String,
    pub completeness: f64,
    /// Which of the five dimensions have data (bit k: dimension k); the score is over these only.
    pub present: u8,
}

/// A page of the ranking as the site's pages receive it (rows packed; the JSON API sends objects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionPage {
    pub active: ActiveWeights,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<ProfileInfo>,
    #[serde(with = "crate::packed")]
    pub rows: Vec<PredictionRow>,
    pub offset: u32,
    pub total: u32,
}

impl PredictionPage {
    pub fn next_offset(&self) -> Option<u32> {
        next_offset(self.offset, self.rows.len(), self.total as i64)
    }

    /// The rows as a run of the ranking, asked for `limit` at a time.
    pub fn into_slice(self, limit: u32) -> Slice<PredictionRow> {
        Slice { items: self.rows, offset: self.offset, limit, total: self.total as i64 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionStats {
    pub films_scored: u32,
    pub candidates: u32,
    /// 2020s films not on the list with too few dimensions with data to be ranked.
    pub not_enough_data: u32,
    pub min_dimensions: u32,
    pub on_list: u32,
    pub mean_completeness: f64,
}

/// A film named in the backtest's examples; sent as `[imdb_id, title, year]` (thirty of them per
/// backtest, so field names would be a third of its bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "(String, String, Option<i32>)", into = "(String, String, Option<i32>)")]
pub struct FilmRef {
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
}

impl From<(String, String, Option<i32>)> for FilmRef {
    fn from((imdb_id, title, year): (String, String, Option<i32>)) -> Self {
        FilmRef { imdb_id, title, year }
    }
}

impl From<FilmRef> for (String, String, Option<i32>) {
    fn from(f: FilmRef) -> Self {
        (f.imdb_id, f.title, f.year)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecadeView {
    pub decade: i32,
    pub on_list: u32,
    pub hits: u32,
    pub films: u32,
    pub accuracy: f64,
    /// The accuracy of picking N of the decade's films at random (N / films): what the profile
    /// has to beat.
    pub base_rate: f64,
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

impl ComparisonView {
    /// A profile's name by its slug (the slug itself for one the comparison does not hold).
    pub fn profile_name(&self, slug: &str) -> String {
        self.profiles
            .iter()
            .find(|p| p.profile.slug == slug)
            .map_or_else(|| slug.to_string(), |p| p.profile.name.clone())
    }
}

/// What the backtest of one set of weights and the comparison of profiles conclude, in two lines:
/// the ranking's page shows this, the full tables are a tab away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestSummary {
    /// The profile's name; `None` for custom weights.
    pub profile: Option<String>,
    pub micro: f64,
    pub macro_avg: f64,
    pub best_overall: String,
    pub most_consistent: String,
}

impl BacktestSummary {
    pub fn of(backtest: &BacktestView, comparison: &ComparisonView) -> BacktestSummary {
        BacktestSummary {
            profile: backtest.active.profile.as_ref().map(|p| p.name.clone()),
            micro: backtest.micro,
            macro_avg: backtest.macro_avg,
            best_overall: comparison.profile_name(&comparison.best_overall),
            most_consistent: comparison.profile_name(&comparison.most_consistent),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionBreakdown {
    pub label: String,
    pub key: String,
    /// 0..1, or `None` when the film has no source for it (the dimension is then left out).
    pub score: Option<f64>,
    /// The profile's weight.
    pub weight_pct: f64,
    /// The share of this film's score the dimension carries: its weight renormalised over the
    /// dimensions with data; `None` when left out.
    pub effective_pct: Option<f64>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(slug: &str, name: &str) -> ProfileInfo {
        ProfileInfo { slug: slug.into(), name: name.into(), percentages: [20; 5], is_default: false }
    }

    fn score(slug: &str, name: &str) -> ProfileScore {
        ProfileScore { profile: profile(slug, name), accuracies: vec![], micro: 0.0, macro_avg: 0.0, std_dev: 0.0 }
    }

    #[test]
    fn a_summary_names_the_profiles_and_keeps_the_backtests_figures() {
        let comparison = ComparisonView {
            decades: vec![1990],
            profiles: vec![score("balanced", "Balanced"), score("critics-choice", "Critics' Choice")],
            best_overall: "critics-choice".into(),
            most_consistent: "balanced".into(),
            best_per_decade: vec!["critics-choice".into()],
        };
        let named = BacktestView {
            active: ActiveWeights { profile: Some(profile("balanced", "Balanced")), percentages: [20; 5] },
            decades: vec![],
            micro: 0.793,
            macro_avg: 0.802,
        };
        let summary = BacktestSummary::of(&named, &comparison);
        assert_eq!(summary.profile.as_deref(), Some("Balanced"));
        assert_eq!((summary.micro, summary.macro_avg), (0.793, 0.802));
        assert_eq!(summary.best_overall, "Critics' Choice");
        assert_eq!(summary.most_consistent, "Balanced");

        let custom = BacktestView { active: ActiveWeights { profile: None, percentages: [50, 0, 0, 0, 50] }, ..named };
        assert_eq!(BacktestSummary::of(&custom, &comparison).profile, None);
        assert_eq!(comparison.profile_name("gone"), "gone", "an unknown slug is shown as it is");
    }
}
