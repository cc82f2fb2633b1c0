use crate::model::MovieCard;
use leptos::prelude::*;

/// A stable hue per film, so posterless cards still look distinct.
pub fn hue(seed: &str) -> u32 {
    seed.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32)) % 360
}

/// Posters on a page's first screen (a grid's first row, the first proposals and ranked films):
/// loaded at once, the rest as they scroll near.
pub const FIRST_ROW: usize = 4;

/// How large a poster shows, which tells the browser which of its widths to load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PosterSize {
    /// Beside a line of text: a proposal, a ranked film, a search result (at most 80 px wide).
    Thumb,
    /// A card in a grid.
    #[default]
    Card,
    /// The film page's own.
    Large,
}

impl PosterSize {
    fn sizes(self) -> &'static str {
        match self {
            PosterSize::Thumb => "80px",
            PosterSize::Card => "(max-width: 640px) 46vw, 200px",
            PosterSize::Large => "(max-width: 640px) 110px, 200px",
        }
    }

    /// The widest image worth offering: an 80 px thumbnail needs no more than 320 px on a 3× screen.
    fn widest(self) -> u32 {
        match self {
            PosterSize::Thumb => 320,
            PosterSize::Card | PosterSize::Large => 640,
        }
    }
}

/// A poster served by Marquee (every width, in the poster's own colour until it loads), or a
/// tinted tile with the title when there is none. `eager` for the first screen's posters.
#[component]
pub fn Poster(
    title: String,
    poster: Option<String>,
    seed: String,
    #[prop(optional)] size: PosterSize,
    #[prop(optional)] eager: bool,
) -> impl IntoView {
    use crate::model::poster::{poster_colour, poster_src, poster_srcset};
    match poster {
        Some(key) => {
            let style = poster_colour(&key).map(|c| format!("background-color: {c}"));
            view! {
                <img
                    class="poster"
                    src=poster_src(&key, size.widest() / 2)
                    srcset=poster_srcset(&key, size.widest())
                    sizes=size.sizes()
                    width="320"
                    height="480"
                    style=style
                    // Decorative: the film's title is always written beside it.
                    alt=""
                    loading=if eager { "eager" } else { "lazy" }
                    decoding="async"
                />
            }
            .into_any()
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
pub fn MovieCardView(
    movie: MovieCard,
    #[prop(optional, into)] badge: Option<String>,
    /// On the first screen: its poster loads at once.
    #[prop(optional)]
    eager: bool,
) -> impl IntoView {
    let meta = [movie.year.map(|y| y.to_string()), movie.director.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <article class="card" data-imdb=movie.imdb_id.clone()>
            <Poster title=movie.title.clone() poster=movie.poster.clone() seed=movie.imdb_id.clone() eager />
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
