use crate::components::error_view::ErrorView;
use crate::components::movie_card::Poster;
use crate::components::pager::Pager;
use crate::error::AppError;
use crate::model::{Page, ProposalCard};
use crate::pages::{page_from_query, Loading};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;

#[server(endpoint = "list_proposals", input = GetUrl)]
pub async fn list_proposals(page: u32) -> Result<Page<ProposalCard>, AppError> {
    use crate::server::db::proposals;
    use crate::server::{http::respond, state::app_state};
    use crate::validate;
    respond(async move {
        let page = validate::page_number(page)?;
        let state = app_state()?;
        let per_page = state.config.pages.proposals;
        let (items, total) = proposals::active_page(&state.db, per_page, validate::offset(page, per_page)).await?;
        Ok(Page { items, page, per_page, total })
    })
    .await
}

#[component]
pub fn VotePage() -> impl IntoView {
    let page = page_from_query();
    let proposals = Resource::new_blocking(page, list_proposals);
    view! {
        <Title text="Vote" />
        <h1>"What should the club watch next?"</h1>
        <Suspense fallback=Loading>
            <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                {move || Suspend::new(async move {
                    proposals.await.map(|page| {
                        let has_more = page.has_more();
                        view! {
                            <p class="muted">{format!("{} active proposals, most votes first", page.total)}</p>
                            <ol class="proposal-list">
                                {page.items.into_iter().map(|p| view! { <ProposalRow proposal=p /> }).collect_view()}
                            </ol>
                            <Pager base="/vote" page=page.page has_more />
                        }
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn ProposalRow(proposal: ProposalCard) -> impl IntoView {
    let title = proposal.title.clone().unwrap_or_else(|| proposal.imdb_id.clone());
    let meta = [
        proposal.year.map(|y| y.to_string()),
        proposal.genres.clone().filter(|g| !g.is_empty()),
        proposal.imdb_rating.map(|r| format!("★ {r:.1}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let votes = proposal.votes;
    view! {
        <li class="proposal" data-proposal=proposal.id>
            <Poster title=title.clone() poster_url=proposal.poster_url.clone() seed=proposal.imdb_id.clone() />
            <div class="proposal-body">
                <h3>{title}</h3>
                <p class="card-meta">{meta}</p>
                <p class="muted">"Proposed by " {proposal.proposer.clone()}</p>
                <p class="voters">
                    {if proposal.voters.is_empty() { "No votes yet".to_string() } else { format!("Voters: {}", proposal.voters) }}
                </p>
            </div>
            <div class="vote-count" aria-label=format!("{votes} votes")>
                <strong>{votes}</strong>
                <span>{if votes == 1 { "vote" } else { "votes" }}</span>
            </div>
        </li>
    }
}
