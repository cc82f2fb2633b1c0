//! `/vote`: the club's proposals, most votes first. The first flush holds the top proposals with
//! their cached metadata and the reader's own votes; the rest of the first hundred, the reader's
//! quota and the club's recent activity stream in behind; further proposals load as one scrolls.

use crate::components::club::{my_quota, RecentActivity, VoteTabs};
use crate::components::error_view::ErrorView;
use crate::components::infinite::{infinite_list, Noun};
use crate::components::movie_card::Poster;
use crate::error::AppError;
use crate::model::{ProposalCard, Slice, Viewer, VoteBoard, VoteState};
use crate::pages::Loading;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Proposals streamed with the page; more load on scroll.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
const STREAMED_TO: u32 = 100;

#[server(endpoint = "vote_board", input = GetUrl)]
pub async fn get_vote_board(from: u32) -> Result<VoteBoard, AppError> {
    use crate::server::web::{auth, http::respond, state::app_state};
    respond(async move {
        let state = app_state()?;
        let viewer = auth::current_user().await?;
        // The whole first hundred in one query (and their voters in one more): the page shows the
        // top ones in its first flush and streams the others right behind.
        let limit = STREAMED_TO.min(state.config.pages.max_page_size);
        let page = state.club.proposals(viewer.as_ref(), from, limit).await?;
        Ok(VoteBoard { viewer, proposals: page.items, total: page.total, first_flush: state.config.pages.proposals })
    })
    .await
}

#[server(endpoint = "list_proposals", input = GetUrl)]
pub async fn list_proposals(offset: u32, limit: u32) -> Result<Slice<ProposalCard>, AppError> {
    use crate::server::web::{auth, http::respond, state::app_state};
    respond(async move {
        let viewer = auth::current_user().await?;
        app_state()?.club.proposals(viewer.as_ref(), offset, limit).await
    })
    .await
}

#[server(endpoint = "cast_vote")]
pub async fn cast_vote(proposal_id: i64, vote: bool) -> Result<VoteState, AppError> {
    use crate::server::web::{auth, http::respond, state::app_state};
    respond(async move {
        let viewer = auth::require_member().await?;
        let ip = auth::client_ip().map(|ip| ip.to_string());
        app_state()?.club.vote(&viewer, proposal_id, vote, ip).await
    })
    .await
}

/// Every voter of one proposal, in vote order (the card names only the first few).
#[server(endpoint = "all_voters", input = GetUrl)]
pub async fn all_voters(proposal_id: i64) -> Result<Vec<String>, AppError> {
    use crate::server::web::{http::respond, state::app_state};
    respond(async move { Ok(app_state()?.club.votes(proposal_id, None).await?.voters) }).await
}

#[server(endpoint = "withdraw_proposal")]
pub async fn withdraw_proposal(proposal_id: i64) -> Result<(), AppError> {
    use crate::server::web::{auth, http::respond, state::app_state};
    respond(async move {
        let viewer = auth::require_member().await?;
        let ip = auth::client_ip().map(|ip| ip.to_string());
        app_state()?.club.withdraw(&viewer, proposal_id, ip).await
    })
    .await
}

#[server(endpoint = "mark_watched")]
pub async fn mark_watched(proposal_id: i64) -> Result<(), AppError> {
    use crate::server::web::{auth, http, state::app_state};
    http::respond(async move {
        let viewer = auth::require_admin().await?;
        let ip = auth::client_ip().map(|ip| ip.to_string());
        app_state()?.club.mark_watched(&viewer, proposal_id, ip).await?;
        http::redirect_form_post("/vote/watched");
        Ok(())
    })
    .await
}

/// Errors from forms posted without JavaScript come back in the address; shown once, on top.
#[component]
fn NoScriptErrors() -> impl IntoView {
    let vote = ServerAction::<CastVote>::new();
    let withdraw = ServerAction::<WithdrawProposal>::new();
    let watched = ServerAction::<MarkWatched>::new();
    move || {
        let err = match (vote.value().get(), withdraw.value().get(), watched.value().get()) {
            (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => Some(e),
            _ => None,
        };
        err.map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    }
}

#[component]
pub fn VotePage() -> impl IntoView {
    let query = use_query_map();
    // Not a number: past the limit, so the server refuses it with a message.
    let from = move || query.read().get("from").map_or(0, |f| f.trim().parse::<u32>().unwrap_or(u32::MAX));
    let board = Resource::new_blocking(from, get_vote_board);
    view! {
        <Title text="Vote" />
        <h1>"What should the club watch next?"</h1>
        <VoteTabs current="/vote" />
        <NoScriptErrors />
        <div class="vote-layout">
            <div class="vote-main">
                <Suspense fallback=Loading>
                    <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                        {move || Suspend::new(async move {
                            let from = from();
                            board.await.map(|board| view! { <Board board from /> })
                        })}
                    </ErrorBoundary>
                </Suspense>
            </div>
            <aside class="vote-side">
                <QuotaPanel />
                <ActivityPanel />
            </aside>
        </div>
    }
}

#[component]
fn Board(board: VoteBoard, from: u32) -> impl IntoView {
    let viewer = board.viewer.clone();
    let shown_to = from + board.proposals.len() as u32;
    let next = ((shown_to as i64) < board.total).then_some(shown_to);
    let summary = match board.total {
        0 => "No proposals yet.".to_string(),
        1 => "1 proposal".to_string(),
        n => format!("{n} proposals, most votes first"),
    };
    let mut top = board.proposals;
    let rest = top.split_off((board.first_flush as usize).min(top.len()));
    let rest_start = from + top.len() as u32 + 1;
    view! {
        <p class="muted list-summary">
            {summary}
            {viewer.is_none().then(|| view! { " · " <a href="/signin?next=/vote">"Sign in"</a> " to vote and propose." })}
        </p>
        {(board.total == 0).then(|| view! {
            <p class="empty">"Nothing to vote on. " <a href="/propose">"Propose a film"</a> " to start the list."</p>
        })}
        <ol class="proposal-list" start=from + 1>
            {top.into_iter().map(|p| view! { <ProposalItem proposal=p viewer=viewer.clone() /> }).collect_view()}
        </ol>
        // The first flush ends here: the top proposals with the reader's own vote state.
        <div hidden data-first-flush=""></div>
        <ol class="proposal-list streamed" start=rest_start>
            {rest.into_iter().map(|p| view! { <ProposalItem proposal=p viewer=viewer.clone() /> }).collect_view()}
        </ol>
        {match next {
            None => view! { <p class="end-of-list">{(board.total > 0).then_some("That is every proposal.")}</p> }.into_any(),
            Some(_) => view! {
                <MoreProposals viewer next />
                <noscript>
                    <p class="nojs-more">
                        <a class="button" rel="next" href=format!("/vote?from={shown_to}")>"More proposals"</a>
                    </p>
                </noscript>
            }
            .into_any(),
        }}
    }
}

/// Appends 20 more proposals at a time as the reader nears the end of the list.
#[component]
fn MoreProposals(viewer: Option<Viewer>, next: Option<u32>) -> impl IntoView {
    const STEP: u32 = 20;
    let list = move |items: ReadSignal<Vec<ProposalCard>>| {
        view! {
            <ol class="proposal-list appended">
                <For each=move || items.get() key=|p| p.id let(proposal)>
                    <ProposalItem proposal viewer=viewer.clone() />
                </For>
            </ol>
        }
        .into_any()
    };
    infinite_list(next, |offset| list_proposals(offset, STEP), |p: &ProposalCard| p.id, Noun("proposal"), None, list)
}

/// One proposal: metadata, proposer, voters, and the reader's vote button.
#[component]
pub fn ProposalItem(proposal: ProposalCard, viewer: Option<Viewer>) -> impl IntoView {
    let id = proposal.id;
    let title = proposal.display_title();
    let facts = [
        proposal.year.map(|y| y.to_string()),
        proposal.runtime_minutes.map(|m| format!("{}h {:02}m", m / 60, m % 60)),
        proposal.genres.clone().filter(|g| !g.is_empty()),
        proposal.imdb_rating.map(|r| match proposal.imdb_votes {
            Some(v) => format!("IMDb ★ {r:.1} ({})", compact_count(v)),
            None => format!("IMDb ★ {r:.1}"),
        }),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let can_withdraw = viewer.as_ref().is_some_and(|v| v.id == proposal.proposer_id || v.is_admin);
    let is_admin = viewer.as_ref().is_some_and(|v| v.is_admin);
    let removed = RwSignal::new(false);
    let imdb_url = format!("https://www.imdb.com/title/{}/", proposal.imdb_id);
    view! {
        <li class="proposal" id=format!("proposal-{id}") data-proposal=id hidden=move || removed.get()>
            <Poster title=title.clone() poster_url=proposal.poster_url.clone() seed=proposal.imdb_id.clone() />
            <div class="proposal-body">
                <h3><a href=imdb_url rel="noopener noreferrer" target="_blank">{title.clone()}</a></h3>
                {if proposal.has_metadata() {
                    view! {
                        <p class="card-meta">{facts}</p>
                        <p class="plot">{proposal.plot.clone().unwrap_or_default()}</p>
                    }
                    .into_any()
                } else {
                    view! { <p class="card-meta placeholder">"Details are on their way from IMDb."</p> }.into_any()
                }}
                <p class="muted">"Proposed by " <span class="proposer">{proposal.proposer.clone()}</span></p>
                {viewer.is_some().then(|| view! {
                    <div class="proposal-actions">
                        {can_withdraw.then(|| view! { <WithdrawButton id removed /> })}
                        {is_admin.then(|| view! { <WatchedButton id removed /> })}
                    </div>
                })}
            </div>
            <VoteControl
                id
                voted=proposal.voted
                votes=proposal.votes
                voters=proposal.voters.clone()
                signed_in=viewer.is_some()
            />
        </li>
    }
}

fn compact_count(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6),
        n if n >= 1_000 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// The vote button and count. With JavaScript the button flips at once and rolls back (with a
/// message) if the server refuses; without, it is a form that posts and returns to the page.
#[component]
fn VoteControl(id: i64, voted: bool, votes: i64, voters: Vec<String>, signed_in: bool) -> impl IntoView {
    let action = ServerAction::<CastVote>::new();
    let confirmed = RwSignal::new((voted, votes, voters));
    let problem = RwSignal::new(None::<String>);
    crate::pages::on_action_result(action, move |result| match result.clone() {
        Ok(state) => {
            confirmed.set((state.voted, state.votes, state.voters));
            problem.set(None);
        }
        Err(err) => problem.set(Some(err.to_string())),
    });
    // While a vote is on its way, show what it will do; afterwards, what the server confirmed.
    let shown = move || {
        let (voted, votes, _) = confirmed.get();
        match action.input().get() {
            Some(pending) if pending.vote != voted => (pending.vote, votes + if pending.vote { 1 } else { -1 }),
            _ => (voted, votes),
        }
    };
    let voters_text = move || confirmed.with(|(_, votes, shown)| crate::model::voters_line(shown, *votes));
    // The card names the first few voters; everyone else on request.
    let everyone = Action::new(move |_: &()| all_voters(id));
    let hidden_voters = move || confirmed.with(|(_, votes, shown)| *votes > shown.len() as i64);
    // The button needs the browser's code; without it the card just says how many more there are.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    // Until the server answers, the box says so (a reload now may show the count from before).
    let state = move || if action.pending().get() { "pending" } else { "confirmed" };
    view! {
        <div class="vote-box" data-state=state aria-busy=move || action.pending().get().to_string()>
            <div class="vote-count" aria-live="polite">
                <strong class="count">{move || shown().1}</strong>
                <span>{move || if shown().1 == 1 { "vote" } else { "votes" }}</span>
            </div>
            {if signed_in {
                view! {
                    <ActionForm action>
                        <input type="hidden" name="proposal_id" value=id />
                        <input type="hidden" name="vote" value=move || (!shown().0).to_string() />
                        <button
                            type="submit"
                            class=move || if shown().0 { "button vote-button voted" } else { "button vote-button primary" }
                            aria-pressed=move || shown().0.to_string()
                        >
                            {move || if shown().0 { "Voted ✓" } else { "Vote" }}
                        </button>
                    </ActionForm>
                }
                .into_any()
            } else {
                view! { <a class="button vote-button" href="/signin?next=/vote">"Sign in to vote"</a> }.into_any()
            }}
            {move || match everyone.value().get() {
                Some(Ok(all)) => view! { <p class="voters">{format!("Voters: {}", all.join(", "))}</p> }.into_any(),
                _ => view! {
                    <p class="voters">
                        {voters_text}
                        {move || (hidden_voters() && interactive.get()).then(|| view! {
                            " "
                            <button type="button" class="link-button" on:click=move |_| { everyone.dispatch(()); }>
                                "(show all)"
                            </button>
                        })}
                    </p>
                }.into_any(),
            }}
            {move || problem.get().map(|msg| view! { <p class="error-text" role="alert">{msg}</p> })}
        </div>
    }
}

/// Hides the card once `action` succeeds; otherwise says why, beside the button.
fn remove_on_success<S>(action: ServerAction<S>, removed: RwSignal<bool>) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Error = AppError, Output = ()> + Clone + Send + Sync + 'static,
{
    let problem = RwSignal::new(None::<String>);
    crate::pages::on_action_result(action, move |result| match result {
        Ok(()) => removed.set(true),
        Err(err) => problem.set(Some(err.to_string())),
    });
    move || problem.get().map(|msg| view! { <span class="error-text" role="alert">{msg}</span> })
}

#[component]
fn WithdrawButton(id: i64, removed: RwSignal<bool>) -> impl IntoView {
    let action = ServerAction::<WithdrawProposal>::new();
    view! {
        <ActionForm action attr:class="inline">
            <input type="hidden" name="proposal_id" value=id />
            <button type="submit" class="link-button">"Withdraw"</button>
        </ActionForm>
        {remove_on_success(action, removed)}
    }
}

#[component]
fn WatchedButton(id: i64, removed: RwSignal<bool>) -> impl IntoView {
    let action = ServerAction::<MarkWatched>::new();
    view! {
        <ActionForm action attr:class="inline">
            <input type="hidden" name="proposal_id" value=id />
            <button type="submit" class="link-button">"Mark watched"</button>
        </ActionForm>
        {remove_on_success(action, removed)}
    }
}

#[component]
fn QuotaPanel() -> impl IntoView {
    let quota = Resource::new(|| (), |_| my_quota());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                quota.await.ok().flatten().map(|q| view! {
                    <section class="panel quota">
                        <h2>"Your proposals"</h2>
                        <p><strong>{format!("{} of {} used", q.used, q.limit)}</strong></p>
                        {if q.used < q.limit {
                            view! { <a class="button small primary" href="/propose">"Propose a film"</a> }.into_any()
                        } else {
                            view! { <p class="muted">"All slots used: withdraw one to propose another."</p> }.into_any()
                        }}
                    </section>
                })
            })}
        </Suspense>
    }
}

#[component]
fn ActivityPanel() -> impl IntoView {
    view! {
        <section class="panel activity">
            <h2>"Recent activity"</h2>
            <RecentActivity />
        </section>
    }
}
