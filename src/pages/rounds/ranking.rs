//! A member's ranked ballot: numbers without JavaScript, buttons that move films with it.

use super::*;

/// A ranked ballot: a number per film without JavaScript; with it, also buttons that move a film up
/// or down and number the list again.
#[component]
pub(super) fn RankingForm(id: i64, entries: Vec<(i64, String)>, ranking: Vec<i64>) -> impl IntoView {
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
