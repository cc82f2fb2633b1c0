use crate::components::error_view::ErrorView;
use crate::components::movie_card::MovieCardView;
use crate::components::pager::Pager;
use crate::error::AppError;
use crate::model::{MovieCard, Page};
use crate::pages::{page_from_query, Loading};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;

#[server(endpoint = "list_movies", input = GetUrl)]
pub async fn list_movies(page: u32) -> Result<Page<MovieCard>, AppError> {
    use crate::server::db::movies;
    use crate::server::{http::respond, state::app_state};
    use crate::validate;
    respond(async move {
        let page = validate::page_number(page)?;
        let state = app_state()?;
        let per_page = state.config.pages.movies;
        let (items, total) =
            movies::page(&state.db, movies::MovieOrder::Popular, None, per_page, validate::offset(page, per_page))
                .await?;
        Ok(Page { items, page, per_page, total })
    })
    .await
}

#[component]
pub fn MoviesPage() -> impl IntoView {
    let page = page_from_query();
    let movies = Resource::new_blocking(page, list_movies);
    view! {
        <Title text="Movies" />
        <h1>"Movies"</h1>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || Suspend::new(async move {
                    movies.await.map(|page| {
                        let has_more = page.has_more();
                        view! {
                            <p class="muted">{format!("{} films, most rated first", page.total)}</p>
                            <div class="poster-grid">
                                {page.items.into_iter().map(|movie| view! { <MovieCardView movie /> }).collect_view()}
                            </div>
                            <Pager base="/movies" page=page.page has_more />
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
