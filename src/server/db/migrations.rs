//! The schema's migrations, compiled into the server and run at start-up.
//!
//! sqlx's `migrate!` would embed them too, but it is a procedural macro that builds a second copy
//! of sqlx for the compiler; this reads the files build.rs lists just as sqlx reads a migrations
//! directory (version and description from the name, checksum of the text), so databases
//! migrated by either agree.

use super::Backend;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

mod files {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// The migrator for one backend's schema.
pub async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    let files = match backend {
        Backend::Sqlite => files::SQLITE,
        Backend::Postgres => files::POSTGRES,
    };
    Migrator::new(Embedded(files)).await
}

/// Migration files as (name, text), in the order they run.
#[derive(Debug)]
struct Embedded(&'static [(&'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> futures::future::BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move { self.0.iter().map(|&(name, sql)| migration(name, sql)).collect() })
    }
}

/// `0003_voting.sql` is version 3, "voting".
fn migration(name: &str, sql: &'static str) -> Result<Migration, BoxDynError> {
    let (version, rest) =
        name.split_once('_').ok_or_else(|| format!("migration {name:?} is not named <version>_<description>.sql"))?;
    let version: i64 = version.parse().map_err(|_| format!("migration {name:?} does not start with a number"))?;
    let kind = MigrationType::from_filename(rest);
    let description = rest.trim_end_matches(kind.suffix()).replace('_', " ");
    Ok(Migration::new(version, description.into(), kind, sql.into(), sql.starts_with("-- no-transaction")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_sqlx_reads_a_directory() {
        let m = migration("0003_voting_rules.sql", "CREATE TABLE t (id INTEGER);").unwrap();
        assert_eq!((m.version, m.description.as_ref()), (3, "voting rules"));
        assert!(!m.no_tx);
        assert!(migration("voting.sql", "").is_err());
        assert!(migration("x_voting.sql", "").is_err());
    }

    #[test]
    fn both_backends_have_the_same_versions_in_order() {
        let versions = |files: &'static [(&'static str, &'static str)]| -> Vec<i64> {
            files.iter().map(|&(name, sql)| migration(name, sql).unwrap().version).collect()
        };
        let sqlite = versions(files::SQLITE);
        assert!(!sqlite.is_empty());
        assert!(sqlite.windows(2).all(|w| w[0] < w[1]), "{sqlite:?}");
        assert_eq!(sqlite, versions(files::POSTGRES));
    }
}
