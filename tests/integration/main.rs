//! Every integration test in one binary: one link of the crate and its dependencies instead of one
//! per file. Each module is one area. Two tests live in binaries of their own, because they read
//! counters the whole process shares: `tests/observe.rs` and `tests/vote_queries.rs`.

#[path = "../common/mod.rs"]
mod common;

mod catalogue;
mod cli;
mod db;
mod field;
mod hostile;
mod http;
mod imdb;
mod instances;
mod layers;
mod leases;
mod letterboxd;
mod live;
mod parsers;
mod posters;
mod prediction_inputs;
mod predictions;
mod rounds;
mod schema;
mod throttle;
mod tokens;
mod voting;
mod webhook;
