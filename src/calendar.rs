//! The club's screenings as an iCalendar feed (RFC 5545): one event per night with its winning
//! film, so members can subscribe in their calendar apps. Text is escaped and long lines folded
//! as the format requires; times are written in UTC.

/// One scheduled night.
#[derive(Clone, Debug, PartialEq)]
pub struct Screening {
    pub round_id: i64,
    pub round_name: String,
    pub film: String,
    /// Unix seconds.
    pub starts_at: i64,
    pub minutes: Option<i64>,
    /// When the result was decided (Unix seconds): the event's version.
    pub decided_at: i64,
}

/// A film with no known length is booked for two hours.
const DEFAULT_MINUTES: i64 = 120;

/// A TEXT value: backslashes, semicolons, commas and line breaks escaped; other control
/// characters dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (never inside a character), ending in CRLF.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

/// A UTC date-time as iCalendar writes it: 20261212T190000Z.
pub fn utc_stamp(unix: i64) -> String {
    let date = crate::model::format_date(unix).replace('-', "");
    let secs = unix.rem_euclid(86_400);
    format!("{date}T{:02}{:02}{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// The whole feed; `site` is the address the events' links start with ("https://club.example"),
/// and its host names their unique ids.
pub fn feed(screenings: &[Screening], site: &str) -> String {
    let host = site.rsplit("//").next().unwrap_or("marquee");
    let mut out = String::new();
    let mut line = |s: String| out.push_str(&fold(&s));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Marquee//Movie nights//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line("X-WR-CALNAME:Movie nights".into());
    for s in screenings {
        let minutes = s.minutes.filter(|m| (1..=1_000).contains(m)).unwrap_or(DEFAULT_MINUTES);
        line("BEGIN:VEVENT".into());
        line(format!("UID:round-{}@{}", s.round_id, escape_text(host)));
        line(format!("DTSTAMP:{}", utc_stamp(s.decided_at)));
        line(format!("DTSTART:{}", utc_stamp(s.starts_at)));
        line(format!("DTEND:{}", utc_stamp(s.starts_at.saturating_add(minutes * 60))));
        line(format!("SUMMARY:{}", escape_text(&format!("{}: {}", s.round_name, s.film))));
        line(format!("DESCRIPTION:{}", escape_text(&format!("The club's pick for {}: {}.", s.round_name, s.film))));
        line(format!("URL:{}", escape_text(&format!("{site}/rounds/{}", s.round_id))));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn night(name: &str, film: &str) -> Screening {
        Screening {
            round_id: 7,
            round_name: name.into(),
            film: film.into(),
            starts_at: 1_797_102_000, // 2026-12-12 19:00 UTC
            minutes: Some(95),
            decided_at: 1_797_000_000,
        }
    }

    #[test]
    fn a_night_is_one_event_with_utc_times_and_crlf_lines() {
        let ics = feed(&[night("Friday 12 December", "Past Lives")], "http://club.example");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nUID:round-7@club.example\r\n"));
        assert!(ics.contains("\r\nDTSTART:20261212T190000Z\r\n"));
        assert!(ics.contains("\r\nDTEND:20261212T203500Z\r\n"), "{ics}");
        assert!(ics.contains("\r\nSUMMARY:Friday 12 December: Past Lives\r\n"));
        assert!(ics.contains("\r\nURL:http://club.example/rounds/7\r\n"), "{ics}");
        assert!(!ics.replace("\r\n", "").contains('\n'), "no bare line feeds");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    }

    #[test]
    fn outside_text_is_escaped_and_cannot_add_properties() {
        let ics = feed(&[night("Night; one, two", "Evil\r\nEND:VEVENT\r\nBEGIN:VEVENT\\")], "h");
        assert!(ics.contains("SUMMARY:Night\\; one\\, two: Evil\\nEND:VEVENT\\nBEGIN:VEVENT\\\\"), "{ics}");
        assert_eq!(ics.matches("\r\nBEGIN:VEVENT\r\n").count(), 1, "{ics}");
        assert_eq!(escape_text("a\nb"), "a\\nb");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let ics = feed(&[night(&"é".repeat(100), "Film")], "h");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}: Film", "é".repeat(100))));
    }

    #[test]
    fn a_screening_at_the_end_of_time_is_written_without_overflowing() {
        let mut n = night("N", "F");
        n.starts_at = i64::MAX - 60;
        let ics = feed(&[n], "h");
        assert_eq!(ics.matches("DTEND:").count(), 1, "{ics}");
    }

    #[test]
    fn an_unknown_length_books_two_hours() {
        let mut n = night("N", "F");
        n.minutes = None;
        assert!(feed(&[n], "h").contains("DTEND:20261212T210000Z"));
    }
}
