//! The predictions service: the scored films held in memory as compact arrays, rankings and
//! backtests cached per weights (moka, coalesced), rebuilt when the inputs change.

use crate::error::AppError;
use crate::model::*;
use crate::scoring::{self, Dims, FilmInputs, Packed, Weights, DIMENSIONS};
use crate::server::db::scores::{self, RawInputs};
use crate::server::db::Db;
use crate::server::services::cache_stats::CacheStats;
use moka::sync::Cache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Largest page a caller may ask for.
pub const MAX_LIMIT: u32 = 100;

pub struct Film {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub director: Option<String>,
    pub poster_url: Option<String>,
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
    /// Counted once per build: 2020s films not on the list, 2020s films on it, mean data completeness.
    pub candidates: u32,
    pub on_list_recent: u32,
    pub mean_completeness: f64,
}

/// A share or accuracy as sent to pages: five decimals say more than a percentage with one decimal
/// needs, in 7 characters instead of up to 19.
fn shown(share: f64) -> f64 {
    (share * 1e5).round() / 1e5
}

/// Ratings-only quality of a film (0..100), the raw material of people quality.
fn ratings_quality(i: &FilmInputs) -> Option<f64> {
    let parts: Vec<f64> = [scoring::popular_opinion(i), scoring::critical_acclaim(i)].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| 100.0 * parts.iter().sum::<f64>() / parts.len() as f64)
}

/// Builds the index. People quality: a person's stored quality, or else the mean ratings quality of
/// their *other* films (leaving the film itself out, so it cannot vouch for itself). No list is read.
pub fn build_index(raw: RawInputs, version: u64) -> PredictionIndex {
    let metric = |id: i64, source: &str, name: &str| {
        let k = scores::SCORED_METRICS.iter().position(|&(s, m)| s == source && m == name)?;
        raw.metrics.get(&id).and_then(|values| values[k])
    };
    let mut inputs: Vec<FilmInputs> = raw
        .films
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
        .collect();

    // Per person: sum and count of their films' ratings quality, to leave one film out cheaply.
    let quality: HashMap<i64, Option<f64>> =
        raw.films.iter().zip(&inputs).map(|(f, i)| (f.id, ratings_quality(i))).collect();
    let mut person_totals: HashMap<i64, (f64, u32)> = HashMap::new();
    for (film, credits) in &raw.credits {
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
            poster_url: f.poster_url,
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
        candidates: 0,
        on_list_recent: 0,
        mean_completeness: 0.0,
    };
    let count = |set| (0..index.films.len()).filter(|&i| index.is_candidate(i, set)).count() as u32;
    let (candidates, on_list_recent) = (count(CandidateSet::Candidates), count(CandidateSet::OnList));
    index.candidates = candidates;
    index.on_list_recent = on_list_recent;
    if !index.inputs.is_empty() {
        index.mean_completeness =
            index.inputs.iter().map(scoring::completeness).sum::<f64>() / index.inputs.len() as f64;
    }
    index
}

impl PredictionIndex {
    pub fn is_candidate(&self, i: usize, set: CandidateSet) -> bool {
        (2020..2030).contains(&self.years[i]) && (self.on_list[i] == (set == CandidateSet::OnList))
    }

    fn film_ref(&self, i: u32) -> FilmRef {
        let f = &self.films[i as usize];
        FilmRef { imdb_id: f.imdb_id.clone(), title: f.title.clone(), year: f.year }
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct RankKey {
    weights: [u32; 5],
    set: CandidateSet,
    version: u64,
}

type Ranking = Arc<Vec<(u32, f32)>>;

pub struct Predictions {
    index: RwLock<Arc<PredictionIndex>>,
    fingerprint: RwLock<Vec<i64>>,
    rankings: Cache<RankKey, Ranking>,
    backtests: Cache<([u32; 5], u64), Arc<scoring::Backtest>>,
    comparisons: Cache<u64, Arc<ComparisonView>>,
    pub ranking_stats: CacheStats,
    pub backtest_stats: CacheStats,
    pub comparison_stats: CacheStats,
    versions: AtomicU64,
}

impl Predictions {
    pub fn new(index: PredictionIndex, ttl: Duration) -> Predictions {
        Predictions {
            versions: AtomicU64::new(index.version),
            index: RwLock::new(Arc::new(index)),
            fingerprint: RwLock::new(Vec::new()),
            // By size: a ranking of 100k films is 800 KB, and every custom weighting is its own.
            rankings: Cache::builder()
                .weigher(|_, ranking: &Ranking| u32::try_from(ranking.len() * 8).unwrap_or(u32::MAX))
                .max_capacity(16 << 20)
                .time_to_live(ttl)
                .build(),
            backtests: Cache::builder().max_capacity(128).time_to_live(ttl).build(),
            comparisons: Cache::builder().max_capacity(4).time_to_live(ttl).build(),
            ranking_stats: CacheStats::new("rankings"),
            backtest_stats: CacheStats::new("backtests"),
            comparison_stats: CacheStats::new("comparison"),
        }
    }

    /// Loads the inputs, stores changed dimension scores, and builds the first index.
    pub async fn load(db: &Db, ttl: Duration) -> Result<Predictions, sqlx::Error> {
        let fingerprint = scores::inputs_fingerprint(db).await?;
        let index = Self::compute(db, 1).await?;
        let service = Predictions::new(index, ttl);
        *service.fingerprint.write().unwrap_or_else(|e| e.into_inner()) = fingerprint;
        Ok(service)
    }

    async fn compute(db: &Db, version: u64) -> Result<PredictionIndex, sqlx::Error> {
        let raw = scores::load_raw_inputs(db).await?;
        let index = tokio::task::spawn_blocking(move || build_index(raw, version))
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("scoring task failed: {e}")))?;
        if let Some(list) = index.target_list {
            let rows: Vec<(i64, Dims, f64)> = index
                .films
                .iter()
                .zip(&index.dims)
                .zip(&index.inputs)
                .map(|((f, d), i)| (f.id, *d, scoring::completeness(i)))
                .collect();
            let written = scores::store_dimension_scores(db, list, &rows).await?;
            tracing::info!(films = rows.len(), updated = written, "dimension scores stored");
        }
        Ok(index)
    }

    /// Rebuilds from the database and drops every cached ranking and backtest.
    pub async fn rebuild(&self, db: &Db) -> Result<(), sqlx::Error> {
        let fingerprint = scores::inputs_fingerprint(db).await?;
        let version = self.versions.fetch_add(1, Ordering::Relaxed) + 1;
        let index = Self::compute(db, version).await?;
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
        *self.fingerprint.write().unwrap_or_else(|e| e.into_inner()) = fingerprint;
        self.rankings.invalidate_all();
        self.backtests.invalidate_all();
        self.comparisons.invalidate_all();
        Ok(())
    }

    /// Rebuilds only when the inputs changed since the last build (another process may have written).
    pub async fn refresh_if_changed(&self, db: &Db) -> Result<bool, sqlx::Error> {
        let now = scores::inputs_fingerprint(db).await?;
        if *self.fingerprint.read().unwrap_or_else(|e| e.into_inner()) == now {
            return Ok(false);
        }
        self.rebuild(db).await?;
        Ok(true)
    }

    /// Computes the system profiles' rankings, backtests and the comparison, so no reader waits.
    pub fn warm(&self) {
        let index = self.index();
        for (_, w) in &index.profiles {
            for set in [CandidateSet::Candidates, CandidateSet::OnList] {
                self.ranking(&index, w, set);
            }
            self.backtest_of(&index, w);
        }
        self.comparison_of(&index);
    }

    pub fn index(&self) -> Arc<PredictionIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn ranking(&self, index: &PredictionIndex, weights: &Weights, set: CandidateSet) -> Ranking {
        let key = RankKey { weights: weights.key(), set, version: index.version };
        self.ranking_stats.get(&self.rankings, key, || {
            Arc::new(scoring::rank(&index.packed, |i| index.is_candidate(i, set), weights, usize::MAX))
        })
    }

    fn backtest_of(&self, index: &PredictionIndex, weights: &Weights) -> Arc<scoring::Backtest> {
        self.backtest_stats.get(&self.backtests, (weights.key(), index.version), || {
            Arc::new(scoring::backtest(&index.packed, &index.years, &index.on_list, weights))
        })
    }

    /// The weights a query asks for: custom `w`, else a named profile, else the default profile.
    pub fn resolve(&self, index: &PredictionIndex, q: &PredictionQuery) -> Result<(ActiveWeights, Weights), AppError> {
        if let Some(w) = q.w.as_deref().filter(|w| !w.trim().is_empty()) {
            let weights = Weights::parse_percentages(w).map_err(|e| AppError::BadRequest(e.to_string()))?;
            return Ok((ActiveWeights { profile: None, percentages: weights.percentages() }, weights));
        }
        let chosen = match q.profile.as_deref().filter(|p| !p.is_empty()) {
            Some(slug) => index.profiles.iter().find(|(p, _)| p.slug == slug).ok_or_else(|| {
                let known: Vec<&str> = index.profiles.iter().map(|(p, _)| p.slug.as_str()).collect();
                AppError::BadRequest(format!("Unknown profile {slug:?}. Choose one of: {}.", known.join(", ")))
            })?,
            None => match index.profiles.iter().find(|(p, _)| p.is_default).or(index.profiles.first()) {
                Some(p) => p,
                None => {
                    return Ok((
                        ActiveWeights { profile: None, percentages: Weights::EQUAL.percentages() },
                        Weights::EQUAL,
                    ))
                }
            },
        };
        Ok((ActiveWeights { profile: Some(chosen.0.clone()), percentages: chosen.0.percentages }, chosen.1))
    }

    /// `limit` ranked films of `set` from `offset` on.
    pub fn page(
        &self,
        q: &PredictionQuery,
        set: CandidateSet,
        offset: u32,
        limit: u32,
    ) -> Result<PredictionPage, AppError> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::BadRequest(format!("Page size must be between 1 and {MAX_LIMIT}.")));
        }
        let index = self.index();
        let (active, weights) = self.resolve(&index, q)?;
        let ranking = self.ranking(&index, &weights, set);
        let total = ranking.len() as u32;
        if offset > 0 && offset >= total {
            return Err(AppError::BadRequest(format!(
                "That page is past the end of the list: there are {total} films."
            )));
        }
        let w = weights.normalised();
        let rows = ranking
            .iter()
            .enumerate()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(rank, (i, _))| {
                let i = *i as usize;
                let f = &index.films[i];
                let s = scoring::score(&index.dims[i], &w);
                PredictionRow {
                    rank: rank as u32 + 1,
                    imdb_id: f.imdb_id.clone(),
                    title: f.title.clone(),
                    year: f.year,
                    director: f.director.clone(),
                    poster_url: f.poster_url.clone(),
                    score: scoring::display_score(s),
                    likelihood: (scoring::likelihood(s) * 10.0).round() / 10.0,
                    edition: f.edition,
                    top_dimension: scoring::top_dimension(&index.dims[i], &w).label().to_string(),
                    // Three decimals say all a reader sees ("data 83 %") in 5 characters, not 18.
                    completeness: (scoring::completeness(&index.inputs[i]) * 1000.0).round() / 1000.0,
                }
            })
            .collect();
        let profiles = index.profiles.iter().map(|(p, _)| p.clone()).collect();
        Ok(PredictionPage { active, profiles, rows, offset, total })
    }

    pub fn stats(&self) -> PredictionStats {
        let index = self.index();
        PredictionStats {
            films_scored: index.films.len() as u32,
            candidates: index.candidates,
            on_list: index.on_list_recent,
            mean_completeness: shown(index.mean_completeness),
        }
    }

    /// Per cache (rankings, backtests, comparison): hits, misses, total compute time, for operators.
    pub fn cache_figures(&self) -> Vec<CacheFigures> {
        [&self.ranking_stats, &self.backtest_stats, &self.comparison_stats].into_iter().map(|c| c.figures()).collect()
    }

    pub fn backtest(&self, q: &PredictionQuery) -> Result<BacktestView, AppError> {
        let index = self.index();
        let (active, weights) = self.resolve(&index, q)?;
        let bt = self.backtest_of(&index, &weights);
        let refs = |ids: &[u32]| ids.iter().map(|i| index.film_ref(*i)).collect();
        Ok(BacktestView {
            active,
            decades: bt
                .decades
                .iter()
                .map(|d| DecadeView {
                    decade: d.decade,
                    on_list: d.on_list,
                    hits: d.hits,
                    films: d.films,
                    accuracy: shown(d.accuracy()),
                    hits_examples: refs(&d.hit_examples),
                    misses: refs(&d.miss_examples),
                    false_positives: refs(&d.false_positive_examples),
                })
                .collect(),
            micro: shown(bt.micro()),
            macro_avg: shown(bt.macro_avg()),
        })
    }

    pub fn comparison(&self) -> Arc<ComparisonView> {
        self.comparison_of(&self.index())
    }

    fn comparison_of(&self, index: &PredictionIndex) -> Arc<ComparisonView> {
        self.comparison_stats.get(&self.comparisons, index.version, || {
            let decades: Vec<i32> = scoring::BACKTEST_DECADES.step_by(10).collect();
            let profiles: Vec<ProfileScore> = index
                .profiles
                .iter()
                .map(|(info, w)| {
                    let bt = self.backtest_of(index, w);
                    ProfileScore {
                        profile: info.clone(),
                        accuracies: bt.decades.iter().map(|d| d.accuracy()).collect(),
                        micro: bt.micro(),
                        macro_avg: bt.macro_avg(),
                        std_dev: bt.std_dev(),
                    }
                })
                .collect();
            let best_by = |key: &dyn Fn(&ProfileScore) -> f64| {
                profiles
                    .iter()
                    .enumerate()
                    .max_by(|(ia, a), (ib, b)| key(a).total_cmp(&key(b)).then(ib.cmp(ia)))
                    .map(|(_, p)| p.profile.slug.clone())
                    .unwrap_or_default()
            };
            let best_per_decade = (0..decades.len()).map(|d| best_by(&|p: &ProfileScore| p.accuracies[d])).collect();
            let (best_overall, most_consistent) =
                (best_by(&|p: &ProfileScore| p.macro_avg), best_by(&|p: &ProfileScore| -p.std_dev));
            // Chosen on the exact figures; sent rounded.
            let profiles = profiles
                .into_iter()
                .map(|p| ProfileScore {
                    accuracies: p.accuracies.into_iter().map(shown).collect(),
                    micro: shown(p.micro),
                    macro_avg: shown(p.macro_avg),
                    std_dev: shown(p.std_dev),
                    ..p
                })
                .collect();
            Arc::new(ComparisonView { best_overall, most_consistent, best_per_decade, decades, profiles })
        })
    }

    pub fn breakdown(&self, imdb_id: &str, q: &PredictionQuery) -> Result<Breakdown, AppError> {
        let index = self.index();
        let (active, weights) = self.resolve(&index, q)?;
        let i = *index.by_imdb.get(imdb_id).ok_or_else(|| AppError::NotFound(format!("The film {imdb_id}")))? as usize;
        let w = weights.normalised();
        let (dims, inputs, film) = (&index.dims[i], &index.inputs[i], &index.films[i]);
        let s = scoring::score(dims, &w);
        let rank = [CandidateSet::Candidates, CandidateSet::OnList]
            .into_iter()
            .filter(|set| index.is_candidate(i, *set))
            .find_map(|set| self.ranking(&index, &weights, set).iter().position(|(j, _)| *j as usize == i))
            .map(|r| r as u32 + 1);
        let show = |v: Option<f64>, fmt: &dyn Fn(f64) -> String| v.map(fmt).unwrap_or_else(|| "—".into());
        let one = |v: f64| format!("{v:.1}");
        let whole = |v: f64| format!("{v:.0}");
        let dimensions = DIMENSIONS
            .iter()
            .map(|d| {
                let inputs: Vec<(String, String)> = match d {
                    scoring::Dimension::Popular => vec![
                        ("IMDb rating".into(), show(inputs.imdb_rating, &one)),
                        ("TMDb rating".into(), show(inputs.tmdb_rating, &one)),
                    ],
                    scoring::Dimension::Critical => vec![
                        ("Metascore".into(), show(inputs.metascore, &whole)),
                        ("Tomatometer".into(), show(inputs.tomatometer, &|v| format!("{v:.0} %"))),
                    ],
                    scoring::Dimension::Industry => vec![
                        ("Wins".into(), inputs.wins.to_string()),
                        ("Nominations".into(), inputs.nominations.to_string()),
                    ],
                    scoring::Dimension::Cultural => vec![
                        ("Other canonical lists".into(), inputs.other_lists.to_string()),
                        ("TMDb popularity".into(), show(inputs.tmdb_popularity, &one)),
                        ("IMDb votes".into(), show(inputs.imdb_votes, &whole)),
                    ],
                    scoring::Dimension::People => {
                        vec![("Average people quality".into(), show(inputs.people_quality, &one))]
                    }
                };
                let score = dims[d.index()];
                DimensionBreakdown {
                    label: d.label().into(),
                    key: d.key().into(),
                    score,
                    weight_pct: (w[d.index()] * 1000.0).round() / 10.0,
                    points: ((score.unwrap_or(0.0) * w[d.index()] * 100.0) * 10.0).round() / 10.0,
                    inputs,
                }
            })
            .collect();
        Ok(Breakdown {
            film: index.film_ref(i as u32),
            director: film.director.clone(),
            rank,
            score: scoring::display_score(s),
            likelihood: (scoring::likelihood(s) * 10.0).round() / 10.0,
            edition: film.edition,
            completeness: scoring::completeness(inputs),
            dimensions,
            active,
        })
    }
}
