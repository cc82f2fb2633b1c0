//! The names of the poster images Marquee serves: `/posters/{key}-{width}.webp`, where the key is
//! a hash of the source image (64 bits) and its placeholder colour (`3f9a0c4e7b215dc2-1a2b3c`).

/// The widths made of every poster: cards, cards on 2× screens, the film page.
pub const WIDTHS: [u32; 3] = [160, 320, 640];

/// Where the images are served.
pub const PATH: &str = "/posters";

/// The file of `key` at `width`.
pub fn file_name(key: &str, width: u32) -> String {
    format!("{key}-{width}.webp")
}

/// The address of `key` at `width`.
pub fn poster_src(key: &str, width: u32) -> String {
    format!("{PATH}/{}", file_name(key, width))
}

/// The widths of `key` up to `widest`, as a `srcset`.
pub fn poster_srcset(key: &str, widest: u32) -> String {
    WIDTHS
        .iter()
        .filter(|w| **w <= widest)
        .map(|w| format!("{} {w}w", poster_src(key, *w)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The placeholder colour carried in `key` (`#1a2b3c`), if it has one.
pub fn poster_colour(key: &str) -> Option<String> {
    let (_, colour) = key.rsplit_once('-')?;
    (colour.len() == 6 && colour.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("#{colour}"))
}

/// The key and width of a served file name, if it is one Marquee makes (16 hex digits, a dash,
/// six hex digits, a dash, one of `WIDTHS`, `.webp`); anything else is no poster.
pub fn parse_file_name(name: &str) -> Option<(&str, u32)> {
    let stem = name.strip_suffix(".webp")?;
    let (key, width) = stem.rsplit_once('-')?;
    let width: u32 = width.parse().ok().filter(|w| WIDTHS.contains(w))?;
    let (hash, colour) = key.split_once('-')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (hex(hash, 16) && hex(colour, 6) && width.to_string().len() + key.len() + 6 == name.len()).then_some((key, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_marquee_makes_are_posters() {
        let key = "0123456789abcdef-1a2b3c";
        assert_eq!(parse_file_name(&file_name(key, 320)), Some((key, 320)));
        assert_eq!(poster_colour(key).as_deref(), Some("#1a2b3c"));
        for bad in [
            "0123456789abcdef-1a2b3c-321.webp",
            "0123456789abcdef-1a2b3c-320.png",
            "0123456789ABCDEF-1a2b3c-320.webp",
            "../../etc/passwd",
            "0123456789abcdef-1a2b3c-0320.webp",
            "0123456789abcdef-1a2b3c-+320.webp",
            "0123456789abcde-1a2b3c-320.webp",
            "0123456789abcdef0-1a2b3c-320.webp",
            "0123456789abcdef-1a2b3-320.webp",
            "0123456789abcdef-1a2b3c-320.webp/..",
            "",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
        assert!(poster_srcset(key, 640).contains("/posters/0123456789abcdef-1a2b3c-640.webp 640w"));
        assert!(!poster_srcset(key, 320).contains("640"));
    }
}
