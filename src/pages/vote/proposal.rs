//! One proposal card: its film's metadata, who proposed it, who voted, and the reader's buttons.

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
    // The version of the count shown: an answer or an event older than it changes nothing.
    let shown_version = StoredValue::new(0i64);
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
            // The newer of this answer and what was heard while it was on its way.
            let (votes, version) = match heard.and_then(|h| h.get_untracked()) {
                Some((n, v)) if v > state.version => (n, v),
                _ => (state.votes, state.version),
            };
            let newer = version >= shown_version.get_value();
            confirmed.update(|(voted, shown, voters)| {
                *voted = state.voted;
                *voters = state.voters;
                if newer {
                    *shown = votes;
                }
            });
            if newer {
                shown_version.set_value(version);
            }
            problem.set(None);
        }
        Err(err) => {
            retried.set_value(false);
            problem.set(Some(err.to_string()));
        }
    });
    // While this reader's own vote is on its way, its answer will say.
    if let Some(heard) = heard {
        Effect::new(move |_| {
            if let Some((n, version)) = heard.get() {
                if !action.pending().get_untracked() && version >= shown_version.get_value() {
                    shown_version.set_value(version);
                    confirmed.update(|(_, votes, _)| *votes = n);
                }
            }
        });
    }
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
                            class=move || {
                                if shown().0 { "button vote-button voted" } else { "button vote-button primary" }
                            }
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
            }}
            {move || match everyone.value().get() {
                Some(Ok(all)) => view! { <p class="voters">{format!("Voters: {}", all.join(", "))}</p> }.into_any(),
                _ => {
                    view! {
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
                        .into_any()
                }
            }}
            <Problem message=problem />
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
