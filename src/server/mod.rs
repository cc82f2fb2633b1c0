//! Server-only code: configuration, the database, data loading, the HTTP server and the CLI.

pub mod api;
pub mod auth;
pub mod bench;
pub mod cache_stats;
pub mod catalogue;
pub mod cli;
pub mod compress;
pub mod config;
pub mod dataset;
pub mod db;
pub mod demo;
pub mod flush;
pub mod gen;
pub mod guard;
pub mod http;
pub mod imdb;
pub mod import;
pub mod observe;
pub mod page_cache;
pub mod predictions;
pub mod refresher;
pub mod state;
