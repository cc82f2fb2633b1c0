//! Pages that are the same for every visitor who is not signed in, rendered once per version of
//! their data and then served from memory: `/predictions` (each query string on its own). A
//! served copy is always current, because the key holds the version of the rankings it was built
//! from; and it carries this response's own CSP nonce, put in place of the one it was rendered with.

use super::guard::PageNonce;
use super::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use std::sync::Arc;

/// Paths whose page depends only on the query string and the rankings' version for visitors.
const PATHS: &[&str] = &["/predictions"];

pub struct CachedPage {
    version: u64,
    nonce: Arc<str>,
    status: StatusCode,
    headers: HeaderMap,
    /// As the page was flushed: the first chunk still ends after the top items.
    chunks: Vec<Bytes>,
}

pub type PageCache = moka::sync::Cache<String, Arc<CachedPage>>;

pub fn new_cache(ttl: std::time::Duration) -> PageCache {
    // Weighed by size: at most about 64 MiB of pages.
    moka::sync::Cache::builder()
        .weigher(|_: &String, page: &Arc<CachedPage>| {
            page.chunks.iter().map(|c| c.len()).sum::<usize>().try_into().unwrap_or(u32::MAX)
        })
        .max_capacity(64 * 1024 * 1024)
        .time_to_live(ttl)
        .build()
}

pub async fn page_cache(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cacheable = req.method() == Method::GET
        && PATHS.contains(&req.uri().path())
        && !req.uri().query().is_some_and(|q| q.contains("__"))
        && super::auth::hex_cookie(req.headers(), super::auth::COOKIE, 64).is_none();
    let nonce = req.extensions().get::<PageNonce>().cloned();
    let (true, Some(PageNonce(nonce))) = (cacheable, nonce) else { return next.run(req).await };
    let key = req.uri().to_string();
    let version = state.predictions.index().version;
    if let Some(page) = state.pages.get(&key).filter(|p| p.version == version) {
        metrics::counter!("page_cache_lookups_total", "outcome" => "hit").increment(1);
        return replay(&page, &nonce);
    }
    metrics::counter!("page_cache_lookups_total", "outcome" => "miss").increment(1);
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if res.status() != StatusCode::OK || !is_html {
        return res;
    }
    // Pass the page on as it streams, and keep a copy once it is complete.
    let (parts, body) = res.into_parts();
    let (status, headers) = (parts.status, parts.headers.clone());
    let pages = state.pages.clone();
    let mut chunks = Vec::new();
    let mut stream = body.into_data_stream();
    let teed = async_stream(move |yield_chunk| async move {
        while let Some(item) = stream.next().await {
            match item {
                Ok(bytes) => {
                    chunks.push(bytes.clone());
                    if yield_chunk.send(Ok(bytes)).await.is_err() {
                        return;
                    }
                }
                Err(err) => {
                    let _ = yield_chunk.send(Err(err)).await;
                    return;
                }
            }
        }
        pages.insert(key, Arc::new(CachedPage { version, nonce, status, headers, chunks }));
    });
    Response::from_parts(parts, Body::from_stream(teed))
}

/// A stream fed by a task: the task sends items, the stream yields them.
fn async_stream<F, Fut>(produce: F) -> impl futures::Stream<Item = Result<Bytes, axum::Error>> + Send + 'static
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<Bytes, axum::Error>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(produce(tx));
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}

fn replay(page: &CachedPage, nonce: &str) -> Response {
    let chunks: Vec<Result<Bytes, axum::Error>> =
        page.chunks.iter().map(|c| Ok(replace_all(c, page.nonce.as_bytes(), nonce.as_bytes()))).collect();
    let mut res = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    *res.status_mut() = page.status;
    *res.headers_mut() = page.headers.clone();
    res
}

/// `haystack` with every `from` replaced by `to` (nonces: same length, random, so no false matches).
fn replace_all(haystack: &Bytes, from: &[u8], to: &[u8]) -> Bytes {
    if from.is_empty() || from == to {
        return haystack.clone();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut last = 0;
    for at in memchr::memmem::find_iter(haystack, from) {
        out.extend_from_slice(&haystack[last..at]);
        out.extend_from_slice(to);
        last = at + from.len();
    }
    out.extend_from_slice(&haystack[last..]);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_replaced_everywhere() {
        let page = Bytes::from_static(b"<script nonce=\"AAAA\">x</script><script nonce=\"AAAA\">y</script>");
        assert_eq!(
            replace_all(&page, b"AAAA", b"BBBB"),
            Bytes::from_static(b"<script nonce=\"BBBB\">x</script><script nonce=\"BBBB\">y</script>")
        );
    }
}
