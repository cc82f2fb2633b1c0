//! `/vote/watched`: the films the club has watched, with everyone's stars.

use crate::components::club::VoteTabs;
use crate::components::error_view::Problem;
use crate::components::movie_card::{Poster, PosterSize};
use crate::components::pager::Pager;
use crate::components::section::Section;
use crate::components::stars::HalfStarButtons;
use crate::error::AppError;
use crate::model::{Slice, Viewer, WatchedFilm};
use crate::pages::page_from_query;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchedView {
    pub viewer: Option<Viewer>,
    pub films: Slice<WatchedFilm>,
}

#[server(endpoint = "watched_films", input = GetUrl)]
pub async fn watched_films(page: u32) -> Result<WatchedView, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.viewer().await?;
        let films = call.state.club.watched(viewer.as_ref(), page).await?;
        Ok(WatchedView { viewer, films })
    })
    .await
}

/// Rates a watched film 0.5-5 stars in half stars (`stars` as posted: "4", "3.5").
#[server(endpoint = "rate_watched")]
pub async fn rate_watched(proposal_id: i64, stars: String) -> Result<(), AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.member().await?;
        call.state.club.rate_watched(&viewer, proposal_id, &stars).await
    })
    .await
}

#[component]
pub fn WatchedPage() -> impl IntoView {
    let page = page_from_query();
    let data = Resource::new_blocking(page, watched_films);
    let rate = ServerAction::<RateWatched>::new();
    view! {
        <Title text="Watched" />
        <h1>"What the club has watched"</h1>
        <VoteTabs current="/vote/watched" />
        {move || {
            rate.value()
                .get()
                .and_then(Result::err)
                .map(|e| {
                    view! {
                        <p class="form-error" role="alert">
                            {e.to_string()}
                        </p>
                    }
                })
        }}
        <Section load=move || async move {
            data.await
                .map(|data| {
                    let signed_in = data.viewer.is_some();
                    let (page, has_more) = (data.films.page(), data.films.has_more());
                    view! {
                        {data.films.items.is_empty().then(|| view! { <p class="empty">"No films watched yet."</p> })}
                        <ol class="proposal-list watched">
                            {data
                                .films
                                .items
                                .into_iter()
                                .map(|film| view! { <WatchedItem film signed_in /> })
                                .collect_view()}
                        </ol>
                        <Pager page has_more href=|page| format!("/vote/watched?page={page}") />
                    }
                })
        } />
    }
}

#[component]
fn WatchedItem(film: WatchedFilm, signed_in: bool) -> impl IntoView {
    let p = &film.proposal;
    let title = p.display_title();
    let average = film.average();
    let who = film
        .ratings
        .iter()
        .map(|(name, half)| format!("{name}: {}★", *half as f64 / 2.0))
        .collect::<Vec<_>>()
        .join(", ");
    let id = p.id;
    // The page is rendered on the server; the browser's clock agrees closely enough for a date.
    let scheduled = film.scheduled(crate::model::unix_now());
    view! {
        <li class="proposal" data-proposal=id data-scheduled=scheduled.to_string()>
            <Poster title=title.clone() poster=p.poster.clone() seed=p.imdb_id.clone() size=PosterSize::Thumb />
            <div class="proposal-body">
                <h3>{title} {p.year.map(|y| format!(" ({y})"))}</h3>
                <p class="muted">
                    {if scheduled { "Scheduled for " } else { "Watched " }} {crate::model::format_date(film.watched_at)}
                    " · proposed by " {p.proposer.clone()}
                </p>
                <p class="club-rating" title=who.clone()>
                    {match average {
                        Some(avg) => format!("Club rating {avg:.1}★ from {} ({who})", film.ratings.len()),
                        None => "Not rated yet".to_string(),
                    }}
                </p>
                {match (signed_in, scheduled) {
                    (true, false) => Some(view! { <StarForm id mine=film.my_half_stars /> }.into_any()),
                    (true, true) => Some(view! { <p class="muted">"Rate it after the screening."</p> }.into_any()),
                    _ => None,
                }}
            </div>
        </li>
    }
}

/// Half-star buttons, 0.5 to 5 as for catalogue films: a plain form post, enhanced when JavaScript
/// runs. `mine` is in half stars.
#[component]
fn StarForm(id: i64, mine: Option<i32>) -> impl IntoView {
    let action = ServerAction::<RateWatched>::new();
    let mine = RwSignal::new(mine);
    let problem = RwSignal::new(None::<String>);
    let sent = RwSignal::new(None::<i32>);
    Effect::new(move |_| {
        if let Some(input) = action.input().get() {
            sent.set(crate::validate::parse_half_stars(&input.stars).ok());
        }
    });
    crate::pages::on_action_result(action, move |result| match result.clone() {
        Ok(()) => {
            mine.set(sent.get_untracked());
            problem.set(None);
        }
        Err(err) => problem.set(Some(err.to_string())),
    });
    let shown =
        move || action.input().get().map(|i| crate::validate::parse_half_stars(&i.stars).ok()).unwrap_or(mine.get());
    view! {
        <ActionForm action attr:class="stars half-stars" attr:aria-label="Your rating">
            <input type="hidden" name="proposal_id" value=id />
            <HalfStarButtons shown=Signal::derive(shown) />
            <span class="muted">
                {move || shown().map(|h| format!("You: {}★", h as f64 / 2.0)).unwrap_or_else(|| "Rate it".into())}
            </span>
        </ActionForm>
        <Problem message=problem />
    }
}
