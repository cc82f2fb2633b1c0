use leptos::prelude::*;

/// Calls `load` whenever `sentinel` comes within 600 px of the viewport: on scroll, and after each
/// load finishes (a tall screen may need several pages at once). Stops while `failed` holds an
/// error, so a broken server is not asked again on every scroll event. Browser only.
pub fn load_near_sentinel(
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
