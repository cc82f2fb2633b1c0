//! What every request and response passes through to keep hostile or excessive traffic harmless:
//! a bounded number of requests in flight (past it, a quick 503), body size limits, security
//! headers with a per-response Content-Security-Policy nonce, redirects that stay on this site,
//! error messages in links that only this server can have written, and a last-resort answer
//! when a handler panics.

use crate::server::config::Config;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use password_hash::rand_core::{OsRng, RngCore};
use sha2::Sha256;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Server functions take small form or JSON bodies; more than this is refused with 413.
pub const SERVER_FN_MAX_BODY: usize = 16 * 1024;

/// How long an error link written after a form post stays valid.
const ERROR_LINK_SECS: i64 = 600;

/// The cookie an error link is bound to, so a link made in one browser shows nothing in another.
pub const FLASH_COOKIE: &str = "marquee_flash";

/// What the middleware needs: the admission limit and the key that signs error links.
pub struct Guard {
    permits: Arc<Semaphore>,
    /// The places visitors' reads may take: three quarters, the rest kept for writes and members.
    visitor_permits: Arc<Semaphore>,
    queue_timeout: Duration,
    /// The longest a request holds its place (its work and sending its answer).
    hold_limit: Duration,
    key: [u8; 32],
    https: bool,
}

impl Guard {
    pub fn new(config: &Config) -> Arc<Guard> {
        let mut key = [0u8; 32];
        if config.site.secret.is_empty() {
            OsRng.fill_bytes(&mut key);
        } else {
            use sha2::Digest;
            key.copy_from_slice(&Sha256::digest(config.site.secret.as_bytes()));
        }
        Arc::new(Guard {
            permits: Arc::new(Semaphore::new(config.limits.max_in_flight as usize)),
            visitor_permits: Arc::new(Semaphore::new((config.limits.max_in_flight as usize * 3 / 4).max(1))),
            queue_timeout: Duration::from_millis(config.limits.queue_timeout_ms),
            hold_limit: Duration::from_secs(config.limits.request_timeout_secs),
            key,
            https: config.site.https,
        })
    }

    fn sign(&self, expires: i64, binding: &str, path: &str, err: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        for part in [expires.to_string().as_str(), binding, path, err] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..18])
    }

    fn verify(&self, sig: &str, binding: &str, path: &str, err: &str, now: i64) -> bool {
        let Some((expires, mac)) = sig.split_once('.') else { return false };
        let Ok(expires) = expires.parse::<i64>() else { return false };
        if expires < now || expires > now + ERROR_LINK_SECS {
            return false;
        }
        let want = self.sign(expires, binding, path, err);
        // Constant-time comparison through the MAC library would need the raw bytes; the encoded
        // forms have equal length, so compare them without an early exit.
        want.len() == mac.len() && want.bytes().zip(mac.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Admission: a bounded number of requests at once, a bounded wait, then a 503. A request's body
// (up to `READ_AHEAD` bytes) is read before it waits for a place, so a client that sends slowly
// holds nothing but its own connection; each connection's body has a deadline (`serve.rs`).

/// Requests refused because the server was full (also in `/metrics` as `http_requests_shed_total`).
pub static SHED: AtomicU64 = AtomicU64::new(0);

/// Bodies up to this size are read before the request takes a place; every server function and
/// JSON call fits. Larger ones (imports) are read by their handler, which checks who sent them first.
const READ_AHEAD: usize = 64 * 1024;

/// Whether a request goes ahead of visitors' reads when the server is busy: a change (a vote, a
/// proposal), or anything a member asks for. Only the cookie's presence is looked at here (a
/// session is checked later, inside the limit); a made-up cookie only buys a longer wait.
fn has_priority(req: &Request) -> bool {
    !matches!(*req.method(), Method::GET | Method::HEAD)
        || crate::server::web::auth::hex_cookie(req.headers(), crate::server::web::auth::COOKIE, 64).is_some()
}

pub async fn admission(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    // A load balancer's health check and the operator's metrics must answer even under overload;
    // live event streams mostly wait, and have limits of their own.
    if matches!(req.uri().path(), "/healthz" | "/metrics" | crate::server::web::live::PATH) {
        return next.run(req).await;
    }
    let req = match read_ahead(req).await {
        Ok(req) => req,
        Err(res) => return res,
    };
    let started = tokio::time::Instant::now();
    let priority = has_priority(&req);
    let wait = if priority { guard.queue_timeout } else { guard.queue_timeout / 2 };
    let places = tokio::time::timeout(wait, async {
        let visitor = match priority {
            true => None,
            false => Some(guard.visitor_permits.clone().acquire_owned().await.ok()?),
        };
        Some((guard.permits.clone().acquire_owned().await.ok()?, visitor))
    })
    .await;
    let Ok(Some(places)) = places else {
        SHED.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("http_requests_shed_total", "priority" => if priority { "yes" } else { "no" }).increment(1);
        return busy(Shape::of(&req), "The server is busy. Please try again in a moment.");
    };
    let shape = Shape::of(&req);
    let deadline = started + guard.hold_limit;
    let Ok(res) = tokio::time::timeout_at(deadline, next.run(req)).await else {
        metrics::counter!("http_requests_timed_out_total").increment(1);
        tracing::warn!(limit = ?guard.hold_limit, "a request took too long and was stopped");
        return busy(shape, "That took too long. Please try again in a moment.");
    };
    // The place is held until the body has been sent (a streamed page does most of its work then),
    // but never past the deadline: a client that reads its answer slowly keeps only its connection.
    let (sent, done) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _places = places;
        let _ = tokio::time::timeout_at(deadline, done).await;
    });
    res.map(|body| Body::new(HeldBody { inner: body, _sent: sent }))
}

/// How an error answer before the handler is written: as a server function's error (so the page
/// knows it may try again), a short page, or the JSON API's shape.
#[derive(Clone, Copy)]
enum Shape {
    ServerFn,
    Html,
    Json,
}

impl Shape {
    fn of(req: &Request) -> Shape {
        let path = req.uri().path();
        match (wants_html(req.headers()), path.starts_with("/api/") && !path.starts_with("/api/v1/")) {
            (true, _) => Shape::Html,
            (false, true) => Shape::ServerFn,
            (false, false) => Shape::Json,
        }
    }
}

/// A 503 that says when to come back.
fn busy(shape: Shape, message: &str) -> Response {
    let mut res = match shape {
        Shape::ServerFn => {
            let body = serde_json::to_string(&crate::error::AppError::Unavailable).unwrap_or_default();
            (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Shape::Html => html_error(StatusCode::SERVICE_UNAVAILABLE, message),
        Shape::Json => json_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message),
    };
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// Reads a small request body in full (a larger one up to `READ_AHEAD`, the rest to follow).
async fn read_ahead(req: Request) -> Result<Request, Response> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    let worth_reading = match announced {
        Some(n) => n > 0 && n <= READ_AHEAD as u64,
        None => chunked,
    };
    if !worth_reading {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut size = 0;
    while size <= READ_AHEAD {
        match futures::StreamExt::next(&mut stream).await {
            Some(Ok(bytes)) => {
                size += bytes.len();
                chunks.push(bytes);
            }
            Some(Err(err)) => return Err(unreadable_body(&parts.headers, err)),
            None => {
                let whole = match chunks.len() {
                    1 => chunks.pop().unwrap_or_default(),
                    _ => Bytes::from(chunks.concat()),
                };
                return Ok(Request::from_parts(parts, Body::from(whole)));
            }
        }
    }
    let rest = futures::StreamExt::chain(futures::stream::iter(chunks.into_iter().map(Ok)), stream);
    Ok(Request::from_parts(parts, Body::from_stream(rest)))
}

/// The answer to a body that stopped arriving (408) or could not be read (400).
fn unreadable_body(headers: &HeaderMap, err: axum::Error) -> Response {
    let timed_out = err.into_inner().downcast_ref::<crate::server::web::serve::BodyTimedOut>().is_some();
    metrics::counter!("http_request_bodies_failed_total", "reason" => if timed_out { "timeout" } else { "error" })
        .increment(1);
    let (status, message) = match timed_out {
        true => (StatusCode::REQUEST_TIMEOUT, "The request took too long to arrive. Please try again."),
        false => (StatusCode::BAD_REQUEST, "The request could not be read. Please try again."),
    };
    closing(plain_error(headers, status, "bad_request", message))
}

/// A response body that holds its request's place until it is sent (or dropped).
struct HeldBody {
    inner: Body,
    _sent: tokio::sync::oneshot::Sender<()>,
}

impl http_body::Body for HeldBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies.

/// Refuses a server-function body that is not a form, or that announces more than the limit,
/// before anything is read. (Bodies without a length are cut at the same limit while being read.)
pub async fn body_limit(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_server_fn = path.starts_with("/api/") && !path.starts_with("/api/v1/");
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    // Every server function that takes a body takes a form: anything else is not for it.
    if is_server_fn && req.method() == Method::POST && !is_form {
        return closing(plain_error(
            req.headers(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad_request",
            "Send this as a form (application/x-www-form-urlencoded).",
        ));
    }
    if is_server_fn && announced.is_some_and(|n| n > SERVER_FN_MAX_BODY as u64) {
        return closing(too_large(req.headers()));
    }
    if is_server_fn && !crate::validate::form_is_utf8(req.uri().query().unwrap_or("").as_bytes()) {
        return not_text(req.headers());
    }
    let has_body = announced.is_some_and(|n| n > 0) || req.headers().contains_key(header::TRANSFER_ENCODING);
    let req = match is_server_fn && is_form {
        true => match checked_form(req).await {
            Ok(req) => req,
            Err(refusal) => return refusal,
        },
        false => req,
    };
    let mut res = next.run(req).await;
    // A refusal may leave the body unread (an import refused before its upload is read); the
    // connection cannot carry another request then, so the client is told to open a new one.
    if has_body && res.status().is_client_error() {
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

fn too_large(headers: &HeaderMap) -> Response {
    plain_error(
        headers,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        &format!("The request is too large: at most {} KiB.", SERVER_FN_MAX_BODY / 1024),
    )
}

fn not_text(headers: &HeaderMap) -> Response {
    closing(plain_error(
        headers,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "The request holds characters that are not text (UTF-8); send it again from Marquee's page.",
    ))
}

/// A server function's form, read in full (it is at most `SERVER_FN_MAX_BODY`) and refused when a
/// name or value is not UTF-8: decoded leniently, a `%ff` would be stored as "�".
async fn checked_form(req: Request) -> Result<Request, Response> {
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut whole = Vec::new();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        let chunk = chunk.map_err(|err| unreadable_body(&parts.headers, err))?;
        if whole.len() + chunk.len() > SERVER_FN_MAX_BODY {
            return Err(closing(too_large(&parts.headers)));
        }
        whole.extend_from_slice(&chunk);
    }
    if !crate::validate::form_is_utf8(&whole) {
        return Err(not_text(&parts.headers));
    }
    Ok(Request::from_parts(parts, Body::from(whole)))
}

// ---------------------------------------------------------------------------------------------
// Security headers.

/// The nonce of one page response: the page's scripts carry it and its CSP names it.
#[derive(Clone)]
pub struct PageNonce(pub Arc<str>);

fn new_nonce() -> PageNonce {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    PageNonce(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes).into())
}

/// The policy of an HTML page: scripts only with this response's nonce (and what they load),
/// WebAssembly allowed to compile, everything else (posters included) from this site.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Everything that is not a page (JSON, files) runs nothing and embeds nothing.
const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub async fn security_headers(State(guard): State<Arc<Guard>>, mut req: Request, next: Next) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let policy = if crate::server::web::flush::is_html(res.headers()) {
        page_policy(&nonce.0)
    } else {
        OTHER_POLICY.to_string()
    };
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    let fixed: [(header::HeaderName, &'static str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ),
        (header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if guard.https {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}

/// Inside a page's rendering: hands this response's nonce to Leptos, which puts it on every
/// script it writes (so the header and the page agree).
pub fn provide_page_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(value)) = nonce {
        leptos::prelude::provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

// ---------------------------------------------------------------------------------------------
// Redirects and error links.

const ERROR_PARAMS: [&str; 3] = ["__path", "__err", "__sig"];

/// The pairs of a query string that carries an error link (one of `ERROR_PARAMS` as a key).
fn error_link_pairs(query: &str) -> Option<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    pairs.iter().any(|(k, _)| ERROR_PARAMS.contains(&k.as_str())).then_some(pairs)
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A form posted without JavaScript that fails is sent back to its page with the error in the
/// link (`__path`, `__err`). Such links are signed here and bound to the browser, and a link this
/// server did not write (or wrote for another browser, or long ago) is sent on without them, so
/// nobody can put words of their own on a page through a link. Every `Location` stays on this site.
pub async fn error_links(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        if let Some(pairs) = req.uri().query().and_then(error_link_pairs) {
            if !guard.genuine(&pairs, flash_cookie(req.headers()).as_deref()) {
                return without_error_link(req.uri().path(), &pairs);
            }
        }
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string);
    let binding = flash_cookie(req.headers());
    let mut res = next.run(req).await;
    let Some(location) =
        res.headers().get(header::LOCATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    else {
        return res;
    };
    let mut target = local_location(&location, host.as_deref());
    let mut new_binding = None;
    if let Some((path, pairs)) = target.split_once('?').and_then(|(p, q)| Some((p.to_string(), error_link_pairs(q)?))) {
        if let (Some(fn_path), Some(err)) = (value(&pairs, "__path"), value(&pairs, "__err")) {
            let binding =
                binding.unwrap_or_else(|| new_binding.insert(crate::server::services::accounts::new_token().0).clone());
            let expires = crate::server::db::now() + ERROR_LINK_SECS;
            let sig = format!("{expires}.{}", guard.sign(expires, &binding, fn_path, err));
            let kept = pairs.iter().filter(|(k, _)| k != "__sig").map(|(k, v)| (k.as_str(), v.as_str()));
            let query =
                form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).append_pair("__sig", &sig).finish();
            target = format!("{path}?{query}");
        }
    }
    if let Ok(value) = HeaderValue::from_str(&target) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(binding) = new_binding {
        let cookie = crate::server::web::auth::site_cookie(FLASH_COOKIE, binding, guard.https).build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    res
}

impl Guard {
    /// An error link this server wrote, for this browser, not long ago.
    fn genuine(&self, pairs: &[(String, String)], binding: Option<&str>) -> bool {
        match (value(pairs, "__path"), value(pairs, "__err"), value(pairs, "__sig"), binding) {
            (Some(path), Some(err), Some(sig), Some(binding)) => {
                self.verify(sig, binding, path, err, crate::server::db::now())
            }
            _ => false,
        }
    }
}

/// A 303 to the same page without the error link's parameters.
fn without_error_link(path: &str, pairs: &[(String, String)]) -> Response {
    let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| !ERROR_PARAMS.contains(&k.as_str())).collect();
    let mut target = path.to_string();
    if !rest.is_empty() {
        target.push('?');
        target.push_str(&form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish());
    }
    let target = if crate::validate::is_local_path(&target) { target } else { "/".to_string() };
    (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response()
}

/// The browser's binding for error links: a token like a session's (the same generator).
fn flash_cookie(headers: &HeaderMap) -> Option<String> {
    crate::server::web::auth::hex_cookie(headers, FLASH_COOKIE, 64)
}

/// A redirect target on this site: a local path as it is, this host's absolute URL as its path,
/// anything else the home page.
pub fn local_location(location: &str, host: Option<&str>) -> String {
    if crate::validate::is_local_path(location) {
        return location.to_string();
    }
    let rest = location.strip_prefix("http://").or_else(|| location.strip_prefix("https://"));
    if let (Some(rest), Some(host)) = (rest, host) {
        let (authority, path) = rest.find('/').map(|i| rest.split_at(i)).unwrap_or((rest, "/"));
        if authority.eq_ignore_ascii_case(host) && crate::validate::is_local_path(path) {
            return path.to_string();
        }
    }
    "/".to_string()
}

// ---------------------------------------------------------------------------------------------
// Shared pieces.

/// Handler panics caught by the last-resort layer (also `http_handler_panics_total`).
pub static PANICS: AtomicU64 = AtomicU64::new(0);

/// The last-resort answer when a handler panics: the connection gets a 500 with the usual error
/// shape instead of being dropped, and the panic is logged and counted.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    PANICS.fetch_add(1, Ordering::Relaxed);
    metrics::counter!("http_handler_panics_total").increment(1);
    tracing::error!(panic = %detail, "a request handler panicked");
    crate::error::AppError::Internal.into_response()
}

fn closing(mut res: Response) -> Response {
    res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// An error answered before any handler ran: JSON for scripts, a short page for browsers.
fn plain_error(headers: &HeaderMap, status: StatusCode, code: &str, message: &str) -> Response {
    if wants_html(headers) {
        html_error(status, message)
    } else {
        json_error(status, code, message)
    }
}

fn html_error(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Marquee</title></head>\
         <body><p>{}</p><p><a href=\"/\">Marquee</a></p></body></html>",
        html_escape::encode_text(message)
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "code": code, "message": message }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Arc<Guard> {
        Guard::new(&Config::default())
    }

    #[test]
    fn error_links_verify_only_as_written() {
        let g = guard();
        let now = 1_000_000;
        let sig = format!("{}.{}", now + 60, g.sign(now + 60, "b", "/api/sign_in", "e"));
        assert!(g.verify(&sig, "b", "/api/sign_in", "e", now));
        assert!(!g.verify(&sig, "other browser", "/api/sign_in", "e", now));
        assert!(!g.verify(&sig, "b", "/api/sign_in", "other words", now));
        assert!(!g.verify(&sig, "b", "/api/sign_in", "e", now + 61), "expired");
        assert!(!g.verify("garbage", "b", "/api/sign_in", "e", now));
        assert!(!guard().verify(&sig, "b", "/api/sign_in", "e", now), "another key");
    }

    #[tokio::test]
    async fn a_panicking_handler_still_gets_an_answer() {
        let app = axum::Router::new()
            .route("/boom", axum::routing::get(|| async { panic!("boom") as &str }))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let before = PANICS.load(Ordering::Relaxed);
        let res = reqwest::get(format!("http://{addr}/boom")).await.expect("an answer, not a dropped connection");
        assert_eq!(res.status(), 500);
        assert!(res.text().await.unwrap().contains("\"code\":\"internal\""));
        assert_eq!(PANICS.load(Ordering::Relaxed), before + 1);
    }

    #[test]
    fn error_links_are_recognised_by_their_keys_only() {
        assert!(error_link_pairs("keep=1&__err=x").is_some());
        // A search for the text "__path" is not an error link (redirecting it would loop).
        assert!(error_link_pairs("q=__path&page=2").is_none());
    }

    #[test]
    fn redirects_stay_on_this_site() {
        let host = Some("127.0.0.1:3000");
        assert_eq!(local_location("/vote?x=1", host), "/vote?x=1");
        assert_eq!(local_location("http://127.0.0.1:3000/signin?__err=x", host), "/signin?__err=x");
        assert_eq!(local_location("http://127.0.0.1:3000", host), "/");
        for bad in ["https://evil.example/", "//evil.example", "/\t/evil.example/", "http://127.0.0.1:3000@evil/"] {
            assert_eq!(local_location(bad, host), "/", "{bad}");
        }
    }
}
