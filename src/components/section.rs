//! A part of a page that waits for its data: a loading line while it comes, the view once it is
//! there, and the error in plain words in its own panel when it fails.

use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

type LoadView = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = AnyView> + Send>> + Send + Sync>;

/// `load` makes the section's view from its data (a `Result` whose error the panel shows, or a
/// view that shows its own); it runs again whenever what it reads changes, as the body of a
/// `Suspend` does. The view is erased here, so every section of every page shares one compiled
/// `Suspense`, `ErrorBoundary` and `Suspend` instead of one each.
#[component]
pub fn Section<F, Fut, V>(
    load: F,
    /// The loading line's words.
    #[prop(default = "Loading…")]
    loading: &'static str,
    /// Shown instead of the loading line (`|| ()` for nothing).
    #[prop(optional, into)]
    fallback: Option<ViewFnOnce>,
) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    let load: LoadView = Arc::new(move || {
        let view = load();
        Box::pin(async move { view.await.into_any() })
    });
    let fallback = fallback.unwrap_or_else(|| (move || view! { <Loading text=loading /> }).into());
    section(fallback, load)
}

fn section(fallback: ViewFnOnce, load: LoadView) -> AnyView {
    view! {
        <Suspense fallback>
            <ErrorBoundary fallback=|errors| {
                view! { <ErrorView errors /> }
            }>{move || Suspend::new(load())}</ErrorBoundary>
        </Suspense>
    }
    .into_any()
}
