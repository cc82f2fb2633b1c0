//! `/events`: the live event stream open vote pages follow (server-sent events). It carries vote
//! counts and round news, never who voted. Streams are limited per client address and in all, and
//! are not counted against the requests in flight (they wait, mostly).

use crate::model::LiveEvent;
use crate::server::services::live::{Item, Live, Refusal, Slot, Start};
use crate::server::web::auth::ClientAddr;
use crate::server::web::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{error::RecvError, Receiver};

pub const PATH: &str = crate::model::LIVE_EVENTS_PATH;

/// How long a browser waits before reconnecting a lost stream.
const RETRY: Duration = Duration::from_secs(2);
/// How long it waits when its server is stopping: long enough for a restart to be under way.
const CLOSING_RETRY: Duration = Duration::from_secs(1);

pub async fn events(State(state): State<AppState>, ClientAddr(client): ClientAddr, headers: HeaderMap) -> Response {
    let live = state.coherence.live().clone();
    // Counted per client address, IPv6 ones by their /64.
    let client_key = client.as_deref().and_then(|c| c.parse().ok()).map(crate::server::services::accounts::limit_key);
    let slot = match live.open(client_key.as_deref().unwrap_or("unknown")) {
        Ok(slot) => slot,
        Err(refusal) => {
            let (status, message) = match refusal {
                Refusal::Client => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many pages from your address are following live counts. Close some tabs and reload.",
                ),
                Refusal::Server => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The server is following as many pages as it can. Reload to see the latest counts.",
                ),
                Refusal::Closing => (StatusCode::SERVICE_UNAVAILABLE, "The server is restarting. Reload in a moment."),
            };
            metrics::counter!("live_streams_refused_total").increment(1);
            let body = serde_json::json!({ "code": "too_many_streams", "message": message });
            return (status, [(header::RETRY_AFTER, "30")], axum::Json(body)).into_response();
        }
    };
    let last_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let (start, receiver) = live.subscribe(last_id);
    let closing = live.closing();
    let mut stream = Stream {
        live,
        club: state.club.clone(),
        receiver,
        closing,
        ended: false,
        queue: VecDeque::new(),
        seen: 0,
        _slot: slot,
    };
    match start {
        Start::Replay(items) => {
            stream.seen = items.last().map_or(0, Item::number);
            for item in items {
                stream.queue_item(item);
            }
        }
        Start::Counts(n) => stream.queue_counts(n),
    }
    // The first event tells the browser how soon to come back after a lost connection.
    if let Some(first) = stream.queue.front_mut() {
        first.retry = true;
    }
    let events = futures::stream::unfold(stream, |mut stream| async move {
        let event = stream.next().await?;
        Some((Ok::<Event, Infallible>(event), stream))
    });
    // A comment now and then keeps proxies from closing a quiet stream; writing it is also how a
    // closed page's stream is noticed.
    let every = Duration::from_secs(state.config.limits.live_keep_alive_secs);
    let mut res = Sse::new(events).keep_alive(KeepAlive::new().interval(every)).into_response();
    // nginx: pass each event on as it comes.
    res.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

/// Something to send: an event that is ready, or every count, read when it is its turn.
struct Queued {
    number: u64,
    json: Option<Arc<str>>,
    retry: bool,
}

struct Stream {
    live: Arc<Live>,
    club: crate::server::services::club::Club,
    receiver: Receiver<Item>,
    /// Becomes true when the server stops: the stream says goodbye and ends.
    closing: tokio::sync::watch::Receiver<bool>,
    ended: bool,
    queue: VecDeque<Queued>,
    /// The last event number sent (or known to be included in counts sent).
    seen: u64,
    _slot: Slot,
}

impl Stream {
    fn queue_counts(&mut self, number: u64) {
        self.queue.push_back(Queued { number, json: None, retry: false });
    }

    fn queue_item(&mut self, item: Item) {
        match item {
            Item::Event(n, json, then_counts) => {
                self.queue.push_back(Queued { number: n, json: Some(json), retry: false });
                if then_counts {
                    self.queue_counts(n);
                }
            }
            Item::Resync(n) => self.queue_counts(n),
        }
    }

    /// The last word of a stream whose server is stopping: come back soon (to this server once it
    /// is back, or to another behind the load balancer).
    fn goodbye(&mut self) -> Option<Event> {
        if std::mem::replace(&mut self.ended, true) {
            return None;
        }
        Some(Event::default().comment("the server is restarting").retry(CLOSING_RETRY))
    }

    /// The next event to send; none ends the stream (the browser reconnects).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if *self.closing.borrow() {
                return self.goodbye();
            }
            if let Some(queued) = self.queue.pop_front() {
                let json = match queued.json {
                    Some(json) => json.to_string(),
                    None => match self.club.counts().await {
                        Ok(counts) => serde_json::to_string(&LiveEvent::Counts { counts }).ok()?,
                        // Ending the stream makes the browser try again shortly.
                        Err(err) => {
                            tracing::warn!(%err, "live stream: could not read the counts");
                            return None;
                        }
                    },
                };
                self.seen = self.seen.max(queued.number);
                let event = Event::default().id(self.live.event_id(queued.number)).data(json);
                return Some(if queued.retry { event.retry(RETRY) } else { event });
            }
            let received = tokio::select! {
                received = self.receiver.recv() => Some(received),
                _ = self.closing.wait_for(|closing| *closing) => None,
            };
            let Some(received) = received else { return self.goodbye() };
            match received {
                Ok(item) if item.number() > self.seen => self.queue_item(item),
                Ok(_) => {}
                // Too far behind to catch up event by event.
                Err(RecvError::Lagged(_)) => self.queue_counts(self.seen),
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
