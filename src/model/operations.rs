//! What the operations panel shows: routes, caches and background jobs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheFigures {
    pub name: String,
    pub hits: u64,
    pub misses: u64,
    pub compute_ms: f64,
}

/// Request, cache and background-job figures since the server started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationsView {
    pub routes: Vec<RouteRow>,
    pub caches: Vec<CacheFigures>,
    pub jobs: Vec<JobRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteRow {
    pub route: String,
    pub requests: u64,
    pub errors: u64,
    pub mean_ms: f64,
    pub max_ms: f64,
    pub mean_queries: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub job: String,
    pub runs: u64,
    pub failures: u64,
    pub last_duration_ms: f64,
    /// Unix seconds.
    pub last_run: i64,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
}
