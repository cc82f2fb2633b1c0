//! Lists that grow as the reader scrolls. The server renders the first run of a list; the browser
//! fetches the rest, one run after another, each from where the last one ended.

use crate::error::AppError;
use crate::model::Slice;
use leptos::prelude::*;
use std::future::Future;

/// What an infinite list is called in its messages: "film" gives "Loading more films…",
/// "More films" and "That is every film."
#[derive(Clone, Copy)]
pub struct Noun(pub &'static str);

/// Appends the rest of a list from offset `first` (none: the list is complete) as the reader nears
/// its end. `fetch` gets a run from an offset; items whose `key` is already shown are dropped (a
/// vote elsewhere can move one across a run's boundary); a failure shows its message with "Try
/// again" and stops further loads until then. With `more_href` the idle state is a "More …" link
/// to that address (what a reader without JavaScript follows); otherwise loading starts by scroll
/// alone. With `ahead`, the next run is fetched as soon as the list is idle and shown, without a
/// wait, when the reader nears the end (for a page that renders only its first run). `list`
/// renders the container with the items.
pub fn infinite_list<T, K, Fut>(
    first: Option<u32>,
    fetch: impl Fn(u32) -> Fut + Clone + Send + Sync + 'static,
    key: impl Fn(&T) -> K + Clone + Send + Sync + 'static,
    noun: Noun,
    more_href: Option<Callback<u32, String>>,
    ahead: bool,
    list: impl FnOnce(ReadSignal<Vec<T>>) -> AnyView,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    K: PartialEq,
    Fut: Future<Output = Result<Slice<T>, AppError>> + 'static,
{
    let items = RwSignal::new(Vec::<T>::new());
    let next = RwSignal::new(first);
    let loading = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    // The run fetched ahead, by the offset it starts at; a failure there is left for the
    // reader's own load to meet and show.
    let fetched_ahead = StoredValue::new(None::<(u32, Slice<T>)>);
    let fetching_ahead = StoredValue::new(false);
    let append = move |slice: Slice<T>, key: &dyn Fn(&T) -> K| {
        next.set(slice.next_offset());
        items.update(|shown| {
            let fresh: Vec<T> =
                slice.items.into_iter().filter(|item| !shown.iter().any(|old| key(old) == key(item))).collect();
            shown.extend(fresh);
        });
        failed.set(None);
    };
    let fetch_ahead = fetcher_ahead(ahead.then(|| fetch.clone()), next, loading, fetched_ahead, fetching_ahead);
    let load = {
        let fetch_ahead = fetch_ahead.clone();
        move || {
            let Some(offset) = next.get_untracked() else { return };
            if loading.get_untracked() {
                return;
            }
            let ready = fetched_ahead.try_update_value(|a| a.take()).flatten().filter(|(at, _)| *at == offset);
            if let Some((_, slice)) = ready {
                append(slice, &key);
                fetch_ahead();
                return;
            }
            loading.set(true);
            let (fetch, key, fetch_ahead) = (fetch.clone(), key.clone(), fetch_ahead.clone());
            leptos::task::spawn_local(async move {
                match fetch(offset).await {
                    Ok(slice) => append(slice, &key),
                    Err(e) => failed.set(Some(e.to_string())),
                }
                loading.set(false);
                fetch_ahead();
            });
        }
    };
    if ahead {
        fetch_when_idle(fetch_ahead);
    }
    let sentinel = NodeRef::<leptos::html::Div>::new();
    load_near_sentinel(sentinel, loading, failed, load.clone());
    let retry = load.clone();
    view! {
        {list(items.read_only())}
        <div class="more" node_ref=sentinel>
            {move || { failed.get().map(|msg| failure(msg, failed, retry.clone())) }}
            {move || status(next.get(), loading.get(), noun, more_href, load.clone())}
        </div>
    }
}

/// Fetches the run at the list's next offset into `ready`, unless there is no `fetch` (the list
/// does not fetch ahead), a load or another fetch ahead is on its way, or the run is there already.
fn fetcher_ahead<T, Fut>(
    fetch: Option<impl Fn(u32) -> Fut + Clone + 'static>,
    next: RwSignal<Option<u32>>,
    loading: RwSignal<bool>,
    ready: StoredValue<Option<(u32, Slice<T>)>>,
    busy: StoredValue<bool>,
) -> impl Fn() + Clone + 'static
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<Slice<T>, AppError>> + 'static,
{
    move || {
        let (Some(fetch), Some(offset)) = (fetch.clone(), next.get_untracked()) else { return };
        let idle = !loading.get_untracked() && !busy.get_value();
        if !idle || ready.with_value(|r| r.as_ref().is_some_and(|(at, _)| *at == offset)) {
            return;
        }
        busy.set_value(true);
        leptos::task::spawn_local(async move {
            if let Ok(slice) = fetch(offset).await {
                ready.set_value(Some((offset, slice)));
            }
            busy.set_value(false);
        });
    }
}

/// Below the items: "Loading more…" while a run loads, the end of the list, or (with `more_href`)
/// the link to the next page.
fn status(
    next: Option<u32>,
    loading: bool,
    Noun(noun): Noun,
    more_href: Option<Callback<u32, String>>,
    load: impl Fn() + 'static,
) -> Option<AnyView> {
    match (next, loading) {
        (_, true) => Some(
            view! {
                <p class="loading" aria-busy="true">
                    <span class="spinner"></span>
                    {format!("Loading more {noun}s…")}
                </p>
            }
            .into_any(),
        ),
        (None, false) => Some(view! { <p class="end-of-list">{format!("That is every {noun}.")}</p> }.into_any()),
        (Some(offset), false) => more_href.map(|href| more_link(href.run(offset), noun, load)),
    }
}

/// A failed load's message, with "Try again" (which clears it and loads again).
fn failure(message: String, failed: RwSignal<Option<String>>, retry: impl Fn() + 'static) -> impl IntoView {
    view! {
        <p class="error-text" role="alert">
            {message}
            " "
            <button
                class="link-button"
                on:click=move |_| {
                    failed.set(None);
                    retry();
                }
            >
                "Try again"
            </button>
        </p>
    }
}

/// "More films": a link to the next page for a reader without JavaScript; with it, a click loads
/// the next run in place.
fn more_link(href: String, noun: &'static str, load: impl Fn() + 'static) -> AnyView {
    view! {
        <a
            class="button more-link"
            rel="next"
            href=href
            on:click=move |ev| {
                ev.prevent_default();
                load();
            }
        >
            {format!("More {noun}s")}
        </a>
    }
    .into_any()
}

/// Calls `fetch` once the browser is idle after the page comes alive. Browser only.
fn fetch_when_idle(fetch: impl Fn() + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| request_idle_callback(fetch.clone()));
    #[cfg(not(feature = "hydrate"))]
    let _ = fetch;
}

/// Calls `load` whenever `sentinel` comes within 600 px of the viewport: on scroll, and after each
/// load finishes (a tall screen may need several runs at once). Stops while `failed` holds an
/// error, so a broken server is not asked again on every scroll event. Browser only.
fn load_near_sentinel(
    sentinel: NodeRef<leptos::html::Div>,
    loading: RwSignal<bool>,
    failed: RwSignal<Option<String>>,
    load: impl Fn() + Clone + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        let check = move || {
            if let Some(el) = sentinel.get_untracked() {
                let near = el.get_bounding_client_rect().top()
                    < window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(800.0) + 600.0;
                if near && failed.get_untracked().is_none() {
                    load();
                }
            }
        };
        let on_scroll = check.clone();
        let handle = window_event_listener(leptos::ev::scroll, move |_| on_scroll());
        on_cleanup(move || handle.remove());
        Effect::new(move |_| {
            if !loading.get() {
                check();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (sentinel, loading, failed, load);
}
