//! Server-only code, in layers that depend downwards only (checked by `tests/integration/layers.rs`):
//!
//! - `web`: HTTP plumbing. The router, the JSON API, sessions and sign-in, request guards,
//!   compression, the page cache, the first-flush cut, and the shared state a handler reaches.
//! - `services`: what the pages' server functions and the API ask for. The catalogue, the
//!   predictions, IMDb metadata and its refresher, bulk import; each with its own caches.
//! - `db`: one API over SQLite and PostgreSQL, and the plain data shapes it loads.
//! - `jobs`: the background jobs beside the requests (refreshers, round closer, webhook sender,
//!   change followers).
//! - `tools`: the command line, benchmarks, and the demo and synthetic data.
//! - `config`, `observe` and `cache`: settings, instrumentation and the in-memory caches, used by
//!   every layer.

pub mod cache;
pub mod config;
pub mod db;
pub mod jobs;
pub mod observe;
pub mod services;
pub mod tools;
pub mod web;
