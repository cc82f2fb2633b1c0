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

mod errors;
pub use errors::*;

mod body;
pub use body::*;

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
    let timed_out = err.into_inner().downcast_ref::<BodyTimedOut>().is_some();
    metrics::counter!("http_request_bodies_failed_total", "reason" => if timed_out { "timeout" } else { "error" })
        .increment(1);
    let (status, message) = match timed_out {
        true => (StatusCode::REQUEST_TIMEOUT, "The request took too long to arrive. Please try again."),
        false => (StatusCode::BAD_REQUEST, "The request could not be read. Please try again."),
    };
    closing(plain_error(headers, status, "bad_request", message))
}

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
