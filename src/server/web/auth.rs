//! Sessions on the server: sessions in cookies, the signed-in member of a request, sign-in
//! throttling and cross-site request forgery protection. Passwords and accounts themselves are
//! `services::accounts`.

use crate::error::AppError;
use crate::model::{TokenScope, Viewer};
use crate::server::services::accounts::{self, Accounts};
use crate::server::web::state::{app_state, AppState};
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

pub const COOKIE: &str = "marquee_session";

/// The session of one request: the cookie's token, and the member it names, looked up at most
/// once and only if something asks.
#[derive(Clone, Default)]
pub struct SessionSlot {
    token: Option<Arc<str>>,
    viewer: Arc<tokio::sync::OnceCell<Option<Viewer>>>,
}

impl SessionSlot {
    /// Whether the request's session named a member, once something has looked it up.
    pub fn signed_in(&self) -> Option<bool> {
        self.viewer.get().map(Option::is_some)
    }

    /// The member the session names: the one place a session is looked up, once per request.
    async fn viewer(&self, accounts: &Accounts) -> Result<Option<Viewer>, AppError> {
        // Known already: looked up before, or the member of an API token.
        if let Some(viewer) = self.viewer.get() {
            return Ok(viewer.clone());
        }
        let Some(token) = self.token.clone() else { return Ok(None) };
        let viewer = self.viewer.get_or_try_init(|| async move { accounts.session_viewer(&token).await }).await?;
        Ok(viewer.clone())
    }
}

/// Middleware: notes the session cookie (if any) for `current_user`.
pub async fn attach_session(mut req: Request, next: Next) -> Response {
    let token = session_token(req.headers());
    req.extensions_mut().insert(SessionSlot { token: token.map(Arc::from), ..Default::default() });
    next.run(req).await
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    hex_cookie(headers, COOKIE, 64)
}

/// The value of the request's cookie `name` if it is `len` hex digits (what this server sets).
pub fn hex_cookie(headers: &HeaderMap, name: &str, len: usize) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|t| t.len() == len && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Middleware of the JSON API: a request with `Authorization: Bearer …` is its token's member's
/// (the session cookie, if any, is not looked at), within the token's scope; a bad, revoked or
/// expired token is a 401, a token whose scope does not cover the request a 403. Tokens are
/// read from that header only, never from a cookie or the query string.
pub async fn api_tokens(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    use crate::server::services::tokens;
    let refuse = |status: StatusCode, code: &str, message: String| {
        let mut res = (status, axum::Json(serde_json::json!({ "code": code, "message": message }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer error=\"invalid_token\""));
        }
        res
    };
    let token = match tokens::bearer(req.headers()) {
        Ok(Some(token)) => token,
        Ok(None) => return next.run(req).await,
        Err(message) => return refuse(StatusCode::UNAUTHORIZED, "unauthorized", message.into()),
    };
    let holder = match state.tokens.holder(&token).await {
        Ok(Some(holder)) => holder,
        Ok(None) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "This API token is not valid: it was revoked, has expired, or its member cannot sign in. \
                 Make a new one on your account page."
                    .into(),
            )
        }
        Err(err) => return err.into_response(),
    };
    let needed = tokens::needed_scope(req.method(), req.uri().path());
    if holder.scope < needed {
        return refuse(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "This token may {}; {} {} needs a token that may {}.",
                holder.scope.label().to_lowercase(),
                req.method(),
                req.uri().path(),
                needed.label().to_lowercase()
            ),
        );
    }
    let change = (needed > TokenScope::Read).then(|| format!("{} {}", req.method(), req.uri().path()));
    let ip = {
        let (parts, body) = req.into_parts();
        let ip = client_address(&parts, &state.config.site.trusted_proxies).map(|ip| ip.to_string());
        req = Request::from_parts(parts, body);
        ip
    };
    req.extensions_mut().insert(SessionSlot {
        token: None,
        viewer: Arc::new(tokio::sync::OnceCell::new_with(Some(Some(holder.viewer.clone())))),
    });
    let res = next.run(req).await;
    let change = change.filter(|_| res.status().is_success());
    state.tokens.used(&holder, change, ip).await;
    res
}

/// The signed-in member of a plain axum request (the JSON API), if any; looked up once per request.
pub struct Caller(pub Option<Viewer>);

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(slot) = parts.extensions.get::<SessionSlot>().cloned() else { return Ok(Caller(None)) };
        Ok(Caller(slot.viewer(&state.accounts).await?))
    }
}

impl Caller {
    pub fn member(self) -> Result<Viewer, AppError> {
        self.0.ok_or(AppError::Unauthorized)
    }

    pub fn is_admin(&self) -> bool {
        self.0.as_ref().is_some_and(|v| v.is_admin)
    }
}

/// A signed-in admin, or a 401/403 before anything else of the request (such as its body) is read.
pub struct AdminCaller(pub Viewer);

impl axum::extract::FromRequestParts<AppState> for AdminCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        admin_only(Caller::from_request_parts(parts, state).await?.member()?).map(AdminCaller)
    }
}

fn request_parts() -> Option<axum::http::request::Parts> {
    leptos::prelude::use_context::<axum::http::request::Parts>()
}

/// The hash of this request's session token, if it carries one.
pub fn current_token_hash() -> Option<String> {
    let parts = request_parts()?;
    let slot = parts.extensions.get::<SessionSlot>()?;
    slot.token.as_deref().map(accounts::token_hash)
}

/// The signed-in member of the current request (inside a server function or a rendered page).
pub async fn current_user() -> Result<Option<Viewer>, AppError> {
    let Some(parts) = request_parts() else { return Ok(None) };
    let Some(slot) = parts.extensions.get::<SessionSlot>().cloned() else { return Ok(None) };
    slot.viewer(&app_state()?.accounts).await
}

pub async fn require_member() -> Result<Viewer, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

pub async fn require_admin() -> Result<Viewer, AppError> {
    admin_only(require_member().await?)
}

/// The member, if they are an admin.
fn admin_only(viewer: Viewer) -> Result<Viewer, AppError> {
    if viewer.is_admin {
        Ok(viewer)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The caller's address: the peer's, or, when the peer is a trusted proxy, the one it forwarded.
pub fn client_ip() -> Option<IpAddr> {
    let trusted = app_state().map(|s| s.config.site.trusted_proxies.clone()).unwrap_or_default();
    client_address(&request_parts()?, &trusted)
}

/// A request's client address, given the trusted proxies' addresses.
fn client_address(parts: &axum::http::request::Parts, trusted: &[String]) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if trusted.is_empty() {
        return Some(peer);
    }
    let trusted: Vec<IpAddr> = trusted.iter().filter_map(|a| a.parse().ok()).collect();
    // Every line of the header, in order: a proxy may add its hop as a line of its own, after
    // the one the client sent.
    let forwarded: Vec<&str> =
        parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    Some(forwarded_client(peer, Some(&forwarded.join(",")), &trusted))
}

/// The client address of a plain axum request (the JSON API), for the audit log.
pub struct ClientAddr(pub Option<String>);

impl axum::extract::FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_address(parts, &state.config.site.trusted_proxies).map(|ip| ip.to_string())))
    }
}

/// Walks `X-Forwarded-For` from the right (the hop nearest to us) past trusted proxies; the first
/// address that is not one is the client. Only a trusted peer's header is believed at all.
pub fn forwarded_client(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> =
        forwarded_for.unwrap_or("").split(',').filter_map(|h| h.trim().parse::<IpAddr>().ok()).collect();
    hops.iter().rev().find(|ip| !trusted.contains(ip)).copied().or(hops.first().copied()).unwrap_or(peer)
}

pub fn user_agent() -> Option<String> {
    request_parts()?.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// A cookie of this server's: for the whole site, out of reach of scripts, not sent with
/// requests other sites start (except plain links), and `Secure` over https.
pub fn site_cookie(name: &'static str, value: String, secure: bool) -> cookie::CookieBuilder<'static> {
    cookie::Cookie::build((name, value)).path("/").http_only(true).same_site(cookie::SameSite::Lax).secure(secure)
}

/// Sets the session cookie on the current response.
pub fn set_session_cookie(token: &str, max_age: Duration, secure: bool) {
    let cookie = site_cookie(COOKIE, token.to_string(), secure)
        .max_age(cookie::time::Duration::seconds(max_age.as_secs() as i64))
        .build();
    append_set_cookie(cookie.to_string());
}

pub fn clear_session_cookie(secure: bool) {
    let cookie = site_cookie(COOKIE, String::new(), secure).max_age(cookie::time::Duration::ZERO).build();
    append_set_cookie(cookie.to_string());
}

fn append_set_cookie(value: String) {
    if let (Some(options), Ok(value)) =
        (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), header::HeaderValue::from_str(&value))
    {
        options.append_header(header::SET_COOKIE, value);
    }
}

/// Refuses state-changing requests that a browser sent on behalf of another site: the
/// `Sec-Fetch-Site` header when the browser sends it, else `Origin` compared with `Host`.
/// Requests with neither come from non-browser clients, which carry no ambient cookies to abuse.
pub async fn forgery_guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || same_origin(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "cross-site request refused");
    let body = serde_json::json!({
        "code": "cross_site_request",
        "message": "This request came from another site and was refused. Use the form on this site.",
    });
    (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
}

fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match text(header::ORIGIN.as_str()) {
        None => true,
        Some(origin) => {
            let host = text(header::HOST.as_str()).unwrap_or_default();
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
            !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

/// Signs a member in: throttled, audited, a new server-side session and its cookie.
pub async fn sign_in(state: &AppState, username: &str, password: String) -> Result<Viewer, AppError> {
    let user_id = state.accounts.check_sign_in(username, password, client_ip()).await?;
    start_session(state, user_id).await?;
    state
        .accounts
        .viewer(user_id)
        .await?
        .ok_or_else(|| crate::server::observe::internal("member gone while signing in", user_id))
}

/// Ends the request's session, if any, and clears its cookie.
pub async fn end_session() -> Result<(), AppError> {
    let state = app_state()?;
    if let Some(hash) = current_token_hash() {
        state.accounts.close_session(&hash).await?;
    }
    clear_session_cookie(state.config.site.https);
    Ok(())
}

/// Opens a session for the member and sets its cookie on the response.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<(), AppError> {
    let config = &state.config;
    let lifetime = Duration::from_secs(config.accounts.session_days * 86_400);
    let ip = client_ip().map(|i| i.to_string());
    let token = state.accounts.open_session(user_id, lifetime, user_agent().as_deref(), ip.as_deref()).await?;
    set_session_cookie(&token, lifetime, config.site.https);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_token_must_be_well_formed() {
        let mut headers = HeaderMap::new();
        let token = "ab".repeat(32);
        headers.insert(header::COOKIE, format!("theme=dark; {COOKIE}={token}").parse().unwrap());
        assert_eq!(session_token(&headers), Some(token));
        headers.insert(header::COOKIE, format!("{COOKIE}=short").parse().unwrap());
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let headers = |pairs: &[(&str, &str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(header::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
            }
            h
        };
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!same_origin(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")])));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
        assert!(same_origin(&headers(&[])));
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let lb = ip("10.0.0.5");
        let trusted = [lb, ip("10.0.0.6")];
        assert_eq!(forwarded_client(lb, Some("203.0.113.7"), &trusted), ip("203.0.113.7"));
        // A client cannot pose as someone else by sending its own header through the proxy.
        assert_eq!(forwarded_client(lb, Some("198.51.100.1, 203.0.113.7"), &trusted), ip("203.0.113.7"));
        assert_eq!(forwarded_client(lb, Some("203.0.113.7, 10.0.0.6"), &trusted), ip("203.0.113.7"));
        assert_eq!(forwarded_client(ip("192.0.2.9"), Some("203.0.113.7"), &trusted), ip("192.0.2.9"));
        assert_eq!(forwarded_client(lb, None, &trusted), lb);
        assert_eq!(forwarded_client(lb, Some("garbage"), &trusted), lb);
    }

    #[test]
    fn every_forwarded_for_line_is_read_so_a_client_line_cannot_choose_the_address() {
        let request = axum::http::Request::builder()
            .header("x-forwarded-for", "198.51.100.1")
            .header("x-forwarded-for", "203.0.113.7")
            .extension(ConnectInfo(SocketAddr::from(([10, 0, 0, 5], 40_000))))
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        let trusted = ["10.0.0.5".to_string()];
        assert_eq!(client_address(&parts, &trusted), Some("203.0.113.7".parse().unwrap()));
    }
}
