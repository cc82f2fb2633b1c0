//! One proposal card: its film's metadata, who proposed it, who voted, and the reader's buttons.

use super::count::{with_pending, ShownCount};
use super::*;
use crate::components::error_view::Problem;

/// One proposal: metadata, proposer, voters, and the reader's vote button.
#[component]
pub(super) fn ProposalItem(
    proposal: ProposalCard,
    viewer: Option<Viewer>,
    /// On the first screen: its poster loads at once.
    #[prop(optional)]
    eager: bool,
) -> impl IntoView {
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
            <Poster
                title=title.clone()
                poster=proposal.poster.clone()
                seed=proposal.imdb_id.clone()
                size=PosterSize::Thumb
                eager
            />
            <div class="proposal-body">
                <h3>
                    <a href=imdb_url rel="noopener noreferrer" target="_blank">
                        {title.clone()}
                    </a>
                </h3>
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
                {viewer
                    .is_some()
                    .then(|| {
                        view! {
                            <div class="proposal-actions">
                                {can_withdraw.then(|| view! { <WithdrawButton id removed /> })}
                                {is_admin.then(|| view! { <WatchedButton id removed /> })}
                            </div>
                        }
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
    let count = StoredValue::new(ShownCount::rendered(votes));
    // Others' votes, heard live.
    let heard = use_context::<crate::components::live::LiveCounts>().map(|live| live.count(id));
    // A vote the server was too busy to take is sent once more after a moment (it asks for one
    // second); only a second refusal is shown.
    let last_vote = StoredValue::new(None::<bool>);
    let retried = StoredValue::new(false);
    Effect::watch(
        move || action.input().get().map(|input| input.vote),
        move |vote, _, _| {
            if vote.is_some() {
                last_vote.set_value(*vote);
            }
        },
        false,
    );
    crate::pages::on_action_result(action, move |result| match result.clone() {
        Err(AppError::Unavailable) if !retried.get_value() => {
            retried.set_value(true);
            if let Some(vote) = last_vote.get_value() {
                problem.set(Some("The server is busy: trying again…".into()));
                set_timeout(
                    move || {
                        action.dispatch(CastVote { proposal_id: id, vote });
                    },
                    std::time::Duration::from_secs(1),
                );
            }
        }
        Ok(state) => {
            retried.set_value(false);
            let changed = count
                .try_update_value(|c| c.answered((state.votes, state.version), heard.and_then(|h| h.get_untracked())))
                .unwrap_or(false);
            confirmed.update(|(voted, shown, voters)| {
                *voted = state.voted;
                *voters = state.voters;
                if changed {
                    *shown = count.get_value().votes;
                }
            });
            problem.set(None);
        }
        Err(err) => {
            retried.set_value(false);
            problem.set(Some(err.to_string()));
        }
    });
    if let Some(heard) = heard {
        Effect::new(move |_| {
            if let Some(live) = heard.get() {
                let pending = action.pending().get_untracked();
                if count.try_update_value(|c| c.heard(live, pending)).unwrap_or(false) {
                    confirmed.update(|(_, votes, _)| *votes = live.0);
                }
            }
        });
    }
    let shown = move || {
        let (voted, votes, _) = confirmed.get();
        with_pending(voted, votes, action.input().get().map(|pending| pending.vote))
    };
    // Until the server answers, the box says so (a reload now may show the count from before).
    let state = move || if action.pending().get() { "pending" } else { "confirmed" };
    view! {
        <div class="vote-box" data-state=state aria-busy=move || action.pending().get().to_string()>
            <div class="vote-count" aria-live="polite">
                <strong class="count">{move || shown().1}</strong>
                <span>{move || if shown().1 == 1 { "vote" } else { "votes" }}</span>
            </div>
            <VoteButton id action shown=Signal::derive(shown) signed_in />
            <Voters id confirmed />
            <Problem message=problem />
        </div>
    }
}

/// The button itself: it says whether the viewer's vote counts (`shown`: voted, votes), and
/// asks a visitor to sign in.
#[component]
fn VoteButton(id: i64, action: ServerAction<CastVote>, shown: Signal<(bool, i64)>, signed_in: bool) -> impl IntoView {
    let shown = move || shown.get();
    if signed_in {
        view! {
            <ActionForm action>
                <input type="hidden" name="proposal_id" value=id />
                <input type="hidden" name="vote" value=move || (!shown().0).to_string() />
                <button
                    type="submit"
                    class=move || { if shown().0 { "button vote-button voted" } else { "button vote-button primary" } }
                    aria-pressed=move || shown().0.to_string()
                >
                    {move || if shown().0 { "Voted ✓" } else { "Vote" }}
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <a class="button vote-button" href="/signin?next=/vote">
                "Sign in to vote"
            </a>
        }
        .into_any()
    }
}

/// The first few voters a card names, and everyone else on request (the button needs the
/// browser's code; without it the card just says how many more there are).
#[component]
fn Voters(id: i64, confirmed: RwSignal<(bool, i64, Vec<String>)>) -> impl IntoView {
    let voters_text = move || confirmed.with(|(_, votes, shown)| crate::model::voters_line(shown, *votes));
    let everyone = Action::new(move |_: &()| all_voters(id));
    let hidden_voters = move || confirmed.with(|(_, votes, shown)| *votes > shown.len() as i64);
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    move || match everyone.value().get() {
        Some(Ok(all)) => view! { <p class="voters">{format!("Voters: {}", all.join(", "))}</p> }.into_any(),
        _ => view! {
            <p class="voters">
                {voters_text}
                {move || {
                    (hidden_voters() && interactive.get())
                        .then(|| {
                            view! {
                                " "
                                <button
                                    type="button"
                                    class="link-button"
                                    on:click=move |_| {
                                        everyone.dispatch(());
                                    }
                                >
                                    "(show all)"
                                </button>
                            }
                        })
                }}
            </p>
        }
        .into_any(),
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
    move || {
        problem.get().map(|msg| {
            view! {
                <span class="error-text" role="alert">
                    {msg}
                </span>
            }
        })
    }
}

#[component]
fn WithdrawButton(id: i64, removed: RwSignal<bool>) -> impl IntoView {
    let action = ServerAction::<WithdrawProposal>::new();
    view! {
        <ActionForm action attr:class="inline">
            <input type="hidden" name="proposal_id" value=id />
            <button type="submit" class="link-button">
                "Withdraw"
            </button>
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
            <button type="submit" class="link-button">
                "Mark watched"
            </button>
        </ActionForm>
        {remove_on_success(action, removed)}
    }
}
