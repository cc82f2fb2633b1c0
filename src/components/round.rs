//! The open voting round, as a banner on the vote page: its name, deadline and screening.

use crate::components::error_view::ErrorView;
use crate::error::AppError;
use crate::model::{format_time_utc, Round};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(endpoint = "current_round", input = GetUrl)]
pub async fn current_round() -> Result<Option<Round>, AppError> {
    use crate::server::web::{http::respond, state::app_state};
    respond(async move { app_state()?.rounds.current().await }).await
}

/// How a ballot is counted, in words.
pub fn method_words(method: &str) -> &'static str {
    match method {
        "ranked" => "ranked choice (instant runoff)",
        _ => "approval (vote for every film you would watch)",
    }
}

#[component]
pub fn OpenRound() -> impl IntoView {
    let round = Resource::new(|| (), |_| current_round());
    view! {
        <Suspense fallback=|| ()>
            <ErrorBoundary fallback=|errors| {
                view! { <ErrorView errors /> }
            }>
                {move || Suspend::new(async move {
                    round
                        .await
                        .map(|round| {
                            round
                                .map(|r| {
                                    let href = format!("/rounds/{}", r.id);
                                    view! {
                                        <section class="open-round" aria-label="This round">
                                            <h2>
                                                <a href=href>{r.name.clone()}</a>
                                            </h2>
                                            <p>
                                                "Voting closes "
                                                <time datetime=r
                                                    .deadline
                                                    .to_string()>{format_time_utc(r.deadline)}</time>
                                                "; the screening is at " {format_time_utc(r.screening_at)} " ("
                                                {r.time_zone.clone()} "). Ballot: " {method_words(&r.method)} "."
                                            </p>
                                        </section>
                                    }
                                })
                        })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
