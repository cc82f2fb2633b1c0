//! Bring your Letterboxd history: upload the export, review how its films matched the catalogue
//! (a dry run: nothing is stored yet), pick where several films fit, then import. Plain forms, so
//! it works the same without JavaScript.

use crate::components::error_view::FormError;
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{ImportFilm, ImportReview, LETTERBOXD_UPLOAD_PATH as UPLOAD_PATH};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::HashMap;

/// The member's import `import` (their newest when none is named), with page `page` of matches.
#[server(endpoint = "letterboxd_review", input = GetUrl)]
pub async fn letterboxd_review(import: Option<i64>, page: Option<u32>) -> Result<Option<ImportReview>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.member().await?;
        let imports = &call.state.letterboxd;
        let id = match import {
            Some(id) => Some(id),
            None => imports.latest(&viewer).await?,
        };
        match id {
            Some(id) => Ok(Some(imports.review(&viewer, id, page.unwrap_or(1)).await?)),
            None => Ok(None),
        }
    })
    .await
}

/// Imports the reviewed export: every matched film, and each film the member picked a match for.
#[server(endpoint = "apply_letterboxd_import")]
pub async fn apply_letterboxd_import(
    import: i64,
    share: Option<String>,
    picks: Option<HashMap<String, String>>,
) -> Result<String, AppError> {
    use crate::server::services::letterboxd;
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let picks = letterboxd::parse_picks(&picks.unwrap_or_default())?;
        let share = matches!(share.as_deref(), Some("on" | "yes" | "true"));
        let applied = call.state.letterboxd.apply(&viewer, import, &picks, share).await?;
        http::redirect_form_post(&format!("/account/letterboxd?import={import}"));
        Ok(applied.sentence())
    })
    .await
}

#[component]
pub fn LetterboxdPage() -> impl IntoView {
    let query = use_query_map();
    let import = move || query.read().get("import").and_then(|v| v.trim().parse::<i64>().ok());
    let page = crate::pages::page_from_query();
    let apply = ServerAction::<ApplyLetterboxdImport>::new();
    let review = Resource::new_blocking(
        move || (import(), page(), apply.version().get()),
        |(import, page, _)| letterboxd_review(import, Some(page)),
    );
    view! {
        <Title text="Import from Letterboxd" />
        <section class="form-page wide">
            <h1>"Import from Letterboxd"</h1>
            <p>
                "Bring your ratings and the dates you watched films: they shape your "
                <a href="/movies/for-you">"For you"</a>
                " picks. They stay yours: the club sees them only if you choose to share them below."
            </p>
            <ol class="muted">
                <li>"On Letterboxd: Settings, Data, Export your data. You get a ZIP."</li>
                <li>
                    "Upload it here (or one of its CSV files). Nothing is stored yet: you see how each film matched."
                </li>
                <li>
                    "Pick the right film where several fit, then import. Importing the same export again changes nothing; a newer export updates."
                </li>
            </ol>
            <form method="post" action=UPLOAD_PATH enctype="multipart/form-data" class="stack">
                <label>
                    "Your Letterboxd export (.zip or .csv)"
                    <input type="file" name="export" accept=".zip,.csv,application/zip,text/csv" required />
                </label>
                <button class="button primary" type="submit">
                    "Read the export"
                </button>
            </form>
            <FormError value=apply.value() />
            <Section load=move || async move {
                review.await.map(|review| review.map(|review| view! { <Review review apply /> }))
            } />
        </section>
    }
}

fn film_label(name: &str, year: Option<i32>) -> String {
    match year {
        Some(year) => format!("{name} ({year})"),
        None => name.to_string(),
    }
}

fn stars(half_stars: Option<i32>) -> String {
    half_stars
        .map(|h| format!("{}{}", "★".repeat((h / 2) as usize), if h % 2 == 1 { "½" } else { "" }))
        .unwrap_or_default()
}

#[component]
fn Review(review: ImportReview, apply: ServerAction<ApplyLetterboxdImport>) -> impl IntoView {
    let id = review.id;
    let applied = review.applied_at.is_some();
    let summary = format!(
        "{}: {} films. {} matched, {} need your pick, {} not found.",
        review.file_name, review.films, review.matched, review.ambiguous, review.missing
    );
    let skipped = (!review.skipped.is_empty()).then(|| {
        view! { <p class="muted">{format!("Not imported: {}.", review.skipped.join(", "))}</p> }
    });
    let outcome = review.result.clone().map(|result| {
        let shared =
            if review.shared { " Your ratings are shared with the club." } else { " Your ratings are yours alone." };
        view! {
            <p class="form-ok" role="status" data-import-result="">
                {result}
                {shared}
            </p>
        }
    });
    let to_pick = review.to_pick.clone();
    let choose = (!applied).then(move || {
        view! {
            <ActionForm action=apply attr:class="stack" attr:data-import-form="">
                <input type="hidden" name="import" value=id />
                {(!to_pick.is_empty())
                    .then(|| {
                        view! {
                            <h3>"Several films fit: pick the one you mean"</h3>
                            {to_pick.into_iter().map(|film| view! { <Pick film /> }).collect_view()}
                        }
                    })}
                <label class="check">
                    <input type="checkbox" name="share" value="on" />
                    " Share these ratings with the club (they count in the averages on film pages)"
                </label>
                <button class="button primary" type="submit">
                    "Import"
                </button>
            </ActionForm>
        }
    });
    let href = move |page: u32| format!("/account/letterboxd?import={id}&page={page}");
    let not_found = review.not_found;
    view! {
        <h2 id="review">{if applied { "Imported" } else { "Review (nothing is stored yet)" }}</h2>
        <p data-import-summary="">{summary}</p>
        {skipped}
        {outcome}
        {choose}
        {(!not_found.is_empty()).then(|| view! { <NotInCatalogue films=not_found /> })}
        <h3>{format!("Matched ({})", review.matched)}</h3>
        <table class="import-matched">
            <thead>
                <tr>
                    <th>"In your export"</th>
                    <th>"In the catalogue"</th>
                    <th>"Rating"</th>
                    <th>"Viewings"</th>
                </tr>
            </thead>
            <tbody>{review.matched_page.into_iter().map(|film| view! { <MatchedRow film /> }).collect_view()}</tbody>
        </table>
        {(review.pages > 1)
            .then(|| {
                view! {
                    <crate::components::pager::Pager
                        page=review.page
                        has_more=review.page < review.pages
                        href=Callback::new(href)
                    />
                }
            })}
    }
}

/// The export's films the catalogue lacks, each with a link to propose it.
#[component]
fn NotInCatalogue(films: Vec<ImportFilm>) -> impl IntoView {
    view! {
        <h3>"Not in the catalogue"</h3>
        <p class="muted">"These are left out. If one should be here, propose it by its IMDb id."</p>
        <ul class="import-missing">
            {films
                .into_iter()
                .map(|film| {
                    let label = film_label(&film.name, film.year);
                    let propose = format!("/propose?q={}", crate::model::encode_component(&film.name));
                    view! { <li>{label} " · " <a href=propose>"Propose it"</a></li> }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn Pick(film: ImportFilm) -> impl IntoView {
    let name = format!("picks[{}]", film.position);
    let legend = format!("{} {}", film_label(&film.name, film.year), stars(film.half_stars));
    view! {
        <fieldset class="pick" data-pick=film.position>
            <legend>{legend}</legend>
            {film
                .candidates
                .into_iter()
                .map(|c| {
                    let name = name.clone();
                    view! {
                        <label class="check">
                            <input type="radio" name=name value=c.id />
                            {format!(" {}", film_label(&c.title, c.year))}
                        </label>
                    }
                })
                .collect_view()}
            <label class="check">
                <input type="radio" name=name.clone() value="" checked />
                " None of these: leave it out"
            </label>
        </fieldset>
    }
}

#[component]
fn MatchedRow(film: ImportFilm) -> impl IntoView {
    view! {
        <tr>
            <td>{film_label(&film.name, film.year)}</td>
            <td>
                {film
                    .film
                    .map(|m| {
                        view! { <a href=format!("/movies/{}", m.id)>{film_label(&m.title, m.year)}</a> }
                    })}
            </td>
            <td>{stars(film.half_stars)}</td>
            <td>{(film.watches > 0).then(|| film.watches.to_string())}</td>
        </tr>
    }
}
