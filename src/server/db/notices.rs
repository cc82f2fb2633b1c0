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

/// A connection of its own that listens on `CHANNEL`; none on SQLite.
pub async fn listen(db: &Db) -> Result<Option<PgListener>, sqlx::Error> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Postgres(pool) => {
            let mut listener = PgListener::connect_with(pool).await?;
            listener.listen(CHANNEL).await?;
            Ok(Some(listener))
        }
    }
}
