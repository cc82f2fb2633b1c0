//! A batch of catalogue data in plain structs, as the demo file and the synthetic generator produce
//! it and as `db::load` writes it. No database or web types in here.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub festivals: Vec<Festival>,
    pub lists: Vec<ListDef>,
    pub movies: Vec<NewMovie>,
    pub users: Vec<NewUser>,
    pub proposals: Vec<NewProposal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Festival {
    pub slug: String,
    pub name: String,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListDef {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The list the predictions page forecasts ("1001 Movies You Must See Before You Die").
    pub is_target: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewMovie {
    pub imdb_id: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub release_date: Option<String>,
    pub runtime_minutes: Option<i32>,
    pub genres: Vec<String>,
    pub plot: Option<String>,
    pub poster_url: Option<String>,
    pub credits: Vec<NewCredit>,
    pub metrics: Vec<NewMetric>,
    pub nominations: Vec<NewNomination>,
    pub lists: Vec<NewMembership>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCredit {
    /// IMDb `nm` id when known, otherwise `name:` + the folded name.
    pub person_key: String,
    pub name: String,
    pub role: String,
    pub quality: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMetric {
    pub source: &'static str,
    pub metric: &'static str,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewNomination {
    pub festival: String,
    pub category: String,
    pub year: i32,
    pub won: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewMembership {
    pub list: String,
    pub edition_year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    pub imdb_id: String,
    pub proposer: String,
    pub status: &'static str,
    /// How long ago it was proposed, in hours.
    pub age_hours: i64,
    pub voters: Vec<String>,
}

pub const IMDB: &str = "imdb";
pub const TMDB: &str = "tmdb";
pub const METACRITIC: &str = "metacritic";
pub const ROTTEN_TOMATOES: &str = "rotten_tomatoes";

pub use crate::validate::fold_text;

pub fn person_key_for_name(name: &str) -> String {
    format!("name:{}", fold_text(name.trim()))
}

impl NewMovie {
    pub fn metric(&self, source: &str, metric: &str) -> Option<f64> {
        self.metrics.iter().find(|m| m.source == source && m.metric == metric).map(|m| m.value)
    }

    /// Sort key for "popular": how many people rated it on IMDb.
    pub fn popularity(&self) -> Option<f64> {
        self.metric(IMDB, "votes")
    }

    /// Sort key for "rating": the IMDb average.
    pub fn rating(&self) -> Option<f64> {
        self.metric(IMDB, "rating")
    }

    /// Share (0..1) of the scoring inputs this film has: the four rating sources, a popularity
    /// figure, and people with a known quality.
    pub fn completeness(&self) -> f64 {
        let present = [
            self.metric(IMDB, "rating").is_some(),
            self.metric(TMDB, "rating").is_some(),
            self.metric(METACRITIC, "metascore").is_some(),
            self.metric(ROTTEN_TOMATOES, "tomatometer").is_some(),
            self.metric(TMDB, "popularity").is_some() || self.metric(IMDB, "votes").is_some(),
            self.credits.iter().any(|c| c.quality.is_some()),
        ];
        present.iter().filter(|p| **p).count() as f64 / present.len() as f64
    }

    pub fn genres_display(&self) -> String {
        self.genres.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_and_accents() {
        assert_eq!(fold_text("Amélie"), "amelie");
        assert_eq!(fold_text("THE SEVENTH SEAL"), "the seventh seal");
        assert_eq!(fold_text("Léon: The Professional"), "leon: the professional");
        assert_eq!(fold_text("Ça"), "ca");
    }

    #[test]
    fn completeness_counts_present_inputs() {
        let mut movie = NewMovie::default();
        assert_eq!(movie.completeness(), 0.0);
        movie.metrics.push(NewMetric { source: IMDB, metric: "rating", value: 8.0 });
        movie.metrics.push(NewMetric { source: IMDB, metric: "votes", value: 1000.0 });
        movie.metrics.push(NewMetric { source: METACRITIC, metric: "metascore", value: 80.0 });
        assert!((movie.completeness() - 0.5).abs() < 1e-9);
        assert_eq!(movie.rating(), Some(8.0));
        assert_eq!(movie.popularity(), Some(1000.0));
    }
}
