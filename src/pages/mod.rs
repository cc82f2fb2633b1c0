pub mod dashboard;
pub mod home;
pub mod movies;
pub mod not_found;
pub mod predictions;
pub mod vote;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The `?page=` of the current URL (0 when it is not a number, so the server can refuse it).
pub fn page_from_query() -> impl Fn() -> u32 + Clone + Send + Sync + 'static {
    let query = use_query_map();
    move || crate::validate::parse_page(query.read().get("page").as_deref())
}

/// The loading placeholder every section shares.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" aria-busy="true">"Loading…"</p> }
}
