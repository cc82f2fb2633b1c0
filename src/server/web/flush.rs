//! Makes a page's first flush end at a marker the page renders, so the first bytes a reader gets
//! already hold the part that matters (the predictions page: the header and the top 25), while
//! the rest of the response keeps streaming behind it.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

/// Rendered by a page right after the content that must be in the first flush.
pub const MARKER: &str = "data-first-flush";

/// Paths whose first flush is cut at the marker.
const PATHS: &[&str] = &["/predictions", "/vote"];

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub async fn first_flush(req: Request, next: Next) -> Response {
    let applies = PATHS.contains(&req.uri().path());
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !applies || !is_html {
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
