//! Error links (a no-JS form's error shown on the page it came from), the flash cookie, and the error pages.

use super::*;

pub(super) const ERROR_PARAMS: [&str; 3] = ["__path", "__err", "__sig"];

/// The pairs of a query string that carries an error link (one of `ERROR_PARAMS` as a key).
pub(super) fn error_link_pairs(query: &str) -> Option<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    pairs.iter().any(|(k, _)| ERROR_PARAMS.contains(&k.as_str())).then_some(pairs)
}

pub(super) fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
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
pub(super) fn without_error_link(path: &str, pairs: &[(String, String)]) -> Response {
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
pub(super) fn flash_cookie(headers: &HeaderMap) -> Option<String> {
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

pub(super) fn closing(mut res: Response) -> Response {
    res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// An error answered before any handler ran: JSON for scripts, a short page for browsers.
pub(super) fn plain_error(headers: &HeaderMap, status: StatusCode, code: &str, message: &str) -> Response {
    if wants_html(headers) {
        html_error(status, message)
    } else {
        json_error(status, code, message)
    }
}

pub(super) fn html_error(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Marquee</title></head>\
         <body><p>{}</p><p><a href=\"/\">Marquee</a></p></body></html>",
        html_escape::encode_text(message)
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

pub(super) fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "code": code, "message": message }))).into_response()
}
