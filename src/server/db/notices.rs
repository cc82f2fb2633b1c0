//! Notices between servers that share a PostgreSQL database (`NOTIFY` / `LISTEN`). SQLite serves
//! one process, so there is nobody to tell: publishing is a no-op and there is no listener.

use crate::server::db::Db;
use sqlx::postgres::PgListener;

/// The channel every Marquee server listens on.
pub const CHANNEL: &str = "marquee_changes";

/// Sends `payload` to every server listening on `CHANNEL`, this one included. Returns whether a
/// notice was sent (false on SQLite).
pub async fn publish(db: &Db, payload: &str) -> Result<bool, sqlx::Error> {
    match db {
        Db::Sqlite(_) => Ok(false),
        Db::Postgres(pool) => {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(pool).await?;
            Ok(true)
        }
    }
}

/// A connection of its own that listens on `CHANNEL`; none on SQLite. It comes from a pool of
/// its own, not the server's: a listening connection that went silent is dropped with its pool,
/// and never holds one of the places requests use while its last words time out. `wait` bounds
/// the wait for the connection.
pub async fn listen(db: &Db, wait: std::time::Duration) -> Result<Option<PgListener>, sqlx::Error> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Postgres(pool) => {
            let own = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(wait)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_lazy_with((*pool.connect_options()).clone());
            let mut listener = PgListener::connect_with(&own).await?;
            listener.listen(CHANNEL).await?;
            Ok(Some(listener))
        }
    }
}
