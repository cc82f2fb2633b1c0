//! The catalogue service: film lists, film details, recommendations and site counts, each cached
//! (moka) for its configured time and invalidated by the writes that change it.

use crate::error::AppError;
use crate::model::{CacheFigures, MovieCard, MovieDetail, MovieFilter, MovieList, RecommendedFilm, SiteStats};
use crate::recommend::{self, Reason, TasteFilm};
use crate::server::config::CacheConfig;
use crate::server::db::dataset::fold_text;
use crate::server::db::movies;
pub use crate::server::db::movies::Start;
use crate::server::db::{stats, Db, Missing};
use crate::server::services::cache_stats::CacheStats;
use crate::server::services::change::Change;
use crate::server::services::coherence::Coherence;
use crate::server::services::worded;
pub use crate::validate::MovieKey;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

mod measured;
pub use measured::*;

/// How many films "For you" offers: the page and the JSON API show the same list, cached once
/// per member.
pub const RECOMMENDATIONS: usize = 24;

/// Every film as the recommender sees it, with the ids to map back.
pub struct TasteIndex {
    pub films: Vec<TasteFilm>,
    pub ids: Vec<i64>,
    pub by_id: HashMap<i64, usize>,
    pub genres: Vec<String>,
}

impl TasteIndex {
    pub async fn load(db: &Db) -> Result<TasteIndex, sqlx::Error> {
        let rows = movies::taste_rows(db).await?;
        let mut genres: Vec<String> = movies::genres(db).await?;
        genres.truncate(64);
        let bit = |g: &str| genres.iter().position(|k| k == g.trim()).map_or(0u64, |i| 1u64 << i);
        let mut index = TasteIndex { films: Vec::new(), ids: Vec::new(), by_id: HashMap::new(), genres: Vec::new() };
        for (id, film_genres, directors, rating, votes) in rows {
            index.by_id.insert(id, index.ids.len());
            index.ids.push(id);
            index.films.push(TasteFilm {
                genres: film_genres.split(',').filter(|g| !g.trim().is_empty()).fold(0, |acc, g| acc | bit(g)),
                directors: directors
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|d| d.trim().parse::<i64>().ok())
                    .map(|d| d as u32)
                    .collect(),
                rating: rating.map(|r| r as f32),
                votes: votes.map(|v| v as f32),
            });
        }
        index.genres = genres;
        Ok(index)
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct ListKey {
    filter: MovieFilter,
    start: String,
    limit: u32,
}

pub struct Catalogue {
    db: Db,
    index: RwLock<Arc<TasteIndex>>,
    lists: MeasuredCache<ListKey, Arc<movies::Listed>>,
    popular: MeasuredCache<(Option<i32>, u32), Arc<Vec<MovieCard>>>,
    details: MeasuredCache<i64, Arc<MovieDetail>>,
    recommendations: MeasuredCache<i64, Arc<Vec<RecommendedFilm>>>,
    stats: MeasuredCache<(), SiteStats>,
    imdb_fresh_secs: i64,
    /// Tells the other servers sharing the database what this one changed.
    coherence: Arc<Coherence>,
}

impl Catalogue {
    pub async fn load(
        db: Db,
        ttl: &CacheConfig,
        imdb_fresh_hours: u64,
        coherence: Arc<Coherence>,
    ) -> Result<Catalogue, sqlx::Error> {
        Ok(Catalogue {
            coherence,
            imdb_fresh_secs: imdb_fresh_hours as i64 * 3600,
            index: RwLock::new(Arc::new(TasteIndex::load(&db).await?)),
            db,
            lists: MeasuredCache::new("movie_lists", 5_000, ttl.movie_list_ttl_secs),
            popular: MeasuredCache::new("popular", 100, ttl.popular_ttl_secs),
            details: MeasuredCache::new("movie_details", 10_000, ttl.movie_detail_ttl_secs),
            recommendations: MeasuredCache::new("recommendations", 10_000, ttl.recommendations_ttl_secs),
            stats: MeasuredCache::new("site_stats", 1, ttl.stats_ttl_secs),
        })
    }

    pub fn index(&self) -> Arc<TasteIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn genres(&self) -> Vec<String> {
        self.index().genres.clone()
    }

    /// A page of the catalogue (cached per filter and position).
    pub async fn list(&self, filter: &MovieFilter, start: Start, limit: u32) -> Result<Arc<movies::Listed>, AppError> {
        let db = &self.db;
        let start_key = match &start {
            Start::Offset(n) => format!("o{n}"),
            Start::After(c) => format!("c{}", c.encode()),
        };
        let key = ListKey { filter: filter.clone(), start: start_key, limit };
        self.lists
            .get(key, async {
                let folded = filter.search.as_deref().map(fold_text);
                Ok(Arc::new(movies::list(db, filter, folded.as_deref(), &start, limit).await?))
            })
            .await
    }

    /// The JSON API's cursor-paged list.
    pub async fn list_page(&self, filter: &MovieFilter, start: Start, limit: u32) -> Result<MovieList, AppError> {
        let page = self.list(filter, start, limit).await?;
        Ok(MovieList {
            items: page.items.clone(),
            total: page.total,
            next_cursor: page.next.as_ref().map(|c| c.encode()),
        })
    }

    /// The most-rated films (of a decade), for the home page and as a fallback.
    pub async fn popular(&self, decade: Option<i32>, limit: u32) -> Result<Arc<Vec<MovieCard>>, AppError> {
        let db = &self.db;
        self.popular
            .get((decade, limit), async {
                let filter = MovieFilter { decade, ..Default::default() };
                Ok(Arc::new(movies::list(db, &filter, None, &Start::Offset(0), limit).await?.items))
            })
            .await
    }

    /// The shared part of a film's page (cached for an hour, or until something about it changes).
    pub async fn detail(&self, key: &MovieKey) -> Result<Arc<MovieDetail>, AppError> {
        let db = &self.db;
        // An IMDb id is resolved by reading the film's row, which a miss then uses as it is.
        let (movie_id, known) = match key {
            MovieKey::Id(id) => (*id, None),
            MovieKey::Imdb(_) => {
                let movie = movies::info(db, key).await?.ok_or_else(|| AppError::NotFound("That film".into()))?;
                (movie.id, Some(movie))
            }
        };
        self.details
            .get(movie_id, async move {
                let movie = match known {
                    Some(movie) => movie,
                    None => movies::info(db, &MovieKey::Id(movie_id))
                        .await?
                        .ok_or_else(|| AppError::NotFound("That film".into()))?,
                };
                let (credits, metrics, awards, lists, club) = movies::facts(db, movie_id).await?;
                let index = self.index();
                let similar_ids: Vec<i64> = index
                    .by_id
                    .get(&movie_id)
                    .map(|&i| recommend::similar(&index.films, i, 8).into_iter().map(|j| index.ids[j]).collect())
                    .unwrap_or_default();
                let similar = movies::cards(db, &similar_ids).await?;
                Ok(Arc::new(MovieDetail { movie, credits, metrics, awards, lists, club, similar }))
            })
            .await
    }

    /// Films for the member, with a reason each (cached per member until they rate something).
    pub async fn recommendations(&self, user_id: i64) -> Result<Arc<Vec<RecommendedFilm>>, AppError> {
        let db = &self.db;
        self.recommendations
            .get(user_id, async move {
                let index = self.index();
                let ratings: Vec<(usize, f32)> = movies::ratings_of(db, user_id)
                    .await?
                    .into_iter()
                    .filter_map(|(movie, half)| index.by_id.get(&movie).map(|&i| (i, half as f32 / 2.0)))
                    .collect();
                let seen: Vec<usize> = crate::server::db::letterboxd::watched_movies(db, user_id)
                    .await?
                    .into_iter()
                    .filter_map(|movie| index.by_id.get(&movie).copied())
                    .collect();
                let recs = recommend::recommend(&index.films, &ratings, &seen, RECOMMENDATIONS);
                // One query for the recommended films and the rated films their reasons name.
                let named = recs.iter().filter_map(|r| match r.reason {
                    Reason::SameDirector(i) | Reason::SimilarTo(i) => Some(index.ids[i]),
                    Reason::Popular => None,
                });
                let ids: Vec<i64> = recs.iter().map(|r| index.ids[r.film]).chain(named).collect();
                let mut cards: HashMap<i64, MovieCard> =
                    movies::cards(db, &ids).await?.into_iter().map(|c| (c.id, c)).collect();
                let rated_titles: HashMap<usize, String> = recs
                    .iter()
                    .filter_map(|r| match r.reason {
                        Reason::SameDirector(i) | Reason::SimilarTo(i) => Some(i),
                        Reason::Popular => None,
                    })
                    .filter_map(|i| cards.get(&index.ids[i]).map(|c| (i, c.title.clone())))
                    .collect();
                let out = recs
                    .iter()
                    .filter_map(|r| {
                        let movie = cards.remove(&index.ids[r.film])?;
                        let reason = match r.reason {
                            Reason::SameDirector(i) => format!(
                                "Because you rated {} highly (same director)",
                                rated_titles.get(&i).map_or("a film", String::as_str)
                            ),
                            Reason::SimilarTo(i) => format!(
                                "Because you rated {} highly",
                                rated_titles.get(&i).map_or("a film", String::as_str)
                            ),
                            Reason::Popular if ratings.is_empty() => {
                                "Popular and well rated: rate a few films to make this yours".to_string()
                            }
                            Reason::Popular => "Popular and well rated".to_string(),
                        };
                        Some(RecommendedFilm { movie, reason, score: r.score })
                    })
                    .collect();
                Ok(Arc::new(out))
            })
            .await
    }

    /// The site's counts: one aggregate query, cached for a minute and dropped on every write.
    pub async fn stats(&self) -> Result<SiteStats, AppError> {
        let db = &self.db;
        self.stats.get((), async { Ok(stats::site_stats(db, self.imdb_fresh_secs).await?) }).await
    }

    /// Stores a member's rating of a film in half stars (none removes it), and drops what showed
    /// the old one, here and on the other servers.
    pub async fn rate(&self, user_id: i64, movie_id: i64, half_stars: Option<i32>) -> Result<(), AppError> {
        movies::rate(&self.db, user_id, movie_id, half_stars)
            .await
            .map_err(|e| worded(e, |Missing| AppError::NotFound("That film".into())))?;
        self.changed(Change::Rating { user: user_id, movie: movie_id }).await?;
        Ok(())
    }

    /// The member's own rating of a film, in half stars.
    /// The catalogue id of the film `key` names, if it is in the catalogue.
    pub async fn movie_id(&self, key: &MovieKey) -> Result<Option<i64>, AppError> {
        Ok(movies::info(&self.db, key).await?.map(|m| m.id))
    }

    /// Every rating a member gave, newest first, as (film, half stars).
    pub async fn ratings_of(&self, user_id: i64) -> Result<Vec<(i64, i32)>, AppError> {
        Ok(movies::ratings_of(&self.db, user_id).await?)
    }

    pub async fn my_rating(&self, user_id: i64, movie_id: i64) -> Result<Option<i32>, AppError> {
        Ok(movies::my_rating(&self.db, user_id, movie_id).await?)
    }

    /// Club data changed (a proposal, a vote, a watched film, a new member): film pages show it.
    pub async fn club_changed(&self, movie_id: Option<i64>) {
        // A club change never reloads the index, so this cannot fail.
        let _ = self.changed(Change::Club { movie: movie_id }).await;
    }

    /// A vote changed a proposal's count to `votes` (its `version`th change).
    pub async fn vote_changed(&self, movie: Option<i64>, proposal: i64, votes: i64, version: i64) {
        let _ = self.changed(Change::Vote { movie, proposal, votes, version }).await;
    }

    /// A round opened, moved its deadline or closed.
    pub async fn round_changed(&self, id: i64) {
        let _ = self.changed(Change::Round { id }).await;
    }

    /// Something the site's counts include changed (a new member).
    pub async fn counts_changed(&self) {
        let _ = self.changed(Change::Counts).await;
    }

    /// A member imported their film history.
    pub async fn history_changed(&self, user: i64, shared: bool) {
        let _ = self.changed(Change::History { user, shared }).await;
    }

    /// Films were added or changed (an import): everything is rebuilt.
    pub async fn catalogue_changed(&self) -> Result<(), sqlx::Error> {
        self.changed(Change::Catalogue).await
    }

    /// A change made by this server: dropped here, then announced to the others.
    async fn changed(&self, change: Change) -> Result<(), sqlx::Error> {
        self.apply(&change).await?;
        self.coherence.announce(change).await;
        Ok(())
    }

    /// Drops what `change` made stale (made here or announced by another server); returns how many
    /// entries were dropped.
    pub async fn apply(&self, change: &Change) -> Result<u64, sqlx::Error> {
        Ok(match *change {
            Change::Rating { user, movie } => {
                self.details.invalidate(&movie).await
                    + self.recommendations.invalidate(&user).await
                    + self.stats.clear().await
            }
            Change::Club { movie: Some(id) } | Change::Vote { movie: Some(id), .. } => {
                self.details.invalidate(&id).await + self.stats.clear().await
            }
            Change::Club { movie: None } | Change::Vote { movie: None, .. } | Change::Round { .. } => {
                self.details.clear().await + self.stats.clear().await
            }
            Change::History { user, shared } => {
                self.recommendations.invalidate(&user).await
                    + if shared { self.details.clear().await + self.stats.clear().await } else { 0 }
            }
            Change::Counts => self.stats.clear().await,
            Change::Catalogue | Change::Everything => self.reload().await?,
        })
    }

    /// Reloads the recommender's index and empties every cache; returns how many entries went.
    pub async fn reload(&self) -> Result<u64, sqlx::Error> {
        let index = TasteIndex::load(&self.db).await?;
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
        Ok(self.lists.clear().await
            + self.popular.clear().await
            + self.details.clear().await
            + self.recommendations.clear().await
            + self.stats.clear().await)
    }

    pub fn cache_figures(&self) -> Vec<CacheFigures> {
        vec![
            self.lists.figures(),
            self.popular.figures(),
            self.details.figures(),
            self.recommendations.figures(),
            self.stats.figures(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dropping_entries_says_how_many_went() {
        let cache: MeasuredCache<i64, i64> = MeasuredCache::new("test", 100, 60);
        for key in 0..3 {
            cache.get(key, async move { Ok(key * 10) }).await.unwrap();
        }
        assert_eq!(cache.invalidate(&1).await, 1);
        assert_eq!(cache.invalidate(&1).await, 0, "already gone");
        assert_eq!(cache.clear().await, 2);
        assert_eq!(cache.clear().await, 0);
    }
}
