//! The database layer: one API over SQLite (default) and PostgreSQL.
//!
//! Every query is written once with `$1` placeholders, which both drivers accept; `on_pool!`
//! runs that one text on whichever pool is configured.

pub mod accounts;
pub mod attempts;
pub mod audit;
pub mod counted;
pub mod dataset;
pub mod imdb_cache;
pub mod import;
pub mod leases;
pub mod letterboxd;
pub mod load;
pub mod migrations;
pub mod movies;
pub mod notices;
pub mod pacers;
pub mod posters;
pub mod proposals;
pub mod rounds;
pub mod rows;
pub mod scores;
pub mod stats;
pub mod tokens;
pub mod webhooks;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool `db` holds; `pool` is bound to that pool, wrapped so that
/// every statement run through it is counted against the current request.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite(p) => {
                let $pool = $crate::server::db::counted::Counted(p);
                $body
            }
            $crate::server::db::Db::Postgres(p) => {
                let $pool = $crate::server::db::counted::Counted(p);
                $body
            }
        }
    };
}
pub use on_pool;

/// One transaction on whichever database is configured, handed from step to step so that a
/// service can run several database steps as one change. Dropped without `commit`, it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same code inside whichever transaction `tx` holds; `conn` is bound to its connection
/// (reborrow it per statement: `.execute(CountedConn(&mut *conn))`, counted like `on_pool!`'s).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::server::db::Tx::Sqlite(t) => {
                let $conn: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::server::db::Tx::Postgres(t) => {
                let $conn: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}
pub use on_tx;

/// How every SQLite transaction begins (`Db::begin`, and `Counted::begin` in this layer): with
/// the write lock, waiting for it up to the busy timeout. A deferred transaction that reads first
/// fails with "database is locked" when another connection writes before its first write.
const SQLITE_BEGIN: &str = "BEGIN IMMEDIATE";

impl Db {
    /// Starts a transaction for a change made of several steps (on SQLite with the write lock).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with(SQLITE_BEGIN).await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why the database could not be opened, in words that say what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL {0:?} is not valid: use sqlite://PATH (for example sqlite://data/marquee.db) or postgres://USER:PASSWORD@HOST:PORT/DATABASE")]
    BadUrl(String),
    #[error("cannot use the data directory {dir}: {reason}. Create it or point DATABASE_URL elsewhere")]
    DataDir { dir: String, reason: String },
    #[error("cannot open the database {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("cannot apply migrations to {url}: {reason}")]
    Migrate { url: String, reason: String },
}

/// The URL with any password hidden, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub fn backend_of(url: &str) -> Result<Backend, ConnectError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(ConnectError::BadUrl(redact_url(url)))
    }
}

impl Db {
    /// Opens the configured database and brings its schema up to date.
    pub async fn open(config: &crate::server::config::DatabaseConfig) -> Result<Db, ConnectError> {
        let db =
            Db::connect(&config.url, config.max_connections, Duration::from_secs(config.acquire_timeout_secs)).await?;
        db.migrate()
            .await
            .map_err(|e| ConnectError::Migrate { url: redact_url(&config.url), reason: e.to_string() })?;
        Ok(db)
    }

    pub async fn connect(url: &str, max_connections: u32, acquire_timeout: Duration) -> Result<Db, ConnectError> {
        let shown = redact_url(url);
        match backend_of(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|_| ConnectError::BadUrl(shown.clone()))?
                    .create_if_missing(true)
                    // WAL lets readers run beside the one writer; NORMAL sync is safe with WAL.
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
                    .pragma("cache_size", "-16000")
                    .pragma("temp_store", "memory");
                ensure_data_dir(options.get_filename())?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .min_connections(1)
                    .acquire_timeout(acquire_timeout)
                    .connect_with(options)
                    .await
                    .map_err(|e| ConnectError::Unreachable { url: shown, reason: e.to_string() })?;
                Ok(Db::Sqlite(pool))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(|_| ConnectError::BadUrl(shown.clone()))?;
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(acquire_timeout)
                    .connect_with(options)
                    .await
                    .map_err(|e| ConnectError::Unreachable { url: shown, reason: e.to_string() })?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let migrator = migrations::migrator(self.backend()).await?;
        match self {
            Db::Sqlite(pool) => migrator.run(pool).await,
            Db::Postgres(pool) => migrator.run(pool).await,
        }
    }

    /// `SELECT 1`: is the database answering?
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, |pool| sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

fn ensure_data_dir(file: &std::path::Path) -> Result<(), ConnectError> {
    let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else { return Ok(()) };
    let shown = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|e| ConnectError::DataDir { dir: shown.clone(), reason: e.to_string() })?;
    // A directory can exist and still refuse writes (read-only mount, other owner): SQLite needs
    // to create its -wal and -shm files beside the database, so probe with a real file.
    let probe = dir.join(".marquee-write-test");
    std::fs::write(&probe, b"ok").map_err(|e| ConnectError::DataDir { dir: shown, reason: e.to_string() })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// What a database step that checks a rule inside its transaction can fail with: the rule's
/// typed refusal (the service that called it words it for people), or the database itself.
#[derive(Debug, thiserror::Error)]
pub enum StepError<R: std::fmt::Debug> {
    #[error("refused: {0:?}")]
    Refused(R),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The one reason a step over a single row can be refused: the row is not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing;

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact_url("postgres://ann:secret@db:5432/m"), "postgres://ann:***@db:5432/m");
        assert_eq!(redact_url("postgres://ann@db/m"), "postgres://ann@db/m");
        assert_eq!(redact_url("sqlite://data/marquee.db"), "sqlite://data/marquee.db");
    }

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(backend_of("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("postgres://h/db").unwrap(), Backend::Postgres);
        assert_eq!(backend_of("postgresql://h/db").unwrap(), Backend::Postgres);
        let err = backend_of("mysql://h/db").unwrap_err().to_string();
        assert!(err.contains("sqlite://") && err.contains("postgres://"), "{err}");
    }
}
