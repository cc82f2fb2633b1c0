//! An export CSV's columns, and one field of a row: a year, a rating, a date, each read strictly with a message when wrong.

use super::Kind;

/// Where a CSV's columns are, by the names in its first line; `None` without a name and a year.
pub(super) struct Columns {
    pub(super) name: usize,
    pub(super) year: usize,
    pub(super) date: Option<usize>,
    pub(super) rating: Option<usize>,
    pub(super) watched: Option<usize>,
    pub(super) rewatch: Option<usize>,
}

impl Columns {
    pub(super) fn read(header: &csv::ByteRecord) -> Option<Columns> {
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let field = if i == 0 { field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field) } else { field };
                String::from_utf8_lossy(field).trim().to_ascii_lowercase()
            })
            .collect();
        let column = |name: &str| names.iter().position(|h| h == name);
        Some(Columns {
            name: column("name")?,
            year: column("year")?,
            date: column("date"),
            rating: column("rating"),
            watched: column("watched date"),
            rewatch: column("rewatch"),
        })
    }

    /// A renamed CSV says what it is by its columns.
    pub(super) fn kind(&self, named: Kind) -> Kind {
        match (named, self.rating, self.watched) {
            (_, _, Some(_)) => Kind::Diary,
            (Kind::Watched, Some(_), None) => Kind::Ratings,
            (kind, _, _) => kind,
        }
    }
}

pub(super) fn parse_year(raw: &str) -> Result<Option<i32>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i32>() {
        Ok(y) if (1870..=2100).contains(&y) => Ok(Some(y)),
        _ => Err(format!("{:?} is not a year", raw.chars().take(20).collect::<String>())),
    }
}

/// 0.5 to 5 in steps of a half, as half stars (1..=10).
pub fn parse_rating(raw: &str) -> Result<Option<i32>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{:?} is not a rating from 0.5 to 5", raw.chars().take(20).collect::<String>());
    let value: f64 = raw.parse().map_err(|_| bad())?;
    let half = value * 2.0;
    if !(1.0..=10.0).contains(&half) || half.fract() != 0.0 {
        return Err(bad());
    }
    Ok(Some(half as i32))
}

/// YYYY-MM-DD, checked.
pub(super) fn parse_date(raw: &str) -> Result<Option<String>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    let b = raw.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10) && {
        let month: u32 = raw[5..7].parse().unwrap_or(0);
        let day: u32 = raw[8..10].parse().unwrap_or(0);
        (1..=12).contains(&month) && (1..=31).contains(&day)
    };
    if ok {
        Ok(Some(raw.to_string()))
    } else {
        Err(format!("{:?} is not a date like 2024-03-31", raw.chars().take(20).collect::<String>()))
    }
}
