//! What server functions and API handlers call: each service owns its caches and reads and writes
//! through `db`. Services never reach into `web`.

pub mod accounts;
pub mod cache_stats;
pub mod catalogue;
pub mod change;
pub mod club;
pub mod coherence;
pub mod imdb;
pub mod import;
pub mod leases;
pub mod letterboxd;
pub mod live;
pub mod posters;
pub mod predictions;
pub mod refresher;
pub mod rounds;
pub mod tokens;
pub mod versions;
pub mod webhook;
pub mod zones;

/// Who makes a change, and from where: what every service that changes something takes.
pub use crate::server::db::audit::Actor;

use crate::error::AppError;
use crate::server::db::StepError;

/// A database failure as people see it: "unavailable" when the database cannot be reached, else
/// a plain apology (the details go to the log).
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            _ => crate::server::observe::internal("database error", err),
        }
    }
}

/// A database step's refusal in the words of `words`; its failures as any database failure.
pub(crate) fn worded<R: std::fmt::Debug>(err: StepError<R>, words: impl FnOnce(R) -> AppError) -> AppError {
    match err {
        StepError::Refused(reason) => words(reason),
        StepError::Db(err) => err.into(),
    }
}
