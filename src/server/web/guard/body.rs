//! Request bodies: read ahead for the admission check, held to their limits, and forms checked to be UTF-8.

use super::*;

/// A request body that did not arrive within its time: the client is too slow, or stalled.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimedOut;

/// A response body that holds its request's place until it is sent (or dropped).
pub(super) struct HeldBody {
    pub(super) inner: Body,
    pub(super) _sent: tokio::sync::oneshot::Sender<()>,
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

pub(super) fn too_large(headers: &HeaderMap) -> Response {
    plain_error(
        headers,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        &format!("The request is too large: at most {} KiB.", SERVER_FN_MAX_BODY / 1024),
    )
}

pub(super) fn not_text(headers: &HeaderMap) -> Response {
    closing(plain_error(
        headers,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "The request holds characters that are not text (UTF-8); send it again from Marquee's page.",
    ))
}

/// A server function's form, read in full (it is at most `SERVER_FN_MAX_BODY`) and refused when a
/// name or value is not UTF-8: decoded leniently, a `%ff` would be stored as "�".
pub(super) async fn checked_form(req: Request) -> Result<Request, Response> {
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
