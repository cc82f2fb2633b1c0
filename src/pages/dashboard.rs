use crate::components::error_view::ErrorView;
use crate::error::AppError;
use crate::model::SiteStats;
use crate::pages::Loading;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;

#[server(endpoint = "get_stats", input = GetUrl)]
pub async fn get_stats() -> Result<SiteStats, AppError> {
    use crate::server::db::stats;
    use crate::server::{http::respond, state::app_state};
    respond(async move { Ok(stats::site_stats(&app_state()?.db).await?) }).await
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let stats = Resource::new_blocking(|| (), |_| get_stats());
    view! {
        <Title text="Dashboard" />
        <h1>"Dashboard"</h1>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || Suspend::new(async move {
                    stats.await.map(|s| {
                        let tiles = [
                            ("Films", s.movies),
                            ("2020s candidates", s.candidates),
                            ("Members", s.members),
                            ("Active proposals", s.active_proposals),
                            ("Votes", s.votes),
                            ("Ratings", s.ratings),
                            ("List entries", s.list_entries),
                            ("Award nominations", s.nominations),
                        ];
                        view! {
                            <dl class="tiles">
                                {tiles.into_iter().map(|(label, value)| view! {
                                    <div class="tile"><dt>{label}</dt><dd>{value}</dd></div>
                                }).collect_view()}
                            </dl>
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
