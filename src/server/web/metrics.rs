//! What the server tells its operators: `/metrics` in Prometheus text, and the figures the
//! dashboard's operations panel shows to admins.

use crate::server::observe::{job_rows, prometheus, route_rows};
use crate::server::web::auth::Caller;
use crate::server::web::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// The figures the dashboard shows, for people who do not run Prometheus.
pub fn operations(state: &AppState) -> crate::model::OperationsView {
    crate::model::OperationsView { routes: route_rows(), caches: cache_figures(state), jobs: job_rows() }
}

/// Every service cache's hits, misses and compute time.
fn cache_figures(state: &AppState) -> Vec<crate::model::CacheFigures> {
    let mut caches = state.predictions.cache_figures();
    caches.extend(state.catalogue.cache_figures());
    caches
}

/// `GET /metrics`: Prometheus text. Only from loopback unless `metrics.allow_remote` is set.
pub async fn metrics_endpoint(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    caller: Caller,
) -> Response {
    let allowed = peer.ip().is_loopback() || state.config.metrics.allow_remote || caller.is_admin();
    if !allowed {
        return (
            StatusCode::FORBIDDEN,
            "Metrics are served to loopback clients and signed-in admins only (see metrics.allow_remote).",
        )
            .into_response();
    }
    // Cache sizes and compute time are read now rather than counted as they happen.
    for figures in cache_figures(&state) {
        metrics::gauge!("cache_compute_seconds_total", "cache" => figures.name.clone())
            .set(figures.compute_ms / 1000.0);
        metrics::gauge!("cache_hits", "cache" => figures.name.clone()).set(figures.hits as f64);
        metrics::gauge!("cache_misses", "cache" => figures.name).set(figures.misses as f64);
    }
    // Posters as the database has them, whichever server fetched them.
    match state.posters.counts().await {
        Ok(counts) => {
            metrics::gauge!("posters", "state" => "stored").set(counts.stored as f64);
            metrics::gauge!("posters", "state" => "failed").set(counts.failed as f64);
        }
        Err(err) => tracing::warn!(%err, "could not count posters for /metrics"),
    }
    let mut res = prometheus().render().into_response();
    res.headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}
