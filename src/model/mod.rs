//! Plain data shared by the server and the browser, one file per domain. Everything is re-exported
//! here, so `crate::model::X` names any of it.

/// Text-valued states: each is stored and sent as its snake_case name ("without_votes").
macro_rules! named_states {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The state named `text`, if there is one.
            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|s| s.as_str() == text)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<$name, String> {
                $name::parse(&text).ok_or_else(|| format!("{text:?} is not a {}", stringify!($name)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

mod accounts;
mod catalogue;
mod club;
mod letterboxd;
mod operations;
mod paging;
pub mod poster;
mod predictions;
mod rounds;

pub use accounts::*;
pub use catalogue::*;
pub use club::*;
pub use letterboxd::*;
pub use operations::*;
pub use paging::*;
pub use predictions::*;
pub use rounds::*;

/// A Unix time as an ISO date and time in UTC ("2026-12-12 19:00 UTC").
pub fn format_time_utc(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{} {:02}:{:02} UTC", format_date(unix), secs / 3600, secs % 3600 / 60)
}

/// Now, in Unix seconds, on the server or in the browser.
pub fn unix_now() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (web_sys::js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    }
}

/// A Unix time as an ISO date (UTC), the same on the server and in the browser.
pub fn format_date(unix: i64) -> String {
    // Civil-from-days (H. Hinnant's algorithm).
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_unix_times() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(951_782_400), "2000-02-29");
        assert_eq!(format_date(1_795_000_000), "2026-11-18");
        assert_eq!(format_date(-86_400), "1969-12-31");
    }

    #[test]
    fn query_values_are_percent_encoded_except_unreserved_characters_and_commas() {
        assert_eq!(encode_component("Amélie & co=2/3"), "Am%C3%A9lie%20%26%20co%3D2%2F3");
        assert_eq!(encode_component("30,20,20,15,15"), "30,20,20,15,15");
        assert_eq!(encode_component("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode_component("<script>\"'#?"), "%3Cscript%3E%22%27%23%3F");
    }

    #[test]
    fn slices_know_what_follows() {
        let s = Slice { items: vec![1, 2], offset: 20, limit: 2, total: 23 };
        assert_eq!(s.next_offset(), Some(22));
        let s = Slice { items: vec![1], offset: 22, limit: 2, total: 23 };
        assert_eq!(s.next_offset(), None);
        let s: Slice<i32> = Slice { items: vec![], offset: 40, limit: 2, total: 23 };
        assert_eq!(s.next_offset(), None);
    }
}
