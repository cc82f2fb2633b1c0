//! A film's score breakdown, shown on the predictions page and on the film page.

use crate::components::table::{headers, DataTable};
use crate::model::Breakdown;
use leptos::prelude::*;

/// A film's score, likelihood and the five dimensions behind it (the predictions page's breakdown
/// and the film page both show it).
#[component]
pub fn BreakdownFigures(breakdown: Breakdown) -> impl IntoView {
    let b = breakdown;
    let left_out = b
        .dimensions
        .iter()
        .filter(|d| d.score.is_none())
        .map(|d| d.label.to_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <p>
            {b.director.clone().map(|d| format!("{d} · "))} {b.rank.map(|r| format!("rank {r} · "))}
            <strong>{format!("score {:.1}", b.score)}</strong>
            {format!(
                " · {:.0} % likely · data for {} of 5 dimensions · data completeness {:.0} %",
                b.likelihood,
                b.dimensions.iter().filter(|d| d.score.is_some()).count(),
                b.completeness * 100.0,
            )} {b.edition.map(|e| format!(" · on the list since {e}"))}
        </p>
        {(!left_out.is_empty())
            .then(|| {
                view! {
                    <p class="muted left-out">
                        {format!(
                            "Left out for want of data: {left_out}. The score weighs the other dimensions only, their weights scaled up to 100 %.",
                        )}
                    </p>
                }
            })}
        <DataTable headers=headers(
            &["Dimension", "Score", "Weight", "Counts for", "Points", "Inputs"],
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
                            <td>{d.effective_pct.map(|e| format!("{e:.1} %")).unwrap_or_else(|| "left out".into())}</td>
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
