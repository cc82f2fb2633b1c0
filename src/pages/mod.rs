pub mod account;
pub mod admin;
pub mod api_docs;
pub mod dashboard;
pub mod home;
pub mod letterboxd;
pub mod movie;
pub mod movies;
pub mod not_found;
pub mod predictions;
pub mod propose;
pub mod rounds;
pub mod vote;
pub mod watched;

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The `?page=` of the current URL (0 when it is not a number, so the server can refuse it).
pub fn page_from_query() -> impl Fn() -> u32 + Clone + Send + Sync + 'static {
    let query = use_query_map();
    move || crate::validate::parse_page(query.read().get("page").as_deref())
}

pub use crate::components::loading::Loading;

/// Runs `f` on each result of `action` the browser receives (not on an error carried in the
/// address after a form post without JavaScript: the page shows that one once).
pub fn on_action_result<S>(action: ServerAction<S>, f: impl Fn(&Result<S::Output, AppError>) + 'static)
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::watch(
        move || action.value().get(),
        move |value, _, _| {
            if let Some(result) = value {
                f(result)
            }
        },
        false,
    );
}
