//! How a profile would have done: the stats line, the per-decade backtest and the comparison of
//! profiles.

use super::*;

#[component]
pub(super) fn StatsLine() -> impl IntoView {
    let stats = Resource::new(|| (), |_| get_prediction_stats());
    view! {
        <Section
            loading="Counting…"
            load=move || async move {
                stats
                    .await
                    .map(|s| {
                        view! {
                            <p class="stats-line prediction-stats">
                                {format!(
                                    "{} films scored · {} candidates from the 2020s · {} already on the list · {} with data for fewer than {} of 5 dimensions (not ranked yet) · average data completeness {:.0} %",
                                    s.films_scored,
                                    s.candidates,
                                    s.on_list,
                                    s.not_enough_data,
                                    s.min_dimensions,
                                    s.mean_completeness * 100.0,
                                )}
                            </p>
                        }
                    })
            }
        />
    }
}

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// Example films of a backtest decade, each opening its own score breakdown.
fn film_list(films: Vec<FilmRef>, params: &Params) -> impl IntoView {
    if films.is_empty() {
        return view! { <span class="muted">"none"</span> }.into_any();
    }
    films
        .into_iter()
        .map(|f| {
            let href = params.with(|p| p.film = Some(f.imdb_id.clone())).href();
            view! {
                <a class="film-ref" href=href>
                    {f.title}
                    {f.year.map(|y| format!(" ({y})"))}
                </a>
            }
        })
        .collect_view()
        .into_any()
}

/// The ranking's page ends with what the backtest and the comparison conclude; their full tables
/// are the tabs' (a repeat visit parsed and laid out both under the ranking before it hydrated).
#[component]
pub(super) fn BacktestSummaryLines(params: Params) -> impl IntoView {
    let q = params.query();
    let summary = Resource::new(move || (), move |_| get_backtest_summary(q.profile.clone(), q.w.clone()));
    let (backtest_href, compare_href) = (params.tab_href(Tab::Backtest), params.tab_href(Tab::Compare));
    view! {
        <Section
            loading="Running the backtest…"
            load=move || {
                let (backtest_href, compare_href) = (backtest_href.clone(), compare_href.clone());
                async move {
                    summary
                        .await
                        .map(|s| {
                            view! {
                                <section class="backtest-summary" aria-label="Backtest summary">
                                    <p>
                                        {match s.profile {
                                            Some(name) => format!("In past decades, weights {name} would have found "),
                                            None => "In past decades, your weights would have found ".to_string(),
                                        }} <strong>{format!("{} of the films on the list", pct(s.micro))}</strong>
                                        {format!(" ({} per decade on average). ", pct(s.macro_avg))}
                                        <a href=backtest_href>"The backtest, decade by decade"</a>
                                    </p>
                                    <p>
                                        "Best profile overall: " <strong>{s.best_overall}</strong>
                                        "; most consistent across decades: " <strong>{s.most_consistent}</strong> ". "
                                        <a href=compare_href>"Every profile compared"</a>
                                    </p>
                                </section>
                            }
                        })
                }
            }
        />
    }
}

#[component]
pub(super) fn BacktestSection(params: Params) -> impl IntoView {
    let q = params.query();
    let backtest = Resource::new_blocking(move || (), move |_| get_backtest(q.profile.clone(), q.w.clone()));
    view! {
        <Section
            loading="Running the backtest…"
            load=move || {
                let params = params.clone();
                async move { backtest.await.map(|bt| view! { <BacktestTable bt params=params.clone() /> }) }
            }
        />
    }
}

/// One profile's backtest: accuracy per decade, then examples of what it found and missed.
#[component]
fn BacktestTable(bt: BacktestView, params: Params) -> impl IntoView {
    let table_rows = bt
        .decades
        .iter()
        .map(|d| {
            view! {
                <tr>
                    <td>{format!("{}s", d.decade)}</td>
                    <td>{d.films}</td>
                    <td>{d.on_list}</td>
                    <td>{d.hits}</td>
                    <td>{pct(d.accuracy)}</td>
                    <td>{pct(d.base_rate)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="backtest" aria-label="Backtest">
            <p>
                {format!(
                    "Weights {}: ",
                    bt.active.profile.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "custom".into()),
                )} <strong>{format!("{} of list films found overall", pct(bt.micro))}</strong>
                {format!(" (micro average); {} per decade on average (macro).", pct(bt.macro_avg))}
            </p>
            <p class="muted">
                "For each decade, N is the number of its films on the list; the N best-scored films of the "
                "decade are compared with them. Scores never see the list. “Random pick” is the accuracy of "
                "choosing N of the decade's films blindly: where it is 100 %, every film of that decade in the "
                "data is on the list and the decade tells nothing about the profile."
            </p>
            <DataTable headers=headers(
                &["Decade", "Films", "On the list (N)", "Found", "Accuracy", "Random pick"],
            )>{table_rows}</DataTable>
            {bt
                .decades
                .into_iter()
                .filter(|d| d.on_list > 0)
                .map(|d| {
                    view! {
                        <details class="decade-examples">
                            <summary>{format!("{}s: examples", d.decade)}</summary>
                            <p>
                                <strong>"Found: "</strong>
                                {film_list(d.hits_examples, &params)}
                            </p>
                            <p>
                                <strong>"Missed: "</strong>
                                {film_list(d.misses, &params)}
                            </p>
                            <p>
                                <strong>"Ranked high but not on the list: "</strong>
                                {film_list(d.false_positives, &params)}
                            </p>
                        </details>
                    }
                })
                .collect_view()}
        </section>
    }
}

#[component]
pub(super) fn ComparisonSection() -> impl IntoView {
    let comparison = Resource::new_blocking(|| (), |_| get_comparison());
    view! {
        <Section
            loading="Comparing profiles…"
            load=move || async move { comparison.await.map(|c| view! { <ComparisonTable c /> }) }
        />
    }
}

/// Every profile's accuracy per decade, with the best of each decade marked.
#[component]
fn ComparisonTable(c: ComparisonView) -> impl IntoView {
    let specialists: Vec<String> = c
        .profiles
        .iter()
        .filter_map(|p| {
            let decades: Vec<String> = c
                .decades
                .iter()
                .zip(&c.best_per_decade)
                .filter(|(_, best)| **best == p.profile.slug)
                .map(|(d, _)| format!("{d}s"))
                .collect();
            (!decades.is_empty()).then(|| format!("{}: {}", p.profile.name, decades.join(", ")))
        })
        .collect();
    view! {
        <section class="comparison" aria-label="Profile comparison">
            <ul class="comparison-summary">
                <li>"Best overall: " <strong>{c.profile_name(&c.best_overall)}</strong></li>
                <li>"Most consistent across decades: " <strong>{c.profile_name(&c.most_consistent)}</strong></li>
                <li>"Era specialists (best in): " {specialists.join("; ")}</li>
            </ul>
            <DataTable headers={
                let mut h = vec!["Profile".to_string()];
                h.extend(c.decades.iter().map(|d| format!("{d}s")));
                h.extend(headers(&["Macro", "Micro", "Std. dev."]));
                h
            }>
                {c
                    .profiles
                    .iter()
                    .map(|p| {
                        view! {
                            <tr>
                                <th scope="row">{p.profile.name.clone()}</th>
                                {p
                                    .accuracies
                                    .iter()
                                    .zip(&c.best_per_decade)
                                    .map(|(a, best)| {
                                        let is_best = *best == p.profile.slug;
                                        view! { <td class:best=is_best>{format!("{:.0} %", a * 100.0)}</td> }
                                    })
                                    .collect_view()}
                                <td>{pct(p.macro_avg)}</td>
                                <td>{pct(p.micro)}</td>
                                <td>{format!("{:.1}", p.std_dev * 100.0)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </section>
    }
}
