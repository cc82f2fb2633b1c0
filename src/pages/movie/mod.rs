//! `/movies/:id`: one film, everything known about it, the club's record, its prediction breakdown,
//! similar films, and the reader's own rating. `/movies/for-you`: recommendations.

use crate::components::error_view::{ErrorView, Problem};
use crate::components::movie_card::{MovieCardView, Poster, PosterSize};
use crate::components::section::Section;
use crate::components::stars::HalfStarButtons;
use crate::error::AppError;
use crate::model::{MovieDetail, MoviePage, RecommendedFilm};
use crate::pages::Loading;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

mod sections;

use sections::{CanonicalLists, ClubFacts, Credits, FestivalsAndAwards, RatingsBySource};

#[server(endpoint = "movie_page", input = GetUrl)]
pub async fn get_movie_page(id: String) -> Result<MoviePage, AppError> {
    use crate::server::services::catalogue::MovieKey;
    use crate::server::web::call::serve;
    serve(|call| async move {
        let key = MovieKey::parse(&id)?;
        let state = &call.state;
        let detail = state.catalogue.detail(&key).await?.as_ref().clone();
        let viewer = call.viewer().await?;
        let my_rating = match &viewer {
            Some(v) => state.catalogue.my_rating(v.id, detail.movie.id).await?,
            None => None,
        };
        let breakdown = state.predictions.breakdown(&detail.movie.imdb_id, &Default::default()).ok();
        Ok(MoviePage { detail, breakdown, viewer, my_rating })
    })
    .await
}

/// Rates a film 0.5-5 stars; an empty `stars` removes the rating. Returns the rating in half stars.
#[server(endpoint = "rate_movie")]
pub async fn rate_movie(movie_id: i64, stars: String) -> Result<Option<i32>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.member().await?;
        let half = match stars.trim() {
            "" | "remove" => None,
            text => Some(crate::validate::parse_half_stars(text)?),
        };
        let state = &call.state;
        state.catalogue.rate(viewer.id, movie_id, half).await?;
        Ok(half)
    })
    .await
}

#[server(endpoint = "recommendations", input = GetUrl)]
pub async fn recommendations() -> Result<Vec<RecommendedFilm>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.member().await?;
        let state = &call.state;
        Ok(state.catalogue.recommendations(viewer.id).await?.as_ref().clone())
    })
    .await
}

#[component]
pub fn MoviePageView() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let page = Resource::new_blocking(id, get_movie_page);
    // Set here, outside the Suspense, from the blocking resource: the head is written once that
    // resource is ready, and so always holds the film's title. A title set inside the suspended
    // view could miss the head when the data took a moment.
    let title = move || {
        page.with(|loaded| match loaded {
            Some(Ok(page)) => page.detail.movie.title.clone(),
            Some(Err(_)) => "Film not found".to_string(),
            None => String::new(),
        })
    };
    view! {
        <Title text=title />
        <Section load=move || async move { page.await.map(|page| view! { <Film page /> }) } />
    }
}

#[component]
fn Film(page: MoviePage) -> impl IntoView {
    let MovieDetail { movie, credits, metrics, awards, lists, club, similar } = page.detail;
    let facts = [
        movie.year.map(|y| y.to_string()),
        movie.runtime_minutes.map(|m| format!("{}h {:02}m", m / 60, m % 60)),
        (!movie.genres.is_empty()).then(|| movie.genres.clone()),
        movie.rating.map(|r| format!("IMDb ★ {r:.1}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let predictions_href = format!("/predictions?film={}", movie.imdb_id);
    view! {
        <article class="film" data-movie=movie.id>
            <div class="film-head">
                <Poster
                    title=movie.title.clone()
                    poster=movie.poster.clone()
                    seed=movie.imdb_id.clone()
                    size=PosterSize::Large
                    eager=true
                />
                <div>
                    <h1>{movie.title.clone()}</h1>
                    {movie
                        .original_title
                        .clone()
                        .filter(|t| *t != movie.title)
                        .map(|t| view! { <p class="muted">{t}</p> })}
                    <p class="card-meta">{facts}</p>
                    <p class="plot">{movie.plot.clone().unwrap_or_else(|| "No plot summary yet.".into())}</p>
                    <p>
                        <a href=format!("https://www.imdb.com/title/{}/", movie.imdb_id) rel="noopener noreferrer">
                            "IMDb"
                        </a>
                    </p>
                    <RatingControl movie_id=movie.id mine=page.my_rating signed_in=page.viewer.is_some() />
                </div>
            </div>

            <ClubFacts club />

            {page
                .breakdown
                .map(|b| {
                    view! {
                        <section class="panel">
                            <h2>"Canon prediction"</h2>
                            <crate::components::breakdown::BreakdownFigures breakdown=b />
                            <p>
                                <a href=predictions_href>"Open in predictions"</a>
                            </p>
                        </section>
                    }
                })}

            <Credits credits />

            <RatingsBySource metrics />

            <FestivalsAndAwards awards />

            <CanonicalLists lists />

            {(!similar.is_empty())
                .then(|| {
                    view! {
                        <h2 class="section-title">"Similar films"</h2>
                        <div class="poster-grid similar">
                            {similar.into_iter().map(|movie| view! { <MovieCardView movie /> }).collect_view()}
                        </div>
                    }
                })}
        </article>
    }
}

/// Half-star buttons (0.5-5) and "remove": plain form posts, instant with JavaScript.
#[component]
fn RatingControl(movie_id: i64, mine: Option<i32>, signed_in: bool) -> impl IntoView {
    let action = ServerAction::<RateMovie>::new();
    let mine = RwSignal::new(mine);
    let problem = RwSignal::new(None::<String>);
    crate::pages::on_action_result(action, move |result| match result {
        Ok(half) => {
            mine.set(*half);
            problem.set(None);
        }
        Err(err) => problem.set(Some(err.to_string())),
    });
    if !signed_in {
        return view! {
            <p class="muted">
                <a href=format!("/signin?next=/movies/{movie_id}")>"Sign in"</a>
                " to rate this film."
            </p>
        }
        .into_any();
    }
    let shown =
        move || action.input().get().map(|i| crate::validate::parse_half_stars(&i.stars).ok()).unwrap_or(mine.get());
    view! {
        <div class="my-rating">
            <ActionForm action attr:class="half-stars" attr:aria-label="Your rating">
                <input type="hidden" name="movie_id" value=movie_id />
                <HalfStarButtons shown=Signal::derive(shown) />
                <button type="submit" name="stars" value="" class="link-button" disabled=move || shown().is_none()>
                    "Remove"
                </button>
            </ActionForm>
            <p class="your-rating">
                {move || {
                    shown().map_or("Not rated by you".to_string(), |h| format!("Your rating: {}★", h as f64 / 2.0))
                }}
            </p>
            <Problem message=problem />
        </div>
    }
    .into_any()
}

#[component]
pub fn ForYouPage() -> impl IntoView {
    let recs = Resource::new_blocking(|| (), |_| recommendations());
    view! {
        <Title text="Recommended for you" />
        <h1>"Recommended for you"</h1>
        <Suspense fallback=|| view! { <Loading /> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <ErrorView errors />
                    <p>
                        <a href="/signin?next=/movies/for-you">"Sign in"</a>
                        " to see recommendations."
                    </p>
                }
            }>
                {move || Suspend::new(async move {
                    recs.await
                        .map(|films| {
                            view! {
                                <p class="muted">
                                    "Films you have not rated, picked from the genres and directors of the films you rated highly."
                                </p>
                                <div class="poster-grid recommendations">
                                    {films
                                        .into_iter()
                                        .map(|r| {
                                            view! {
                                                <div class="recommendation">
                                                    <MovieCardView movie=r.movie />
                                                    <p class="reason">{r.reason}</p>
                                                </div>
                                            }
                                        })
                                        .collect_view()}
                                </div>
                            }
                        })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
