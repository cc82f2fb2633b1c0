//! Reading a row into a struct, on both backends.
//!
//! `from_row!` writes the `sqlx::FromRow` impls that `#[derive(sqlx::FromRow)]` would, for
//! SQLite's and PostgreSQL's rows. A declarative macro rather than sqlx's derive: the derive is a
//! procedural macro that builds a second copy of sqlx (both drivers, tokio and SQLite's C
//! sources) for the compiler itself, the longest part of a fresh build that the server never runs.

/// `from_row!(Type { field, … })`: each field is read from the column of its name. A field may say
/// how instead: `field: text` (stored as text, converted with `TryFrom<String>`), `field: default`
/// (its type's default when the query has no such column), `field: skip` (never read: its type's
/// default) or `field: flatten` (a struct of its own read from the same row).
#[macro_export]
macro_rules! from_row {
    ($ty:ty { $($field:ident $(: $how:ident)?),* $(,)? }) => {
        $crate::from_row!(@impl sqlx::sqlite::SqliteRow, $ty { $($field $(: $how)?),* });
        $crate::from_row!(@impl sqlx::postgres::PgRow, $ty { $($field $(: $how)?),* });
    };
    (@impl $row:ty, $ty:ty { $($field:ident $(: $how:ident)?),* }) => {
        impl<'r> sqlx::FromRow<'r, $row> for $ty {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                Ok(Self { $($field: $crate::from_row!(@column row, $field $($how)?),)* })
            }
        }
    };
    (@column $row:ident, $field:ident) => {
        sqlx::Row::try_get($row, stringify!($field))?
    };
    (@column $row:ident, $field:ident text) => {{
        let text: String = sqlx::Row::try_get($row, stringify!($field))?;
        text.try_into().map_err(|e: String| sqlx::Error::ColumnDecode {
            index: stringify!($field).to_string(),
            source: e.into(),
        })?
    }};
    (@column $row:ident, $field:ident default) => {
        match sqlx::Row::try_get($row, stringify!($field)) {
            Ok(value) => value,
            Err(sqlx::Error::ColumnNotFound(_)) => Default::default(),
            Err(e) => return Err(e),
        }
    };
    (@column $row:ident, $field:ident skip) => {
        Default::default()
    };
    (@column $row:ident, $field:ident flatten) => {
        sqlx::FromRow::from_row($row)?
    };
}
