//! Parts of a page that wait for their data: a loading line while it comes, the view once it is
//! there and, for a `Section`, the error in plain words when it fails.

use crate::components::error_view::ErrorView;
use crate::components::loading::Loading;
use crate::error::AppError;
use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

type ViewFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type LoadView<T> = Arc<dyn Fn() -> ViewFuture<T> + Send + Sync>;

/// `load` makes the section's view from its data; it runs again whenever what it reads changes,
/// as the body of a `Suspend` does. Its view is erased here, so every section of every page
/// shares one compiled `Suspense`, `ErrorBoundary` and `Suspend` instead of one each.
#[component]
pub fn Section<F, Fut, V>(
    load: F,
    /// Shown while the data comes; the shared loading line unless given.
    #[prop(optional, into)]
    fallback: Option<ViewFnOnce>,
) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<V, AppError>> + Send + 'static,
    V: IntoView + 'static,
{
    let load: LoadView<Result<AnyView, AppError>> = Arc::new(move || {
        let view = load();
        Box::pin(async move { view.await.map(IntoAny::into_any) })
    });
    section(fallback.unwrap_or_else(|| Loading.into()), load)
}

/// A part of a page that waits for its data and shows its own failures, if it has any to show,
/// in its own way (or leaves them to the section around it). Erased like `Section`.
#[component]
pub fn Waiting<F, Fut, V>(
    load: F,
    /// Shown while the data comes; the shared loading line unless given.
    #[prop(optional, into)]
    fallback: Option<ViewFnOnce>,
) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    let load: LoadView<AnyView> = Arc::new(move || {
        let view = load();
        Box::pin(async move { view.await.into_any() })
    });
    waiting(fallback.unwrap_or_else(|| Loading.into()), load)
}

fn waiting(fallback: ViewFnOnce, load: LoadView<AnyView>) -> AnyView {
    view! { <Suspense fallback>{move || Suspend::new(load())}</Suspense> }.into_any()
}

fn section(fallback: ViewFnOnce, load: LoadView<Result<AnyView, AppError>>) -> AnyView {
    view! {
        <Suspense fallback>
            <ErrorBoundary fallback=|errors| {
                view! { <ErrorView errors /> }
            }>{move || Suspend::new(load())}</ErrorBoundary>
        </Suspense>
    }
    .into_any()
}
