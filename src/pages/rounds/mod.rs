//! `/rounds`: the club's movie nights, newest first; `/rounds/{id}`: one round's result, with every
//! count, each elimination and how a tie was settled.

use crate::ballots::{Step, TieBreak};
use crate::components::club::VoteTabs;
use crate::components::error_view::FormError;
use crate::components::pager::Pager;
use crate::components::round::method_words;
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{format_time_utc, CarryOver, Round, RoundResult, RoundStatus, Slice, Viewer, VoteMethod};
use crate::pages::page_from_query;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::collections::HashMap;

mod controls;
mod ranking;
mod round;

pub use round::RoundPage;

#[server(endpoint = "rounds", input = GetUrl)]
pub async fn list_rounds(page: u32) -> Result<Slice<Round>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        const PER_PAGE: u32 = 20;
        let offset = crate::validate::page_offset(page, PER_PAGE)?;
        call.state.rounds.list(offset, PER_PAGE).await
    })
    .await
}

#[server(endpoint = "round_result", input = GetUrl)]
pub async fn get_round_result(id: String) -> Result<RoundResult, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound("That round".into()))?;
        call.state.rounds.result(id).await
    })
    .await
}

/// Who reads a round's page, and their ranking in it (most wanted first).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReaderInRound {
    pub viewer: Option<Viewer>,
    pub ranking: Vec<i64>,
}

#[server(endpoint = "round_reader", input = GetUrl)]
pub async fn round_reader(round_id: i64) -> Result<ReaderInRound, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.viewer().await?;
        let ranking = match &viewer {
            Some(v) => call.state.rounds.my_ranking(v, round_id).await?,
            None => Vec::new(),
        };
        Ok(ReaderInRound { viewer, ranking })
    })
    .await
}

/// A member's ranked ballot from the round page: a number per film (`ranks[proposal]`), blank for
/// films they would rather not see.
#[server(endpoint = "save_ranking")]
pub async fn save_ranking(round_id: i64, ranks: HashMap<String, String>) -> Result<usize, AppError> {
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let ids = crate::validate::ranking_from_numbers(ranks.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        if ids.is_empty() {
            return Err(AppError::BadRequest("Number at least one film: 1 for the one you most want to watch.".into()));
        }
        call.state.rounds.cast(&viewer, round_id, &crate::model::Ballot::Ranking(ids.clone())).await?;
        http::redirect_form_post(&format!("/rounds/{round_id}"));
        Ok(ids.len())
    })
    .await
}

/// Opens a round from the form on `/rounds` (admins); times are read in the round's time zone.
#[server(endpoint = "open_round")]
pub async fn open_round(
    name: String,
    screening: String,
    time_zone: String,
    deadline: String,
    method: String,
    carry_over: String,
) -> Result<i64, AppError> {
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let admin = call.admin().await?;
        use crate::server::services::zones::to_utc;
        let round = crate::model::NewRound {
            name,
            screening_at: to_utc(&screening, &time_zone, "screening")?,
            deadline: to_utc(&deadline, &time_zone, "voting deadline")?,
            time_zone,
            method,
            carry_over,
        };
        let round = call.state.rounds.open(&admin, &round).await?;
        http::redirect_form_post(&format!("/rounds/{}", round.id));
        Ok(round.id)
    })
    .await
}

/// Closes an open round now (admins): the same count as at the deadline.
#[server(endpoint = "close_round")]
pub async fn close_round(round_id: i64) -> Result<(), AppError> {
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let admin = call.admin().await?;
        call.state.rounds.close_early(&admin, round_id).await?;
        http::redirect_form_post(&format!("/rounds/{round_id}"));
        Ok(())
    })
    .await
}

/// Moves an open round's deadline (admins), read in the round's time zone.
#[server(endpoint = "extend_round")]
pub async fn extend_round(round_id: i64, deadline: String) -> Result<(), AppError> {
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let admin = call.admin().await?;
        call.state.rounds.extend_to_local(&admin, round_id, &deadline).await?;
        http::redirect_form_post(&format!("/rounds/{round_id}"));
        Ok(())
    })
    .await
}

/// What happens to the films a round does not pick, in words.
fn carry_over_words(carry_over: CarryOver) -> &'static str {
    match carry_over {
        CarryOver::WithoutVotes => "carry over to the next round without their votes",
        CarryOver::Archive => "are archived: they leave the list",
        CarryOver::WithVotes => "carry over to the next round with their votes",
    }
}

#[component]
pub fn RoundsPage() -> impl IntoView {
    let page = page_from_query();
    let data = Resource::new_blocking(page, list_rounds);
    view! {
        <Title text="Movie nights" />
        <h1>"Movie nights"</h1>
        <VoteTabs current="/rounds" />
        <OpenRoundForm />
        <Section load=move || async move {
            data.await
                .map(|rounds| {
                    let (page, has_more) = (rounds.page(), rounds.has_more());
                    view! {
                        {rounds
                            .items
                            .is_empty()
                            .then(|| view! { <p class="empty">"No rounds yet: an admin opens one."</p> })}
                        <ol class="rounds">
                            {rounds.items.into_iter().map(|r| view! { <RoundItem r /> }).collect_view()}
                        </ol>
                        <Pager page has_more href=|page| format!("/rounds?page={page}") />
                    }
                })
        } />
    }
}

/// The form admins open a round with.
#[component]
fn OpenRoundForm() -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::components::session::whoami());
    let action = ServerAction::<OpenRound>::new();
    let navigate = leptos_router::hooks::use_navigate();
    crate::pages::on_action_result(action, move |result| {
        if let Ok(id) = result {
            navigate(&format!("/rounds/{id}"), Default::default());
        }
    });
    view! {
        <Section
            fallback=|| ()
            load=move || async move {
                let admin = me.await.ok().flatten().is_some_and(|v| v.is_admin);
                admin
                    .then(|| {
                        view! {
                            <details class="panel open-round-form">
                                <summary>"Open a round"</summary>
                                <FormError value=action.value() />
                                <ActionForm action>
                                    <label>
                                        "Name"
                                        <input name="name" required maxlength="80" placeholder="Friday 12 December" />
                                    </label>
                                    <label>
                                        "Time zone" <input name="time_zone" value="UTC" required maxlength="64" />
                                        <small class="muted">
                                            "A name such as Europe/Paris: the times below are in it."
                                        </small>
                                    </label>
                                    <label>
                                        "Voting closes" <input type="datetime-local" name="deadline" required />
                                    </label>
                                    <label>"Screening" <input type="datetime-local" name="screening" required /></label>
                                    <label>
                                        "Ballot" <select name="method">
                                            <option value="approval" selected>
                                                "Approval: vote for every film you would watch"
                                            </option>
                                            <option value="ranked">"Ranked choice: order the films"</option>
                                        </select>
                                    </label>
                                    <label>
                                        "Films not picked" <select name="carry_over">
                                            <option value="with_votes" selected>
                                                "carry over with their votes"
                                            </option>
                                            <option value="without_votes">"carry over without their votes"</option>
                                            <option value="archive">"are archived (leave the list)"</option>
                                        </select>
                                    </label>
                                    <button type="submit" class="button primary">
                                        "Open the round"
                                    </button>
                                </ActionForm>
                            </details>
                        }
                    })
            }
        />
    }
}

#[component]
fn RoundItem(r: Round) -> impl IntoView {
    let href = format!("/rounds/{}", r.id);
    let outcome = match (r.status.as_str(), r.winner_title.clone()) {
        ("open", _) => format!("Voting until {} ({})", r.deadline_local, r.time_zone),
        (_, Some(title)) => format!("Winner: {title}"),
        _ => "Closed without a winner".to_string(),
    };
    view! {
        <li class="round" data-round=r.id>
            <h2>
                <a href=href>{r.name}</a>
            </h2>
            <p>{outcome} " · screening " {r.screening_local.clone()}</p>
        </li>
    }
}
