//! A round's times in its own time zone: what an admin types ("2026-12-12T20:00" in Europe/Paris)
//! becomes a moment (Unix seconds), and moments are shown back in that zone. The zone database is
//! built in.

use crate::error::AppError;
use jiff::tz::TimeZone;
use jiff::Timestamp;

fn zone(name: &str) -> Result<TimeZone, AppError> {
    TimeZone::get(name.trim()).map_err(|_| {
        AppError::BadRequest(format!(
            "{:?} is not a time zone we know: use a name such as Europe/Paris, America/New_York or UTC.",
            name.trim()
        ))
    })
}

/// Whether `name` is a time zone in the database.
pub fn check(name: &str) -> Result<(), AppError> {
    zone(name).map(|_| ())
}

/// A `datetime-local` value (`what` names it in a refusal) read in zone `name`: Unix seconds.
/// A time skipped by a clock change is read as the moment after it (as calendars do).
pub fn to_utc(local: &str, name: &str, what: &str) -> Result<i64, AppError> {
    let tz = zone(name)?;
    // The fields as if in UTC, then the same wall-clock time in the zone.
    let naive = crate::validate::parse_datetime_utc(local, what)?;
    let civil =
        Timestamp::from_second(naive).map_err(|_| AppError::BadRequest(format!("The {what} is out of range.")))?;
    let civil = civil.to_zoned_datetime(TimeZone::UTC).datetime();
    let zoned =
        civil.to_zoned_datetime(tz).map_err(|_| AppError::BadRequest(format!("The {what} is out of range.")))?;
    Ok(zoned.timestamp().as_second())
}

fn zoned(unix: i64, name: &str) -> Option<jiff::ZonedDateTime> {
    Some(Timestamp::from_second(unix).ok()?.to_zoned_datetime(TimeZone::get(name).ok()?))
}

/// "Fri 12 Dec 2026, 20:00" in zone `name` (UTC if the zone is unknown).
pub fn local_text(unix: i64, name: &str) -> String {
    match zoned(unix, name) {
        Some(z) => z.strftime("%a %-d %b %Y, %H:%M").to_string(),
        None => crate::model::format_time_utc(unix),
    }
}

/// The `datetime-local` value of `unix` in zone `name`.
pub fn local_input(unix: i64, name: &str) -> String {
    match zoned(unix, name) {
        Some(z) => z.strftime("%Y-%m-%dT%H:%M").to_string(),
        None => {
            let secs = unix.rem_euclid(86_400);
            format!("{}T{:02}:{:02}", crate::model::format_date(unix), secs / 3600, secs % 3600 / 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_and_shown_in_the_round_zone() {
        // Paris is UTC+1 in December and UTC+2 in July.
        assert_eq!(to_utc("2025-12-12T20:00", "Europe/Paris", "x").unwrap(), 1_765_566_000);
        assert_eq!(to_utc("2025-07-12T20:00", "Europe/Paris", "x").unwrap(), 1_752_343_200);
        assert_eq!(to_utc("2025-12-12T20:00", "UTC", "x").unwrap(), 1_765_569_600);
        assert_eq!(local_text(1_765_566_000, "Europe/Paris"), "Fri 12 Dec 2025, 20:00");
        assert_eq!(local_text(1_765_566_000, "America/New_York"), "Fri 12 Dec 2025, 14:00");
        assert_eq!(local_input(1_752_343_200, "Europe/Paris"), "2025-07-12T20:00");
        // 02:30 on the last Sunday of March does not exist in Paris: the moment after the jump.
        assert_eq!(
            local_text(to_utc("2026-03-29T02:30", "Europe/Paris", "x").unwrap(), "Europe/Paris"),
            "Sun 29 Mar 2026, 03:30"
        );
        let unknown = to_utc("2025-12-12T20:00", "Mars/Olympus", "x").unwrap_err().to_string();
        assert!(unknown.contains("not a time zone we know"), "{unknown}");
        assert!(check("Asia/Kolkata").is_ok() && check("Europe/Pariss").is_err());
    }
}
