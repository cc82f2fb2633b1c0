//! Makes a page's first flush end at a marker the page renders, so the first bytes a reader gets
//! already hold the part that matters (the predictions page: the header and the top 25), while
//! the rest of the response keeps streaming behind it. And finishes, off-line, the render of a page
//! whose reader went away.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// Rendered by a page right after the content that must be in the first flush.
pub const MARKER: &str = "data-first-flush";

/// Paths whose first flush is cut at the marker.
const PATHS: &[&str] = &["/predictions", "/vote"];

/// Whether an answer is a page (HTML), by its content type.
pub fn is_html(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub async fn first_flush(req: Request, next: Next) -> Response {
    let applies = PATHS.contains(&req.uri().path());
    let res = next.run(req).await;
    if !applies || !is_html(res.headers()) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let stream = body.into_data_stream().boxed();
    // State: the body, and the bytes held back until the marker's element has closed.
    let coalesced = futures::stream::unfold((stream, Some(Vec::<u8>::new())), |(mut stream, held)| async move {
        let Some(mut buf) = held else {
            return stream.next().await.map(|item| (item, (stream, None)));
        };
        loop {
            match stream.next().await {
                Some(Ok(bytes)) => {
                    buf.extend_from_slice(&bytes);
                    if let Some(at) = position(&buf, MARKER.as_bytes()) {
                        // Cut after the marker element's closing tag, if it has arrived.
                        if let Some(end) = position(&buf[at..], b"</div>").map(|e| at + e + 6) {
                            let rest = buf.split_off(end);
                            let first: Result<Bytes, axum::Error> = Ok(Bytes::from(buf));
                            let tail = futures::stream::iter((!rest.is_empty()).then(|| Ok(Bytes::from(rest))));
                            let stream = tail.chain(stream).boxed();
                            return Some((first, (stream, None)));
                        }
                    }
                }
                Some(Err(e)) => return Some((Err(e), (stream, None))),
                None => {
                    let out = (!buf.is_empty()).then(|| Ok(Bytes::from(buf)));
                    return out.map(|o| (o, (stream, None)));
                }
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(coalesced))
}

/// Renders of pages whose reader went away, being finished now.
pub static FINISHING: AtomicI64 = AtomicI64::new(0);

/// The longest an abandoned render is carried on.
const FINISH_LIMIT: Duration = Duration::from_secs(30);

/// A page whose reader goes away (before its first byte, or mid-stream) is rendered to its end
/// anyway, its bytes thrown away, within `FINISH_LIMIT`. Dropping a render halfway disposes of its
/// reactive owner while the tasks of its pending `Suspend`s still run, and those then panic on the
/// values they read ("a reactive value that has already been disposed").
pub async fn finish_abandoned(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let page = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD)
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/");
    if !page {
        return next.run(req).await;
    }
    // Its own task: if the connection closes before the answer is ready, the task goes on, and
    // the answer it makes is then dropped like any other the reader left.
    let render = crate::server::observe::spawn_in_request(async move {
        let res = next.run(req).await;
        if is_html(res.headers()) {
            res.map(|body| Body::new(Finishing { inner: Some(body) }))
        } else {
            res
        }
    });
    match render.await {
        Ok(res) => res,
        // The last-resort layer answers a panic: hand it on as if it had happened here.
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

struct Finishing {
    /// None once the body has ended.
    inner: Option<Body>,
}

impl http_body::Body for Finishing {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let Some(inner) = self.inner.as_mut() else { return Poll::Ready(None) };
        let frame = Pin::new(inner).poll_frame(cx);
        if matches!(frame, Poll::Ready(None)) {
            self.inner = None;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.as_ref().map(http_body::Body::size_hint).unwrap_or_else(|| http_body::SizeHint::with_exact(0))
    }
}

impl Drop for Finishing {
    fn drop(&mut self) {
        let Some(body) = self.inner.take().filter(|b| !http_body::Body::is_end_stream(b)) else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        FINISHING.fetch_add(1, Ordering::SeqCst);
        metrics::counter!("http_abandoned_renders_total").increment(1);
        runtime.spawn(async move {
            let mut rest = body.into_data_stream();
            let finished = tokio::time::timeout(FINISH_LIMIT, async { while rest.next().await.is_some() {} }).await;
            if finished.is_err() {
                tracing::warn!(limit = ?FINISH_LIMIT, "an abandoned page's render did not finish in time");
            }
            FINISHING.fetch_sub(1, Ordering::SeqCst);
        });
    }
}
