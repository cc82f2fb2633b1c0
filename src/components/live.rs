//! Live counts on the vote page: after hydration the page follows `/events` (server-sent events)
//! and its cards and round banner change as others vote, without a reload. Without JavaScript the
//! page is simply current on each load. The browser reconnects by itself, sending the last event
//! id it saw, and the server fills the gap.

use leptos::prelude::*;
use std::collections::HashMap;

/// What the page has heard, shared by its proposal cards and its round banner.
#[derive(Clone, Copy)]
pub struct LiveCounts {
    /// The latest count heard for each proposal.
    pub counts: RwSignal<HashMap<i64, i64>>,
    /// Bumped whenever a round opens, moves its deadline or closes.
    pub round_news: RwSignal<u64>,
    /// Whether the stream is open now.
    pub connected: RwSignal<bool>,
}

impl LiveCounts {
    /// The latest count heard for `proposal`, if any.
    pub fn count(&self, proposal: i64) -> Memo<Option<i64>> {
        let counts = self.counts;
        Memo::new(move |_| counts.with(|c| c.get(&proposal).copied()))
    }
}

/// Makes the page follow live counts (in the browser, once hydrated) and shares what it hears.
pub fn provide_live_counts() -> LiveCounts {
    let live = LiveCounts {
        counts: RwSignal::new(HashMap::new()),
        round_news: RwSignal::new(0),
        connected: RwSignal::new(false),
    };
    provide_context(live);
    // Effects run in the browser only.
    Effect::new(move |_| follow(live));
    live
}

#[cfg(feature = "hydrate")]
fn follow(live: LiveCounts) {
    use crate::model::LiveEvent;
    use wasm_bindgen::prelude::*;
    let Ok(source) = web_sys::EventSource::new(crate::model::LIVE_EVENTS_PATH) else { return };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<LiveEvent>(&text) {
            Ok(LiveEvent::Votes { proposal, votes }) => live.counts.update(|c| {
                c.insert(proposal, votes);
            }),
            Ok(LiveEvent::Counts { counts }) => live.counts.update(|c| c.extend(counts)),
            Ok(LiveEvent::Round { .. }) => live.round_news.update(|n| *n += 1),
            Err(_) => {}
        }
    });
    let on_open = Closure::<dyn FnMut()>::new(move || live.connected.set(true));
    // The browser tries again by itself; until it succeeds the page says it is not live.
    let on_error = Closure::<dyn FnMut()>::new(move || live.connected.set(false));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let kept = send_wrapper::SendWrapper::new((source, on_message, on_open, on_error));
    on_cleanup(move || {
        let (source, ..) = kept.take();
        source.close();
    });
}

#[cfg(not(feature = "hydrate"))]
fn follow(_: LiveCounts) {}

/// Says whether the counts on the page are live.
#[component]
pub fn LiveBadge() -> impl IntoView {
    let live = use_context::<LiveCounts>();
    let connected = move || live.is_some_and(|l| l.connected.get());
    view! {
        <span
            class="live-badge"
            data-live=move || if connected() { "connected" } else { "off" }
            hidden=move || !connected()
        >
            "● Live counts"
        </span>
    }
}
