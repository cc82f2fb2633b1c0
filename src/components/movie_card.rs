use crate::model::MovieCard;
use leptos::prelude::*;

/// A stable hue per film, so posterless cards still look distinct.
pub fn hue(seed: &str) -> u32 {
    seed.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 360
}

/// A poster, or a tinted tile with the title when there is none.
#[component]
pub fn Poster(title: String, poster_url: Option<String>, seed: String) -> impl IntoView {
    match poster_url {
        Some(url) => {
            view! { <img class="poster" src=url alt=format!("Poster of {title}") loading="lazy" /> }.into_any()
        }
        None => {
            let style = format!("--hue: {}", hue(&seed));
            let label = format!("{title} (no poster)");
            view! {
                <div class="poster poster-placeholder" style=style role="img" aria-label=label>
                    <span>{title}</span>
                </div>
            }
            .into_any()
        }
    }
}

#[component]
pub fn MovieCardView(movie: MovieCard, #[prop(optional, into)] badge: Option<String>) -> impl IntoView {
    let meta = [movie.year.map(|y| y.to_string()), movie.director.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <article class="card" data-imdb=movie.imdb_id.clone()>
            <Poster title=movie.title.clone() poster_url=movie.poster_url.clone() seed=movie.imdb_id.clone() />
            <div class="card-body">
                <h3 class="card-title">
                    <a href=format!("/movies/{}", movie.id)>{movie.title.clone()}</a>
                </h3>
                <p class="card-meta">{meta}</p>
                <p class="card-genres">{movie.genres.clone()}</p>
                <p class="card-foot">
                    {movie
                        .rating
                        .map(|r| {
                            view! {
                                <span class="rating" title="IMDb rating">
                                    {format!("★ {r:.1}")}
                                </span>
                            }
                        })} {badge.map(|b| view! { <span class="badge">{b}</span> })}
                </p>
            </div>
        </article>
    }
}
