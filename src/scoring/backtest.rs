//! The per-decade backtest: how well a weight profile would have picked the list's films of each decade.

use super::*;

/// One decade of the backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecadeResult {
    pub decade: i32,
    /// Films of the decade on the target list (N).
    pub on_list: u32,
    /// Of the decade's top N films by score, how many are on the list.
    pub hits: u32,
    pub films: u32,
    /// Indices (into the film table) of hits, misses and false positives, best scores first.
    pub hit_examples: Vec<u32>,
    pub miss_examples: Vec<u32>,
    pub false_positive_examples: Vec<u32>,
}

impl DecadeResult {
    pub fn accuracy(&self) -> f64 {
        if self.on_list == 0 {
            0.0
        } else {
            self.hits as f64 / self.on_list as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    pub decades: Vec<DecadeResult>,
}

impl Backtest {
    /// Σ hits / Σ N.
    pub fn micro(&self) -> f64 {
        let n: u32 = self.decades.iter().map(|d| d.on_list).sum();
        let hits: u32 = self.decades.iter().map(|d| d.hits).sum();
        if n == 0 {
            0.0
        } else {
            hits as f64 / n as f64
        }
    }

    /// The mean of the decades' accuracies (decades with list films only).
    pub fn macro_avg(&self) -> f64 {
        let accs: Vec<f64> = self.decades.iter().filter(|d| d.on_list > 0).map(|d| d.accuracy()).collect();
        if accs.is_empty() {
            0.0
        } else {
            accs.iter().sum::<f64>() / accs.len() as f64
        }
    }

    /// Population standard deviation of the decades' accuracies.
    pub fn std_dev(&self) -> f64 {
        let accs: Vec<f64> = self.decades.iter().filter(|d| d.on_list > 0).map(|d| d.accuracy()).collect();
        if accs.is_empty() {
            return 0.0;
        }
        let m = accs.iter().sum::<f64>() / accs.len() as f64;
        (accs.iter().map(|a| (a - m).powi(2)).sum::<f64>() / accs.len() as f64).sqrt()
    }
}

pub const BACKTEST_DECADES: std::ops::RangeInclusive<i32> = 1920..=2010;

/// The years whose films are predicted: the 2020s.
pub const CANDIDATE_YEARS: std::ops::RangeInclusive<i32> = 2020..=2029;
pub(super) const EXAMPLES: usize = 5;

/// For each decade D: N = list films released in D; accuracy = |top N of D ∩ list| / N. Only films
/// with data for at least `min_dimensions` dimensions take part, as for the candidates.
/// `years[i]` and `on_list[i]` describe film i; scores never read `on_list`.
pub fn backtest(films: &[Packed], years: &[i16], on_list: &[bool], weights: &Weights, min_dimensions: u32) -> Backtest {
    let mut decades = Vec::new();
    for decade in BACKTEST_DECADES.step_by(10) {
        let in_decade =
            |i: usize| (decade..decade + 10).contains(&(years[i] as i32)) && films[i].dimensions() >= min_dimensions;
        let ranked = rank(films, in_decade, weights, usize::MAX);
        let n = ranked.iter().filter(|(i, _)| on_list[*i as usize]).count();
        let (top, rest) = ranked.split_at(n);
        let hits: Vec<u32> = top.iter().filter(|(i, _)| on_list[*i as usize]).map(|(i, _)| *i).collect();
        decades.push(DecadeResult {
            decade,
            on_list: n as u32,
            hits: hits.len() as u32,
            films: ranked.len() as u32,
            hit_examples: hits.into_iter().take(EXAMPLES).collect(),
            miss_examples: rest.iter().filter(|(i, _)| on_list[*i as usize]).take(EXAMPLES).map(|(i, _)| *i).collect(),
            false_positive_examples: top
                .iter()
                .filter(|(i, _)| !on_list[*i as usize])
                .take(EXAMPLES)
                .map(|(i, _)| *i)
                .collect(),
        });
    }
    Backtest { decades }
}
