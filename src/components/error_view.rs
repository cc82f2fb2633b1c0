use crate::error::AppError;
use leptos::prelude::*;

/// What a failed section shows: the error in plain words and a way on.
#[component]
pub fn ErrorView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <section class="error-panel" role="alert">
            <h2>"Sorry, this part could not be shown"</h2>
            <ul>
                {move || { errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view() }}
            </ul>
            <p>"Check the address, try again, or go " <a href="/">"home"</a> "."</p>
        </section>
    }
}

/// Why the last action beside it failed, in a line of its own; nothing while there is no problem.
#[component]
pub fn Problem(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|msg| {
            view! {
                <p class="error-text" role="alert">
                    {msg}
                </p>
            }
        })
    }
}

/// The error a form's server function sent back (from the address after a plain form post, or
/// from the call itself), shown above the form.
#[component]
pub fn FormError<T: Clone + Send + Sync + 'static>(
    #[prop(into)] value: Signal<Option<Result<T, AppError>>>,
) -> impl IntoView {
    move || {
        value.with(|v| match v {
            Some(Err(err)) => Some(view! {
                <p class="form-error" role="alert">
                    {err.to_string()}
                </p>
            }),
            _ => None,
        })
    }
}
