//! Observability: per-request figures (SQL statements, cache hits and misses) carried into every
//! task the request spawns, a log line per request with them, and Prometheus metrics.

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use futures::Stream;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer};

/// Logs why a request failed on the server, with the detail the person reading the log needs, and
/// returns the plain error the caller sees. The one place an internal failure is logged: callers
/// up the chain (`respond`, the API's error responses) do not log it again.
pub fn internal(what: &str, err: impl std::fmt::Display) -> crate::error::AppError {
    tracing::error!(error = %err, "{what}");
    crate::error::AppError::Internal
}

/// What one request did, summed over all the tasks it spawned.
#[derive(Default, Debug)]
pub struct RequestStats {
    pub queries: AtomicU64,
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
}

tokio::task_local! {
    static REQUEST: Arc<RequestStats>;
}

/// The figures of the request the current task works for, if any.
pub fn current() -> Option<Arc<RequestStats>> {
    REQUEST.try_with(|s| s.clone()).ok()
}

/// Counts one SQL statement for the current request and in the metrics (see `db::counted`).
pub fn count_statement() {
    if let Some(s) = current() {
        s.queries.fetch_add(1, Ordering::Relaxed);
    }
    metrics::counter!("sql_queries_total").increment(1);
}

/// Counts a cache lookup for the current request and in the metrics.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    if let Some(s) = current() {
        let counter = if hit { &s.cache_hits } else { &s.cache_misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    let outcome = if hit { "hit" } else { "miss" };
    metrics::counter!("cache_lookups_total", "cache" => cache, "outcome" => outcome).increment(1);
}

/// Runs blocking `work` on the blocking pool as part of the current request, so its cache lookups count.
pub async fn spawn_blocking_in_request<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let stats = current();
    tokio::task::spawn_blocking(move || match stats {
        Some(stats) => REQUEST.sync_scope(stats, work),
        None => work(),
    })
    .await
}

/// Runs `fut` as a task of its own that belongs to the current request (its statements and cache
/// lookups count for it, its log lines carry its span), and that goes on if the caller stops waiting.
pub fn spawn_in_request<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    use tracing::Instrument as _;
    let fut = fut.instrument(tracing::Span::current());
    match current() {
        Some(stats) => tokio::spawn(REQUEST.scope(stats, fut)),
        None => tokio::spawn(fut),
    }
}

/// Leptos spawns resource loaders as separate tasks; this executor hands each one the request it
/// was spawned for, so a page's cache lookups are counted against that page.
struct RequestScopedExecutor;

impl any_spawner::CustomExecutor for RequestScopedExecutor {
    fn spawn(&self, fut: any_spawner::PinnedFuture<()>) {
        match current() {
            Some(stats) => tokio::spawn(REQUEST.scope(stats, fut)),
            None => tokio::spawn(fut),
        };
    }

    fn spawn_local(&self, fut: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut);
    }

    fn poll_local(&self) {}
}

/// Installs the request-scoped executor; must run before the router is built.
pub fn init_executor() {
    let _ = any_spawner::Executor::init_custom_executor(RequestScopedExecutor);
}

/// A `tracing` layer that records sqlx's per-statement durations (target `sqlx::query`).
pub struct QueryCounter;

struct ElapsedSecs(f64);

impl Visit for ElapsedSecs {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.0 = value;
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: Subscriber> Layer<S> for QueryCounter {
    fn on_event(&self, event: &Event<'_>, _: LayerContext<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut elapsed = ElapsedSecs(0.0);
        event.record(&mut elapsed);
        metrics::histogram!("sql_query_duration_seconds").record(elapsed.0);
    }
}

/// Logs to stdout (filtered by `RUST_LOG`) and records SQL statement durations (always).
pub fn init_tracing() {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let filter =
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
        let _ = tracing_subscriber::registry()
            .with(tracing_subscriber::fmt::layer().with_target(false).with_filter(filter))
            .with(QueryCounter.with_filter(Targets::new().with_target("sqlx::query", LevelFilter::TRACE)))
            .try_init();
        // Panics anywhere in the process (a handler's are also answered by the last-resort layer,
        // and spawned tasks' are otherwise only printed) are counted and logged.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            metrics::counter!("process_panics_total").increment(1);
            tracing::error!(panic = %info, "panic");
            previous(info);
        }));
    });
}

/// Panics anywhere in the process since it started (also `process_panics_total`).
pub static PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The process's Prometheus recorder (installed once).
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let seconds = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), seconds)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full("http_request_sql_queries".into()),
                    &[0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 50.0, 100.0],
                )
            })
            .expect("bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        // Histogram samples wait in buffers until upkeep folds them into the buckets. A scrape
        // does that too, but a server nobody scrapes must not grow: fold them every few seconds.
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(5));
            upkeep.run_upkeep();
        });
        handle
    })
}

#[derive(Default, Clone)]
struct RouteTotals {
    requests: u64,
    errors: u64,
    latency_us: u64,
    max_latency_us: u64,
    queries: u64,
}

#[derive(Default, Clone)]
struct JobTotals {
    runs: u64,
    failures: u64,
    last_duration_ms: f64,
    last_run: i64,
    last_success: Option<i64>,
    last_error: Option<String>,
}

fn routes() -> &'static std::sync::Mutex<std::collections::BTreeMap<String, RouteTotals>> {
    static ROUTES: OnceLock<std::sync::Mutex<std::collections::BTreeMap<String, RouteTotals>>> = OnceLock::new();
    ROUTES.get_or_init(Default::default)
}

/// Statements run so far by all requests to `route` (for benchmarks).
pub fn route_queries(route: &str) -> Option<f64> {
    routes().lock().unwrap_or_else(|e| e.into_inner()).get(route).map(|t| t.queries as f64)
}

fn jobs() -> &'static std::sync::Mutex<std::collections::BTreeMap<&'static str, JobTotals>> {
    static JOBS: OnceLock<std::sync::Mutex<std::collections::BTreeMap<&'static str, JobTotals>>> = OnceLock::new();
    JOBS.get_or_init(Default::default)
}

/// Records one run of a background job, for the dashboard and the metrics.
pub fn job_finished(job: &'static str, took: std::time::Duration, result: Result<(), String>) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::counter!("job_runs_total", "job" => job, "outcome" => outcome).increment(1);
    metrics::histogram!("job_duration_seconds", "job" => job).record(took.as_secs_f64());
    if result.is_ok() {
        metrics::gauge!("job_last_success_timestamp_seconds", "job" => job).set(now as f64);
    }
    let mut all = jobs().lock().unwrap_or_else(|e| e.into_inner());
    let j = all.entry(job).or_default();
    j.runs += 1;
    j.last_run = now;
    j.last_duration_ms = took.as_secs_f64() * 1000.0;
    match result {
        Ok(()) => {
            j.last_success = Some(now);
            j.last_error = None;
        }
        Err(e) => {
            j.failures += 1;
            j.last_error = Some(e);
        }
    }
}

/// Each route's totals so far, for the dashboard.
pub fn route_rows() -> Vec<crate::model::RouteRow> {
    routes()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(route, t)| crate::model::RouteRow {
            route: route.clone(),
            requests: t.requests,
            errors: t.errors,
            mean_ms: t.latency_us as f64 / t.requests.max(1) as f64 / 1000.0,
            max_ms: t.max_latency_us as f64 / 1000.0,
            mean_queries: t.queries as f64 / t.requests.max(1) as f64,
        })
        .collect()
}

/// Each background job's runs so far, for the dashboard.
pub fn job_rows() -> Vec<crate::model::JobRow> {
    jobs()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(job, t)| crate::model::JobRow {
            job: job.to_string(),
            runs: t.runs,
            failures: t.failures,
            last_duration_ms: t.last_duration_ms,
            last_run: t.last_run,
            last_success: t.last_success,
            last_error: t.last_error.clone(),
        })
        .collect()
}

/// A body that keeps counting for its request while it streams, and reports when it ends.
struct TrackedBody {
    inner: axum::body::BodyDataStream,
    stats: Arc<RequestStats>,
    report: Option<Report>,
}

/// What runs once when a tracked body ends.
type Report = Box<dyn FnOnce(&RequestStats) + Send>;

impl Stream for TrackedBody {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let stats = self.stats.clone();
        let polled = REQUEST.sync_scope(stats, || Pin::new(&mut self.inner).poll_next(cx));
        if let Poll::Ready(None) = polled {
            if let Some(report) = self.report.take() {
                report(&self.stats);
            }
        }
        polled
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        // A client that hangs up early still gets its request logged.
        if let Some(report) = self.report.take() {
            report(&self.stats);
        }
    }
}

/// When this process last began or finished a request, in milliseconds of its own clock: how long
/// the server has been quiet, for background work that should wait for a lull.
static LAST_REQUEST_MS: AtomicU64 = AtomicU64::new(0);

fn clock_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// How long since this server last began or finished a request (forever, if it never served one).
pub fn quiet_for() -> std::time::Duration {
    match LAST_REQUEST_MS.load(Ordering::Relaxed) {
        0 => std::time::Duration::MAX,
        last => std::time::Duration::from_millis(clock_ms().saturating_sub(last)),
    }
}

/// Per request: a fresh `RequestStats` for everything it runs; when the body has been sent, one log
/// line (id, route, status, latency, SQL statements, cache hits/misses) and the HTTP metrics.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    LAST_REQUEST_MS.store(clock_ms(), Ordering::Relaxed);
    // Route templates, not raw paths, keep the label set small.
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "fallback".into());
    let method = req.method().to_string();
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    let stats = Arc::new(RequestStats::default());
    let res = REQUEST.scope(stats.clone(), next.run(req)).await;
    let status = res.status().as_u16();
    let (parts, body) = res.into_parts();
    let report = Box::new(move |s: &RequestStats| {
        LAST_REQUEST_MS.store(clock_ms(), Ordering::Relaxed);
        let latency = started.elapsed();
        let queries = s.queries.load(Ordering::Relaxed);
        let labels = [("route", route.clone()), ("method", method.clone()), ("status", status.to_string())];
        metrics::counter!("http_requests_total", &labels).increment(1);
        metrics::histogram!("http_request_duration_seconds", &labels).record(latency.as_secs_f64());
        metrics::histogram!("http_request_sql_queries", "route" => route.clone()).record(queries as f64);
        {
            let mut all = routes().lock().unwrap_or_else(|e| e.into_inner());
            let t = all.entry(route.clone()).or_default();
            let us = latency.as_micros() as u64;
            t.requests += 1;
            t.errors += u64::from(status >= 500);
            t.latency_us += us;
            t.max_latency_us = t.max_latency_us.max(us);
            t.queries += queries;
        }
        tracing::info!(
            id = %id,
            route = %route,
            status,
            latency_ms = (latency.as_secs_f64() * 1e4).round() / 10.0,
            sql_queries = queries,
            cache_hits = s.cache_hits.load(Ordering::Relaxed),
            cache_misses = s.cache_misses.load(Ordering::Relaxed),
            "request"
        );
    });
    let body = TrackedBody { inner: body.into_data_stream(), stats, report: Some(report) };
    Response::from_parts(parts, Body::from_stream(body))
}
