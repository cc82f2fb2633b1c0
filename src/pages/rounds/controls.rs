//! What a reader can do in an open round, and what an admin can.

use super::ranking::RankingForm;
use super::*;

/// What a reader can do in an open round: rank the films (ranked rounds) or go and vote (approval),
/// and, for admins, close voting now or move the deadline.
#[component]
pub(super) fn RoundControls(
    round: Round,
    entries: Vec<(i64, String)>,
    on_change: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let id = round.id;
    let reader = Resource::new(move || id, round_reader);
    let ranked = round.method == VoteMethod::Ranked;
    let deadline = round.deadline_input.clone();
    let zone = round.time_zone.clone();
    view! {
        <Section
            fallback=|| ()
            load=move || {
                let entries = entries.clone();
                let deadline = deadline.clone();
                let zone = zone.clone();
                let on_change = on_change.clone();
                async move {
                    reader
                        .await
                        .map(|reader| {
                            let admin = reader.viewer.as_ref().is_some_and(|v| v.is_admin);
                            let ballot = match (ranked, reader.viewer.is_some()) {
                                (true, true) => view! { <RankingForm id entries ranking=reader.ranking /> }.into_any(),
                                (true, false) => {
                                    view! {
                                        <p>
                                            <a href=format!("/signin?next=/rounds/{id}")>"Sign in"</a>
                                            " to rank the films."
                                        </p>
                                    }
                                        .into_any()
                                }
                                (false, _) => {
                                    view! {
                                        <p>
                                            <a class="button primary" href="/vote">
                                                "Vote for the films you would watch"
                                            </a>
                                        </p>
                                    }
                                        .into_any()
                                }
                            };
                            view! {
                                {ballot}
                                {admin.then(|| view! { <AdminRoundForms id deadline zone on_change /> })}
                            }
                        })
                }
            }
        />
    }
}

/// Closing a round now and moving its deadline (admins).
#[component]
fn AdminRoundForms(
    id: i64,
    deadline: String,
    zone: String,
    on_change: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let close = ServerAction::<CloseRound>::new();
    let extend = ServerAction::<ExtendRound>::new();
    let changed = on_change.clone();
    crate::pages::on_action_result(close, move |result| {
        if result.is_ok() {
            changed()
        }
    });
    crate::pages::on_action_result(extend, move |result| {
        if result.is_ok() {
            on_change()
        }
    });
    view! {
        <section class="panel round-admin" aria-label="Run this round">
            <h2>"Run this round"</h2>
            <FormError value=close.value() />
            <ActionForm action=close>
                <input type="hidden" name="round_id" value=id />
                <button type="submit" class="button">
                    "Close voting now"
                </button>
            </ActionForm>
            <FormError value=extend.value() />
            <ActionForm action=extend>
                <input type="hidden" name="round_id" value=id />
                <label>
                    {format!("New deadline ({zone})")}
                    <input type="datetime-local" name="deadline" value=deadline required />
                </label>
                <button type="submit" class="button">
                    "Move the deadline"
                </button>
            </ActionForm>
        </section>
    }
}
