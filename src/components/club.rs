//! The club's shared pieces: the tabs over its pages, the member's proposal quota, and the latest
//! activity (the vote page and the dashboard both show it).

use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{ActivityItem, Quota};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

fn activity_words(action: &str) -> &'static str {
    crate::model::AUDIT_ACTIONS.iter().find(|(a, _)| *a == action).map_or("updated", |(_, words)| words)
}

/// The signed-in member's "n of N used"; nothing for visitors.
#[server(endpoint = "my_quota", input = GetUrl)]
pub async fn my_quota() -> Result<Option<Quota>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let Some(viewer) = call.viewer().await? else { return Ok(None) };
        Ok(Some(call.state.club.quota(&viewer).await?))
    })
    .await
}

#[server(endpoint = "recent_activity", input = GetUrl)]
pub async fn recent_activity() -> Result<Vec<ActivityItem>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move { call.state.club.recent_activity(10).await }).await
}

#[component]
pub fn VoteTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! {
            <a href=href aria-current=(href == current).then_some("page")>
                {label}
            </a>
        }
    };
    view! {
        <nav class="tabs" aria-label="Club">
            {tab("/vote", "Proposals")}
            {tab("/vote/watched", "Watched")}
            {tab("/rounds", "Movie nights")}
            {tab("/propose", "Propose a film")}
        </nav>
    }
}

/// The club's latest public actions, streamed in after the page's main content.
#[component]
pub fn RecentActivity() -> impl IntoView {
    let activity = Resource::new(|| (), |_| recent_activity());
    view! {
        <Section load=move || async move {
            activity
                .await
                .map(|items| {
                    if items.is_empty() {
                        return view! { <p class="muted">"Nothing yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="activity-list">
                            {items
                                .into_iter()
                                .map(|a| {
                                    view! {
                                        <li>
                                            <strong>{a.actor.clone().unwrap_or_else(|| "Someone".into())}</strong>
                                            " "
                                            {activity_words(&a.action)}
                                            " "
                                            <em>{a.title.clone().unwrap_or_default()}</em>
                                            " "
                                            <time class="muted" data-at=a.at>
                                                {ago(a.at, a.now)}
                                            </time>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                })
        } />
    }
}

/// "3 h ago", as of `now` (the server's clock, sent with the data so both sides render alike).
pub fn ago(at: i64, now: i64) -> String {
    let secs = (now - at).max(0);
    match secs {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s if s < 2 * 86_400 => "yesterday".into(),
        s => format!("{} days ago", s / 86_400),
    }
}
