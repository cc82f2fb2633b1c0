use crate::components::error_view::ErrorView;
use crate::components::movie_card::MovieCardView;
use crate::components::pager::Pager;
use crate::error::AppError;
use crate::model::{Page, RecentFilm};
use crate::pages::{page_from_query, Loading};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;

/// Films of the 2020s, most rated first, each with its standing on the target list.
#[server(endpoint = "list_recent_films", input = GetUrl)]
pub async fn list_recent_films(page: u32) -> Result<Page<RecentFilm>, AppError> {
    use crate::server::db::movies;
    use crate::server::{http::respond, state::app_state};
    use crate::validate;
    respond(async move {
        let page = validate::page_number(page)?;
        let state = app_state()?;
        let per_page = state.config.pages.predictions;
        let (cards, total) = movies::page(
            &state.db,
            movies::MovieOrder::Popular,
            Some((2020, 2029)),
            per_page,
            validate::offset(page, per_page),
        )
        .await?;
        let ids: Vec<i64> = cards.iter().map(|c| c.id).collect();
        let editions = movies::target_editions(&state.db, &ids).await?;
        let items = cards
            .into_iter()
            .map(|movie| {
                let edition = editions.iter().find(|e| e.id == movie.id).map(|e| e.edition_year.unwrap_or_default());
                RecentFilm { movie, edition }
            })
            .collect();
        Ok(Page { items, page, per_page, total })
    })
    .await
}

#[component]
pub fn PredictionsPage() -> impl IntoView {
    let page = page_from_query();
    let films = Resource::new_blocking(page, list_recent_films);
    view! {
        <Title text="Predictions" />
        <h1>"Predictions: the 2020s"</h1>
        <p class="lede">
            "Films of the 2020s and their standing on “1001 Movies You Must See Before You Die”. "
            "Films already added show the edition; the rest are candidates."
        </p>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || Suspend::new(async move {
                    films.await.map(|page| {
                        let has_more = page.has_more();
                        view! {
                            <div class="poster-grid">
                                {page.items.into_iter().map(|film| {
                                    let badge = match film.edition {
                                        Some(year) => format!("On the list ({year})"),
                                        None => "Candidate".to_string(),
                                    };
                                    view! { <MovieCardView movie=film.movie badge /> }
                                }).collect_view()}
                            </div>
                            <Pager base="/predictions" page=page.page has_more />
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
