//! Ratings in half stars, the one scale of the site (catalogue films and the club's watched films).

use leptos::prelude::*;

/// Ten submit buttons named `stars`, 0.5 to 5 stars, inside a rating form; those up to `shown` (in
/// half stars) are lit.
#[component]
pub fn HalfStarButtons(#[prop(into)] shown: Signal<Option<i32>>) -> impl IntoView {
    (1..=10)
        .map(|h| {
            let stars = h as f64 / 2.0;
            view! {
                <button
                    type="submit"
                    name="stars"
                    value=stars.to_string()
                    class=move || if shown.get().is_some_and(|s| s >= h) { "half on" } else { "half" }
                    aria-label=format!("{stars} star{}", if h == 2 { "" } else { "s" })
                    aria-pressed=move || (shown.get() == Some(h)).to_string()
                >
                    {if h % 2 == 1 { "⯨" } else { "⯩" }}
                </button>
            }
        })
        .collect_view()
}
