//! `/propose`: find a film by title (the server searches the IMDb API for you) or paste its IMDb id
//! or link. The proposal is created at once; its details follow from the cache or the refresher.

use crate::components::club::{my_quota, VoteTabs};
use crate::components::error_view::{FormError, Problem};
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{Quota, SearchHit};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "search_titles", input = GetUrl)]
pub async fn search_titles(query: String) -> Result<Vec<SearchHit>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        call.member().await?;
        let query = crate::validate::search_query(&query)?;
        let state = &call.state;
        match state.imdb.search(&query).await {
            Ok(hits) => {
                let mut hits = hits.as_ref().clone();
                state.posters.show_on_search(&mut hits).await?;
                Ok(hits)
            }
            Err(err) => {
                tracing::warn!(%err, "IMDb search failed");
                Err(AppError::Unavailable)
            }
        }
    })
    .await
}

#[server(endpoint = "propose")]
pub async fn propose(imdb: String) -> Result<i64, AppError> {
    use crate::server::services::club::Prefill;
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let imdb_id = crate::validate::imdb_id(&imdb)?;
        let state = &call.state;
        let prefill = state
            .imdb
            .recently_seen(&imdb_id)
            .map(|hit| Prefill {
                title: Some(hit.title),
                year: hit.year,
                poster_url: hit.poster_url,
                imdb_rating: hit.imdb_rating,
            })
            .unwrap_or_default();
        let id = state.club.propose(&viewer, &imdb_id, prefill).await?;
        state.refresher.nudge();
        state.posters.nudge();
        http::redirect_form_post(&format!("/vote#proposal-{id}"));
        Ok(id)
    })
    .await
}

#[component]
pub fn ProposePage() -> impl IntoView {
    let query = use_query_map();
    let initial = query.read_untracked().get("q").unwrap_or_default();
    let quota = Resource::new_blocking(|| (), |_| my_quota());
    // Without JavaScript, `?q=` searches on the server when the page renders.
    let first_hits = Resource::new_blocking(
        move || query.read().get("q"),
        |q| async move {
            match q {
                Some(q) if !q.trim().is_empty() && !crate::validate::looks_like_imdb_reference(&q) => {
                    Some(search_titles(q).await)
                }
                _ => None,
            }
        },
    );
    view! {
        <Title text="Propose a film" />
        <h1>"Propose a film"</h1>
        <VoteTabs current="/propose" />
        <Section
            fallback=|| ()
            load=move || async move {
                match quota.await {
                    Ok(Some(q)) => view! { <QuotaLine quota=q /> }.into_any(),
                    Ok(None) => {
                        view! {
                            <p class="form-error" role="alert">
                                "Please "
                                <a href="/signin?next=/propose">"sign in"</a>
                                " to propose a film."
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            }
        />
        <ProposeById />
        <h2>"Or search by title"</h2>
        <Section
            fallback=|| ()
            load=move || {
                let initial = initial.clone();
                async move {
                    let hits = first_hits.await;
                    view! { <SearchBox initial hits /> }
                }
            }
        />
    }
}

#[component]
fn QuotaLine(quota: Quota) -> impl IntoView {
    let full = quota.used >= quota.limit;
    view! {
        <p class=if full { "quota full" } else { "quota" }>
            <strong>{format!("{} of {} used", quota.used, quota.limit)}</strong>
            {full
                .then_some(" · all your proposal slots are in use: withdraw one on the vote page to propose another.")}
        </p>
    }
}

#[component]
fn ProposeById() -> impl IntoView {
    let action = ServerAction::<Propose>::new();
    go_to_vote_after(action);
    view! {
        <FormError value=action.value() />
        <ActionForm action attr:class="stack propose-form">
            <label>
                "IMDb id or link"
                <input
                    name="imdb"
                    required
                    maxlength="300"
                    placeholder="tt0111161 or https://www.imdb.com/title/tt0111161/"
                />
            </label>
            <button class="button primary" type="submit" disabled=move || action.pending().get()>
                "Propose"
            </button>
        </ActionForm>
    }
}

/// After a proposal is made in the browser, load the vote page afresh (with the new card).
fn go_to_vote_after(action: ServerAction<Propose>) {
    Effect::new(move |_| {
        if let Some(Ok(id)) = action.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href(&format!("/vote#proposal-{id}"));
            #[cfg(not(feature = "hydrate"))]
            let _ = id;
        }
    });
}

/// The title search: as you type (300 ms after the last key) with JavaScript; a plain GET form
/// without.
#[component]
fn SearchBox(initial: String, hits: Option<Result<Vec<SearchHit>, AppError>>) -> impl IntoView {
    let results = RwSignal::new(hits);
    let text = RwSignal::new(initial.clone());
    let searching = RwSignal::new(false);
    let generation = StoredValue::new(0u64);
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let trimmed = value.trim().to_string();
        if trimmed.chars().count() < 2 || crate::validate::looks_like_imdb_reference(&trimmed) {
            results.set(None);
            return;
        }
        set_timeout(
            move || {
                if generation.get_value() != mine {
                    return; // a later key press supersedes this one
                }
                searching.set(true);
                leptos::task::spawn_local(async move {
                    let found = search_titles(trimmed).await;
                    if generation.get_value() == mine {
                        results.set(Some(found));
                    }
                    searching.set(false);
                });
            },
            std::time::Duration::from_millis(300),
        );
    };
    view! {
        <form method="get" action="/propose" class="search-form" role="search">
            <input
                type="search"
                name="q"
                value=initial
                prop:value=move || text.get()
                on:input=on_input
                maxlength=crate::validate::MAX_SEARCH_LEN.to_string()
                placeholder="Title, e.g. Past Lives"
                aria-label="Search IMDb by title"
                autocomplete="off"
            />
            <button class="button" type="submit">
                "Search"
            </button>
        </form>
        {move || {
            searching
                .get()
                .then(|| {
                    view! {
                        <p class="loading" aria-busy="true">
                            <span class="spinner"></span>
                            "Searching…"
                        </p>
                    }
                })
        }}
        {move || { results.get().map(search_outcome) }}
    }
}

/// What a search found, or why it found nothing.
fn search_outcome(found: Result<Vec<SearchHit>, AppError>) -> AnyView {
    match found {
        Err(AppError::Unavailable) => {
            view! {
                <p class="form-error" role="alert">
                    "Search is unavailable right now. Paste the film's IMDb id or link above instead."
                </p>
            }
                .into_any()
        }
        Err(e) => {
            view! {
                <p class="form-error" role="alert">
                    {e.to_string()}
                </p>
            }
                .into_any()
        }
        Ok(hits) if hits.is_empty() => {
            view! { <p class="muted">"No titles found. Try another spelling, or paste the IMDb link."</p> }
                .into_any()
        }
        Ok(hits) => {
            view! { <ul class="search-results">{hits.into_iter().map(|hit| view! { <SearchResult hit /> }).collect_view()}</ul> }
                .into_any()
        }
    }
}

#[component]
fn SearchResult(hit: SearchHit) -> impl IntoView {
    let action = ServerAction::<Propose>::new();
    go_to_vote_after(action);
    // Errors shown here are this button's own (the page shows errors of a form posted without JS).
    let problem = RwSignal::new(None::<String>);
    crate::pages::on_action_result(action, move |result| {
        if let Err(err) = result {
            problem.set(Some(err.to_string()));
        }
    });
    let imdb_id = hit.imdb_id.clone();
    let meta = [hit.year.map(|y| y.to_string()), hit.kind.clone(), hit.imdb_rating.map(|r| format!("★ {r:.1}"))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li class="search-result" data-imdb=hit.imdb_id.clone()>
            <crate::components::movie_card::Poster
                title=hit.title.clone()
                poster=hit.poster.clone()
                seed=hit.imdb_id.clone()
                size=crate::components::movie_card::PosterSize::Thumb
            />
            <div>
                <strong>{hit.title.clone()}</strong>
                <p class="muted">{meta}</p>
                <Problem message=problem />
            </div>
            <ActionForm action>
                <input type="hidden" name="imdb" value=imdb_id />
                <button class="button primary small" type="submit" disabled=move || action.pending().get()>
                    "Propose"
                </button>
            </ActionForm>
        </li>
    }
}
