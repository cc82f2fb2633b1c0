//! `/vote`: the club's proposals, most votes first. The first flush holds the top proposals with
//! their cached metadata and the reader's own votes; the rest of the first hundred, the reader's
//! quota and the club's recent activity stream in behind; further proposals load as one scrolls.

use crate::components::club::{my_quota, RecentActivity, VoteTabs};
use crate::components::infinite::{infinite_list, Noun};
use crate::components::live::{provide_live_counts, LiveBadge};
use crate::components::movie_card::{Poster, PosterSize, FIRST_ROW};
use crate::components::round::OpenRound;
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{ProposalCard, Slice, Viewer, VoteBoard, VoteState};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

mod count;
mod proposal;

use proposal::ProposalItem;

/// Proposals streamed with the page; more load on scroll.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
const STREAMED_TO: u32 = 100;

#[server(endpoint = "vote_board", input = GetUrl)]
pub async fn get_vote_board(from: u32) -> Result<VoteBoard, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let state = &call.state;
        let viewer = call.viewer().await?;
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
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.viewer().await?;
        call.state.club.proposals(viewer.as_ref(), offset, limit).await
    })
    .await
}

#[server(endpoint = "cast_vote")]
pub async fn cast_vote(proposal_id: i64, vote: bool) -> Result<VoteState, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.member().await?;
        call.state.club.vote(&viewer, proposal_id, vote).await
    })
    .await
}

/// Every voter of one proposal, in vote order (the card names only the first few).
#[server(endpoint = "all_voters", input = GetUrl)]
pub async fn all_voters(proposal_id: i64) -> Result<Vec<String>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move { Ok(call.state.club.votes(proposal_id, None).await?.voters) }).await
}

#[server(endpoint = "withdraw_proposal")]
pub async fn withdraw_proposal(proposal_id: i64) -> Result<(), AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.member().await?;
        call.state.club.withdraw(&viewer, proposal_id).await
    })
    .await
}

#[server(endpoint = "mark_watched")]
pub async fn mark_watched(proposal_id: i64) -> Result<(), AppError> {
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let viewer = call.admin().await?;
        call.state.club.mark_watched(&viewer, proposal_id).await?;
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
        err.map(|e| {
            view! {
                <p class="form-error" role="alert">
                    {e.to_string()}
                </p>
            }
        })
    }
}

#[component]
pub fn VotePage() -> impl IntoView {
    let query = use_query_map();
    // Not a number: past the limit, so the server refuses it with a message.
    let from = move || query.read().get("from").map_or(0, |f| f.trim().parse::<u32>().unwrap_or(u32::MAX));
    let board = Resource::new_blocking(from, get_vote_board);
    provide_live_counts();
    view! {
        <Title text="Vote" />
        <h1>"What should the club watch next?"</h1>
        <VoteTabs current="/vote" />
        <LiveBadge />
        <OpenRound />
        <NoScriptErrors />
        <div class="vote-layout">
            <div class="vote-main">
                <Section load=move || async move {
                    let from = from();
                    board.await.map(|board| view! { <Board board from /> })
                } />
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
            {viewer
                .is_none()
                .then(|| {
                    view! {
                        " · "
                        <a href="/signin?next=/vote">"Sign in"</a>
                        " to vote and propose."
                    }
                })}
        </p>
        {(board.total == 0)
            .then(|| {
                view! {
                    <p class="empty">
                        "Nothing to vote on. " <a href="/propose">"Propose a film"</a> " to start the list."
                    </p>
                }
            })}
        <ol class="proposal-list" start=from + 1>
            {top
                .into_iter()
                .enumerate()
                .map(|(i, p)| view! { <ProposalItem proposal=p viewer=viewer.clone() eager=i < FIRST_ROW /> })
                .collect_view()}
        </ol>
        // The first flush ends here: the top proposals with the reader's own vote state.
        <div hidden data-first-flush=""></div>
        <ol class="proposal-list streamed" start=rest_start>
            {rest.into_iter().map(|p| view! { <ProposalItem proposal=p viewer=viewer.clone() /> }).collect_view()}
        </ol>
        {match next {
            None => {
                view! { <p class="end-of-list">{(board.total > 0).then_some("That is every proposal.")}</p> }.into_any()
            }
            Some(_) => {
                view! {
                    <MoreProposals viewer next />
                    <noscript>
                        <p class="nojs-more">
                            <a class="button" rel="next" href=format!("/vote?from={shown_to}")>
                                "More proposals"
                            </a>
                        </p>
                    </noscript>
                }
                    .into_any()
            }
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
    infinite_list(
        next,
        |offset| list_proposals(offset, STEP),
        |p: &ProposalCard| p.id,
        Noun("proposal"),
        None,
        false,
        list,
    )
}

#[component]
fn QuotaPanel() -> impl IntoView {
    let quota = Resource::new(|| (), |_| my_quota());
    view! {
        <Section
            fallback=|| ()
            load=move || async move {
                quota
                    .await
                    .ok()
                    .flatten()
                    .map(|q| {
                        view! {
                            <section class="panel quota">
                                <h2>"Your proposals"</h2>
                                <p>
                                    <strong>{format!("{} of {} used", q.used, q.limit)}</strong>
                                </p>
                                {if q.used < q.limit {
                                    view! {
                                        <a class="button small primary" href="/propose">
                                            "Propose a film"
                                        </a>
                                    }
                                        .into_any()
                                } else {
                                    view! { <p class="muted">"All slots used: withdraw one to propose another."</p> }
                                        .into_any()
                                }}
                            </section>
                        }
                    })
            }
        />
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
