//! Pages rendered once per version of their data and then served from memory:
//!
//! - `/predictions` for visitors (not signed in), per query string and version of the rankings;
//! - `/vote` for visitors and for each signed-in member, per query string and session, per version
//!   of the club's data. Every change moves that version on: any write that went through (votes,
//!   proposals, sign-outs, imports: whatever it was; not a refused one) and each IMDb refresh. A
//!   member's copy is kept only when their session named a member, and for a minute at most (the
//!   page says "2 min ago"; a session that expires by time rather than by a sign-out is gone within
//!   the minute).
//!
//! A served copy is always current, because the key holds the version it was built from; and it
//! carries this response's own CSP nonce, put in place of the one it was rendered with.

use crate::server::services::predictions::Predictions;
use crate::server::services::versions::ClubVersion;
use crate::server::web::auth::SessionSlot;
use crate::server::web::guard::PageNonce;
use crate::server::web::kept_pages::{club_key, CachedPage, PageCache, Pages};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// Paths whose page depends only on the query string and the rankings' version, for visitors.
const RANKING_PATHS: &[&str] = &["/predictions"];
/// Paths whose page depends on the query string, the session and the club's data.
const CLUB_PATHS: &[&str] = &["/vote"];

/// The longest a reader waits for another's render of the same page before rendering its own
/// (a render held up by a slow reader must not hold up everyone).
const GATE_WAIT: Duration = Duration::from_secs(2);

/// What the page cache works with: the kept pages, and the versions of the data they are built from.
#[derive(Clone)]
pub struct Keeping {
    pub pages: Pages,
    pub predictions: Arc<Predictions>,
    pub club_version: ClubVersion,
}

/// Where a GET's page may be kept: which cache, under which key, for which data version.
struct Slot {
    pages: PageCache,
    gates: crate::server::cache::Cache<String, Arc<tokio::sync::Mutex<()>>>,
    key: String,
    version: u64,
    /// The session, for pages kept per member: stored only if it turned out to name one.
    session: Option<SessionSlot>,
}

fn slot_for(state: &Keeping, req: &Request) -> Option<Slot> {
    let path = req.uri().path();
    // Error links (`__sig`, `__error`) belong to one form post; never kept.
    if req.method() != Method::GET || req.uri().query().is_some_and(|q| q.contains("__")) {
        return None;
    }
    let token = crate::server::web::auth::hex_cookie(req.headers(), crate::server::web::auth::COOKIE, 64);
    if RANKING_PATHS.contains(&path) && token.is_none() {
        return Some(Slot {
            pages: state.pages.rankings.clone(),
            gates: state.pages.gates.clone(),
            key: req.uri().to_string(),
            version: state.predictions.index().version,
            session: None,
        });
    }
    if CLUB_PATHS.contains(&path) {
        let session = match token {
            Some(_) => Some(req.extensions().get::<SessionSlot>().cloned()?),
            None => None,
        };
        return Some(Slot {
            pages: state.pages.club.clone(),
            gates: state.pages.gates.clone(),
            key: club_key(&req.uri().to_string(), token.as_deref()),
            version: state.club_version.get(),
            session,
        });
    }
    None
}

pub async fn page_cache(State(state): State<Keeping>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let res = next.run(req).await;
        // After the change is made: a page rendered before this point is out of date from now on.
        // A refused or failed write changed nothing, so it leaves kept pages alone (otherwise
        // anyone could keep them cold with `POST /nope`).
        if took_effect(res.status(), res.headers()) {
            state.club_version.bump();
        }
        return res;
    }
    let nonce = req.extensions().get::<PageNonce>().cloned();
    let (Some(slot), Some(PageNonce(nonce))) = (slot_for(&state, &req), nonce) else { return next.run(req).await };
    let kept = |slot: &Slot| slot.pages.get(&slot.key).filter(|p| p.version == slot.version);
    if let Some(page) = kept(&slot) {
        metrics::counter!("page_cache_lookups_total", "outcome" => "hit").increment(1);
        return replay(&page, &nonce);
    }
    let gate = slot.gates.get_with(slot.key.clone(), Default::default);
    let turn = tokio::time::timeout(GATE_WAIT, gate.lock_owned()).await.ok();
    if let Some(page) = kept(&slot) {
        metrics::counter!("page_cache_lookups_total", "outcome" => "waited").increment(1);
        return replay(&page, &nonce);
    }
    metrics::counter!("page_cache_lookups_total", "outcome" => "miss").increment(1);
    let res = next.run(req).await;
    if res.status() != StatusCode::OK
        || !crate::server::web::flush::is_html(res.headers())
        || res.headers().contains_key(header::SET_COOKIE)
    {
        return res;
    }
    // Pass the page on as it streams, and keep a copy once it is complete.
    let (parts, body) = res.into_parts();
    let (status, headers) = (parts.status, parts.headers.clone());
    let Slot { pages, key, version, session, .. } = slot;
    let mut chunks = Vec::new();
    let mut stream = body.into_data_stream();
    let teed = async_stream(move |yield_chunk| async move {
        // A reader who goes away does not stop the render: the copy is finished and kept.
        let mut reader = Some(yield_chunk);
        while let Some(item) = stream.next().await {
            match item {
                Ok(bytes) => {
                    chunks.push(bytes.clone());
                    if let Some(to) = &reader {
                        if to.send(Ok(bytes)).await.is_err() {
                            reader = None;
                        }
                    }
                }
                Err(err) => {
                    if let Some(to) = &reader {
                        let _ = to.send(Err(err)).await;
                    }
                    return;
                }
            }
        }
        // A made-up session cookie gets its page, but no place in memory.
        if session.is_none_or(|s| s.signed_in() == Some(true)) {
            pages.insert(key, Arc::new(CachedPage { version, nonce, status, headers, chunks }));
        }
        // Those waiting for this render go on once the copy is in place.
        drop(turn);
    });
    Response::from_parts(parts, Body::from_stream(teed))
}

/// Whether a write's answer says it went through: a success, or a form post's redirect that
/// carries no error (a failed plain form post is sent back with `__err` in its link).
fn took_effect(status: StatusCode, headers: &HeaderMap) -> bool {
    status.is_success()
        || (status.is_redirection()
            && !headers
                .get(header::LOCATION)
                .is_some_and(|l| l.to_str().map_or(true, |l| l.contains("__err=") || l.contains("__err%"))))
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
    fn only_writes_that_went_through_move_the_version() {
        let location = |to: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::LOCATION, to.parse().unwrap());
            headers
        };
        assert!(took_effect(StatusCode::OK, &HeaderMap::new()));
        assert!(took_effect(StatusCode::SEE_OTHER, &location("/vote")));
        for status in [StatusCode::NOT_FOUND, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::CONFLICT] {
            assert!(!took_effect(status, &HeaderMap::new()), "{status}");
        }
        assert!(!took_effect(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new()));
        assert!(!took_effect(StatusCode::SEE_OTHER, &location("/vote?__path=%2Fapi%2Fcast_vote&__err=x")));
    }

    #[test]
    fn nonces_are_replaced_everywhere() {
        let page = Bytes::from_static(b"<script nonce=\"AAAA\">x</script><script nonce=\"AAAA\">y</script>");
        assert_eq!(
            replace_all(&page, b"AAAA", b"BBBB"),
            Bytes::from_static(b"<script nonce=\"BBBB\">x</script><script nonce=\"BBBB\">y</script>")
        );
    }
}
