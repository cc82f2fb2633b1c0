//! Recommendations and similar films: plain Rust over plain structs, no database.
//!
//! A member's taste is learnt from their ratings: each rating above three stars pulls its film's
//! genres and directors up, each one below pushes them down. Unrated films are ranked by that
//! affinity plus a small quality prior (IMDb rating and how many people rated it), so a member with
//! few ratings still gets sensible, well-liked films. With no ratings at all, the prior alone ranks.

use std::collections::HashMap;

/// A film as the recommender sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TasteFilm {
    /// Bit `g` set: the film has genre `g` (at most 64 genres are told apart).
    pub genres: u64,
    pub directors: Vec<u32>,
    /// IMDb average, 0-10 (`None`: unknown).
    pub rating: Option<f32>,
    /// How many people rated it on IMDb.
    pub votes: Option<f32>,
}

/// Why a film was recommended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// Shares a director with a film the member rated highly (that film's index).
    SameDirector(usize),
    /// Shares genres with a film the member rated highly.
    SimilarTo(usize),
    /// Popular and well rated (cold start, or nothing in common with the member's ratings).
    Popular,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recommendation {
    pub film: usize,
    pub score: f32,
    pub reason: Reason,
}

/// 0..1: a well-rated film many people have seen scores high; unknowns sit in the middle.
pub fn quality(f: &TasteFilm) -> f32 {
    let rating = f.rating.map_or(0.5, |r| (r / 10.0).clamp(0.0, 1.0));
    let reach = f.votes.map_or(0.0, |v| (v.max(1.0).log10() / 6.5).clamp(0.0, 1.0));
    0.65 * rating + 0.35 * reach
}

/// What a member's ratings say about genres and directors. `ratings` are (film, stars 0.5-5).
pub struct Taste {
    genre: [f32; 64],
    director: HashMap<u32, f32>,
}

impl Taste {
    pub fn learn(films: &[TasteFilm], ratings: &[(usize, f32)]) -> Taste {
        let mut taste = Taste { genre: [0.0; 64], director: HashMap::new() };
        for &(i, stars) in ratings {
            let Some(f) = films.get(i) else { continue };
            let pull = stars - 3.0;
            let n = f.genres.count_ones().max(1) as f32;
            for g in 0..64 {
                if f.genres & (1 << g) != 0 {
                    taste.genre[g] += pull / n;
                }
            }
            for d in &f.directors {
                *taste.director.entry(*d).or_default() += pull;
            }
        }
        taste
    }

    fn affinity(&self, f: &TasteFilm) -> f32 {
        let mut genre = 0.0;
        for g in 0..64 {
            if f.genres & (1 << g) != 0 {
                genre += self.genre[g];
            }
        }
        let genre = genre / (f.genres.count_ones().max(1) as f32).sqrt();
        let director: f32 = f.directors.iter().filter_map(|d| self.director.get(d)).sum();
        genre + 1.5 * director
    }
}

/// The `limit` best films for a member who rated `ratings` (film index, stars) and has `seen`
/// other films, best first, never one they rated or saw.
pub fn recommend(films: &[TasteFilm], ratings: &[(usize, f32)], seen: &[usize], limit: usize) -> Vec<Recommendation> {
    let taste = Taste::learn(films, ratings);
    let rated: std::collections::HashSet<usize> = ratings.iter().map(|r| r.0).chain(seen.iter().copied()).collect();
    let mut scored: Vec<(usize, f32)> = films
        .iter()
        .enumerate()
        .filter(|(i, _)| !rated.contains(i))
        .map(|(i, f)| (i, taste.affinity(f) + 0.8 * quality(f)))
        .collect();
    let by_score = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if scored.len() > limit && limit > 0 {
        scored.select_nth_unstable_by(limit - 1, by_score);
        scored.truncate(limit);
    }
    scored.sort_by(by_score);
    scored.truncate(limit);
    let liked: Vec<(usize, f32)> = {
        let mut l: Vec<(usize, f32)> = ratings.iter().copied().filter(|r| r.1 >= 3.5).collect();
        l.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        l
    };
    scored
        .into_iter()
        .map(|(film, score)| Recommendation { film, score, reason: reason(films, film, &liked) })
        .collect()
}

fn reason(films: &[TasteFilm], film: usize, liked: &[(usize, f32)]) -> Reason {
    let f = &films[film];
    if let Some(&(i, _)) = liked.iter().find(|(i, _)| films[*i].directors.iter().any(|d| f.directors.contains(d))) {
        return Reason::SameDirector(i);
    }
    liked
        .iter()
        .map(|&(i, _)| (i, (films[i].genres & f.genres).count_ones()))
        .filter(|(_, shared)| *shared > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or(Reason::Popular, |(i, _)| Reason::SimilarTo(i))
}

/// Films most like film `of`: shared directors and genres, then quality.
pub fn similar(films: &[TasteFilm], of: usize, limit: usize) -> Vec<usize> {
    let Some(target) = films.get(of) else { return Vec::new() };
    let mut scored: Vec<(usize, f32)> = films
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != of)
        .filter_map(|(i, f)| {
            let shared = (f.genres & target.genres).count_ones() as f32;
            let union = (f.genres | target.genres).count_ones().max(1) as f32;
            let director = if f.directors.iter().any(|d| target.directors.contains(d)) { 1.0 } else { 0.0 };
            let closeness = shared / union + director;
            (closeness > 0.0).then(|| (i, closeness + 0.3 * quality(f)))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().take(limit).map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAMA: u64 = 1;
    const HORROR: u64 = 2;
    const COMEDY: u64 = 4;

    fn film(genres: u64, directors: &[u32], rating: f32, votes: f32) -> TasteFilm {
        TasteFilm { genres, directors: directors.to_vec(), rating: Some(rating), votes: Some(votes) }
    }

    fn catalogue() -> Vec<TasteFilm> {
        vec![
            film(DRAMA, &[1], 8.0, 1e5),          // 0: rated 5 by the member
            film(HORROR, &[2], 7.0, 1e5),         // 1: rated 1
            film(DRAMA, &[1], 7.0, 1e4),          // 2: same director as 0
            film(DRAMA | COMEDY, &[3], 7.2, 2e4), // 3: a drama
            film(HORROR, &[4], 8.5, 1e6),         // 4: horror, very popular
            film(COMEDY, &[5], 6.0, 1e3),         // 5
        ]
    }

    #[test]
    fn follows_the_members_taste_and_skips_rated_films() {
        let recs = recommend(&catalogue(), &[(0, 5.0), (1, 1.0)], &[], 3);
        let films: Vec<usize> = recs.iter().map(|r| r.film).collect();
        assert_eq!(films[0], 2, "same director as a five-star film comes first: {recs:?}");
        assert_eq!(films[1], 3, "then another drama");
        assert!(!films.contains(&0) && !films.contains(&1), "rated films are never recommended");
        assert_eq!(recs[0].reason, Reason::SameDirector(0));
        assert_eq!(recs[1].reason, Reason::SimilarTo(0));
        let all = recommend(&catalogue(), &[(0, 5.0), (1, 1.0)], &[], 10);
        assert_eq!(all.last().unwrap().film, 4, "the disliked genre sinks despite its popularity: {all:?}");
    }

    #[test]
    fn films_already_seen_are_not_recommended() {
        let recs = recommend(&catalogue(), &[], &[4, 2], 10);
        assert_eq!(recs.len(), 4);
        assert!(recs.iter().all(|r| r.film != 4 && r.film != 2), "{recs:?}");
    }

    #[test]
    fn cold_start_ranks_by_quality() {
        let recs = recommend(&catalogue(), &[], &[], 2);
        assert_eq!(recs[0].film, 4, "well rated and widely seen");
        assert!(recs.iter().all(|r| r.reason == Reason::Popular));
        assert!(recs[0].score >= recs[1].score);
    }

    #[test]
    fn changing_a_rating_changes_the_recommendations() {
        let likes_drama = recommend(&catalogue(), &[(0, 5.0)], &[], 1)[0].film;
        let likes_horror = recommend(&catalogue(), &[(0, 1.0), (1, 5.0)], &[], 1)[0].film;
        assert_ne!(likes_drama, likes_horror);
        assert_eq!(likes_horror, 4);
    }

    #[test]
    fn similar_films_share_genres_or_directors() {
        let s = similar(&catalogue(), 0, 3);
        assert_eq!(s[0], 2, "same director and genre");
        assert!(!s.contains(&0) && !s.contains(&1) && !s.contains(&4), "no horror for a drama: {s:?}");
        assert!(similar(&catalogue(), 99, 3).is_empty());
    }

    #[test]
    fn limits_are_respected() {
        assert!(recommend(&catalogue(), &[], &[], 0).is_empty());
        assert_eq!(recommend(&catalogue(), &[], &[], 100).len(), 6);
    }
}
