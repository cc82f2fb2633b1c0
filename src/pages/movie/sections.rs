//! The film page's sections below its head: the club's record, credits, ratings, awards, lists.

use crate::model::{format_date, AwardRow, ClubRecord, CreditRow, ListRow, MetricRow};
use leptos::prelude::*;

fn stars_text(stars: f64) -> String {
    format!("{stars:.1}★")
}

/// What the club did with the film: proposals, votes, a screening, ratings.
#[component]
pub(super) fn ClubFacts(club: ClubRecord) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"The club"</h2>
            <ul class="facts">
                <li>{format!("{} active proposal(s), {} vote(s)", club.active_proposals, club.votes)}</li>
                <li>
                    {club
                        .watched_at
                        .map_or(
                            "Not watched together yet".to_string(),
                            |at| format!("Watched together on {}", format_date(at)),
                        )}
                </li>
                {club.watch_stars.map(|s| view! { <li>{format!("Club night rating {}", stars_text(s))}</li> })}
                <li class="member-rating">
                    {match club.member_stars {
                        Some(s) => format!("Members' rating {} from {}", stars_text(s), club.member_ratings),
                        None => "No member ratings yet".to_string(),
                    }}
                </li>
            </ul>
        </section>
    }
}

#[component]
pub(super) fn Credits(credits: Vec<CreditRow>) -> impl IntoView {
    (!credits.is_empty()).then(|| {
        view! {
            <section class="panel">
                <h2>"Credits"</h2>
                <ul class="credits">
                    {credits
                        .into_iter()
                        .map(|c| {
                            view! {
                                <li>
                                    <strong>{c.name}</strong>
                                    <span class="muted">
                                        {format!(" {}", c.role)}{c.job.map(|j| format!(" ({j})"))}
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
pub(super) fn RatingsBySource(metrics: Vec<MetricRow>) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Ratings by source"</h2>
            {if metrics.is_empty() {
                view! { <p class="muted">"No ratings recorded."</p> }.into_any()
            } else {
                view! {
                    <table class="data-table metrics">
                        <thead>
                            <tr>
                                <th>"Source"</th>
                                <th>"Figure"</th>
                                <th>"Value"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {metrics
                                .into_iter()
                                .map(|m| {
                                    view! {
                                        <tr>
                                            <td>{m.source}</td>
                                            <td>{m.metric}</td>
                                            <td>{format_metric(m.value)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
pub(super) fn FestivalsAndAwards(awards: Vec<AwardRow>) -> impl IntoView {
    let (wins, noms): (Vec<_>, Vec<_>) = awards.into_iter().partition(|a| a.won);
    view! {
        <section class="panel">
            <h2>"Festivals and awards"</h2>
            {(wins.is_empty() && noms.is_empty())
                .then(|| view! { <p class="muted">"No festival or award record."</p> })}
            {(!wins.is_empty())
                .then(|| {
                    view! {
                        <h3>"Wins"</h3>
                        <ul class="awards wins">
                            {wins
                                .into_iter()
                                .map(|a| view! { <li>{format!("{} {}: {}", a.festival, a.year, a.category)}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
            {(!noms.is_empty())
                .then(|| {
                    view! {
                        <h3>"Nominations"</h3>
                        <ul class="awards">
                            {noms
                                .into_iter()
                                .map(|a| view! { <li>{format!("{} {}: {}", a.festival, a.year, a.category)}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
        </section>
    }
}

#[component]
pub(super) fn CanonicalLists(lists: Vec<ListRow>) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Canonical lists"</h2>
            {if lists.is_empty() {
                view! { <p class="muted">"On no canonical list yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="lists">
                        {lists
                            .into_iter()
                            .map(|l| {
                                view! {
                                    <li>
                                        {l.name}
                                        {l.edition.filter(|e| *e > 0).map(|e| format!(" (added in the {e} edition)"))}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

fn format_metric(v: f64) -> String {
    if v >= 1000.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
