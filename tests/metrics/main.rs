//! Tests that read process-wide counters (`/metrics`, the SQL statements per route). They live in
//! their own binary so that no other test's requests mix into the figures, and take turns inside it.

#[path = "../common/mod.rs"]
mod common;

mod observe;
mod vote_queries;

/// Held by each test for its whole run: the counters are shared by the process.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
