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
