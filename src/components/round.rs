//! The club's round on the vote page: the open round with its deadline (counting down once the
//! page is live), or the last round's winner until the day after its screening.

use crate::components::live::LiveCounts;
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{Round, RoundStatus, VoteMethod};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(endpoint = "current_round", input = GetUrl)]
pub async fn current_round() -> Result<Option<Round>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move { call.state.rounds.banner().await }).await
}

/// How a ballot is counted, in words.
pub fn method_words(method: VoteMethod) -> &'static str {
    match method {
        VoteMethod::Ranked => "ranked choice (instant runoff)",
        VoteMethod::Approval => "approval (vote for every film you would watch)",
    }
}

/// A Unix time as an HTML `datetime` value (UTC).
pub fn datetime_attr(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", crate::model::format_date(unix), secs / 3600, secs % 3600 / 60, secs % 60)
}

/// "2 d 3 h", "3 h 04 min", "4 min 05 s": what is left of `secs`, to the second near the end.
pub fn time_left(secs: i64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    match secs {
        s if s <= 0 => "closing now".into(),
        _ if d > 0 => format!("{d} d {h} h"),
        _ if h > 0 => format!("{h} h {m:02} min"),
        _ if m > 0 => format!("{m} min {s:02} s"),
        _ => format!("{s} s"),
    }
}

#[component]
pub fn OpenRound() -> impl IntoView {
    // A round's news on the live stream asks for it again.
    let news = use_context::<LiveCounts>().map(|l| l.round_news);
    let round = Resource::new(move || news.map(|n| n.get()), |_| current_round());
    view! {
        <Section
            fallback=|| ()
            load=move || async move { round.await.map(|round| round.map(|r| view! { <RoundBanner r /> })) }
        />
    }
}

#[component]
fn RoundBanner(r: Round) -> impl IntoView {
    let href = format!("/rounds/{}", r.id);
    let screening = format!("{} ({})", r.screening_local, r.time_zone);
    if r.status != RoundStatus::Open {
        let winner = r.winner_title.clone();
        return view! {
            <section class="open-round closed" aria-label="This round" data-round=r.id data-status="closed">
                <h2>
                    <a href=href>{r.name.clone()}</a>
                </h2>
                <p>
                    {match winner {
                        Some(title) => {
                            view! {
                                "Voting has closed. The club watches "
                                <strong class="winner">{title}</strong>
                                " on "
                                {screening}
                                "."
                            }
                                .into_any()
                        }
                        None => view! { "Voting has closed without a winner: there was nothing to pick." }.into_any(),
                    }} " " <a href=format!("/rounds/{}", r.id)>"See the count"</a>
                </p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="open-round" aria-label="This round" data-round=r.id data-status="open">
            <h2>
                <a href=href>{r.name.clone()}</a>
            </h2>
            <p>
                "Voting closes " <time datetime=datetime_attr(r.deadline)>{r.deadline_local.clone()}</time>
                <Countdown deadline=r.deadline /> "; the screening is at " {screening} ". Ballot: "
                {method_words(r.method)} "."
            </p>
            // A ranked ballot is cast on the round's page; approval votes are the buttons below.
            {(r.method == VoteMethod::Ranked)
                .then(|| {
                    view! {
                        <p>
                            <a class="button small primary" href=format!("/rounds/{}", r.id)>
                                "Rank the films"
                            </a>
                        </p>
                    }
                })}
        </section>
    }
    .into_any()
}

/// The time left before `deadline`, ticking every second once the page runs its code (without
/// it the deadline stands as plain text beside).
#[component]
fn Countdown(deadline: i64) -> impl IntoView {
    let now = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let tick = move || now.set(Some((web_sys::js_sys::Date::now() / 1000.0) as i64));
            tick();
            if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
                on_cleanup(move || handle.clear());
            }
        }
    });
    move || {
        now.get().map(|now| {
            view! {
                " ("
                <span class="countdown" data-left=deadline - now>
                    {time_left(deadline - now)}
                </span>
                ")"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_left_read_naturally_and_datetimes_are_valid() {
        assert_eq!(time_left(2 * 86_400 + 3 * 3600 + 59), "2 d 3 h");
        assert_eq!(time_left(3 * 3600 + 4 * 60 + 5), "3 h 04 min");
        assert_eq!(time_left(4 * 60 + 5), "4 min 05 s");
        assert_eq!(time_left(9), "9 s");
        assert_eq!(time_left(0), "closing now");
        assert_eq!(time_left(-30), "closing now");
        assert_eq!(datetime_attr(1_765_560_600), "2025-12-12T17:30:00Z");
    }
}
