//! `/predictions`: ranked 2020s candidates that stream in, scroll on, re-weight live, and backtest.
//!
//! Streamed in order: the first flush waits only for the top of the list (a cache hit, read by a
//! blocking resource) and carries the header and the top 25; the stats line and the backtest's
//! summary follow in the same response, each in its own `Suspense`, computed off the request
//! thread (the backtest's and the comparison's full tables are tabs of their own). Further ranks
//! come by scroll, the next 25 fetched ahead as soon as the page is alive. In-order (not
//! out-of-order) streaming keeps every section readable without JavaScript: Leptos 0.8 renders a
//! not-yet-ready out-of-order section as its fallback plus a template that only a script can
//! reveal.

use crate::components::breakdown::BreakdownFigures;
use crate::components::infinite::{infinite_list, Noun};
use crate::components::movie_card::{Poster, PosterSize, FIRST_ROW};
use crate::components::section::Section;
use crate::components::table::{headers, DataTable};
use crate::error::AppError;
use crate::model::*;
use crate::scoring::DIMENSIONS;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

mod backtest;
mod ranked;
mod weights;

use backtest::*;
use ranked::*;
use weights::*;

/// Rows per page, and per infinite-scroll step.
pub const PAGE: u32 = 25;

/// Runs `work` on the blocking pool when `deferred` (the section then streams in later);
/// otherwise right here, so the result is ready when the page first renders.
#[cfg(feature = "ssr")]
async fn compute<T: Send + 'static>(
    deferred: bool,
    work: impl FnOnce(&crate::server::web::state::AppState) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let state = call.state;
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
) -> Result<PredictionPage, AppError> {
    compute(false, move |s| s.predictions.page(&PredictionQuery { profile, w }, set, offset, limit)).await
}

#[server(endpoint = "prediction_backtest", input = GetUrl)]
pub async fn get_backtest(profile: Option<String>, w: Option<String>) -> Result<BacktestView, AppError> {
    compute(false, move |s| s.predictions.backtest(&PredictionQuery { profile, w })).await
}

/// The backtest of a profile or custom weights `w`, and the best profiles, in two lines.
#[server(endpoint = "prediction_backtest_summary", input = GetUrl)]
pub async fn get_backtest_summary(profile: Option<String>, w: Option<String>) -> Result<BacktestSummary, AppError> {
    compute(true, move |s| {
        let backtest = s.predictions.backtest(&PredictionQuery { profile, w })?;
        Ok(BacktestSummary::of(&backtest, &s.predictions.comparison()))
    })
    .await
}

#[server(endpoint = "prediction_comparison", input = GetUrl)]
pub async fn get_comparison() -> Result<ComparisonView, AppError> {
    compute(false, |s| Ok((*s.predictions.comparison()).clone())).await
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
    Complete,
    NotEnoughData,
    OnList,
    Backtest,
    Compare,
}

impl Tab {
    fn parse(s: Option<&str>) -> Tab {
        match s {
            Some("on-list") => Tab::OnList,
            Some("complete") => Tab::Complete,
            Some("not-enough-data") => Tab::NotEnoughData,
            Some("backtest") => Tab::Backtest,
            Some("compare") => Tab::Compare,
            _ => Tab::Candidates,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Tab::Candidates => "candidates",
            Tab::Complete => "complete",
            Tab::NotEnoughData => "not-enough-data",
            Tab::OnList => "on-list",
            Tab::Backtest => "backtest",
            Tab::Compare => "compare",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Candidates => "Candidates",
            Tab::Complete => "Complete data only",
            Tab::NotEnoughData => "Not enough data yet",
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

    /// The first page of another tab, under the same weights.
    fn tab_href(&self, tab: Tab) -> String {
        self.with(|p| {
            p.tab = tab;
            p.page = 1;
            p.film = None;
        })
        .href()
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
        {move || {
            let p = params.get();
            view! {
                {p.film.clone().map(|film| view! { <BreakdownPanel params=p.clone() film /> })}
                <Tabs params=p.clone() />
                {match p.tab {
                    Tab::Candidates => view! { <RankedList params=p.clone() set=CandidateSet::Candidates /> }.into_any(),
                    Tab::OnList => view! { <RankedList params=p.clone() set=CandidateSet::OnList /> }.into_any(),
                    Tab::Complete => view! { <RankedList params=p.clone() set=CandidateSet::Complete /> }.into_any(),
                    Tab::NotEnoughData => {
                        view! { <RankedList params=p.clone() set=CandidateSet::NotEnoughData /> }.into_any()
                    }
                    Tab::Backtest => view! { <BacktestSection params=p.clone() /> }.into_any(),
                    Tab::Compare => view! { <ComparisonSection /> }.into_any(),
                }}
            }
        }}
        // After the ranking: the list is what the page is for, on the first screen of a phone too.
        <p class="lede about">
            "Which films of the 2020s will join “1001 Movies You Must See Before You Die”? Each film is scored on "
            "popular opinion, critical acclaim, industry recognition, cultural impact and the quality of its people; "
            "a profile weighs them. The backtest shows how well a profile would have predicted earlier decades."
        </p>
    }
}

#[component]
fn Tabs(params: Params) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Prediction views">
            {[Tab::Candidates, Tab::Complete, Tab::NotEnoughData, Tab::OnList, Tab::Backtest, Tab::Compare]
                .into_iter()
                .map(|tab| {
                    let href = params.tab_href(tab);
                    let current = (tab == params.tab).then_some("page");
                    view! {
                        <a href=href aria-current=current>
                            {tab.label()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
