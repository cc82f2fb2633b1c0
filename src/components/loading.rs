use leptos::prelude::*;

/// The loading placeholder every section shares.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="loading" aria-busy="true">
            "Loading…"
        </p>
    }
}
