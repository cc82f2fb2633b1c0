//! `/rounds`: the club's movie nights, newest first; `/rounds/{id}`: one round's result, with every
//! count, each elimination and how a tie was settled.

use crate::ballots::{Step, TieBreak};
use crate::components::club::VoteTabs;
use crate::components::error_view::{ErrorView, FormError};
use crate::components::pager::Pager;
use crate::components::round::method_words;
use crate::error::AppError;
use crate::model::{format_time_utc, Round, RoundResult, Slice, Viewer};
use crate::pages::{page_from_query, Loading};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::collections::HashMap;

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
        let ip = call.ip();
        call.state.rounds.cast(&viewer, round_id, &crate::model::Ballot::Ranking(ids.clone()), ip).await?;
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
        let ip = call.ip();
        let round = call.state.rounds.open(&admin, &round, ip).await?;
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
        let ip = call.ip();
        call.state.rounds.close_early(&admin, round_id, ip).await?;
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
        let ip = call.ip();
        call.state.rounds.extend_to_local(&admin, round_id, &deadline, ip).await?;
        http::redirect_form_post(&format!("/rounds/{round_id}"));
        Ok(())
    })
    .await
}

/// What happens to the films a round does not pick, in words.
fn carry_over_words(carry_over: &str) -> &'static str {
    match carry_over {
        "without_votes" => "carry over to the next round without their votes",
        "archive" => "are archived: they leave the list",
        _ => "carry over to the next round with their votes",
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
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
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
            })}
        </Suspense>
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
                {move || Suspend::new(async move {
                    data.await.map(|result| view! { <RoundView result on_change=move || data.refetch() /> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn RoundView(result: RoundResult, on_change: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let r = result.round;
    let controls = (r.status == "open").then(|| {
        let entries: Vec<(i64, String)> = result.entries.iter().map(|e| (e.proposal_id, e.title.clone())).collect();
        view! { <RoundControls round=r.clone() entries on_change /> }
    });
    let names: HashMap<i64, String> = result.entries.iter().map(|e| (e.proposal_id, e.title.clone())).collect();
    let name = move |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("Proposal {id}"));
    let closed = r.status == "closed";
    view! {
        <h1>{r.name.clone()}</h1>
        <VoteTabs current="/rounds" />
        <p>
            "Screening " {r.screening_local.clone()} " (" {r.time_zone.clone()} "). "
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
                format!("Voting closes {}.", r.deadline_local)
            }} " Ballot: " {method_words(&r.method)} ". Films not picked " {carry_over_words(&r.carry_over)} "."
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
                    {controls}
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

/// What a reader can do in an open round: rank the films (ranked rounds) or go and vote (approval),
/// and, for admins, close voting now or move the deadline.
#[component]
fn RoundControls(
    round: Round,
    entries: Vec<(i64, String)>,
    on_change: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let id = round.id;
    let reader = Resource::new(move || id, round_reader);
    let ranked = round.method == "ranked";
    let deadline = round.deadline_input.clone();
    let zone = round.time_zone.clone();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let entries = entries.clone();
                let deadline = deadline.clone();
                let zone = zone.clone();
                let on_change = on_change.clone();
                Suspend::new(async move {
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
                })
            }}
        </Suspense>
    }
}

/// A ranked ballot: a number per film without JavaScript; with it, also buttons that move a film up
/// or down and number the list again.
#[component]
fn RankingForm(id: i64, entries: Vec<(i64, String)>, ranking: Vec<i64>) -> impl IntoView {
    // The member's ranking first, in order, then the films they left out.
    let mut rows: Vec<RankedRow> = ranking
        .iter()
        .enumerate()
        .filter_map(|(i, p)| entries.iter().find(|(e, _)| e == p).map(|(e, t)| (*e, t.clone(), Some(i + 1))))
        .collect();
    rows.extend(entries.iter().filter(|(e, _)| !ranking.contains(e)).map(|(e, t)| (*e, t.clone(), None)));
    let rows: RwSignal<Vec<RankedRow>> = RwSignal::new(rows);
    let action = ServerAction::<SaveRanking>::new();
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    // Keyed by film: a film's row moves with it, so a field keeps its focus.
    let films = move || rows.with(|rows| rows.iter().map(|r| (r.0, r.1.clone())).collect::<Vec<_>>());
    let saved = move || {
        action.value().get().and_then(Result::ok).map(|n| {
            view! {
                <p class="form-ok" role="status">
                    {format!("Your ranking of {n} {} is saved.", if n == 1 { "film" } else { "films" })}
                </p>
            }
        })
    };
    view! {
        <section class="ranking" aria-label="Your ranking">
            <h2>"Your ranking"</h2>
            <p class="muted">
                "Number the films you want to watch: 1 for the one you want most. Leave out any you would rather not see. You can change your ranking until voting closes."
            </p>
            <FormError value=action.value() />
            {saved}
            <ActionForm action>
                <input type="hidden" name="round_id" value=id />
                <ol class="ranking-list">
                    <For each=films key=|(proposal, _)| *proposal let:film>
                        <RankRow proposal=film.0 title=film.1 rows interactive />
                    </For>
                </ol>
                <button type="submit" class="button primary">
                    "Save my ranking"
                </button>
            </ActionForm>
        </section>
    }
}

/// A film on a ranked ballot: its proposal, title and number (none: left out).
type RankedRow = (i64, String, Option<usize>);

/// Puts the list in ballot order, ranked films first, and numbers them 1, 2, 3…
fn renumber(rows: &mut [RankedRow]) {
    rows.sort_by_key(|r| (r.2.is_none(), r.2));
    for (n, row) in rows.iter_mut().filter(|r| r.2.is_some()).enumerate() {
        row.2 = Some(n + 1);
    }
}

/// Swaps a film with its neighbour above or below, once the list is in the order its numbers say
/// (typing moves nothing, so no field moves under the reader's finger). Ranked films hold the first
/// places; moving the first film left out up ranks it.
fn shift(rows: &mut [RankedRow], proposal: i64, up: bool) {
    renumber(rows);
    let Some(index) = rows.iter().position(|r| r.0 == proposal) else { return };
    let other = if up { index.checked_sub(1) } else { Some(index + 1).filter(|i| *i < rows.len()) };
    let Some(other) = other else { return };
    let mut ranked = rows.iter().filter(|r| r.2.is_some()).count();
    if up && index == ranked {
        ranked += 1;
    }
    rows.swap(index, other);
    for (i, row) in rows.iter_mut().enumerate() {
        row.2 = (i < ranked).then_some(i + 1);
    }
}

#[component]
fn RankRow(proposal: i64, title: String, rows: RwSignal<Vec<RankedRow>>, interactive: RwSignal<bool>) -> impl IntoView {
    let number = move || {
        rows.with(|rows| rows.iter().find(|r| r.0 == proposal).and_then(|r| r.2))
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    let (up, down) = (format!("Move {title} up"), format!("Move {title} down"));
    view! {
        <li data-proposal=proposal>
            <input
                type="number"
                min="1"
                max="1000"
                inputmode="numeric"
                class="rank"
                name=format!("ranks[{proposal}]")
                value=number
                prop:value=number
                aria-label=format!("Rank for {title}")
                on:change=move |ev| {
                    let typed = event_target_value(&ev).trim().parse::<usize>().ok();
                    rows.update(|rows| {
                        if let Some(row) = rows.iter_mut().find(|r| r.0 == proposal) {
                            row.2 = typed;
                        }
                    });
                }
            />
            <span class="title">{title.clone()}</span>
            {move || {
                let (up, down) = (up.clone(), down.clone());
                interactive
                    .get()
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="link-button"
                                aria-label=up
                                on:click=move |_| rows.update(|rows| shift(rows, proposal, true))
                            >
                                "↑"
                            </button>
                            <button
                                type="button"
                                class="link-button"
                                aria-label=down
                                on:click=move |_| rows.update(|rows| shift(rows, proposal, false))
                            >
                                "↓"
                            </button>
                        }
                    })
            }}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ranks: &[Option<usize>]) -> Vec<RankedRow> {
        ranks.iter().enumerate().map(|(i, r)| (i as i64 + 1, format!("Film {}", i + 1), *r)).collect()
    }

    fn order(rows: &[RankedRow]) -> Vec<(i64, Option<usize>)> {
        rows.iter().map(|r| (r.0, r.2)).collect()
    }

    #[test]
    fn buttons_put_the_ballot_in_order_and_move_films() {
        // Typed numbers, with a gap and a film left out.
        let mut r = rows(&[Some(4), None, Some(1)]);
        shift(&mut r, 1, true);
        assert_eq!(order(&r), [(1, Some(1)), (3, Some(2)), (2, None)]);
        // The first film left out, moved up, joins the ranking.
        shift(&mut r, 2, true);
        assert_eq!(order(&r), [(1, Some(1)), (2, Some(2)), (3, Some(3))]);
        shift(&mut r, 3, true);
        assert_eq!(order(&r), [(1, Some(1)), (3, Some(2)), (2, Some(3))]);
        // Moving the last ranked film down leaves it out when the next one is.
        let mut r = rows(&[Some(1), Some(2), None]);
        shift(&mut r, 2, false);
        assert_eq!(order(&r), [(1, Some(1)), (3, Some(2)), (2, None)]);
        // At the ends nothing moves.
        shift(&mut r, 1, true);
        shift(&mut r, 2, false);
        assert_eq!(order(&r), [(1, Some(1)), (3, Some(2)), (2, None)]);
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
