//! `/rounds`: the club's movie nights, newest first; `/rounds/{id}`: one round's result, with every
//! count, each elimination and how a tie was settled.

use crate::ballots::{Step, TieBreak};
use crate::components::club::VoteTabs;
use crate::components::error_view::ErrorView;
use crate::components::pager::Pager;
use crate::components::round::method_words;
use crate::error::AppError;
use crate::model::{format_time_utc, Round, RoundResult, Slice};
use crate::pages::{page_from_query, Loading};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::collections::HashMap;

#[server(endpoint = "rounds", input = GetUrl)]
pub async fn list_rounds(page: u32) -> Result<Slice<Round>, AppError> {
    use crate::server::web::{http::respond, state::app_state};
    respond(async move {
        const PER_PAGE: u32 = 20;
        let offset = crate::validate::page_offset(page, PER_PAGE)?;
        app_state()?.rounds.list(offset, PER_PAGE).await
    })
    .await
}

#[server(endpoint = "round_result", input = GetUrl)]
pub async fn get_round_result(id: String) -> Result<RoundResult, AppError> {
    use crate::server::web::{http::respond, state::app_state};
    respond(async move {
        let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound("That round".into()))?;
        app_state()?.rounds.result(id).await
    })
    .await
}

#[component]
pub fn RoundsPage() -> impl IntoView {
    let page = page_from_query();
    let data = Resource::new_blocking(page, list_rounds);
    view! {
        <Title text="Movie nights" />
        <h1>"Movie nights"</h1>
        <VoteTabs current="/rounds" />
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| {
                view! { <ErrorView errors /> }
            }>
                {move || Suspend::new(async move {
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
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn RoundItem(r: Round) -> impl IntoView {
    let href = format!("/rounds/{}", r.id);
    let outcome = match (r.status.as_str(), r.winner_title.clone()) {
        ("open", _) => format!("Voting until {}", format_time_utc(r.deadline)),
        (_, Some(title)) => format!("Winner: {title}"),
        _ => "Closed without a winner".to_string(),
    };
    view! {
        <li class="round" data-round=r.id>
            <h2>
                <a href=href>{r.name}</a>
            </h2>
            <p>{outcome} " · screening " {format_time_utc(r.screening_at)}</p>
        </li>
    }
}

#[component]
pub fn RoundPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = Resource::new_blocking(id, get_round_result);
    let title =
        move || data.get().and_then(Result::ok).map(|r| r.round.name).unwrap_or_else(|| "Movie night".to_string());
    view! {
        <Title text=title />
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| {
                view! { <ErrorView errors /> }
            }>
                {move || Suspend::new(async move { data.await.map(|result| view! { <RoundView result /> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn RoundView(result: RoundResult) -> impl IntoView {
    let r = result.round;
    let names: HashMap<i64, String> = result.entries.iter().map(|e| (e.proposal_id, e.title.clone())).collect();
    let name = move |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("Proposal {id}"));
    let closed = r.status == "closed";
    view! {
        <h1>{r.name.clone()}</h1>
        <VoteTabs current="/rounds" />
        <p>
            "Screening " {format_time_utc(r.screening_at)} " (" {r.time_zone.clone()} "). "
            {if closed {
                format!(
                    "Voting closed {} ({}).",
                    r.closed_at.map(format_time_utc).unwrap_or_default(),
                    match r.closed_by.as_deref() {
                        Some("deadline") | None => "at the deadline".to_string(),
                        Some(who) => format!("early, by {}", who.trim_start_matches("admin ")),
                    },
                )
            } else {
                format!("Voting closes {}.", format_time_utc(r.deadline))
            }} " Ballot: " {method_words(&r.method)} "."
        </p>
        {match result.tally {
            Some(tally) => {
                let winner = tally.winner.map(name.clone());
                view! {
                    <p class="round-winner">
                        {match winner {
                            Some(w) => format!("Winner: {w}, scheduled for the screening."),
                            None => "No winner: the round had no proposals.".to_string(),
                        }}
                    </p>
                    {tally.tie_break.map(|t| view! { <TieNote t name=name.clone() win=true /> })}
                    <h2>"The count"</h2>
                    {tally
                        .steps
                        .into_iter()
                        .enumerate()
                        .map(|(i, step)| view! { <StepTable n=i + 1 step name=name.clone() /> })
                        .collect_view()}
                }
                    .into_any()
            }
            None => {
                view! {
                    <h2>"Taking part"</h2>
                    <ul class="round-entries">
                        {result
                            .entries
                            .into_iter()
                            .map(|e| view! { <li>{e.title} " · proposed by " {e.proposer}</li> })
                            .collect_view()}
                    </ul>
                    <p>
                        <a href="/vote">"Vote"</a>
                    </p>
                }
                    .into_any()
            }
        }}
    }
}

#[component]
fn TieNote<F>(t: TieBreak, name: F, win: bool) -> impl IntoView
where
    F: Fn(i64) -> String + 'static,
{
    let among = t.among.iter().map(|&id| name(id)).collect::<Vec<_>>().join(", ");
    let seed = t.seed.map(|s| format!(" (seed {s})")).unwrap_or_default();
    let verb = if win { "won the tie" } else { "was eliminated" };
    view! {
        <p class="tie-break">
            {format!("Tie between {among}: {} {verb} because {}{seed}.", name(t.picked), t.rule.describe())}
        </p>
    }
}

#[component]
fn StepTable<F>(n: usize, step: Step, name: F) -> impl IntoView
where
    F: Fn(i64) -> String + Clone + 'static,
{
    let caption = match step.eliminated {
        Some(id) => format!("Count {n}: {} is eliminated", name(id)),
        None => format!("Count {n}: the deciding count"),
    };
    let exhausted = (step.exhausted > 0).then(|| format!("{} ballots had no film left to count.", step.exhausted));
    let tie = step.tie_break.map(|t| view! { <TieNote t name=name.clone() win=false /> });
    view! {
        <table class="round-count">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Film"</th>
                    <th scope="col">"Votes"</th>
                </tr>
            </thead>
            <tbody>
                {step
                    .counts
                    .into_iter()
                    .map(|(id, votes)| {
                        view! {
                            <tr>
                                <td>{name(id)}</td>
                                <td>{votes}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {exhausted.map(|e| view! { <p class="muted">{e}</p> })}
        {tie}
    }
}
