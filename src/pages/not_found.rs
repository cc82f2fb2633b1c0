use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="empty-state">
            <h1>"Nothing showing here"</h1>
            <p>"The page you asked for does not exist. It may have moved, or the address has a typo."</p>
            <p>
                <a class="button" href="/">
                    "Back to the home page"
                </a>
            </p>
        </section>
    }
}
