//! The ranking itself: the page shown inline, further films on scroll (the next page fetched
//! ahead), and a film's score breakdown.

use super::*;

/// A ranked list: the current page inline, then infinite scroll. Only this page is rendered with
/// it: a repeat visit on a phone parses, lays out and hydrates all of the page before it comes alive,
/// and the next page is fetched ahead once it has, so scrolling on does not wait for it.
#[component]
pub(super) fn RankedList(params: Params, set: CandidateSet) -> impl IntoView {
    let q = params.query();
    let start = params.page.saturating_sub(1) * PAGE;
    let valid_page = crate::validate::page_number(params.page);
    let head = Resource::new_blocking(
        move || (),
        move |_| {
            let (q, valid_page) = (q.clone(), valid_page.clone());
            async move {
                if let Err(err) = valid_page {
                    #[cfg(feature = "ssr")]
                    crate::server::web::http::set_error_status(&err);
                    return Err(err);
                }
                get_predictions(q.profile, q.w, set, start, PAGE).await
            }
        },
    );
    let p = params.clone();
    view! {
        <Section load=move || {
            let p = p.clone();
            async move {
                head.await
                    .map(|page| {
                        view! {
                            <WeightControls
                                params=p.clone()
                                active=page.active.clone()
                                profiles=page.profiles.clone()
                            />
                            <p class="muted list-summary">
                                {format!("{} films · showing from rank {}", page.total, start + 1)}
                            </p>
                            <ol class="predictions" start=start + 1>
                                {page
                                    .rows
                                    .iter()
                                    .cloned()
                                    .map(|row| view! { <PredictionItem row params=p.clone() /> })
                                    .collect_view()}
                            </ol>
                            // The first flush ends here: header, controls and this page of the ranking.
                            <div hidden data-first-flush=""></div>
                            <MoreLoader params=p.clone() set next=page.next_offset() />
                        }
                    })
            }
        } />
        {(set == CandidateSet::Candidates && params.page == 1)
            .then(|| {
                view! {
                    <StatsLine />
                    <h2 class="section-title">"How this profile would have done"</h2>
                    <BacktestSummaryLines params=params.clone() />
                }
            })}
    }
}

/// Appends the next films as the reader nears the end: no gaps, no repeats, a clear end.
#[component]
pub(super) fn MoreLoader(params: Params, set: CandidateSet, next: Option<u32>) -> impl IntoView {
    let q = params.query();
    let item_params = params.clone();
    let more_href = Callback::new(move |offset: u32| {
        params
            .with(|p| {
                p.page = offset / PAGE + 1;
                p.film = None;
            })
            .href()
    });
    let fetch = move |offset: u32| {
        let q = q.clone();
        async move { Ok(get_predictions(q.profile, q.w, set, offset, PAGE).await?.into_slice(PAGE)) }
    };
    let list = move |rows: ReadSignal<Vec<PredictionRow>>| {
        view! {
            <ol class="predictions appended" start=move || rows.with(|r| r.first().map(|x| x.rank).unwrap_or(1))>
                <For each=move || rows.get() key=|row| row.rank let(row)>
                    <PredictionItem row params=item_params.clone() />
                </For>
            </ol>
        }
        .into_any()
    };
    infinite_list(next, fetch, |row: &PredictionRow| row.rank, Noun("film"), Some(more_href), true, list)
}

#[component]
pub(super) fn PredictionItem(row: PredictionRow, params: Params) -> impl IntoView {
    let href = params.with(|p| p.film = Some(row.imdb_id.clone())).href();
    let badge = match row.edition {
        Some(year) if year > 0 => format!("On the list ({year})"),
        Some(_) => "On the list".to_string(),
        None => "Candidate".to_string(),
    };
    let meta =
        [row.year.map(|y| y.to_string()), row.director.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let likelihood = row.likelihood;
    let dimensions = row.present.count_ones();
    let missing = DIMENSIONS
        .iter()
        .filter(|d| row.present & (1 << d.index()) == 0)
        .map(|d| d.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <li class="prediction" data-rank=row.rank data-imdb=row.imdb_id.clone()>
            <span class="rank">{row.rank}</span>
            <Poster
                title=row.title.clone()
                poster=row.poster.clone()
                seed=row.imdb_id.clone()
                size=PosterSize::Thumb
                eager=row.rank as usize <= FIRST_ROW
            />
            <div class="prediction-body">
                <h3>
                    <a href=href>{row.title.clone()}</a>
                </h3>
                <p class="card-meta">{meta}</p>
                <p class="card-meta">
                    <span class="badge" class:on-list=row.edition.is_some()>
                        {badge}
                    </span>
                    " Strongest: "
                    {row.top_dimension.clone()}
                </p>
                {(!missing.is_empty())
                    .then(|| view! { <p class="card-meta missing">{format!("No data yet: {missing}")}</p> })}
            </div>
            <div class="prediction-score">
                <strong class="score">{format!("{:.1}", row.score)}</strong>
                <span class="dimensions" title="Dimensions with data; the score weighs only these">
                    {format!("{dimensions} of 5 dimensions")}
                </span>
                <div class="likelihood" title=format!("Likelihood {likelihood:.0} %")>
                    <div class="likelihood-bar" style=format!("width: {likelihood:.0}%")></div>
                </div>
                <span class="likelihood-label">{format!("{likelihood:.0} % likely")}</span>
            </div>
        </li>
    }
}

#[component]
pub(super) fn BreakdownPanel(params: Params, film: String) -> impl IntoView {
    let q = params.query();
    let breakdown =
        Resource::new_blocking(move || (), move |_| get_breakdown(film.clone(), q.profile.clone(), q.w.clone()));
    let close = params.with(|p| p.film = None).href();
    view! {
        <Section load=move || {
            let close = close.clone();
            async move {
                breakdown
                    .await
                    .map(|b| {
                        view! {
                            <section class="breakdown" aria-label="Score breakdown">
                                <header>
                                    <h2>{b.film.title.clone()}{b.film.year.map(|y| format!(" ({y})"))}</h2>
                                    <a class="button" href=close>
                                        "Close"
                                    </a>
                                </header>
                                <BreakdownFigures breakdown=b />
                            </section>
                        }
                    })
            }
        } />
    }
}
