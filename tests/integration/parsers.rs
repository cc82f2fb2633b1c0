//! Property tests for every parser of outside text: whatever arrives, each one answers (no
//! panic), and what it accepts is what the rest of the app assumes.

use marquee::model::{MovieCursor, MovieSort};
use marquee::scoring::Weights;
use marquee::validate;
use marquee::validate::MovieKey;
use proptest::prelude::*;

/// Any text, weighted towards what breaks parsers: multi-byte characters, controls, separators.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[tT]{0,2}[0-9ü€\\x00\\t\\n\\r/\\\\:%.,-]{0,14}",
        "(https?://)?(www\\.|m\\.)?(imdb\\.com|evil\\.example)?/[a-z]{0,5}/tt[0-9]{0,11}/?[?#]?.{0,5}",
    ]
}

/// What a browser does to a `Location` before following it: drops tabs and newlines and reads
/// backslashes as slashes.
fn as_browser_reads(location: &str) -> String {
    location.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).map(|c| if c == '\\' { '/' } else { c }).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn return_paths_stay_on_this_site(input in prop_oneof![any::<String>(), "[/\\\\\\t\\n ]{0,3}[a-z.:/?=&%]{0,20}"]) {
        let path = validate::return_path(Some(&input));
        let read = as_browser_reads(&path);
        prop_assert!(read.starts_with('/') && !read.starts_with("//"), "{path:?}");
        prop_assert!(axum::http::HeaderValue::from_str(&path).is_ok(), "a header can carry {path:?}");
        if validate::is_local_path(&input) {
            prop_assert_eq!(path, input);
        }
    }

    #[test]
    fn imdb_ids_are_canonical_or_refused(input in hostile_text()) {
        if let Ok(id) = validate::imdb_id(&input) {
            prop_assert!(id.starts_with("tt") && (9..=10).contains(&id.len()), "{id}");
            prop_assert!(id[2..].bytes().all(|b| b.is_ascii_digit()), "{id}");
        }
    }

    #[test]
    fn imdb_ids_and_links_round_trip(digits in "[0-9]{7,8}", host in "(www\\.|m\\.)?imdb\\.com", lang in "([a-z]{2}/)?") {
        let id = format!("tt{digits}");
        prop_assert_eq!(validate::imdb_id(&id.to_uppercase()).unwrap(), id.clone());
        let link = format!("https://{host}/{lang}title/{id}/?ref_=x");
        prop_assert_eq!(validate::imdb_id(&link).unwrap(), id);
    }

    #[test]
    fn film_keys_are_positive_ids_or_imdb_ids(input in hostile_text()) {
        match MovieKey::parse(&input) {
            Ok(MovieKey::Id(id)) => prop_assert!(id > 0),
            Ok(MovieKey::Imdb(id)) => prop_assert!(validate::imdb_id(&id).is_ok()),
            Err(err) => prop_assert_eq!(err.status(), 400),
        }
    }

    #[test]
    fn cursors_round_trip(sort in 0usize..4, num in -1e12f64..1e12, text in any::<String>(), id in any::<i64>()) {
        let cursor = MovieCursor { sort: MovieSort::ALL[sort], num, text, id };
        prop_assert_eq!(MovieCursor::decode(&cursor.encode()), Some(cursor));
    }

    #[test]
    fn foreign_cursors_are_refused_without_a_panic(token in prop_oneof![any::<String>(), "[0-9a-f]{0,64}"]) {
        let _ = MovieCursor::decode(&token);
    }

    #[test]
    fn weights_parse_to_whole_percentages_summing_to_100(input in prop_oneof![any::<String>(), "([0-9]{1,4}[,.]?){1,6}"]) {
        if let Ok(w) = Weights::parse_percentages(&input) {
            prop_assert_eq!(w.percentages().iter().sum::<u32>(), 100);
            prop_assert!((w.normalised().iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn any_five_percentages_summing_to_100_parse(mut cuts in proptest::array::uniform4(0u32..=100)) {
        cuts.sort_unstable();
        let parts = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], cuts[3] - cuts[2], 100 - cuts[3]];
        let text = parts.map(|p| p.to_string()).join(",");
        prop_assert!(Weights::parse_percentages(&text).is_ok(), "{text}");
    }

    #[test]
    fn catalogue_filters_accept_only_known_values(
        genre in proptest::option::of(hostile_text()),
        decade in proptest::option::of(hostile_text()),
        on_list in proptest::option::of(hostile_text()),
        sort in proptest::option::of(hostile_text()),
        q in proptest::option::of(any::<String>()),
    ) {
        let genres = vec!["Drama".to_string(), "Horror".to_string()];
        match validate::movie_filter(genre.as_deref(), decade.as_deref(), on_list.as_deref(), sort.as_deref(), q.as_deref(), &genres) {
            Ok(f) => {
                prop_assert!(f.genre.is_none_or(|g| genres.contains(&g)));
                prop_assert!(f.decade.is_none_or(|d| (1870..=2030).contains(&d) && d % 10 == 0));
                prop_assert!(f.search.is_none_or(|s| s.chars().count() <= validate::MAX_SEARCH_LEN));
            }
            Err(err) => prop_assert_eq!(err.status(), 400),
        }
    }

    #[test]
    fn names_accepted_hold_no_control_characters(name in any::<String>()) {
        if let Ok(n) = validate::username(&name) {
            prop_assert!(n.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')));
        }
        if let Ok(n) = validate::display_name(&name, "fallback") {
            prop_assert!(!n.chars().any(char::is_control) && n.chars().count() <= 60);
        }
    }

    #[test]
    fn ratings_are_half_stars(stars in any::<f64>()) {
        if let Ok(half) = validate::half_stars(stars) {
            prop_assert!((1..=10).contains(&half));
        }
    }

    #[test]
    fn import_rows_are_checked_without_a_panic(
        imdb_id in proptest::option::of(hostile_text()),
        title in proptest::option::of(any::<String>()),
        year in proptest::option::of(prop_oneof![any::<String>(), any::<f64>().prop_map(|f| f.to_string())]),
        rating in proptest::option::of(prop_oneof![any::<String>(), any::<f64>().prop_map(|f| f.to_string())]),
        votes in proptest::option::of("-?[0-9]{0,14}(\\.[0-9]{0,3})?(e[0-9]{1,3})?"),
        genres in proptest::option::of(any::<String>()),
    ) {
        let raw = serde_json::json!({
            "imdb_id": imdb_id, "title": title, "year": year, "imdb_rating": rating,
            "imdb_votes": votes, "genres": genres,
        });
        let raw: marquee::server::services::import::RawRow = serde_json::from_value(raw).unwrap();
        if let Ok(row) = marquee::server::services::import::check(1, raw) {
            prop_assert!(validate::imdb_id(&row.imdb_id).is_ok());
            prop_assert!(!row.title.trim().is_empty() && row.title.chars().count() <= 500);
            prop_assert!(!validate::has_control(&row.title) && !row.title.contains('\0'));
            prop_assert!(row.genres.iter().all(|g| !validate::has_control(g)));
            prop_assert!(row.year.is_none_or(|y| (1870..=2100).contains(&y)));
            prop_assert!(row.metrics.iter().all(|(_, _, v)| v.is_finite() && *v >= 0.0));
        }
    }
}
