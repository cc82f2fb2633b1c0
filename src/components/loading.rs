use leptos::prelude::*;

/// The loading line every section shares.
#[component]
pub fn Loading(#[prop(default = "Loading…")] text: &'static str) -> impl IntoView {
    view! {
        <p class="loading" aria-busy="true">
            {text}
        </p>
    }
}
