//! Checks on what people send, with messages they can act on.

use crate::error::AppError;

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

/// Row offset of a page.
pub fn offset(page: u32, per_page: u32) -> u64 {
    (page.saturating_sub(1) as u64) * per_page as u64
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
