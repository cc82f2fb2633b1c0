//! `/movies`: the catalogue, 20 at a time, filtered and sorted from the URL; more load as one
//! scrolls, and plain page links work without JavaScript.

use crate::components::infinite::{infinite_list, Noun};
use crate::components::movie_card::{MovieCardView, FIRST_ROW};
use crate::components::pager::Pager;
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{MovieCard, MovieFilter, MovieSort, Slice};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoviesView {
    /// Flattened: the endpoint's JSON keeps `items` and `total` at the top.
    #[serde(flatten)]
    pub films: Slice<MovieCard>,
    pub filter: MovieFilter,
    pub genres: Vec<String>,
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
    use crate::server::web::call::serve;
    use crate::validate;
    serve(|call| async move {
        let state = &call.state;
        let genres = state.catalogue.genres();
        let filter = validate::movie_filter(
            genre.as_deref(),
            decade.as_deref(),
            on_list.as_deref(),
            sort.as_deref(),
            q.as_deref(),
            &genres,
        )?;
        let limit = state.config.pages.movies;
        let offset = validate::page_offset(page, limit)?;
        let list = state.catalogue.list(&filter, Start::Offset(offset as u64), limit).await?;
        let films = Slice { items: list.items.clone(), offset, limit, total: list.total };
        Ok(MoviesView { films, filter, genres })
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
        <p class="muted">
            "Browse the catalogue; signed-in members rate films and get "
            <a href="/movies/for-you">"recommendations"</a> "."
        </p>
        <Section load=move || async move {
            movies
                .await
                .map(|view| {
                    let (page, has_more) = (view.films.page(), view.films.has_more());
                    let (first, limit) = (view.films.next_offset(), view.films.limit);
                    let query = view.filter.query_string();
                    let link = move |page: u32| {
                        if query.is_empty() {
                            format!("/movies?page={page}")
                        } else {
                            format!("/movies?{query}&page={page}")
                        }
                    };
                    view! {
                        <Filters filter=view.filter.clone() genres=view.genres.clone() />
                        <p class="muted list-summary">
                            {match view.films.total {
                                0 => "No films match.".to_string(),
                                1 => "1 film".to_string(),
                                n => format!("{n} films · {}", view.filter.sort.label().to_lowercase()),
                            }}
                        </p>
                        <div class="poster-grid" data-page=page>
                            {view
                                .films
                                .items
                                .into_iter()
                                .enumerate()
                                .map(|(i, movie)| view! { <MovieCardView movie eager=i < FIRST_ROW /> })
                                .collect_view()}
                        </div>
                        <MoreMovies filter=view.filter.clone() first limit />
                        <Pager page has_more href=link class="nojs-more" />
                    }
                })
        } />
    }
}

/// The filter form: a plain GET form, so the filters live in the URL with or without JavaScript.
#[component]
fn Filters(filter: MovieFilter, genres: Vec<String>) -> impl IntoView {
    let decades: Vec<i32> = (0..=10).map(|k| 2020 - 10 * k).collect();
    view! {
        <form method="get" action="/movies" class="filters movie-filters" role="search">
            <label>
                "Title "
                <input
                    type="search"
                    name="q"
                    value=filter.search.clone().unwrap_or_default()
                    maxlength=crate::validate::MAX_SEARCH_LEN.to_string()
                    placeholder="e.g. amelie"
                />
            </label>
            <label>
                "Genre " <select name="genre">
                    <option value="">"Any"</option>
                    {genres
                        .into_iter()
                        .map(|g| {
                            let selected = filter.genre.as_deref() == Some(g.as_str());
                            view! {
                                <option value=g.clone() selected=selected>
                                    {g.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Decade " <select name="decade">
                    <option value="">"Any"</option>
                    {decades
                        .into_iter()
                        .map(|d| {
                            view! {
                                <option value=d.to_string() selected=filter.decade == Some(d)>
                                    {format!("{d}s")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="on_list" value="true" checked=filter.on_list />
                " On a canonical list"
            </label>
            <label>
                "Sort "
                <select name="sort">
                    {MovieSort::ALL
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.slug() selected=filter.sort == s>
                                    {s.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button class="button small primary" type="submit">
                "Apply"
            </button>
            <a href="/movies" class="muted">
                "Clear"
            </a>
        </form>
    }
}

/// Appends the next pages as the reader scrolls (JavaScript); the pager below covers the rest.
#[component]
fn MoreMovies(filter: MovieFilter, first: Option<u32>, limit: u32) -> impl IntoView {
    let fetch = move |offset: u32| {
        let f = filter.clone();
        async move {
            let (decade, on_list, sort) = (f.decade.map(|d| d.to_string()), f.on_list.to_string(), f.sort.slug());
            let page = offset / limit.max(1) + 1;
            Ok(list_movies(f.genre, decade, Some(on_list), Some(sort.to_string()), f.search, page).await?.films)
        }
    };
    let list = |items: ReadSignal<Vec<MovieCard>>| {
        view! {
            <div class="poster-grid appended">
                <For each=move || items.get() key=|m| m.id let(movie)>
                    <MovieCardView movie />
                </For>
            </div>
        }
        .into_any()
    };
    infinite_list(first, fetch, |m: &MovieCard| m.id, Noun("film"), None, false, list)
}
