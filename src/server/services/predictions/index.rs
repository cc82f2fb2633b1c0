//! The scored films held in memory as compact, index-aligned arrays, built from the database's raw
//! inputs: what every ranking, backtest and breakdown reads.

use crate::model::*;
use crate::scoring::{self, Dims, FilmInputs, Packed, Weights};
use crate::server::db::scores::{self, RawInputs};
use std::collections::HashMap;

pub struct Film {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub director: Option<String>,
    pub poster: Option<String>,
    pub edition: Option<i32>,
}

/// Every film's inputs and dimension scores, index-aligned.
pub struct PredictionIndex {
    pub films: Vec<Film>,
    pub inputs: Vec<FilmInputs>,
    pub dims: Vec<Dims>,
    pub packed: Vec<Packed>,
    pub years: Vec<i16>,
    pub on_list: Vec<bool>,
    pub by_imdb: HashMap<String, u32>,
    pub profiles: Vec<(ProfileInfo, Weights)>,
    pub target_list: Option<i64>,
    pub version: u64,
    /// Dimensions with data a film needs to be ranked (the `predictions.min_dimensions` setting).
    pub min_dimensions: u32,
    /// Counted once per build: 2020s films not on the list, 2020s films on it, mean data completeness.
    pub candidates: u32,
    pub on_list_recent: u32,
    pub not_enough_data: u32,
    pub mean_completeness: f64,
}

/// A share or accuracy as sent to pages: five decimals say more than a percentage with one decimal
/// needs, in 7 characters instead of up to 19.
pub(super) fn shown(share: f64) -> f64 {
    (share * 1e5).round() / 1e5
}

/// Ratings-only quality of a film (0..100), the raw material of people quality.
fn ratings_quality(i: &FilmInputs) -> Option<f64> {
    let parts: Vec<f64> = [scoring::popular_opinion(i), scoring::critical_acclaim(i)].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| 100.0 * parts.iter().sum::<f64>() / parts.len() as f64)
}

/// Each film's scoring inputs from its metrics, awards and other lists; people quality comes later.
fn film_inputs(raw: &RawInputs) -> Vec<FilmInputs> {
    let metric = |id: i64, source: &str, name: &str| {
        let k = scores::SCORED_METRICS.iter().position(|&(s, m)| s == source && m == name)?;
        raw.metrics.get(&id).and_then(|values| values[k])
    };
    raw.films
        .iter()
        .map(|f| {
            let (wins, noms) = raw.awards.get(&f.id).copied().unwrap_or((0, 0));
            FilmInputs {
                imdb_rating: metric(f.id, "imdb", "rating"),
                tmdb_rating: metric(f.id, "tmdb", "rating"),
                metascore: metric(f.id, "metacritic", "metascore"),
                tomatometer: metric(f.id, "rotten_tomatoes", "tomatometer"),
                wins: wins.max(0) as u32,
                nominations: noms.max(0) as u32,
                other_lists: raw.other_lists.get(&f.id).copied().unwrap_or(0).max(0) as u32,
                tmdb_popularity: metric(f.id, "tmdb", "popularity"),
                imdb_votes: metric(f.id, "imdb", "votes"),
                people_quality: None,
            }
        })
        .collect()
}

/// People quality of every film: its people's stored quality, or the mean ratings quality of
/// their other films.
fn add_people_quality(raw: &RawInputs, inputs: &mut [FilmInputs]) {
    // Per person: sum and count of their films' ratings quality, to leave one film out cheaply.
    let quality: HashMap<i64, Option<f64>> =
        raw.films.iter().zip(inputs.iter()).map(|(f, i)| (f.id, ratings_quality(i))).collect();
    let mut person_totals: HashMap<i64, (f64, u32)> = HashMap::new();
    // Summed in film order: floating-point sums depend on their order, and a score must not change
    // between two loads of the same data.
    let mut by_film: Vec<_> = raw.credits.iter().collect();
    by_film.sort_unstable_by_key(|(film, _)| **film);
    for (film, credits) in by_film {
        if let Some(q) = quality.get(film).copied().flatten() {
            for (person, _) in credits {
                let t = person_totals.entry(*person).or_default();
                t.0 += q;
                t.1 += 1;
            }
        }
    }
    for (f, input) in raw.films.iter().zip(inputs.iter_mut()) {
        let own = quality.get(&f.id).copied().flatten();
        let people: Vec<f64> = raw
            .credits
            .get(&f.id)
            .map(|cs| {
                cs.iter()
                    .filter_map(|(person, stored)| {
                        stored.or_else(|| {
                            let (sum, n) = person_totals.get(person).copied().unwrap_or((0.0, 0));
                            let (sum, n) = match own {
                                Some(q) => (sum - q, n.saturating_sub(1)),
                                None => (sum, n),
                            };
                            (n > 0).then(|| sum / n as f64)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        input.people_quality = (!people.is_empty()).then(|| people.iter().sum::<f64>() / people.len() as f64);
    }
}

/// Builds the index. People quality: a person's stored quality, or else the mean ratings quality of
/// their *other* films (leaving the film itself out, so it cannot vouch for itself). No list is read.
pub fn build_index(raw: RawInputs, version: u64, min_dimensions: u32) -> PredictionIndex {
    let mut inputs = film_inputs(&raw);
    add_people_quality(&raw, &mut inputs);
    let dims: Vec<Dims> = inputs.iter().map(scoring::dimensions).collect();
    let packed = dims.iter().map(scoring::pack).collect();
    let years = raw.films.iter().map(|f| f.year.unwrap_or(0).clamp(0, i16::MAX as i32) as i16).collect();
    let on_list = raw.films.iter().map(|f| raw.target_editions.contains_key(&f.id)).collect();
    let by_imdb = raw.films.iter().enumerate().map(|(i, f)| (f.imdb_id.clone(), i as u32)).collect();
    let profiles = raw
        .profiles
        .iter()
        .map(|p| {
            let w = Weights::new([p.w_popular, p.w_critical, p.w_industry, p.w_cultural, p.w_people])
                .unwrap_or(Weights::EQUAL);
            (
                ProfileInfo {
                    slug: p.slug.clone(),
                    name: p.name.clone(),
                    percentages: w.percentages(),
                    is_default: p.is_default,
                },
                w,
            )
        })
        .collect();
    let films = raw
        .films
        .into_iter()
        .map(|f| Film {
            edition: raw.target_editions.get(&f.id).copied().flatten(),
            director: raw.directors.get(&f.id).cloned(),
            id: f.id,
            imdb_id: f.imdb_id,
            title: f.title,
            year: f.year,
            poster: f.poster,
        })
        .collect();
    let mut index = PredictionIndex {
        films,
        inputs,
        dims,
        packed,
        years,
        on_list,
        by_imdb,
        profiles,
        target_list: raw.target_list,
        version,
        min_dimensions,
        candidates: 0,
        on_list_recent: 0,
        not_enough_data: 0,
        mean_completeness: 0.0,
    };
    let count = |set| (0..index.films.len()).filter(|&i| index.is_candidate(i, set)).count() as u32;
    let (candidates, on_list_recent) = (count(CandidateSet::Candidates), count(CandidateSet::OnList));
    index.not_enough_data = count(CandidateSet::NotEnoughData);
    index.candidates = candidates;
    index.on_list_recent = on_list_recent;
    if !index.inputs.is_empty() {
        index.mean_completeness =
            index.inputs.iter().map(scoring::completeness).sum::<f64>() / index.inputs.len() as f64;
    }
    index
}

impl PredictionIndex {
    /// Whether film `i` belongs to `set`: 2020s films, on the list or not, with data for enough
    /// dimensions (`min_dimensions`) to be ranked, for all five, or for too few.
    pub fn is_candidate(&self, i: usize, set: CandidateSet) -> bool {
        if !crate::scoring::CANDIDATE_YEARS.contains(&i32::from(self.years[i])) {
            return false;
        }
        let (on_list, dimensions) = (self.on_list[i], self.packed[i].dimensions());
        match set {
            CandidateSet::OnList => on_list,
            CandidateSet::Candidates => !on_list && dimensions >= self.min_dimensions,
            CandidateSet::Complete => !on_list && dimensions == 5,
            CandidateSet::NotEnoughData => !on_list && dimensions < self.min_dimensions,
        }
    }

    pub(super) fn film_ref(&self, i: u32) -> FilmRef {
        let f = &self.films[i as usize];
        FilmRef { imdb_id: f.imdb_id.clone(), title: f.title.clone(), year: f.year }
    }
}
