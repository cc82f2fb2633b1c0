//! The backtest of one weight profile, and the comparison of every profile over the decades.

use super::*;

impl Predictions {
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
                    base_rate: shown(if d.films == 0 { 0.0 } else { d.on_list as f64 / d.films as f64 }),
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

    pub(super) fn comparison_of(&self, index: &PredictionIndex) -> Arc<ComparisonView> {
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
}
