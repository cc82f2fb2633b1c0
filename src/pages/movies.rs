//! `/movies`: the catalogue, 20 at a time, filtered and sorted from the URL; more load as one
//! scrolls, and plain page links work without JavaScript.

use crate::components::error_view::ErrorView;
use crate::components::movie_card::MovieCardView;
use crate::error::AppError;
use crate::model::{MovieCard, MovieFilter, MovieSort};
use crate::pages::Loading;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoviesView {
    pub items: Vec<MovieCard>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub filter: MovieFilter,
    pub genres: Vec<String>,
}

impl MoviesView {
    fn has_more(&self) -> bool {
        (self.page as i64) * (self.per_page as i64) < self.total
    }
}

#[server(endpoint = "list_movies", input = GetUrl)]
pub async fn list_movies(
    genre: Option<String>,
    decade: Option<String>,
    on_list: Option<String>,
    sort: Option<String>,
    q: Option<String>,
    page: u32,
) -> Result<MoviesView, AppError> {
    use crate::server::services::catalogue::Start;
    use crate::server::{web::http::respond, web::state::app_state};
    use crate::validate;
    respond(async move {
        let page = validate::page_number(page)?;
        let state = app_state()?;
        let genres = state.catalogue.genres();
        let filter = validate::movie_filter(
            genre.as_deref(),
            decade.as_deref(),
            on_list.as_deref(),
            sort.as_deref(),
            q.as_deref(),
            &genres,
        )?;
        let per_page = state.config.pages.movies;
        let offset = validate::offset(page, per_page);
        let list = state.catalogue.list(&state.db, &filter, Start::Offset(offset), per_page).await?;
        Ok(MoviesView { items: list.items.clone(), total: list.total, page, per_page, filter, genres })
    })
    .await
}

/// The URL's filter parameters, as the server function takes them.
type RawFilter = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, u32);

fn use_raw_filter() -> Memo<RawFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("genre"),
                q.get("decade"),
                q.get("on_list"),
                q.get("sort"),
                q.get("q"),
                crate::validate::parse_page(q.get("page").as_deref()),
            )
        })
    })
}

#[component]
pub fn MoviesPage() -> impl IntoView {
    let raw = use_raw_filter();
    let movies = Resource::new_blocking(move || raw.get(), |(g, d, l, s, q, p)| list_movies(g, d, l, s, q, p));
    view! {
        <Title text="Movies" />
        <h1>"Movies"</h1>
        <p class="muted">"Browse the catalogue; signed-in members rate films and get " <a href="/movies/for-you">"recommendations"</a> "."</p>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || Suspend::new(async move {
                    movies.await.map(|view| {
                        let has_more = view.has_more();
                        let query = view.filter.query_string();
                        let link = move |page: u32| {
                            if query.is_empty() { format!("/movies?page={page}") } else { format!("/movies?{query}&page={page}") }
                        };
                        let next = has_more.then(|| view.page + 1);
                        view! {
                            <Filters filter=view.filter.clone() genres=view.genres.clone() />
                            <p class="muted list-summary">
                                {match view.total {
                                    0 => "No films match.".to_string(),
                                    1 => "1 film".to_string(),
                                    n => format!("{n} films · {}", view.filter.sort.label().to_lowercase()),
                                }}
                            </p>
                            <div class="poster-grid" data-page=view.page>
                                {view.items.into_iter().map(|movie| view! { <MovieCardView movie /> }).collect_view()}
                            </div>
                            <MoreMovies filter=view.filter.clone() next />
                            <nav class="pager nojs-more" aria-label="Pages">
                                {(view.page > 1).then(|| view! { <a rel="prev" href=link(view.page - 1)>"← Previous"</a> })}
                                <span class="pager-current">{format!("Page {}", view.page)}</span>
                                {next.map(|p| view! { <a rel="next" href=link(p)>"Next →"</a> })}
                            </nav>
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// The filter form: a plain GET form, so the filters live in the URL with or without JavaScript.
#[component]
fn Filters(filter: MovieFilter, genres: Vec<String>) -> impl IntoView {
    let decades: Vec<i32> = (0..=10).map(|k| 2020 - 10 * k).collect();
    view! {
        <form method="get" action="/movies" class="filters movie-filters" role="search">
            <label>"Title "
                <input type="search" name="q" value=filter.search.clone().unwrap_or_default()
                    maxlength=crate::validate::MAX_SEARCH_LEN.to_string() placeholder="e.g. amelie" />
            </label>
            <label>"Genre "
                <select name="genre">
                    <option value="">"Any"</option>
                    {genres.into_iter().map(|g| {
                        let selected = filter.genre.as_deref() == Some(g.as_str());
                        view! { <option value=g.clone() selected=selected>{g.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Decade "
                <select name="decade">
                    <option value="">"Any"</option>
                    {decades.into_iter().map(|d| view! {
                        <option value=d.to_string() selected=filter.decade == Some(d)>{format!("{d}s")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="on_list" value="true" checked=filter.on_list />
                " On a canonical list"
            </label>
            <label>"Sort "
                <select name="sort">
                    {MovieSort::ALL.into_iter().map(|s| view! {
                        <option value=s.slug() selected=filter.sort == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button class="button small primary" type="submit">"Apply"</button>
            <a href="/movies" class="muted">"Clear"</a>
        </form>
    }
}

/// Appends the next pages as the reader scrolls (JavaScript); the pager above covers the rest.
#[component]
fn MoreMovies(filter: MovieFilter, next: Option<u32>) -> impl IntoView {
    let items = RwSignal::new(Vec::<MovieCard>::new());
    let next = RwSignal::new(next);
    let loading = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let load = move || {
        let Some(page) = next.get_untracked() else { return };
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let f = filter.clone();
        leptos::task::spawn_local(async move {
            let result = list_movies(
                f.genre,
                f.decade.map(|d| d.to_string()),
                Some(f.on_list.to_string()),
                Some(f.sort.slug().to_string()),
                f.search,
                page,
            )
            .await;
            match result {
                Ok(view) => {
                    next.set(view.has_more().then_some(page + 1));
                    items.update(|list| {
                        let fresh: Vec<_> =
                            view.items.into_iter().filter(|m| !list.iter().any(|x| x.id == m.id)).collect();
                        list.extend(fresh)
                    });
                    failed.set(None);
                }
                Err(e) => failed.set(Some(e.to_string())),
            }
            loading.set(false);
        });
    };
    let sentinel = NodeRef::<leptos::html::Div>::new();
    crate::components::infinite::load_near_sentinel(sentinel, loading, failed, load.clone());
    view! {
        <div class="poster-grid appended">
            <For each=move || items.get() key=|m| m.id let(movie)>
                <MovieCardView movie />
            </For>
        </div>
        <div class="more" node_ref=sentinel>
            {move || failed.get().map(|msg| view! { <p class="error-text" role="alert">{msg}</p> })}
            {move || match (next.get(), loading.get()) {
                (_, true) => Some(view! { <p class="loading" aria-busy="true"><span class="spinner"></span>"Loading more films…"</p> }.into_any()),
                (None, false) => Some(view! { <p class="end-of-list">"That is every film."</p> }.into_any()),
                (Some(_), false) => None,
            }}
        </div>
    }
}
