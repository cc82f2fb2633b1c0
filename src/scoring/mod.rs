//! The canon-prediction model: five dimension scores per film, weights, score, likelihood,
//! ranking and the per-decade backtest. Plain Rust over plain data; no server or database.
//!
//! Leakage-free by construction: `FilmInputs` has no field for the list being predicted. The
//! loader counts only the *other* canonical lists, and people quality never reads any list.

use serde::{Deserialize, Serialize};

mod backtest;
pub use backtest::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dimension {
    Popular,
    Critical,
    Industry,
    Cultural,
    People,
}

pub const DIMENSIONS: [Dimension; 5] =
    [Dimension::Popular, Dimension::Critical, Dimension::Industry, Dimension::Cultural, Dimension::People];

impl Dimension {
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Popular => "Popular opinion",
            Dimension::Critical => "Critical acclaim",
            Dimension::Industry => "Industry recognition",
            Dimension::Cultural => "Cultural impact",
            Dimension::People => "People quality",
        }
    }

    /// Short name used in URLs and forms.
    pub fn key(self) -> &'static str {
        match self {
            Dimension::Popular => "popular",
            Dimension::Critical => "critical",
            Dimension::Industry => "industry",
            Dimension::Cultural => "cultural",
            Dimension::People => "people",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What the model knows about one film. `None` means "no such source", never zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilmInputs {
    pub imdb_rating: Option<f64>,
    pub tmdb_rating: Option<f64>,
    pub metascore: Option<f64>,
    pub tomatometer: Option<f64>,
    /// Festival and award wins; each win is also counted in `nominations`.
    pub wins: u32,
    pub nominations: u32,
    /// Canonical lists the film is on, not counting the list being predicted.
    pub other_lists: u32,
    pub tmdb_popularity: Option<f64>,
    pub imdb_votes: Option<f64>,
    /// Average quality (0..100) of the film's credited people whose quality is known.
    pub people_quality: Option<f64>,
}

/// The five dimension scores, each 0..1; `None` where the film has no source for it.
pub type Dims = [Option<f64>; 5];

fn mean(values: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = values.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

/// Mean of the TMDb and IMDb averages (0..10), over the sources that exist.
pub fn popular_opinion(i: &FilmInputs) -> Option<f64> {
    mean(&[i.tmdb_rating.map(|v| v / 10.0), i.imdb_rating.map(|v| v / 10.0)]).map(clamp01)
}

/// Mean of Metascore and Tomatometer (0..100), over the sources that exist.
pub fn critical_acclaim(i: &FilmInputs) -> Option<f64> {
    mean(&[i.metascore.map(|v| v / 100.0), i.tomatometer.map(|v| v / 100.0)]).map(clamp01)
}

/// min(1, 0.2·wins + 0.05·nominations). Having no nominations is a fact, so this always has a value.
pub fn industry_recognition(i: &FilmInputs) -> Option<f64> {
    Some((0.2 * i.wins as f64 + 0.05 * i.nominations as f64).min(1.0))
}

/// The popularity term of cultural impact: ln(pop+1)/ln(1001) from TMDb popularity; where TMDb
/// has no figure, IMDb's vote count on the same log scale (3 million votes = 1).
pub fn popularity_signal(i: &FilmInputs) -> Option<f64> {
    if let Some(pop) = i.tmdb_popularity.filter(|p| p.is_finite() && *p >= 0.0) {
        return Some(clamp01((pop + 1.0).ln() / 1001f64.ln()));
    }
    i.imdb_votes.filter(|v| v.is_finite() && *v >= 0.0).map(|v| clamp01((v + 1.0).ln() / 3_000_001f64.ln()))
}

/// min(1, 0.1·other lists + popularity term). A film with neither has no source.
pub fn cultural_impact(i: &FilmInputs) -> Option<f64> {
    let lists = 0.1 * i.other_lists as f64;
    match popularity_signal(i) {
        Some(p) => Some((lists + p).min(1.0)),
        None if i.other_lists > 0 => Some(lists.min(1.0)),
        None => None,
    }
}

pub fn people_quality(i: &FilmInputs) -> Option<f64> {
    i.people_quality.filter(|q| q.is_finite()).map(|q| clamp01(q / 100.0))
}

pub fn dimensions(i: &FilmInputs) -> Dims {
    [popular_opinion(i), critical_acclaim(i), industry_recognition(i), cultural_impact(i), people_quality(i)]
}

/// Share (0..1) of the six sources the model reads that this film has.
pub fn completeness(i: &FilmInputs) -> f64 {
    let present = [
        i.imdb_rating.is_some(),
        i.tmdb_rating.is_some(),
        i.metascore.is_some(),
        i.tomatometer.is_some(),
        i.tmdb_popularity.is_some() || i.imdb_votes.is_some(),
        i.people_quality.is_some(),
    ];
    present.iter().filter(|p| **p).count() as f64 / present.len() as f64
}

fn clamp01(v: f64) -> f64 {
    v.clamp(0.0, 1.0)
}

/// Why a set of weights was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeightsError {
    #[error("Weights must be numbers of zero or more; {0} is not.")]
    Invalid(String),
    #[error("Weights must add up to 100 %; these add up to {0} %.")]
    BadSum(u32),
    #[error("Give five weights (popular, critical, industry, cultural, people), like 20,20,20,20,20.")]
    Shape,
}

/// Five non-negative weights in dimension order; `normalised` makes them sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights(pub [f64; 5]);

impl Weights {
    pub const EQUAL: Weights = Weights([0.2; 5]);

    pub fn new(w: [f64; 5]) -> Result<Weights, WeightsError> {
        match w.iter().find(|v| !v.is_finite() || **v < 0.0) {
            Some(bad) => Err(WeightsError::Invalid(bad.to_string())),
            None => Ok(Weights(w)),
        }
    }

    /// Whole percentages from sliders; they must sum to exactly 100.
    pub fn from_percentages(p: [u32; 5]) -> Result<Weights, WeightsError> {
        let sum: u32 = p.iter().sum();
        if sum != 100 {
            return Err(WeightsError::BadSum(sum));
        }
        Ok(Weights(p.map(|v| v as f64 / 100.0)))
    }

    /// Parses `20,20,20,20,20` (percentages, as in a shared URL).
    pub fn parse_percentages(s: &str) -> Result<Weights, WeightsError> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        if parts.len() != 5 {
            return Err(WeightsError::Shape);
        }
        let mut p = [0u32; 5];
        for (slot, part) in p.iter_mut().zip(&parts) {
            *slot = part.parse::<u32>().map_err(|_| WeightsError::Invalid(format!("{part:?}")))?;
            if *slot > 100 {
                return Err(WeightsError::BadSum(*slot));
            }
        }
        Weights::from_percentages(p)
    }

    /// Sum 1; all-zero weights mean "no preference", i.e. equal weights.
    pub fn normalised(&self) -> [f64; 5] {
        let sum: f64 = self.0.iter().sum();
        if sum <= 0.0 {
            return Weights::EQUAL.0;
        }
        self.0.map(|w| w / sum)
    }

    /// Normalised weights as whole percentages that add up to exactly 100 (largest remainder).
    pub fn percentages(&self) -> [u32; 5] {
        let n = self.normalised().map(|w| w * 100.0);
        let mut p = n.map(|v| v.floor() as u32);
        let mut rest: Vec<(usize, f64)> = n.iter().enumerate().map(|(i, v)| (i, v - v.floor())).collect();
        rest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let missing = 100 - p.iter().sum::<u32>().min(100);
        for (i, _) in rest.into_iter().take(missing as usize) {
            p[i] += 1;
        }
        p
    }

    /// A stable key for caches: the normalised weights in parts per million.
    pub fn key(&self) -> [u32; 5] {
        self.normalised().map(|w| (w * 1e6).round() as u32)
    }
}

/// Σ wᵢ·dimᵢ / Σ wᵢ over the dimensions that have data, ×100. A dimension without any source is
/// left out, not counted as 0, so a film is not punished for sparse data; how many dimensions had
/// data is shown beside the score. No data at all (or data only where the weights are 0) scores 0.
pub fn score(dims: &Dims, weights: &[f64; 5]) -> f64 {
    let (sum, weight) = dims
        .iter()
        .zip(weights)
        .filter_map(|(d, w)| d.map(|d| (d * w, *w)))
        .fold((0.0, 0.0), |(s, t), (dw, w)| (s + dw, t + w));
    if weight > 0.0 {
        100.0 * sum / weight
    } else {
        0.0
    }
}

/// The share of the score each dimension carries for this film (summing to 1 over the dimensions
/// with data); `None` for a dimension left out for want of data.
pub fn effective_weights(dims: &Dims, weights: &[f64; 5]) -> [Option<f64>; 5] {
    let total: f64 = dims.iter().zip(weights).filter(|(d, _)| d.is_some()).map(|(_, w)| w).sum();
    std::array::from_fn(|k| dims[k].map(|_| if total > 0.0 { weights[k] / total } else { 0.0 }))
}

/// The dimensions with data as bits (bit k: dimension k), as pages receive it.
pub fn present_mask(dims: &Dims) -> u8 {
    dims.iter().enumerate().filter(|(_, d)| d.is_some()).fold(0, |m, (k, _)| m | (1 << k))
}

/// Score rounded to one decimal, as shown.
pub fn display_score(score: f64) -> f64 {
    (score * 10.0).round() / 10.0
}

/// The reference's piecewise-linear likelihood (%) from a score (0..100). Not calibrated.
pub fn likelihood(s: f64) -> f64 {
    let s = s.clamp(0.0, 100.0);
    let l = if s >= 90.0 {
        95.0 + 0.5 * (s - 90.0)
    } else if s >= 80.0 {
        85.0 + (s - 80.0)
    } else if s >= 70.0 {
        70.0 + 1.5 * (s - 70.0)
    } else if s >= 60.0 {
        55.0 + 1.5 * (s - 60.0)
    } else if s >= 50.0 {
        40.0 + 1.5 * (s - 50.0)
    } else if s >= 40.0 {
        30.0 + (s - 40.0)
    } else if s >= 30.0 {
        20.0 + (s - 30.0)
    } else {
        0.67 * s
    };
    l.min(100.0)
}

/// The dimension that earns the film the most weighted points.
pub fn top_dimension(dims: &Dims, weights: &[f64; 5]) -> Dimension {
    let mut best = (Dimension::Popular, f64::MIN);
    for d in DIMENSIONS {
        let points = dims[d.index()].unwrap_or(0.0) * weights[d.index()];
        if points > best.1 {
            best = (d, points);
        }
    }
    best.0
}

/// Dimension scores packed for ranking: the values (0 where a dimension has no data) and which
/// dimensions have data (bit k: dimension k).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Packed {
    pub values: [f32; 5],
    pub present: u8,
}

impl Packed {
    pub fn dimensions(&self) -> u32 {
        self.present.count_ones()
    }
}

/// A film with data for every dimension.
impl From<[f32; 5]> for Packed {
    fn from(values: [f32; 5]) -> Packed {
        Packed { values, present: 0b11111 }
    }
}

pub fn pack(dims: &Dims) -> Packed {
    Packed { values: dims.map(|d| d.unwrap_or(0.0) as f32), present: present_mask(dims) }
}

/// For each set of dimensions with data (a 5-bit mask), 1 / the sum of their weights (0 when they
/// weigh nothing): renormalising a film's score is then one multiplication.
fn inverse_weight_sums(w: &[f32; 5]) -> [f32; 32] {
    std::array::from_fn(|mask| {
        let total: f32 = (0..5).filter(|k| mask & (1 << k) != 0).map(|k| w[k]).sum();
        if total > 0.0 {
            1.0 / total
        } else {
            0.0
        }
    })
}

#[inline]
fn packed_score(p: &Packed, w: &[f32; 5], inverse: &[f32; 32]) -> f32 {
    let v = &p.values;
    (v[0] * w[0] + v[1] * w[1] + v[2] * w[2] + v[3] * w[3] + v[4] * w[4]) * inverse[(p.present & 0b11111) as usize]
}

/// Indices of `films` that pass `keep`, best first (ties: lower index first), under `weights`
/// renormalised per film over its dimensions with data (as `score`). One pass to score, then a sort
/// of only the kept films; `limit` bounds the sorted prefix.
pub fn rank(films: &[Packed], keep: impl Fn(usize) -> bool, weights: &Weights, limit: usize) -> Vec<(u32, f32)> {
    let w = weights.normalised().map(|v| v as f32);
    let inverse = inverse_weight_sums(&w);
    let mut scored: Vec<(u32, f32)> = (0..films.len())
        .filter(|&i| keep(i))
        .map(|i| (i as u32, packed_score(&films[i], &w, &inverse) * 100.0))
        .collect();
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if limit < scored.len() {
        scored.select_nth_unstable_by(limit, order);
        scored.truncate(limit);
    }
    scored.sort_unstable_by(order);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn full() -> FilmInputs {
        FilmInputs {
            imdb_rating: Some(8.0),
            tmdb_rating: Some(7.0),
            metascore: Some(90.0),
            tomatometer: Some(70.0),
            wins: 1,
            nominations: 4,
            other_lists: 2,
            tmdb_popularity: Some(1000.0),
            imdb_votes: Some(500_000.0),
            people_quality: Some(65.0),
        }
    }

    #[test]
    fn each_formula_on_a_hand_computed_film() {
        let f = full();
        assert!(close(popular_opinion(&f).unwrap(), 0.75)); // (0.7 + 0.8) / 2
        assert!(close(critical_acclaim(&f).unwrap(), 0.80)); // (0.9 + 0.7) / 2
        assert!(close(industry_recognition(&f).unwrap(), 0.40)); // 0.2·1 + 0.05·4
        assert!(close(cultural_impact(&f).unwrap(), 1.0)); // 0.2 + ln(1001)/ln(1001), capped
        assert!(close(people_quality(&f).unwrap(), 0.65));
        // Balanced: (0.75 + 0.8 + 0.4 + 1.0 + 0.65) / 5 = 0.72 → 72.0
        let s = score(&dimensions(&f), &Weights::EQUAL.normalised());
        assert!(close(s, 72.0), "{s}");
        assert_eq!(display_score(71.96), 72.0);
        assert_eq!(completeness(&f), 1.0);
    }

    #[test]
    fn industry_recognition_caps_at_one() {
        let f = FilmInputs { wins: 4, nominations: 8, ..Default::default() };
        assert!(close(industry_recognition(&f).unwrap(), 1.0));
        assert_eq!(industry_recognition(&FilmInputs::default()), Some(0.0));
    }

    #[test]
    fn cultural_impact_uses_log_popularity() {
        let f = FilmInputs { other_lists: 1, tmdb_popularity: Some(99.0), ..Default::default() };
        let expected = 0.1 + 100f64.ln() / 1001f64.ln();
        assert!(close(cultural_impact(&f).unwrap(), expected));
        let zero = FilmInputs { tmdb_popularity: Some(0.0), ..Default::default() };
        assert!(close(cultural_impact(&zero).unwrap(), 0.0), "popularity 0 adds 0");
        // IMDb votes stand in where TMDb has no figure.
        let votes = FilmInputs { imdb_votes: Some(3_000_000.0), ..Default::default() };
        assert!(close(cultural_impact(&votes).unwrap(), 1.0));
    }

    #[test]
    fn missing_sources_are_averaged_out_not_zeroed() {
        let only_imdb = FilmInputs { imdb_rating: Some(8.0), ..Default::default() };
        assert!(close(popular_opinion(&only_imdb).unwrap(), 0.8), "not (0 + 0.8) / 2");
        let only_rt = FilmInputs { tomatometer: Some(90.0), ..Default::default() };
        assert!(close(critical_acclaim(&only_rt).unwrap(), 0.9));
        let nothing = FilmInputs::default();
        let dims = dimensions(&nothing);
        assert_eq!(dims[0], None);
        assert_eq!(dims[1], None);
        assert_eq!(dims[3], None);
        assert_eq!(dims[4], None);
        assert_eq!(completeness(&nothing), 0.0);
        assert!(close(completeness(&only_imdb), 1.0 / 6.0));
    }

    #[test]
    fn a_dimension_without_data_is_left_out_not_counted_as_zero() {
        let w = Weights::new([0.3, 0.3, 0.2, 0.0, 0.2]).unwrap().normalised();
        // People quality missing: the other weights (0.3, 0.3, 0.2) are scaled up to 1.
        let sparse: Dims = [Some(0.8), Some(0.6), Some(0.5), Some(0.9), None];
        assert!(close(score(&sparse, &w), 100.0 * (0.3 * 0.8 + 0.3 * 0.6 + 0.2 * 0.5) / 0.8));
        assert_eq!(present_mask(&sparse).count_ones(), 4);
        assert_eq!(present_mask(&sparse), 0b01111);
        let shares = effective_weights(&sparse, &w);
        assert!(close(shares[0].unwrap(), 0.375) && shares[4].is_none());
        assert!(close(shares.iter().flatten().sum::<f64>(), 1.0));
        // A film as good as another on every dimension it has scores the same, whatever it lacks.
        let full: Dims = [Some(0.8), Some(0.8), Some(0.8), Some(0.8), Some(0.8)];
        let half: Dims = [Some(0.8), None, Some(0.8), None, None];
        assert!(close(score(&full, &w), score(&half, &w)));
        // Data only where the weights are 0, or none at all: 0.
        assert_eq!(score(&[None, None, None, Some(1.0), None], &w), 0.0);
        assert_eq!(score(&[None; 5], &w), 0.0);
    }

    #[test]
    fn ranking_renormalises_like_the_score() {
        let weights = Weights::new([0.3, 0.3, 0.2, 0.0, 0.2]).unwrap();
        let films: [Dims; 4] = [
            [Some(0.8), Some(0.6), Some(0.5), Some(0.9), None],
            [Some(0.7), Some(0.7), Some(0.7), Some(0.7), Some(0.7)],
            [None, Some(0.96), None, None, Some(0.2)],
            [None, None, None, Some(1.0), None],
        ];
        let packed: Vec<Packed> = films.iter().map(pack).collect();
        let ranked = rank(&packed, |_| true, &weights, usize::MAX);
        let w = weights.normalised();
        for (i, s) in &ranked {
            assert!((*s as f64 - score(&films[*i as usize], &w)).abs() < 1e-3, "film {i}");
        }
        let order: Vec<u32> = ranked.iter().map(|r| r.0).collect();
        assert_eq!(order, vec![1, 2, 0, 3]);
    }

    #[test]
    fn weights_normalise_and_reject_nonsense() {
        let w = Weights::new([0.2, 0.2, 0.1, 0.4, 0.05]).unwrap(); // Crowd Pleaser sums to 0.95
        let n = w.normalised();
        assert!(close(n.iter().sum::<f64>(), 1.0));
        assert!(close(n[3], 0.4 / 0.95));
        assert_eq!(Weights::new([0.0; 5]).unwrap().normalised(), Weights::EQUAL.0, "all zero means equal");
        assert!(matches!(Weights::new([0.2, -0.1, 0.3, 0.3, 0.3]), Err(WeightsError::Invalid(_))));
        assert!(matches!(Weights::new([0.2, f64::NAN, 0.3, 0.3, 0.2]), Err(WeightsError::Invalid(_))));
        assert!(matches!(Weights::new([0.2, f64::INFINITY, 0.3, 0.3, 0.2]), Err(WeightsError::Invalid(_))));
    }

    #[test]
    fn slider_percentages_must_sum_to_100() {
        assert!(Weights::from_percentages([20, 20, 20, 20, 20]).is_ok());
        assert_eq!(Weights::from_percentages([0; 5]), Err(WeightsError::BadSum(0)));
        assert_eq!(Weights::from_percentages([30, 30, 30, 30, 30]), Err(WeightsError::BadSum(150)));
        assert!(Weights::parse_percentages("10,20,30,25,15").is_ok());
        assert_eq!(Weights::parse_percentages("10,20,30"), Err(WeightsError::Shape));
        assert!(matches!(Weights::parse_percentages("10,20,x,25,15"), Err(WeightsError::Invalid(_))));
        assert!(matches!(Weights::parse_percentages("10,20,-5,25,50"), Err(WeightsError::Invalid(_))));
        assert_eq!(Weights::parse_percentages("90,90,0,0,0"), Err(WeightsError::BadSum(180)));
    }

    #[test]
    fn percentages_round_trip_to_exactly_100() {
        let crowd = Weights([0.2, 0.2, 0.1, 0.4, 0.05]);
        let p = crowd.percentages();
        assert_eq!(p.iter().sum::<u32>(), 100);
        assert_eq!(p, [21, 21, 11, 42, 5]);
        assert_eq!(Weights::EQUAL.percentages(), [20; 5]);
    }

    #[test]
    fn likelihood_curve_boundaries() {
        let cases = [
            (0.0, 0.0),
            (29.0, 0.67 * 29.0),
            (30.0, 20.0),
            (40.0, 30.0),
            (50.0, 40.0),
            (60.0, 55.0),
            (70.0, 70.0),
            (80.0, 85.0),
            (90.0, 95.0),
            (100.0, 100.0),
            (75.0, 77.5),
            (-5.0, 0.0),
            (120.0, 100.0),
        ];
        for (s, l) in cases {
            assert!(close(likelihood(s), l), "likelihood({s}) = {} not {l}", likelihood(s));
        }
        // Monotone, except the reference curve's own 0.1-point step down at 30 (0.67·30 = 20.1 > 20).
        let mut prev = -1.0;
        for tenth in 0..=1000 {
            let s = tenth as f64 / 10.0;
            let l = likelihood(s);
            assert!(l >= prev || (s == 30.0 && prev - l < 0.11), "likelihood falls at {s}");
            prev = l;
        }
    }

    #[test]
    fn ranking_is_stable_and_partial_sort_matches_full_sort() {
        let films: Vec<Packed> =
            (0..500).map(|i| Packed::from([((i * 37) % 101) as f32 / 100.0, 0.5, 0.0, 0.1, 0.2])).collect();
        let w = Weights::EQUAL;
        let full = rank(&films, |_| true, &w, usize::MAX);
        let top = rank(&films, |_| true, &w, 25);
        assert_eq!(&full[..25], &top[..]);
        assert!(full.windows(2).all(|p| p[0].1 > p[1].1 || (p[0].1 == p[1].1 && p[0].0 < p[1].0)));
        let even = rank(&films, |i| i % 2 == 0, &w, 10);
        assert!(even.iter().all(|(i, _)| i % 2 == 0));
    }

    #[test]
    fn backtest_counts_hits_misses_and_false_positives() {
        // Decade 1950s: four films, two on the list. Film 0 and 2 score highest; 0 and 3 are on the list.
        let films: Vec<Packed> = [[0.9; 5], [0.1; 5], [0.8; 5], [0.2; 5], [0.5; 5]].map(Packed::from).to_vec();
        let years = [1951, 1952, 1953, 1954, 1961];
        let on_list = [true, false, false, true, true];
        let bt = backtest(&films, &years, &on_list, &Weights::EQUAL, 3);
        let fifties = bt.decades.iter().find(|d| d.decade == 1950).unwrap();
        assert_eq!((fifties.on_list, fifties.hits, fifties.films), (2, 1, 4));
        assert_eq!(fifties.hit_examples, vec![0]);
        assert_eq!(fifties.false_positive_examples, vec![2]);
        assert_eq!(fifties.miss_examples, vec![3]);
        let sixties = bt.decades.iter().find(|d| d.decade == 1960).unwrap();
        assert_eq!((sixties.on_list, sixties.hits), (1, 1));
        assert!(close(bt.micro(), 2.0 / 3.0));
        assert!(close(bt.macro_avg(), 0.75));
        assert!(close(bt.std_dev(), 0.25));
    }

    #[test]
    fn scores_cannot_see_the_target_list() {
        // The model's only list input is `other_lists`; membership of the target list is not an
        // input at all, so toggling it in the backtest's `on_list` leaves every score unchanged.
        let films: Vec<Packed> = [[0.9; 5], [0.3; 5], [0.6; 5]].map(Packed::from).to_vec();
        let years = [1990, 1991, 1992];
        let a = backtest(&films, &years, &[true, false, false], &Weights::EQUAL, 3);
        let b = backtest(&films, &years, &[false, true, false], &Weights::EQUAL, 3);
        let ranked = rank(&films, |_| true, &Weights::EQUAL, 3);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), vec![0, 2, 1]);
        assert_ne!(a.decades[7].hits, b.decades[7].hits, "only the answer key differs");
    }
}
