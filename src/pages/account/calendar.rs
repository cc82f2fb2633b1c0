//! The member's calendar link: a secret address for the club's screenings feed.

use super::*;

/// Whether the member has made a calendar link.
#[server(endpoint = "calendar_link", input = GetUrl)]
pub async fn calendar_link() -> Result<bool, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let viewer = call.member().await?;
        call.state.rounds.has_calendar_key(&viewer).await
    })
    .await
}

/// Makes a new calendar link (the old one stops working). Only its hash is kept, so the link is
/// shown this once: a plain form post comes back to the account page with it in the address.
#[server(endpoint = "reset_calendar_link")]
pub async fn reset_calendar_link() -> Result<String, AppError> {
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let key = call.state.rounds.reset_calendar_key(&viewer).await?;
        http::redirect_form_post(&format!("/account?calendar_key={key}#calendar"));
        Ok(key)
    })
    .await
}

/// The member's calendar link for the club's screenings: shown once, just after it is made (only
/// its hash is kept), and a form to make a new one.
#[component]
pub(super) fn CalendarLink() -> impl IntoView {
    let made = Resource::new_blocking(|| (), |_| calendar_link());
    // Only a key-shaped value is shown; it arrives in the address once, after the form post.
    let new_key = query_param("calendar_key")().filter(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()));
    view! {
        <h2 id="calendar">"Calendar"</h2>
        <Section load=move || {
            let new_key = new_key.clone();
            async move {
                made.await
                    .ok()
                    .map(|made| {
                        let shown_once = new_key.is_some();
                        view! {
                            {new_key
                                .map(|key| {
                                    view! {
                                        <p class="notice">
                                            "Your new " <a href=format!("/calendar.ics?key={key}")>"calendar link"</a>
                                            " is shown only now: copy the link's address into your calendar app. Keep it to yourself: anyone with it sees the club's nights."
                                        </p>
                                    }
                                })}
                            {(made && !shown_once)
                                .then(|| {
                                    view! {
                                        <p>
                                            "You have a calendar link. It is not shown again; if you have lost it, make a new one."
                                        </p>
                                    }
                                })}
                            <form method="post" action={<ResetCalendarLink as ServerFn>::PATH} class="stack">
                                <button class="button" type="submit">
                                    {if made {
                                        "Make a new link (the old one stops working)"
                                    } else {
                                        "Make a calendar link"
                                    }}
                                </button>
                            </form>
                        }
                    })
            }
        } />
    }
}
