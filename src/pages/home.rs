use crate::components::movie_card::{MovieCardView, FIRST_ROW};
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{HomeData, SiteStats};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;

#[server(endpoint = "get_home", input = GetUrl)]
pub async fn get_home() -> Result<HomeData, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let state = &call.state;
        let stats = state.catalogue.stats().await?;
        let recent = state.catalogue.popular(Some(2020), 12).await?.as_ref().clone();
        Ok(HomeData { stats, recent })
    })
    .await
}

#[component]
pub fn HomePage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| get_home());
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"What will the canon remember?"</h1>
            <p class="lede">
                "Marquee predicts which films of the 2020s will join the “1001 Movies You Must See Before You Die” list, "
                "lets your club vote on what to watch next, and keeps a catalogue to browse."
            </p>
            <p class="hero-actions">
                <a class="button primary" href="/predictions">
                    "See predictions"
                </a>
                <a class="button" href="/vote">
                    "Vote on the next film"
                </a>
            </p>
        </section>
        <Section load=move || async move {
            data.await
                .map(|home| {
                    view! {
                        <StatsLine stats=home.stats.clone() />
                        <h2 class="section-title">"Most-watched films of the 2020s"</h2>
                        <div class="poster-grid">
                            {home
                                .recent
                                .into_iter()
                                .enumerate()
                                .map(|(i, movie)| view! { <MovieCardView movie eager=i < FIRST_ROW /> })
                                .collect_view()}
                        </div>
                    }
                })
        } />
    }
}

#[component]
pub fn StatsLine(stats: SiteStats) -> impl IntoView {
    view! {
        <ul class="stats-line" aria-label="Catalogue at a glance">
            <li>
                <strong>{stats.movies}</strong>
                " films"
            </li>
            <li>
                <strong>{stats.candidates}</strong>
                " from the 2020s"
            </li>
            <li>
                <strong>{stats.list_entries}</strong>
                " list entries"
            </li>
            <li>
                <strong>{stats.active_proposals}</strong>
                " proposals"
            </li>
            <li>
                <strong>{stats.votes}</strong>
                " votes"
            </li>
        </ul>
    }
}
