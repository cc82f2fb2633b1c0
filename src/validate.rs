//! Checks on what people send, with messages they can act on.

use crate::error::AppError;

/// Lower-cased with accents removed, so "Amélie" is found by "amelie".
#[cfg(feature = "ssr")]
pub fn fold_text(s: &str) -> String {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The highest page number any list accepts; beyond it nobody is paging by hand.
pub const MAX_PAGE: u32 = 10_000;

pub fn page_number(page: u32) -> Result<u32, AppError> {
    if (1..=MAX_PAGE).contains(&page) {
        Ok(page)
    } else {
        Err(AppError::BadRequest(format!("Page must be a whole number from 1 to {MAX_PAGE}.")))
    }
}

/// Reads a `?page=` value; anything that is not a plain number becomes 0, which `page_number` refuses.
pub fn parse_page(raw: Option<&str>) -> u32 {
    match raw {
        None => 1,
        Some(s) => s.trim().parse().unwrap_or(0),
    }
}

pub const MAX_OFFSET: u32 = 1_000_000;

/// A position in a list (`?from=`, `offset`): 0 up to a million.
pub fn list_offset(offset: u32) -> Result<u32, AppError> {
    if offset <= MAX_OFFSET {
        Ok(offset)
    } else {
        Err(AppError::BadRequest(format!("A list position must be from 0 to {MAX_OFFSET}.")))
    }
}

/// Checks the catalogue's filters. `genres` are the genres the catalogue has.
pub fn movie_filter(
    genre: Option<&str>,
    decade: Option<&str>,
    on_list: Option<&str>,
    sort: Option<&str>,
    search: Option<&str>,
    genres: &[String],
) -> Result<crate::model::MovieFilter, AppError> {
    use crate::model::{MovieFilter, MovieSort};
    let genre = match genre.map(str::trim).filter(|g| !g.is_empty()) {
        None => None,
        Some(g) => Some(genres.iter().find(|known| known.eq_ignore_ascii_case(g)).cloned().ok_or_else(|| {
            AppError::BadRequest(format!("Unknown genre {:?}. Choose one of: {}.", shorten(g, 40), genres.join(", ")))
        })?),
    };
    let decade = match decade.map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => {
            let year = d.trim_end_matches('s').parse::<i32>().ok().filter(|y| (1870..=2030).contains(y) && y % 10 == 0);
            Some(year.ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Decade {:?} is not one like 1990 or 1990s (1870 to 2030).",
                    shorten(d, 20)
                ))
            })?)
        }
    };
    let on_list = match on_list.map(str::trim).filter(|v| !v.is_empty()) {
        None => false,
        Some("true" | "1" | "yes" | "on") => true,
        Some("false" | "0" | "no" | "off") => false,
        Some(v) => {
            return Err(AppError::BadRequest(format!("on_list must be true or false, not {:?}.", shorten(v, 20))))
        }
    };
    let sort = match sort.map(str::trim).filter(|s| !s.is_empty()) {
        None => MovieSort::Popular,
        Some(s) => MovieSort::ALL.into_iter().find(|k| k.slug() == s).ok_or_else(|| {
            AppError::BadRequest(format!("Unknown sort {:?}. Choose popular, rating, year or title.", shorten(s, 20)))
        })?,
    };
    let search = match search.map(|q| q.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|q| !q.is_empty()) {
        None => None,
        Some(q) if has_control(&q) => {
            return Err(AppError::BadRequest("A search cannot hold control characters.".into()))
        }
        Some(q) if q.chars().count() > MAX_SEARCH_LEN => {
            return Err(AppError::BadRequest(format!("A search can be at most {MAX_SEARCH_LEN} characters long.")))
        }
        Some(q) => Some(q),
    };
    Ok(MovieFilter { genre, decade, on_list, search, sort })
}

/// A rating as typed or posted ("4", "3.5"): 0.5 to 5 stars in half stars, as half stars (1-10).
/// Films in the catalogue and the club's watched films are rated on this one scale.
pub fn parse_half_stars(text: &str) -> Result<i32, AppError> {
    half_stars(text.trim().parse::<f64>().unwrap_or(f64::NAN))
}

/// A rating in stars: 0.5 to 5 in half stars; returned as half stars (1-10).
pub fn half_stars(stars: f64) -> Result<i32, AppError> {
    let half = stars * 2.0;
    if stars.is_finite() && (1.0..=10.0).contains(&half) && half.fract() == 0.0 {
        Ok(half as i32)
    } else {
        Err(AppError::BadRequest("Rate a film from 0.5 to 5 stars, in half stars.".into()))
    }
}

/// How many items a list call may ask for: 1 to `max`.
pub fn limit(limit: u32, max: u32) -> Result<u32, AppError> {
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::BadRequest(format!("limit must be from 1 to {max}.")))
    }
}

/// Row offset of a page.
pub fn offset(page: u32, per_page: u32) -> u64 {
    (page.saturating_sub(1) as u64) * per_page as u64
}

/// Checks a page number (from 1) and gives the position its first row has, in pages of `per_page`.
pub fn page_offset(page: u32, per_page: u32) -> Result<u32, AppError> {
    let page = page_number(page)?;
    u32::try_from(offset(page, per_page))
        .map_err(|_| AppError::BadRequest(format!("Page must be a whole number from 1 to {MAX_PAGE}.")))
}

/// Reads an IMDb title id from what people paste: `tt0111161`, or a title URL with or without a
/// language prefix, `www.` or `m.`, query string or fragment. Returns the id in canonical form.
pub fn imdb_id(input: &str) -> Result<String, AppError> {
    let text = input.trim();
    let bad = || {
        AppError::BadRequest(format!(
            "{:?} is not an IMDb title id. Paste an id like tt0111161 or a link like https://www.imdb.com/title/tt0111161/, or search by title.",
            shorten(text, 60)
        ))
    };
    let candidate = if is_title_id(text) {
        text
    } else {
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).unwrap_or(text);
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let mut parts = rest.split('/').filter(|p| !p.is_empty());
        let host = parts.next().ok_or_else(bad)?.to_ascii_lowercase();
        if !matches!(host.as_str(), "imdb.com" | "www.imdb.com" | "m.imdb.com") {
            return Err(bad());
        }
        let mut parts = parts.peekable();
        // A language prefix such as /de/ comes before /title/.
        if parts.peek().is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase())) {
            parts.next();
        }
        match (parts.next(), parts.next()) {
            (Some("title"), Some(id)) => id,
            _ => return Err(bad()),
        }
    };
    if is_title_id(candidate) {
        Ok(candidate.to_ascii_lowercase())
    } else {
        Err(bad())
    }
}

/// Whether the text is shaped like an IMDb id (so the propose box treats it as one, not a search).
pub fn looks_like_imdb_reference(input: &str) -> bool {
    let t = input.trim().to_ascii_lowercase();
    is_title_id(&t) || t.contains("imdb.com/") || (t.starts_with("tt") && t[2..].chars().all(|c| c.is_ascii_digit()))
}

fn is_title_id(s: &str) -> bool {
    let s = s.as_bytes();
    s.len() >= 9 && s.len() <= 10 && s[..2].eq_ignore_ascii_case(b"tt") && s[2..].iter().all(u8::is_ascii_digit)
}

pub const MAX_SEARCH_LEN: usize = 100;

/// A title search: 2 to 100 characters after trimming.
pub fn search_query(input: &str) -> Result<String, AppError> {
    let q = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = q.chars().count();
    if has_control(&q) {
        return Err(AppError::BadRequest("A search cannot hold control characters.".into()));
    }
    if len < 2 {
        return Err(AppError::BadRequest("Type at least 2 characters of a title to search.".into()));
    }
    if len > MAX_SEARCH_LEN {
        return Err(AppError::BadRequest(format!("A search can be at most {MAX_SEARCH_LEN} characters long.")));
    }
    Ok(q)
}

/// Usernames: 3 to 32 letters, digits, `.`, `_` or `-`; compared without regard to case.
pub fn username(input: &str) -> Result<String, AppError> {
    let name = input.trim();
    let len = name.chars().count();
    if !(3..=32).contains(&len) {
        return Err(AppError::BadRequest("A username needs 3 to 32 characters.".into()));
    }
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(AppError::BadRequest("A username may hold only letters, digits, '.', '_' and '-'.".into()));
    }
    Ok(name.to_string())
}

/// The key usernames are unique by: case-folded.
pub fn username_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// What others see: 1 to 60 characters, no control characters; empty means "use the username".
pub fn display_name(input: &str, username: &str) -> Result<String, AppError> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Ok(username.to_string());
    }
    if name.chars().count() > 60 {
        return Err(AppError::BadRequest("A display name can be at most 60 characters long.".into()));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::BadRequest("A display name cannot hold control characters.".into()));
    }
    Ok(name)
}

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 256;

/// Passwords: long enough to resist guessing, short enough that hashing stays cheap.
pub fn new_password(password: &str, username: &str) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD {
        return Err(AppError::BadRequest(format!("A password needs at least {MIN_PASSWORD} characters.")));
    }
    if len > MAX_PASSWORD {
        return Err(AppError::BadRequest(format!("A password can be at most {MAX_PASSWORD} characters long.")));
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(AppError::BadRequest("Choose a password that is not your username.".into()));
    }
    Ok(())
}

/// A member's proposal limit set by an admin: 0 to 100.
pub fn proposal_limit(value: i64) -> Result<i64, AppError> {
    if (0..=100).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::BadRequest("A proposal limit must be from 0 to 100.".into()))
    }
}

/// The longest return path kept after signing in; anything longer goes to the default.
pub const MAX_RETURN_PATH: usize = 512;

/// A local path to return to after signing in: never another site, and nothing a browser would
/// rewrite into another site (it drops tabs and newlines and reads `\` as `/`).
pub fn return_path(next: Option<&str>) -> String {
    match next {
        Some(p) if is_local_path(p) => p.to_string(),
        _ => "/vote".to_string(),
    }
}

/// A path on this site that is safe to send in a `Location` header as it is.
pub fn is_local_path(p: &str) -> bool {
    p.len() <= MAX_RETURN_PATH
        && p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains("://")
        // Only visible ASCII: no control characters, white space, backslashes or raw non-ASCII
        // (which a header value cannot carry); percent-encoding stays allowed.
        && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
}

/// Whether every name and value of a form body or query string is UTF-8 once percent-decoded.
/// Browsers send nothing else; a `%ff` is a client's mistake to refuse, not to store as "�".
pub fn form_is_utf8(form: &[u8]) -> bool {
    std::str::from_utf8(form).is_ok()
        && form.split(|&b| b == b'&').all(|pair| percent_encoding::percent_decode(pair).decode_utf8().is_ok())
}

/// Control characters (NUL among them, which PostgreSQL refuses in text) have no place in names,
/// titles or searches.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

/// The longest a round may run: a deadline more than a year ahead is a typing mistake.
pub const MAX_ROUND_SECS: i64 = 366 * 86_400;

/// A round an admin asks to open, checked at `now` (Unix seconds): trimmed, with its times in order.
pub fn new_round(round: &crate::model::NewRound, now: i64) -> Result<crate::model::NewRound, AppError> {
    let bad = |m: &str| Err(AppError::BadRequest(m.into()));
    let name = round.name.trim();
    if name.is_empty() || name.chars().count() > 80 || has_control(name) {
        return bad("Give the round a name of 1 to 80 characters, such as \"Friday 12 December\".");
    }
    let zone = round.time_zone.trim();
    let zone_ok = !zone.is_empty()
        && zone.len() <= 64
        && (zone == "UTC" || zone.contains('/'))
        && zone.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    if !zone_ok {
        return bad("The time zone must be a name such as \"Europe/Paris\" or \"UTC\".");
    }
    if round.deadline <= now {
        return bad("The voting deadline must be in the future.");
    }
    if round.deadline > now + MAX_ROUND_SECS {
        return bad("The voting deadline must be within a year.");
    }
    if round.screening_at < round.deadline {
        return bad("The screening must be at or after the voting deadline.");
    }
    // Bounded, so that every time derived from it (a day after, its end) is a sane number too.
    if round.screening_at > round.deadline + MAX_ROUND_SECS {
        return bad("The screening must be within a year of the voting deadline.");
    }
    if crate::model::VoteMethod::parse(&round.method).is_none() {
        return bad("The ballot method must be \"approval\" or \"ranked\".");
    }
    if crate::model::CarryOver::parse(&round.carry_over).is_none() {
        return bad(
            "Unpicked proposals carry over \"with_votes\" or \"without_votes\", or are archived (\"archive\").",
        );
    }
    Ok(crate::model::NewRound { name: name.into(), time_zone: zone.into(), ..round.clone() })
}

/// The proposals on a ballot: each once, each one of the round's (`open`).
pub fn ballot_ids(ids: &[i64], open: &[i64]) -> Result<Vec<i64>, AppError> {
    let mut seen = Vec::with_capacity(ids.len());
    for id in ids {
        if seen.contains(id) {
            return Err(AppError::BadRequest(format!("Proposal {id} is on the ballot twice; list each film once.")));
        }
        if !open.contains(id) {
            return Err(AppError::BadRequest(format!("Proposal {id} is not in this round.")));
        }
        seen.push(*id);
    }
    Ok(seen)
}

/// How a film is named in a URL: its catalogue id or its IMDb id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MovieKey {
    Id(i64),
    Imdb(String),
}

impl MovieKey {
    pub fn parse(text: &str) -> Result<MovieKey, AppError> {
        let text = text.trim();
        if let Ok(id) = text.parse::<i64>() {
            if id > 0 {
                return Ok(MovieKey::Id(id));
            }
        }
        if text.get(..2).is_some_and(|prefix| prefix.eq_ignore_ascii_case("tt")) {
            return imdb_id(text).map(MovieKey::Imdb);
        }
        Err(AppError::BadRequest(format!(
            "{:?} is not a film: use its catalogue number or its IMDb id (tt0111161).",
            text.chars().take(40).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_must_decode_to_utf8() {
        for good in ["", "a=1&b=two", "name=caf%C3%A9&q=%E2%9C%93+x", "x=%25ff", "flag", "a=%2", "k=%zz"] {
            assert!(form_is_utf8(good.as_bytes()), "{good}");
        }
        for bad in ["name=%ff", "a=1&b=%C3", "%ED%A0%80=x", "x=%c0%ae"] {
            assert!(!form_is_utf8(bad.as_bytes()), "{bad}");
        }
        assert!(!form_is_utf8(b"name=\xff\xfe"));
    }

    #[test]
    fn pages_in_range_pass() {
        assert_eq!(page_number(1).unwrap(), 1);
        assert_eq!(page_number(MAX_PAGE).unwrap(), MAX_PAGE);
    }

    #[test]
    fn pages_out_of_range_are_bad_requests() {
        for p in [0, MAX_PAGE + 1, u32::MAX] {
            let err = page_number(p).unwrap_err();
            assert_eq!(err.status(), 400);
            assert!(err.to_string().contains("from 1 to"));
        }
    }

    #[test]
    fn page_parameter_parsing() {
        assert_eq!(parse_page(None), 1);
        assert_eq!(parse_page(Some("3")), 3);
        assert_eq!(parse_page(Some("abc")), 0);
        assert_eq!(parse_page(Some("-2")), 0);
        assert_eq!(offset(3, 24), 48);
    }

    #[test]
    fn imdb_ids_from_ids_and_links() {
        for (input, want) in [
            ("tt0111161", "tt0111161"),
            ("  TT15239678 ", "tt15239678"),
            ("https://www.imdb.com/title/tt0111161/", "tt0111161"),
            ("http://imdb.com/title/tt0111161", "tt0111161"),
            ("https://m.imdb.com/title/tt0111161/?ref_=nv_sr_1", "tt0111161"),
            ("https://www.imdb.com/de/title/tt0111161/reviews#x", "tt0111161"),
            ("www.imdb.com/title/tt0111161/", "tt0111161"),
        ] {
            assert_eq!(imdb_id(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn malformed_imdb_references_are_refused() {
        for input in [
            "",
            "tt123",
            "tt12345678901",
            "nm0000209",
            "https://www.imdb.com/name/nm0000209/",
            "https://evil.example/title/tt0111161/",
            "https://www.imdb.com/title/tt01111x1/",
            "tt0111161; DROP TABLE proposals",
        ] {
            let err = imdb_id(input).unwrap_err();
            assert_eq!(err.status(), 400, "{input}");
            assert!(err.to_string().contains("IMDb title id"), "{err}");
        }
    }

    #[test]
    fn search_queries_are_trimmed_and_bounded() {
        assert_eq!(search_query("  the   godfather ").unwrap(), "the godfather");
        assert!(search_query(" a ").is_err());
        assert!(search_query(&"x".repeat(101)).is_err());
        assert!(looks_like_imdb_reference("https://www.imdb.com/title/tt1/"));
        assert!(!looks_like_imdb_reference("Parasite"));
    }

    #[test]
    fn account_fields() {
        assert_eq!(username(" Ada_L ").unwrap(), "Ada_L");
        assert!(username("ab").is_err());
        assert!(username("ada lovelace").is_err());
        assert!(username("<script>").is_err());
        assert_eq!(username_key("Ada_L"), "ada_l");
        assert_eq!(display_name("  ", "ada").unwrap(), "ada");
        assert_eq!(display_name(" Ada   L. ", "ada").unwrap(), "Ada L.");
        assert!(display_name(&"x".repeat(61), "ada").is_err());
        assert!(new_password("short", "ada").is_err());
        assert!(new_password("adalovelace", "AdaLovelace").is_err());
        assert!(new_password(&"p".repeat(257), "ada").is_err());
        assert!(new_password("correct horse", "ada").is_ok());
    }

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(return_path(Some("/propose?q=x")), "/propose?q=x");
        for bad in [
            None,
            Some("https://evil.example/"),
            Some("//evil.example"),
            Some("/\\evil"),
            Some("vote"),
            Some("/\t/evil.example/"),
            Some("/\n/x"),
            Some("/vote\r\nSet-Cookie: x=1"),
            Some(" /vote"),
            Some("/ü"),
            Some("/%09/ok but spaced"),
        ] {
            assert_eq!(return_path(bad), "/vote", "{bad:?}");
        }
        assert_eq!(return_path(Some("/movies?q=caf%C3%A9")), "/movies?q=caf%C3%A9");
    }

    #[test]
    fn catalogue_filters() {
        use crate::model::MovieSort;
        let genres = vec!["Drama".to_string(), "Horror".to_string()];
        let f = movie_filter(Some("drama"), Some("1990s"), Some("true"), Some("rating"), Some("  Ame  lie "), &genres)
            .unwrap();
        assert_eq!(f.genre.as_deref(), Some("Drama"));
        assert_eq!((f.decade, f.on_list, f.sort), (Some(1990), true, MovieSort::Rating));
        assert_eq!(f.search.as_deref(), Some("Ame lie"));
        assert_eq!(movie_filter(None, None, None, None, None, &genres).unwrap(), Default::default());
        for (g, d, l, s) in [
            (Some("Western"), None, None, None),
            (None, Some("1995"), None, None),
            (None, Some("abc"), None, None),
            (None, None, Some("maybe"), None),
            (None, None, None, Some("random")),
        ] {
            assert_eq!(movie_filter(g, d, l, s, None, &genres).unwrap_err().status(), 400);
        }
        assert!(movie_filter(None, None, None, None, Some(&"x".repeat(101)), &genres).is_err());
    }

    #[test]
    fn catalogue_ratings_are_half_stars() {
        assert_eq!(half_stars(0.5).unwrap(), 1);
        assert_eq!(half_stars(5.0).unwrap(), 10);
        assert_eq!(half_stars(3.5).unwrap(), 7);
        for bad in [0.0, 5.5, 3.3, -1.0, f64::NAN, f64::INFINITY] {
            assert!(half_stars(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stars_and_limits() {
        for bad in ["0", "6", "-1", "x", "3.3", "NaN", "inf", ""] {
            assert!(parse_half_stars(bad).is_err(), "{bad}");
        }
        assert_eq!((parse_half_stars("4").unwrap(), parse_half_stars(" 0.5").unwrap()), (8, 1));
        assert!(proposal_limit(-1).is_err() && proposal_limit(101).is_err() && proposal_limit(10).is_ok());
    }

    #[test]
    fn rounds_are_checked_before_they_open() {
        let now = 1_000_000;
        let ok = crate::model::NewRound {
            name: "  Friday 12 December ".into(),
            screening_at: now + 7 * 86_400,
            time_zone: "Europe/Paris".into(),
            deadline: now + 6 * 86_400,
            method: "ranked".into(),
            carry_over: "without_votes".into(),
        };
        assert_eq!(new_round(&ok, now).unwrap().name, "Friday 12 December");
        let refused = |change: &dyn Fn(&mut crate::model::NewRound), words: &str| {
            let mut r = ok.clone();
            change(&mut r);
            let err = new_round(&r, now).unwrap_err();
            assert_eq!(err.status(), 400);
            assert!(err.to_string().contains(words), "{err}");
        };
        refused(&|r| r.deadline = now - 1, "in the future");
        refused(&|r| r.deadline = now + 400 * 86_400, "within a year");
        refused(&|r| r.screening_at = r.deadline - 1, "after the voting deadline");
        refused(&|r| r.screening_at = i64::MAX, "within a year of the voting deadline");
        refused(&|r| r.screening_at = r.deadline + 367 * 86_400, "within a year of the voting deadline");
        refused(&|r| r.method = "borda".into(), "ballot method");
        refused(&|r| r.carry_over = "discard".into(), "carry over");
        refused(&|r| r.name = " ".into(), "name");
        refused(&|r| r.name = "x".repeat(81), "name");
        refused(&|r| r.time_zone = "Paris; DROP".into(), "time zone");
        refused(&|r| r.time_zone = "".into(), "time zone");
    }

    #[test]
    fn ballots_name_each_proposal_of_the_round_once() {
        assert_eq!(ballot_ids(&[3, 1], &[1, 2, 3]).unwrap(), vec![3, 1]);
        assert!(ballot_ids(&[], &[1]).unwrap().is_empty());
        assert!(ballot_ids(&[1, 1], &[1]).unwrap_err().to_string().contains("twice"));
        assert!(ballot_ids(&[9], &[1]).unwrap_err().to_string().contains("not in this round"));
    }
}

/// A date and time as a browser's `datetime-local` field sends it ("2026-12-12T20:00", seconds
/// allowed), read as UTC: Unix seconds.
pub fn parse_datetime_utc(text: &str, what: &str) -> Result<i64, AppError> {
    let bad = || AppError::BadRequest(format!("Give the {what} as a date and time, such as 2026-12-12T20:00 (UTC)."));
    let text = text.trim();
    let (date, time) = text.split_once(['T', ' ']).ok_or_else(bad)?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(day))) = (d.next(), d.next(), d.next()) else { return Err(bad()) };
    let mut t = time.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (Some(Some(h)), Some(Some(min))) = (t.next(), t.next()) else { return Err(bad()) };
    let s = match t.next() {
        None => 0,
        Some(Some(s)) => s,
        Some(None) => return Err(bad()),
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || day < 1 || day > days_in[(m - 1) as usize] {
        return Err(bad());
    }
    if !(0..24).contains(&h) || !(0..60).contains(&min) || !(0..60).contains(&s) {
        return Err(bad());
    }
    // Days from civil (H. Hinnant's algorithm), the inverse of `model::format_date`.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400 + h * 3600 + min * 60 + s)
}

/// A ranked ballot from a form: a number per proposal (blank: not ranked), most wanted first.
pub fn ranking_from_numbers<'a>(numbers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Vec<i64>, AppError> {
    let mut ranked: Vec<(u32, i64)> = Vec::new();
    for (proposal, number) in numbers {
        let number = number.trim();
        if number.is_empty() {
            continue;
        }
        let proposal: i64 =
            proposal.trim().parse().map_err(|_| AppError::BadRequest("The ballot names an unknown film.".into()))?;
        let rank = number.parse::<u32>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
            AppError::BadRequest(format!("{number:?} is not a rank: number the films 1, 2, 3… or leave a film blank."))
        })?;
        if ranked.iter().any(|(r, _)| *r == rank) {
            return Err(AppError::BadRequest(format!("Two films are ranked {rank}: give each film its own number.")));
        }
        ranked.push((rank, proposal));
    }
    ranked.sort();
    Ok(ranked.into_iter().map(|(_, id)| id).collect())
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn form_times_read_as_utc_and_bad_ones_are_refused() {
        assert_eq!(parse_datetime_utc("2025-12-12T17:30", "deadline").unwrap(), 1_765_560_600);
        assert_eq!(parse_datetime_utc(" 2025-12-12 17:30:00 ", "deadline").unwrap(), 1_765_560_600);
        assert_eq!(parse_datetime_utc("1970-01-01T00:00", "deadline").unwrap(), 0);
        assert_eq!(parse_datetime_utc("2024-02-29T23:59:59", "x").unwrap(), 1_709_251_199);
        for bad in [
            "",
            "2025-12-12",
            "2025-13-01T10:00",
            "2023-02-29T10:00",
            "2025-12-12T24:00",
            "x-y-zTa:b",
            "2025-12-12T10:00:xx",
        ] {
            let err = parse_datetime_utc(bad, "deadline").unwrap_err();
            assert!(err.to_string().contains("deadline as a date and time"), "{bad}: {err}");
        }
        for t in [0, 1_765_560_600, 4_102_444_799] {
            let text = format!("{}T{:02}:{:02}", crate::model::format_date(t), t % 86_400 / 3600, t % 3600 / 60);
            assert_eq!(parse_datetime_utc(&text, "x").unwrap(), t - t % 60, "{text}");
        }
    }

    #[test]
    fn rankings_come_from_numbers_and_clashes_are_refused() {
        assert_eq!(ranking_from_numbers([("7", "2"), ("3", ""), ("9", "1"), ("4", " 10 ")]).unwrap(), vec![9, 7, 4]);
        assert_eq!(ranking_from_numbers([("7", "")]).unwrap(), Vec::<i64>::new());
        let clash = ranking_from_numbers([("7", "1"), ("9", "1")]).unwrap_err().to_string();
        assert!(clash.contains("Two films are ranked 1"), "{clash}");
        for bad in ["0", "-1", "first", "1.5"] {
            assert!(ranking_from_numbers([("7", bad)]).is_err(), "{bad}");
        }
        assert!(ranking_from_numbers([("seven", "1")]).is_err());
    }
}
