//! The predictions service: the scored films held in memory as compact arrays, rankings and
//! backtests cached per weights (moka, coalesced), rebuilt when the inputs change.

use crate::error::AppError;
use crate::model::*;
use crate::scoring::{self, Dims, Weights, DIMENSIONS};
use crate::server::cache::{Cache, Expiry};
use crate::server::db::scores;
use crate::server::db::Db;
use crate::server::services::cache_stats::CacheStats;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

mod backtests;
mod index;

use index::shown;
pub use index::{build_index, Film, PredictionIndex};

/// Largest page a caller may ask for.
pub const MAX_LIMIT: u32 = 100;

#[derive(Clone, PartialEq, Eq, Hash)]
struct RankKey {
    weights: [u32; 5],
    set: CandidateSet,
    version: u64,
}

type Ranking = Arc<Vec<(u32, f32)>>;

pub struct Predictions {
    /// Where the inputs are read from, and the dimension scores written to.
    db: Db,
    index: RwLock<Arc<PredictionIndex>>,
    /// The inputs' version (`scores::inputs_version`) the current index was built from.
    inputs_version: AtomicI64,
    min_dimensions: u32,
    rankings: Cache<RankKey, Ranking>,
    backtests: Cache<([u32; 5], u64), Arc<scoring::Backtest>>,
    comparisons: Cache<u64, Arc<ComparisonView>>,
    pub ranking_stats: CacheStats,
    pub backtest_stats: CacheStats,
    pub comparison_stats: CacheStats,
    versions: AtomicU64,
    /// Rung by this process's writers to the inputs, so the watcher checks at once.
    changed: tokio::sync::Notify,
}

impl Predictions {
    fn new(db: Db, index: PredictionIndex, ttl: Duration) -> Predictions {
        Predictions {
            db,
            versions: AtomicU64::new(index.version),
            inputs_version: AtomicI64::new(0),
            changed: tokio::sync::Notify::new(),
            min_dimensions: index.min_dimensions,
            index: RwLock::new(Arc::new(index)),
            // By size: a ranking of 100k films is 800 KB, and every custom weighting is its own.
            rankings: Cache::weighed(16 << 20, Expiry::live(ttl), |_, ranking| {
                u32::try_from(ranking.len() * 8).unwrap_or(u32::MAX)
            }),
            backtests: Cache::new(128, Expiry::live(ttl)),
            comparisons: Cache::new(4, Expiry::live(ttl)),
            ranking_stats: CacheStats::new("rankings"),
            backtest_stats: CacheStats::new("backtests"),
            comparison_stats: CacheStats::new("comparison"),
        }
    }

    /// Loads the inputs, stores changed dimension scores, and builds the first index.
    /// `min_dimensions`: dimensions with data a film needs to be ranked as a candidate.
    pub async fn load(db: Db, ttl: Duration, min_dimensions: u32) -> Result<Predictions, sqlx::Error> {
        // Read before the inputs: a change made while they load moves the version past this one,
        // and the next check rebuilds.
        let inputs_version = scores::inputs_version(&db).await?;
        let index = Self::compute(&db, 1, min_dimensions).await?;
        let service = Predictions::new(db, index, ttl);
        service.inputs_version.store(inputs_version, Ordering::SeqCst);
        Ok(service)
    }

    async fn compute(db: &Db, version: u64, min_dimensions: u32) -> Result<PredictionIndex, sqlx::Error> {
        let raw = scores::load_raw_inputs(db).await?;
        let index = tokio::task::spawn_blocking(move || build_index(raw, version, min_dimensions))
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
    pub async fn rebuild(&self) -> Result<(), sqlx::Error> {
        self.rebuild_from(scores::inputs_version(&self.db).await?).await
    }

    /// Rebuilds from the inputs at `inputs_version` or later (read before the inputs, so that a
    /// change made meanwhile moves the version past it and the next check rebuilds again).
    async fn rebuild_from(&self, inputs_version: i64) -> Result<(), sqlx::Error> {
        let version = self.versions.fetch_add(1, Ordering::Relaxed) + 1;
        let index = Self::compute(&self.db, version, self.min_dimensions).await?;
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
        self.inputs_version.store(inputs_version, Ordering::SeqCst);
        self.rankings.invalidate_all();
        self.backtests.invalidate_all();
        self.comparisons.invalidate_all();
        Ok(())
    }

    /// Rebuilds only when the inputs changed since the last build (another process may have written).
    pub async fn refresh_if_changed(&self) -> Result<bool, sqlx::Error> {
        let now = scores::inputs_version(&self.db).await?;
        if now == self.inputs_version.load(Ordering::SeqCst) {
            return Ok(false);
        }
        self.rebuild_from(now).await?;
        Ok(true)
    }

    /// Says that this process changed the inputs: the watcher checks now rather than at its next tick.
    pub fn inputs_changed(&self) {
        self.changed.notify_one();
    }

    /// Waits until `inputs_changed` is called.
    pub async fn until_changed(&self) {
        self.changed.notified().await;
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
            Arc::new(scoring::backtest(&index.packed, &index.years, &index.on_list, weights, index.min_dimensions))
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
                    poster: f.poster.clone(),
                    score: scoring::display_score(s),
                    likelihood: (scoring::likelihood(s) * 10.0).round() / 10.0,
                    edition: f.edition,
                    top_dimension: scoring::top_dimension(&index.dims[i], &w).label().to_string(),
                    // Three decimals say all a reader sees ("data 83 %") in 5 characters, not 18.
                    completeness: (scoring::completeness(&index.inputs[i]) * 1000.0).round() / 1000.0,
                    present: index.packed[i].present,
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
            not_enough_data: index.not_enough_data,
            min_dimensions: index.min_dimensions,
            on_list: index.on_list_recent,
            mean_completeness: shown(index.mean_completeness),
        }
    }

    /// Per cache (rankings, backtests, comparison): hits, misses, total compute time, for operators.
    pub fn cache_figures(&self) -> Vec<CacheFigures> {
        [&self.ranking_stats, &self.backtest_stats, &self.comparison_stats].into_iter().map(|c| c.figures()).collect()
    }

    pub fn breakdown(&self, imdb_id: &str, q: &PredictionQuery) -> Result<Breakdown, AppError> {
        let index = self.index();
        let (active, weights) = self.resolve(&index, q)?;
        let i = *index.by_imdb.get(imdb_id).ok_or_else(|| AppError::NotFound(format!("The film {imdb_id}")))? as usize;
        let w = weights.normalised();
        let (dims, inputs, film) = (&index.dims[i], &index.inputs[i], &index.films[i]);
        let s = scoring::score(dims, &w);
        let effective = scoring::effective_weights(dims, &w);
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
                    effective_pct: effective[d.index()].map(|e| (e * 1000.0).round() / 10.0),
                    points: ((score.unwrap_or(0.0) * effective[d.index()].unwrap_or(0.0) * 100.0) * 10.0).round()
                        / 10.0,
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
