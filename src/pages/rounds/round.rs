//! `/rounds/{id}`: one round's result, with every count, each elimination and how a tie was settled.

use super::controls::RoundControls;
use super::*;

#[component]
pub fn RoundPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = Resource::new_blocking(id, get_round_result);
    let title =
        move || data.get().and_then(Result::ok).map(|r| r.round.name).unwrap_or_else(|| "Movie night".to_string());
    view! {
        <Title text=title />
        <Section load=move || async move {
            data.await.map(|result| view! { <RoundView result on_change=move || data.refetch() /> })
        } />
    }
}

#[component]
fn RoundView(result: RoundResult, on_change: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let r = result.round;
    let controls = (r.status == RoundStatus::Open).then(|| {
        let entries: Vec<(i64, String)> = result.entries.iter().map(|e| (e.proposal_id, e.title.clone())).collect();
        view! { <RoundControls round=r.clone() entries on_change /> }
    });
    let names: HashMap<i64, String> = result.entries.iter().map(|e| (e.proposal_id, e.title.clone())).collect();
    let name = move |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("Proposal {id}"));
    let closed = r.status == RoundStatus::Closed;
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
            }} " Ballot: " {method_words(r.method)} ". Films not picked " {carry_over_words(r.carry_over)} "."
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
