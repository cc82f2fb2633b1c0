//! Live counts on the vote page: after hydration the page follows `/events` (server-sent events)
//! and its cards and round banner change as others vote, without a reload. Without JavaScript the
//! page is simply current on each load. The browser reconnects by itself, sending the last event
//! id it saw, and the server fills the gap.

use leptos::prelude::*;
use std::collections::HashMap;

/// What the page has heard, shared by its proposal cards and its round banner.
#[derive(Clone, Copy)]
pub struct LiveCounts {
    /// The newest count heard for each proposal, with its version.
    pub counts: RwSignal<HashMap<i64, (i64, i64)>>,
    /// Bumped whenever a round opens, moves its deadline or closes.
    pub round_news: RwSignal<u64>,
    /// Whether the stream is open now.
    pub connected: RwSignal<bool>,
}

impl LiveCounts {
    /// The newest count heard for `proposal`, with its version, if any.
    pub fn count(&self, proposal: i64) -> Memo<Option<(i64, i64)>> {
        let counts = self.counts;
        Memo::new(move |_| counts.with(|c| c.get(&proposal).copied()))
    }
}

/// Keeps `(votes, version)` for `proposal` unless a newer version is kept already: two votes at
/// once may be heard in either order.
pub fn keep_newer(counts: &mut HashMap<i64, (i64, i64)>, proposal: i64, votes: i64, version: i64) {
    let kept = counts.entry(proposal).or_insert((votes, version));
    if version >= kept.1 {
        *kept = (votes, version);
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
            Ok(LiveEvent::Votes { proposal, votes, version }) => {
                live.counts.update(|c| keep_newer(c, proposal, votes, version))
            }
            Ok(LiveEvent::Counts { counts }) => live.counts.update(|c| {
                for (proposal, votes, version) in counts {
                    keep_newer(c, proposal, votes, version);
                }
            }),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of_two_counts_heard_out_of_order_the_newer_stays() {
        let mut counts = HashMap::new();
        keep_newer(&mut counts, 7, 5, 10);
        keep_newer(&mut counts, 7, 4, 9); // sent before the one above, heard after it
        assert_eq!(counts[&7], (5, 10));
        keep_newer(&mut counts, 7, 4, 11);
        assert_eq!(counts[&7], (4, 11));
        keep_newer(&mut counts, 8, 1, 0);
        assert_eq!(counts[&8], (1, 0));
    }
}
