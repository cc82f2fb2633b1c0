//! `/predictions`: ranked 2020s candidates that stream in, scroll on, re-weight live, and backtest.
//!
//! Streamed in order: the first flush waits only for the top of the list (a cache hit, read by a
//! blocking resource) and carries the header and the top 25; ranks 26-100, the stats line, the
//! backtest and the profile comparison follow in the same response, each in its own `Suspense`,
//! computed off the request thread. In-order (not out-of-order) streaming keeps every section
//! readable without JavaScript: Leptos 0.8 renders a not-yet-ready out-of-order section as its
//! fallback plus a template that only a script can reveal.

use crate::components::breakdown::BreakdownFigures;
use crate::components::error_view::ErrorView;
use crate::components::infinite::{infinite_list, Noun};
use crate::components::movie_card::Poster;
use crate::components::table::{headers, DataTable};
use crate::error::AppError;
use crate::model::*;
use crate::pages::Loading;
use crate::scoring::DIMENSIONS;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Rows per page (and per infinite-scroll step); the first page streams ranks up to `STREAMED_TO`.
pub const PAGE: u32 = 25;
const STREAMED_TO: u32 = 100;

/// Runs `work` on the blocking pool when `deferred` (the section then streams in later);
/// otherwise right here, so the result is ready when the page first renders.
#[cfg(feature = "ssr")]
async fn compute<T: Send + 'static>(
    deferred: bool,
    work: impl FnOnce(&crate::server::web::state::AppState) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    use crate::server::{web::http::respond, web::state::app_state};
    respond(async move {
        let state = app_state()?;
        if deferred {
            crate::server::observe::spawn_blocking_in_request(move || work(&state))
                .await
                .map_err(|e| crate::server::observe::internal("ranking task stopped", e))?
        } else {
            work(&state)
        }
    })
    .await
}

/// Ranked films: `limit` (1..=100) from `offset`, under a profile or custom weights `w` ("20,20,20,20,20").
#[server(endpoint = "predictions", input = GetUrl)]
pub async fn get_predictions(
    profile: Option<String>,
    w: Option<String>,
    set: CandidateSet,
    offset: u32,
    limit: u32,
    deferred: bool,
) -> Result<PredictionPage, AppError> {
    compute(deferred, move |s| s.predictions.page(&PredictionQuery { profile, w }, set, offset, limit)).await
}

#[server(endpoint = "prediction_backtest", input = GetUrl)]
pub async fn get_backtest(
    profile: Option<String>,
    w: Option<String>,
    deferred: bool,
) -> Result<BacktestView, AppError> {
    compute(deferred, move |s| s.predictions.backtest(&PredictionQuery { profile, w })).await
}

#[server(endpoint = "prediction_comparison", input = GetUrl)]
pub async fn get_comparison(deferred: bool) -> Result<ComparisonView, AppError> {
    compute(deferred, |s| Ok((*s.predictions.comparison()).clone())).await
}

#[server(endpoint = "prediction_stats", input = GetUrl)]
pub async fn get_prediction_stats() -> Result<PredictionStats, AppError> {
    compute(true, |s| Ok(s.predictions.stats())).await
}

#[server(endpoint = "prediction_breakdown", input = GetUrl)]
pub async fn get_breakdown(imdb_id: String, profile: Option<String>, w: Option<String>) -> Result<Breakdown, AppError> {
    compute(false, move |s| s.predictions.breakdown(imdb_id.trim(), &PredictionQuery { profile, w })).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Candidates,
    OnList,
    Backtest,
    Compare,
}

impl Tab {
    fn parse(s: Option<&str>) -> Tab {
        match s {
            Some("on-list") => Tab::OnList,
            Some("backtest") => Tab::Backtest,
            Some("compare") => Tab::Compare,
            _ => Tab::Candidates,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Tab::Candidates => "candidates",
            Tab::OnList => "on-list",
            Tab::Backtest => "backtest",
            Tab::Compare => "compare",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Candidates => "Candidates",
            Tab::OnList => "Already on the list",
            Tab::Backtest => "Backtest",
            Tab::Compare => "Profile comparison",
        }
    }
}

/// Everything the page's URL says.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub profile: Option<String>,
    pub w: Option<String>,
    pub tab: Tab,
    pub page: u32,
    pub film: Option<String>,
}

impl Params {
    fn query(&self) -> PredictionQuery {
        PredictionQuery { profile: self.profile.clone(), w: self.w.clone() }
    }

    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = &self.w {
            parts.push(format!("w={}", encode_component(w)));
        } else if let Some(p) = &self.profile {
            parts.push(format!("profile={}", encode_component(p)));
        }
        if self.tab != Tab::Candidates {
            parts.push(format!("tab={}", self.tab.key()));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if let Some(f) = &self.film {
            parts.push(format!("film={}", encode_component(f)));
        }
        if parts.is_empty() {
            "/predictions".into()
        } else {
            format!("/predictions?{}", parts.join("&"))
        }
    }

    fn with(&self, change: impl FnOnce(&mut Params)) -> Params {
        let mut p = self.clone();
        change(&mut p);
        p
    }
}

fn use_params() -> Memo<Params> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        // The no-JS weights form sends five `w` fields; shared links carry one `w=a,b,c,d,e`.
        let w = q.get_all("w").map(|all| all.join(",")).filter(|w| !w.is_empty());
        Params {
            profile: q.get("profile").filter(|p| !p.is_empty()),
            w,
            tab: Tab::parse(q.get("tab").as_deref()),
            page: crate::validate::parse_page(q.get("page").as_deref()),
            film: q.get("film").filter(|f| !f.is_empty()),
        }
    })
}

#[component]
pub fn PredictionsPage() -> impl IntoView {
    let params = use_params();
    view! {
        <Title text="Predictions" />
        <h1>"Predictions: the canon of the 2020s"</h1>
        <p class="lede">
            "Which films of the 2020s will join “1001 Movies You Must See Before You Die”? Each film is scored on "
            "popular opinion, critical acclaim, industry recognition, cultural impact and the quality of its people; "
            "a profile weighs them. The backtest shows how well a profile would have predicted earlier decades."
        </p>
        {move || {
            let p = params.get();
            view! {
                {p.film.clone().map(|film| view! { <BreakdownPanel params=p.clone() film /> })}
                <Tabs params=p.clone() />
                {match p.tab {
                    Tab::Candidates => view! { <RankedList params=p.clone() set=CandidateSet::Candidates /> }.into_any(),
                    Tab::OnList => view! { <RankedList params=p.clone() set=CandidateSet::OnList /> }.into_any(),
                    Tab::Backtest => view! { <BacktestSection params=p.clone() deferred=false /> }.into_any(),
                    Tab::Compare => view! { <ComparisonSection deferred=false /> }.into_any(),
                }}
            }
        }}
    }
}

#[component]
fn Tabs(params: Params) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Prediction views">
            {[Tab::Candidates, Tab::OnList, Tab::Backtest, Tab::Compare]
                .into_iter()
                .map(|tab| {
                    let href = params.with(|p| { p.tab = tab; p.page = 1; p.film = None; }).href();
                    let current = (tab == params.tab).then_some("page");
                    view! { <a href=href aria-current=current>{tab.label()}</a> }
                })
                .collect_view()}
        </nav>
    }
}

/// A ranked list: the current page inline, the rest of the first hundred streamed, then infinite scroll.
#[component]
fn RankedList(params: Params, set: CandidateSet) -> impl IntoView {
    let q = params.query();
    let start = params.page.saturating_sub(1) * PAGE;
    let (q1, q2) = (q.clone(), q.clone());
    let valid_page = crate::validate::page_number(params.page);
    let head = Resource::new_blocking(
        move || (),
        move |_| {
            let (q1, valid_page) = (q1.clone(), valid_page.clone());
            async move {
                if let Err(err) = valid_page {
                    #[cfg(feature = "ssr")]
                    crate::server::web::http::set_error_status(&err);
                    return Err(err);
                }
                get_predictions(q1.profile, q1.w, set, start, PAGE, false).await
            }
        },
    );
    // Created here, not inside the view below: a resource made while a suspended view renders is
    // made again on each of its passes, and each copy's rows were sent along for hydration.
    let rest_offset = start + PAGE;
    let rest = (rest_offset < STREAMED_TO).then(|| {
        let q = q.clone();
        Resource::new(
            move || (),
            move |_| {
                let q = q.clone();
                async move {
                    // Only what the first page leaves over: a short list has no rest to ask for.
                    let first = head.await?;
                    if first.next_offset().is_none() {
                        return Ok(PredictionPage { rows: Vec::new(), profiles: Vec::new(), ..first });
                    }
                    let mut rest =
                        get_predictions(q.profile, q.w, set, rest_offset, STREAMED_TO - rest_offset, true).await?;
                    // The controls above already have the profiles; not sent again for hydration.
                    rest.profiles.clear();
                    Ok(rest)
                }
            },
        )
    });
    let p = params.clone();
    view! {
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || {
                    let (p, q2) = (p.clone(), q2.clone());
                    Suspend::new(async move {
                        head.await.map(|page| {
                            let no_js_next = page.next_offset().map(|_| p.with(|x| { x.page += 1; x.film = None; }).href());
                            let streamed = rest.filter(|_| page.next_offset().is_some());
                            view! {
                                <WeightControls params=p.clone() active=page.active.clone() profiles=page.profiles.clone() />
                                <p class="muted list-summary">
                                    {format!("{} films · showing from rank {}", page.total, start + 1)}
                                </p>
                                <ol class="predictions" start=start + 1>
                                    {page.rows.iter().cloned().map(|row| view! { <PredictionItem row params=p.clone() /> }).collect_view()}
                                </ol>
                                // The first flush ends here: header, controls and this page of the ranking.
                                <div hidden data-first-flush=""></div>
                                {no_js_next.map(|href| view! {
                                    <p class="nojs-more"><a class="button" href=href rel="next">"More films"</a></p>
                                })}
                                {match streamed {
                                    Some(rest) => view! { <StreamedRest params=p.clone() q=q2.clone() set rest offset=rest_offset /> }.into_any(),
                                    None => view! { <MoreLoader params=p.clone() q=q2.clone() set next=page.next_offset() /> }.into_any(),
                                }}
                            }
                        })
                    })
                }}
            </ErrorBoundary>
        </Suspense>
        {(set == CandidateSet::Candidates && params.page == 1).then(|| view! {
            <StatsLine />
            <h2 class="section-title">"How this profile would have done"</h2>
            <BacktestSection params=params.clone() deferred=true />
            <h2 class="section-title">"Profiles compared"</h2>
            <ComparisonSection deferred=true />
        })}
    }
}

/// Ranks after the first page, up to the hundredth, streamed after the first flush.
#[component]
fn StreamedRest(
    params: Params,
    q: PredictionQuery,
    set: CandidateSet,
    rest: Resource<Result<PredictionPage, AppError>>,
    offset: u32,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading more films…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || {
                    let (params, q) = (params.clone(), q.clone());
                    Suspend::new(async move {
                        rest.await.map(|page| view! {
                            <ol class="predictions streamed" start=offset + 1>
                                {page.rows.iter().cloned().map(|row| view! { <PredictionItem row params=params.clone() /> }).collect_view()}
                            </ol>
                            <MoreLoader params q set next=page.next_offset() />
                        })
                    })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}

/// Appends the next films as the reader nears the end: no gaps, no repeats, a clear end.
#[component]
fn MoreLoader(params: Params, q: PredictionQuery, set: CandidateSet, next: Option<u32>) -> impl IntoView {
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
        async move { Ok(get_predictions(q.profile, q.w, set, offset, PAGE, false).await?.into_slice(PAGE)) }
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
    infinite_list(next, fetch, |row: &PredictionRow| row.rank, Noun("film"), Some(more_href), list)
}

#[component]
fn PredictionItem(row: PredictionRow, params: Params) -> impl IntoView {
    let href = params.with(|p| p.film = Some(row.imdb_id.clone())).href();
    let badge = match row.edition {
        Some(year) if year > 0 => format!("On the list ({year})"),
        Some(_) => "On the list".to_string(),
        None => "Candidate".to_string(),
    };
    let meta =
        [row.year.map(|y| y.to_string()), row.director.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let likelihood = row.likelihood;
    view! {
        <li class="prediction" data-rank=row.rank data-imdb=row.imdb_id.clone()>
            <span class="rank">{row.rank}</span>
            <Poster title=row.title.clone() poster_url=row.poster_url.clone() seed=row.imdb_id.clone() />
            <div class="prediction-body">
                <h3><a href=href>{row.title.clone()}</a></h3>
                <p class="card-meta">{meta}</p>
                <p class="card-meta">
                    <span class="badge" class:on-list=row.edition.is_some()>{badge}</span>
                    " Strongest: " {row.top_dimension.clone()}
                    {(row.completeness < 0.999).then(|| format!(" · data {:.0} %", row.completeness * 100.0))}
                </p>
            </div>
            <div class="prediction-score">
                <strong class="score">{format!("{:.1}", row.score)}</strong>
                <div class="likelihood" title=format!("Likelihood {likelihood:.0} %")>
                    <div class="likelihood-bar" style=format!("width: {likelihood:.0}%")></div>
                </div>
                <span class="likelihood-label">{format!("{likelihood:.0} % likely")}</span>
            </div>
        </li>
    }
}

/// Profile buttons and five weight sliders; a change re-ranks in place and updates the URL.
#[component]
fn WeightControls(params: Params, active: ActiveWeights, profiles: Vec<ProfileInfo>) -> impl IntoView {
    let values: [RwSignal<u32>; 5] = active.percentages.map(RwSignal::new);
    let total = move || values.iter().map(|v| v.get()).sum::<u32>();
    let navigate = leptos_router::hooks::use_navigate();
    let apply = {
        let params = params.clone();
        move || {
            if total() == 100 {
                let w = values.iter().map(|v| v.get_untracked().to_string()).collect::<Vec<_>>().join(",");
                let href = params
                    .with(|p| {
                        p.w = Some(w);
                        p.profile = None;
                        p.page = 1;
                        p.film = None;
                    })
                    .href();
                navigate(&href, Default::default());
            }
        }
    };
    let reset_href = params
        .with(|p| {
            p.w = None;
            p.profile = None;
            p.page = 1;
            p.film = None;
        })
        .href();
    let tab = params.tab;
    view! {
        <section class="weights" aria-label="Weights">
            <div class="profiles" role="group" aria-label="Profiles">
                {profiles.into_iter().map(|prof| {
                    let current = active.profile.as_ref().is_some_and(|a| a.slug == prof.slug).then_some("true");
                    let href = params.with(|p| { p.profile = Some(prof.slug.clone()); p.w = None; p.page = 1; p.film = None; }).href();
                    view! { <a class="chip" href=href aria-current=current>{prof.name.clone()}</a> }
                }).collect_view()}
                {active.profile.is_none().then(|| view! { <span class="chip" aria-current="true">"Custom"</span> })}
            </div>
            <form class="sliders" method="get" action="/predictions" on:submit={
                let apply = apply.clone();
                move |ev| { ev.prevent_default(); apply(); }
            }>
                {(tab != Tab::Candidates).then(|| view! { <input type="hidden" name="tab" value=tab.key() /> })}
                {DIMENSIONS.iter().enumerate().map(|(i, d)| {
                    let value = values[i];
                    let apply = apply.clone();
                    let id = format!("w-{}", d.key());
                    view! {
                        <label for=id.clone()>
                            <span>{d.label()}</span>
                            <output>{move || format!("{} %", value.get())}</output>
                        </label>
                        <input type="range" id=id name="w" min="0" max="100" step="1" aria-label=d.label()
                            value=value.get_untracked().to_string()
                            prop:value=move || value.get().to_string()
                            on:input=move |ev| value.set(event_target_value(&ev).parse().unwrap_or(0))
                            on:change=move |_| apply() />
                    }
                }).collect_view()}
                <p class="sliders-total" class:bad=move || total() != 100 role="status">
                    {move || if total() == 100 {
                        "Total 100 %".to_string()
                    } else {
                        format!("Total {} %: the weights must add up to 100 %", total())
                    }}
                </p>
                <p class="sliders-actions">
                    <button type="submit" class="button primary" prop:disabled=move || total() != 100>"Apply"</button>
                    <a class="button" href=reset_href>"Reset"</a>
                </p>
            </form>
        </section>
    }
}

#[component]
fn StatsLine() -> impl IntoView {
    let stats = Resource::new(|| (), |_| get_prediction_stats());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Counting…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || Suspend::new(async move {
                    stats.await.map(|s| view! {
                        <p class="stats-line prediction-stats">
                            {format!(
                                "{} films scored · {} candidates from the 2020s · {} already on the list · average data completeness {:.0} %",
                                s.films_scored, s.candidates, s.on_list, s.mean_completeness * 100.0,
                            )}
                        </p>
                    })
                })}
            </ErrorBoundary>
        </Suspense>
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
            view! { <a class="film-ref" href=href>{f.title}{f.year.map(|y| format!(" ({y})"))}</a> }
        })
        .collect_view()
        .into_any()
}

#[component]
fn BacktestSection(params: Params, deferred: bool) -> impl IntoView {
    let q = params.query();
    let backtest = if deferred {
        Resource::new(move || (), move |_| get_backtest(q.profile.clone(), q.w.clone(), true))
    } else {
        Resource::new_blocking(move || (), move |_| get_backtest(q.profile.clone(), q.w.clone(), false))
    };
    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Running the backtest…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || {
                    let params = params.clone();
                    Suspend::new(async move {
                    backtest.await.map(|bt| {
                        let table_rows = bt.decades.iter().map(|d| view! {
                                            <tr>
                                                <td>{format!("{}s", d.decade)}</td>
                                                <td>{d.films}</td>
                                                <td>{d.on_list}</td>
                                                <td>{d.hits}</td>
                                                <td>{pct(d.accuracy)}</td>
                                            </tr>
                                        }).collect_view();
                        view! {
                        <section class="backtest" aria-label="Backtest">
                            <p>
                                {format!("Weights {}: ", bt.active.profile.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "custom".into()))}
                                <strong>{format!("{} of list films found overall", pct(bt.micro))}</strong>
                                {format!(" (micro average); {} per decade on average (macro).", pct(bt.macro_avg))}
                            </p>
                            <p class="muted">
                                "For each decade, N is the number of its films on the list; the N best-scored films of the "
                                "decade are compared with them. Scores never see the list."
                            </p>
                            <DataTable headers=headers(&["Decade", "Films", "On the list (N)", "Found", "Accuracy"])>
                                        {table_rows}
                            </DataTable>
                            {bt.decades.into_iter().filter(|d| d.on_list > 0).map(|d| view! {
                                <details class="decade-examples">
                                    <summary>{format!("{}s: examples", d.decade)}</summary>
                                    <p><strong>"Found: "</strong>{film_list(d.hits_examples, &params)}</p>
                                    <p><strong>"Missed: "</strong>{film_list(d.misses, &params)}</p>
                                    <p><strong>"Ranked high but not on the list: "</strong>{film_list(d.false_positives, &params)}</p>
                                </details>
                            }).collect_view()}
                        </section>
                    }})
                })}}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn ComparisonSection(deferred: bool) -> impl IntoView {
    let comparison = if deferred {
        Resource::new(|| (), |_| get_comparison(true))
    } else {
        Resource::new_blocking(|| (), |_| get_comparison(false))
    };
    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Comparing profiles…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || Suspend::new(async move {
                    comparison.await.map(|c| {
                        let name = |slug: &str| c.profiles.iter().find(|p| p.profile.slug == slug).map(|p| p.profile.name.clone()).unwrap_or_default();
                        let specialists: Vec<String> = c.profiles.iter().filter_map(|p| {
                            let decades: Vec<String> = c.decades.iter().zip(&c.best_per_decade)
                                .filter(|(_, best)| **best == p.profile.slug)
                                .map(|(d, _)| format!("{d}s")).collect();
                            (!decades.is_empty()).then(|| format!("{}: {}", p.profile.name, decades.join(", ")))
                        }).collect();
                        view! {
                            <section class="comparison" aria-label="Profile comparison">
                                <ul class="comparison-summary">
                                    <li>"Best overall: " <strong>{name(&c.best_overall)}</strong></li>
                                    <li>"Most consistent across decades: " <strong>{name(&c.most_consistent)}</strong></li>
                                    <li>"Era specialists (best in): " {specialists.join("; ")}</li>
                                </ul>
                                <DataTable headers={
                                    let mut h = vec!["Profile".to_string()];
                                    h.extend(c.decades.iter().map(|d| format!("{d}s")));
                                    h.extend(headers(&["Macro", "Micro", "Std. dev."]));
                                    h
                                }>
                                            {c.profiles.iter().map(|p| view! {
                                                <tr>
                                                    <th scope="row">{p.profile.name.clone()}</th>
                                                    {p.accuracies.iter().zip(&c.best_per_decade).map(|(a, best)| {
                                                        let is_best = *best == p.profile.slug;
                                                        view! { <td class:best=is_best>{format!("{:.0} %", a * 100.0)}</td> }
                                                    }).collect_view()}
                                                    <td>{pct(p.macro_avg)}</td>
                                                    <td>{pct(p.micro)}</td>
                                                    <td>{format!("{:.1}", p.std_dev * 100.0)}</td>
                                                </tr>
                                            }).collect_view()}
                                </DataTable>
                            </section>
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn BreakdownPanel(params: Params, film: String) -> impl IntoView {
    let q = params.query();
    let breakdown =
        Resource::new_blocking(move || (), move |_| get_breakdown(film.clone(), q.profile.clone(), q.w.clone()));
    let close = params.with(|p| p.film = None).href();
    view! {
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || {
                    let close = close.clone();
                    Suspend::new(async move {
                        breakdown.await.map(|b| view! {
                            <section class="breakdown" aria-label="Score breakdown">
                                <header>
                                    <h2>{b.film.title.clone()}{b.film.year.map(|y| format!(" ({y})"))}</h2>
                                    <a class="button" href=close>"Close"</a>
                                </header>
                                <BreakdownFigures breakdown=b />
                            </section>
                        })
                    })
                }}
            </ErrorBoundary>
        </Suspense>
    }
}
