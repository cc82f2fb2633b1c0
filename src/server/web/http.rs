//! The HTTP server: routes, middleware, error responses, start-up and shutdown.

use crate::app::{shell, App};
use crate::error::AppError;
use crate::server::web::guard;
use crate::server::web::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use crate::error::response::{is_plain_form_post, set_error_status};

/// Sends a plain form post on to `path` on success (JavaScript callers get the result instead).
pub fn redirect_form_post(path: &str) {
    if is_plain_form_post() {
        // Callers pass validated paths; anything else (which a header could not carry) goes home.
        leptos_axum::redirect(if crate::validate::is_local_path(path) { path } else { "/" });
    }
}

/// Runs a server function's body; a failure gets its HTTP status and a log line.
pub async fn respond<T>(work: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    work.await.inspect_err(|err| {
        // Failures were logged with their detail where they happened (`observe::internal`, the
        // database error conversion); refusals are the caller's and are noted here.
        if err.status() < 500 {
            tracing::info!(%err, status = err.status(), "server function refused");
        }
        set_error_status(err);
    })
}

/// JSON API errors have one shape: `{"code": "...", "message": "..."}`.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        (status, Json(body)).into_response()
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => {
            let listener = state.coherence.status();
            let mut body = serde_json::json!({ "status": "ok", "database": "ok", "listener": listener.as_str() });
            // How long ago the listener last heard from its connection (PostgreSQL).
            if let Some(at) = state.coherence.last_contact() {
                body["listener_last_contact_secs"] = (crate::server::db::now() - at).max(0).into();
            }
            (StatusCode::OK, Json(body)).into_response()
        }
        Ok(Err(err)) => {
            tracing::warn!(%err, "health check: database error");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("health check: database timed out");
            unavailable()
        }
    }
}

#[derive(serde::Deserialize)]
struct CalendarQuery {
    key: Option<String>,
}

/// A poster image, by the name its content gave it: cached by browsers for good.
async fn poster_file(
    State(state): State<AppState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    use axum::http::header;
    let not_found =
        || (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "No such poster.").into_response();
    if crate::model::poster::parse_file_name(&name).is_none() {
        return not_found();
    }
    let etag = format!("\"{}\"", name.trim_end_matches(".webp"));
    // The name is the content: a browser that has it has this exact image.
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(etag.as_str())) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    match state.posters.file(&name).await {
        Ok(Some(bytes)) => {
            metrics::counter!("poster_bytes_served_total").increment(bytes.len() as u64);
            (
                [
                    (header::CONTENT_TYPE, "image/webp".to_string()),
                    (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_string()),
                    (header::ETAG, etag),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => not_found(),
        Err(err) => {
            tracing::warn!(%err, name, "could not read a stored poster");
            (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "The poster cannot be read just now.")
                .into_response()
        }
    }
}

/// The club's screenings for calendar apps, behind a member's secret link.
async fn calendar_feed(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    query: Result<axum::extract::Query<CalendarQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let key = query.ok().and_then(|q| q.0.key).unwrap_or_default();
    // The links in the feed use the address the calendar app asked; anything odd falls back to ours.
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or(&state.config.site.addr)
        .to_string();
    let scheme = if state.config.site.https { "https" } else { "http" };
    match state.rounds.calendar(key.trim(), &format!("{scheme}://{host}")).await {
        Ok(body) => (
            [
                (axum::http::header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "error", "database": "unreachable" })))
        .into_response()
}

/// Pages and server-function answers carry live, often member-specific data: browsers and
/// proxies must not reuse them (a reload after voting shows the new count at once). The bundle's
/// files carry their content's hash in their names, so they never change and are kept for a year;
/// other files are checked with the server on each use.
async fn cache_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let hashed = is_hashed_asset(req.uri().path());
    let mut res = next.run(req).await;
    let static_file =
        res.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.starts_with("text/css")
                || v.starts_with("application/wasm")
                || v.contains("javascript")
                || v.starts_with("image/")
        });
    let policy = match (static_file, hashed && res.status().is_success()) {
        (_, true) => "public, max-age=31536000, immutable",
        (true, false) => "no-cache",
        (false, _) => "no-store",
    };
    if !res.headers().contains_key(axum::http::header::CACHE_CONTROL) {
        res.headers_mut().insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

/// `/pkg/marquee.0123456789abcdef.wasm`: a bundle file named by its content.
fn is_hashed_asset(path: &str) -> bool {
    path.strip_prefix("/pkg/").is_some_and(|name| {
        let parts: Vec<&str> = name.split('.').collect();
        parts.len() == 3 && parts[1].len() == 16 && parts[1].bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// The built bundle, sent precompressed (`.br`, `.gz`, written at build time) when the browser takes it.
fn bundle_files(options: &LeptosOptions) -> tower_http::services::ServeDir {
    tower_http::services::ServeDir::new(format!("{}/{}", options.site_root, options.site_pkg_dir))
        .precompressed_br()
        .precompressed_gzip()
}

/// Short, ordered request ids: easier to follow in a log than UUIDs.
#[derive(Clone, Default)]
struct CountingRequestId(Arc<AtomicU64>);

impl MakeRequestId for CountingRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        HeaderValue::from_str(&format!("{n:08x}")).ok().map(RequestId::new)
    }
}

fn kept_pages(state: &AppState) -> crate::server::web::page_cache::Keeping {
    crate::server::web::page_cache::Keeping {
        pages: state.pages.clone(),
        predictions: state.predictions.clone(),
        club_version: state.club_version.clone(),
    }
}

pub fn router(state: AppState) -> Router {
    crate::server::observe::init_executor();
    crate::server::observe::prometheus();
    // The route list comes from rendering the app once; one process needs it only once.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    let limits = guard::Guard::new(&state.config);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/calendar.ics", get(calendar_feed))
        .route(&format!("{}/{{name}}", crate::model::poster::PATH), get(poster_file))
        .route(crate::server::web::live::PATH, get(crate::server::web::live::events))
        .route("/metrics", get(crate::server::web::metrics::metrics_endpoint))
        .route(
            crate::server::web::letterboxd::PATH,
            axum::routing::post(crate::server::web::letterboxd::upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::server::services::letterboxd::MAX_UPLOAD as usize + 64 * 1024,
            )),
        )
        .merge(crate::server::web::api::routes(state.clone()))
        .nest_service(&format!("/{}", state.leptos_options.site_pkg_dir), bundle_files(&state.leptos_options))
        .leptos_routes_with_context(&state, routes, guard::provide_page_nonce, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(guard::provide_page_nonce, shell))
        .layer(axum::extract::DefaultBodyLimit::max(guard::SERVER_FN_MAX_BODY))
        .layer(axum::middleware::from_fn(crate::server::web::flush::finish_abandoned))
        .layer(axum::middleware::from_fn(crate::server::web::flush::first_flush))
        .layer(axum::middleware::from_fn_with_state(kept_pages(&state), crate::server::web::page_cache::page_cache))
        .layer(axum::middleware::from_fn(crate::server::web::auth::attach_session))
        .layer(axum::middleware::from_fn(crate::server::web::auth::forgery_guard))
        .layer(axum::middleware::from_fn(cache_headers))
        .layer(axum::middleware::from_fn(crate::server::web::compress::compress))
        .layer(axum::middleware::from_fn(guard::body_limit))
        .layer(axum::middleware::from_fn_with_state(limits.clone(), guard::error_links))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(guard::panic_response))
        .layer(axum::middleware::from_fn_with_state(limits.clone(), guard::admission))
        .layer(axum::middleware::from_fn_with_state(limits, guard::security_headers))
        .layer(axum::middleware::from_fn(crate::server::observe::track))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-")
                        .to_string();
                    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
                })
                // The request's log line (with SQL and cache figures) is written by `observe::track`.
                .on_request(())
                .on_response(()),
        )
        .layer(SetRequestIdLayer::new(request_id, CountingRequestId::default()))
        .with_state(state)
}
