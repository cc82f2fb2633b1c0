//! A film's score breakdown, shown on the predictions page and on the film page.

use crate::components::table::{headers, DataTable};
use crate::model::Breakdown;
use leptos::prelude::*;

/// A film's score, likelihood and the five dimensions behind it (the predictions page's breakdown
/// and the film page both show it).
#[component]
pub fn BreakdownFigures(breakdown: Breakdown) -> impl IntoView {
    let b = breakdown;
    view! {
        <p>
            {b.director.clone().map(|d| format!("{d} · "))} {b.rank.map(|r| format!("rank {r} · "))}
            <strong>{format!("score {:.1}", b.score)}</strong>
            {format!(" · {:.0} % likely · data completeness {:.0} %", b.likelihood, b.completeness * 100.0)}
            {b.edition.map(|e| format!(" · on the list since {e}"))}
        </p>
        <DataTable headers=headers(
            &["Dimension", "Score", "Weight", "Points", "Inputs"],
        )>
            {b
                .dimensions
                .into_iter()
                .map(|d| {
                    view! {
                        <tr data-dimension=d.key.clone()>
                            <th scope="row">{d.label.clone()}</th>
                            <td>{d.score.map(|s| format!("{:.1}", s * 100.0)).unwrap_or_else(|| "no data".into())}</td>
                            <td>{format!("{:.1} %", d.weight_pct)}</td>
                            <td>{format!("{:.1}", d.points)}</td>
                            <td>
                                {d
                                    .inputs
                                    .into_iter()
                                    .map(|(k, v)| view! { <span class="input">{k}": "{v}</span> })
                                    .collect_view()}
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
}
