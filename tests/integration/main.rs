//! Every integration test in one binary: one link of the crate and its dependencies instead of one
//! per file. Each module is one area; `tests/metrics/` holds the tests that must not share a
//! process with other traffic.

#[path = "../common/mod.rs"]
mod common;

mod catalogue;
mod cli;
mod db;
mod hostile;
mod http;
mod imdb;
mod layers;
mod predictions;
mod schema;
mod voting;
