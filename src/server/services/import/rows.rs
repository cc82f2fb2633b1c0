//! One row of an import: read loosely (numbers may come as text), then checked field by field.

use crate::server::db::dataset::{IMDB, METACRITIC, ROTTEN_TOMATOES, TMDB};
use crate::server::db::import::ImportRow;
use serde::Deserialize;

/// A row as written in a CSV or JSON file: everything text or number, nothing trusted yet.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRow {
    pub(super) imdb_id: Option<String>,
    pub(super) title: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) year: Option<String>,
    pub(super) genres: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) runtime_minutes: Option<String>,
    pub(super) plot: Option<String>,
    pub(super) poster_url: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) imdb_rating: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) imdb_votes: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) metascore: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) tomatometer: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) tmdb_rating: Option<String>,
    #[serde(default, deserialize_with = "loose")]
    pub(super) tmdb_popularity: Option<String>,
}

/// Accepts a number or a string (JSON files have numbers, CSV files only text).
fn loose<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Text(String),
        Number(f64),
    }
    Ok(Option::<Loose>::deserialize(d)?.map(|v| match v {
        Loose::Text(s) => s,
        Loose::Number(n) => n.to_string(),
    }))
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s != "\\N")
}

/// Checks one raw row; the message says what is wrong with it.
pub fn check(line: usize, raw: RawRow) -> Result<ImportRow, String> {
    let imdb_id = match text(raw.imdb_id) {
        None => return Err("imdb_id is missing".into()),
        Some(id) => crate::validate::imdb_id(&id).map_err(|_| format!("imdb_id {id:?} is not an IMDb title id"))?,
    };
    let title = text(raw.title).ok_or("title is missing")?;
    if crate::validate::has_control(&title) {
        return Err("title holds control characters".into());
    }
    if title.chars().count() > 500 {
        return Err("title is longer than 500 characters".into());
    }
    fn number(name: &str, v: Option<String>, range: std::ops::RangeInclusive<f64>) -> Result<Option<f64>, String> {
        match text(v) {
            None => Ok(None),
            Some(s) => match s.parse::<f64>() {
                Ok(n) if n.is_finite() && range.contains(&n) => Ok(Some(n)),
                _ => Err(format!("{name} {s:?} is not a number from {} to {}", range.start(), range.end())),
            },
        }
    }
    let year = number("year", raw.year, 1870.0..=2100.0)?.map(|y| y as i32);
    let runtime_minutes = number("runtime_minutes", raw.runtime_minutes, 1.0..=1500.0)?.map(|m| m as i32);
    let mut metrics = Vec::new();
    for (source, metric, value) in [
        (IMDB, "rating", number("imdb_rating", raw.imdb_rating, 0.0..=10.0)?),
        (IMDB, "votes", number("imdb_votes", raw.imdb_votes, 0.0..=1e10)?),
        (METACRITIC, "metascore", number("metascore", raw.metascore, 0.0..=100.0)?),
        (ROTTEN_TOMATOES, "tomatometer", number("tomatometer", raw.tomatometer, 0.0..=100.0)?),
        (TMDB, "rating", number("tmdb_rating", raw.tmdb_rating, 0.0..=10.0)?),
        (TMDB, "popularity", number("tmdb_popularity", raw.tmdb_popularity, 0.0..=1e9)?),
    ] {
        if let Some(v) = value {
            metrics.push((source, metric, v));
        }
    }
    let poster_url = text(raw.poster_url);
    if poster_url.as_deref().is_some_and(|u| !u.starts_with("https://")) {
        return Err("poster_url must start with https://".into());
    }
    let genres: Vec<String> = text(raw.genres)
        .map(|g| g.split(['|', ',']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    if genres.iter().any(|g| g.chars().count() > 40) {
        return Err("a genre is longer than 40 characters".into());
    }
    if genres.iter().any(|g| crate::validate::has_control(g)) {
        return Err("a genre holds control characters".into());
    }
    if poster_url.as_deref().is_some_and(crate::validate::has_control) {
        return Err("poster_url holds control characters".into());
    }
    // Line breaks and tabs are fine in a plot; other control characters are not.
    let plot = text(raw.plot);
    if plot.as_deref().is_some_and(|p| p.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))) {
        return Err("plot holds control characters".into());
    }
    Ok(ImportRow { line, imdb_id, title, year, genres, runtime_minutes, plot, poster_url, metrics })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(id: &str, title: &str) -> RawRow {
        RawRow { imdb_id: Some(id.into()), title: Some(title.into()), ..Default::default() }
    }

    #[test]
    fn good_rows_are_read_with_their_metrics() {
        let mut r = raw("tt0111161", " The Shawshank Redemption ");
        r.year = Some("1994".into());
        r.genres = Some("Drama|Crime".into());
        r.imdb_rating = Some("9.3".into());
        r.metascore = Some("82".into());
        let row = check(2, r).unwrap();
        assert_eq!(row.title, "The Shawshank Redemption");
        assert_eq!(row.genres, vec!["Drama", "Crime"]);
        assert_eq!(row.metrics, vec![(IMDB, "rating", 9.3), (METACRITIC, "metascore", 82.0)]);
    }

    #[test]
    fn bad_rows_say_what_is_wrong() {
        assert!(check(2, raw("", "x")).unwrap_err().contains("imdb_id is missing"));
        assert!(check(2, raw("nm0000001", "x")).unwrap_err().contains("not an IMDb title id"));
        assert!(check(2, raw("tt0111161", "  ")).unwrap_err().contains("title is missing"));
        let mut r = raw("tt0111161", "x");
        r.imdb_rating = Some("11".into());
        assert!(check(2, r).unwrap_err().contains("imdb_rating"));
        let mut r = raw("tt0111161", "x");
        r.year = Some("nineteen".into());
        assert!(check(2, r).unwrap_err().contains("year"));
        let mut r = raw("tt0111161", "x");
        r.poster_url = Some("javascript:alert(1)".into());
        assert!(check(2, r).unwrap_err().contains("https://"));
    }
}
