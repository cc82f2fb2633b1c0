//! Register, sign in, sign out, change password. The forms are plain HTML forms posted to the
//! server functions, so they work the same with or without JavaScript, and a successful sign-in
//! reloads every part of the page that depends on who is signed in.

use crate::components::error_view::{ErrorView, FormError};
use crate::components::session::{whoami, SignOut};
use crate::error::AppError;
use crate::model::{ApiTokenInfo, TokenScope, Viewer};
use crate::pages::Loading;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "registration_is_invite_only", input = GetUrl)]
pub async fn registration_is_invite_only() -> Result<bool, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move { Ok(call.state.config.accounts.invite_only()) }).await
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String, next: Option<String>) -> Result<Viewer, AppError> {
    use crate::server::web::{auth, call::serve, http};
    serve(|call| async move {
        if username.trim().is_empty() || password.is_empty() {
            return Err(AppError::BadRequest("Enter your username and password.".into()));
        }
        if username.len() > 64
            || crate::validate::has_control(&username)
            || password.chars().count() > crate::validate::MAX_PASSWORD
            || password.contains('\0')
        {
            return Err(AppError::BadRequest("That username and password do not match.".into()));
        }
        let state = &call.state;
        let viewer = auth::sign_in(&state.db, username.trim(), password).await?;
        http::redirect_form_post(&crate::validate::return_path(next.as_deref()));
        Ok(viewer)
    })
    .await
}

#[server(endpoint = "register")]
pub async fn register(
    username: String,
    display_name: Option<String>,
    password: String,
    invite: Option<String>,
    next: Option<String>,
) -> Result<Viewer, AppError> {
    use crate::server::services::accounts::{self, Registration};
    use crate::server::web::{auth, call::serve, http};
    serve(|call| async move {
        let state = &call.state;
        let form = Registration {
            username: &username,
            display_name: display_name.as_deref(),
            password,
            invite: invite.as_deref(),
            invite_only: state.config.accounts.invite_only(),
            ip: call.ip(),
        };
        let viewer = accounts::register(&state.db, form).await?;
        state.catalogue.counts_changed(&state.db).await;
        auth::start_session(&state.db, viewer.id).await?;
        http::redirect_form_post(&crate::validate::return_path(next.as_deref()));
        Ok(viewer)
    })
    .await
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::server::services::accounts;
    use crate::server::web::{auth, call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let keep = auth::current_token_hash().unwrap_or_default();
        let ip = call.ip();
        accounts::change_password(&call.state.db, &viewer, current_password, new_password, &keep, ip).await?;
        http::redirect_form_post("/account?changed=1");
        Ok(())
    })
    .await
}

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

/// The member's API tokens, and one just made by this session (shown this once, then forgotten).
#[server(endpoint = "api_tokens", input = GetUrl)]
pub async fn api_tokens() -> Result<(Vec<ApiTokenInfo>, Option<String>), AppError> {
    use crate::server::services::tokens;
    use crate::server::web::{auth, call::serve};
    serve(|call| async move {
        let viewer = call.member().await?;
        let state = &call.state;
        let fresh = auth::current_token_hash().and_then(|session| state.new_tokens.remove(&session));
        Ok((tokens::list(&state.db, &viewer).await?, fresh))
    })
    .await
}

/// Makes a personal API token. Only its hash is kept: it is shown once, on the account page that
/// this session opens next (kept in this server's memory for ten minutes until then).
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(name: String, scope: String, days: Option<String>) -> Result<(), AppError> {
    use crate::server::services::tokens;
    use crate::server::web::{auth, call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let days = match days.as_deref().map(str::trim).unwrap_or("") {
            "" => None,
            d => Some(d.parse::<u32>().map_err(|_| {
                AppError::BadRequest("Give the days as a whole number, or leave them empty for no expiry.".into())
            })?),
        };
        let session = auth::current_token_hash().ok_or(AppError::Unauthorized)?;
        let state = &call.state;
        let ip = call.ip();
        let token = tokens::create(&state.db, &viewer, &name, &scope, days, ip).await?;
        state.new_tokens.insert(session, token);
        http::redirect_form_post("/account#api-tokens");
        Ok(())
    })
    .await
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    use crate::server::services::tokens;
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let ip = call.ip();
        tokens::revoke(&call.state.db, &viewer, id, ip).await?;
        http::redirect_form_post("/account#api-tokens");
        Ok(())
    })
    .await
}

fn query_param(name: &'static str) -> impl Fn() -> Option<String> + Clone {
    let query = use_query_map();
    move || query.read().get(name)
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let next = query_param("next");
    view! {
        <Title text="Sign in" />
        <section class="form-page">
            <h1>"Sign in"</h1>
            <FormError value=action.value() />
            <form method="post" action={<SignIn as ServerFn>::PATH} class="stack">
                <input type="hidden" name="next" value=next.clone() />
                <label>"Username" <input name="username" required autocomplete="username" maxlength="64" /></label>
                <label>
                    "Password" <input type="password" name="password" required autocomplete="current-password" />
                </label>
                <button class="button primary" type="submit">
                    "Sign in"
                </button>
            </form>
            <p class="muted">
                "New here? "
                <a href=move || {
                    format!("/register{}", next().map(|n| format!("?next={n}")).unwrap_or_default())
                }>"Create an account"</a> "."
            </p>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let next = query_param("next");
    let invite = query_param("invite");
    let invite_only = Resource::new_blocking(|| (), |_| registration_is_invite_only());
    view! {
        <Title text="Create an account" />
        <section class="form-page">
            <h1>"Create an account"</h1>
            <FormError value=action.value() />
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let invite_only = invite_only.await.unwrap_or(false);
                    view! {
                        {invite_only
                            .then(|| {
                                view! {
                                    <p class="muted">
                                        "Membership here is by invitation: use the link an admin sent you."
                                    </p>
                                }
                            })}
                    }
                })}
            </Suspense>
            <form method="post" action={<Register as ServerFn>::PATH} class="stack">
                <input type="hidden" name="next" value=next />
                <input type="hidden" name="invite" value=invite />
                <label>
                    "Username"
                    <input
                        name="username"
                        required
                        minlength="3"
                        maxlength="32"
                        autocomplete="username"
                        pattern="[A-Za-z0-9._\\-]+"
                        title="Letters, digits, '.', '_' and '-'"
                    />
                </label>
                <label>
                    "Display name " <span class="muted">"(optional)"</span>
                    <input name="display_name" maxlength="60" autocomplete="nickname" />
                </label>
                <label>
                    "Password "
                    <span class="muted">{format!("(at least {} characters)", crate::validate::MIN_PASSWORD)}</span>
                    <input
                        type="password"
                        name="password"
                        required
                        minlength=crate::validate::MIN_PASSWORD.to_string()
                        autocomplete="new-password"
                    />
                </label>
                <button class="button primary" type="submit">
                    "Create account"
                </button>
            </form>
            <p class="muted">"Already a member? " <a href="/signin">"Sign in"</a> "."</p>
        </section>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let changed = query_param("changed");
    let viewer = Resource::new_blocking(|| (), |_| whoami());
    view! {
        <Title text="Your account" />
        <section class="form-page">
            <h1>"Your account"</h1>
            <Suspense fallback=Loading>
                <ErrorBoundary fallback=|errors| {
                    view! { <ErrorView errors /> }
                }>
                    {move || Suspend::new(async move {
                        viewer
                            .await
                            .map(|viewer| match viewer {
                                None => {
                                    view! {
                                        <p>
                                            "You are not signed in. " <a href="/signin?next=/account">"Sign in"</a> "."
                                        </p>
                                    }
                                        .into_any()
                                }
                                Some(v) => {
                                    view! {
                                        <p>
                                            "Signed in as " <strong>{v.display_name.clone()}</strong>
                                            {format!(" (@{})", v.username)} {v.is_admin.then_some(" · admin")}
                                        </p>
                                    }
                                        .into_any()
                                }
                            })
                    })}
                </ErrorBoundary>
            </Suspense>
            <h2 id="letterboxd">"Your film history"</h2>
            <p>
                "Keep your ratings and viewings on Letterboxd? "
                <a href="/account/letterboxd">"Import them from Letterboxd"</a>
                ": they shape your picks, and the club sees them only if you say so."
            </p>
            <CalendarLink />
            <ApiTokens />
            <h2>"Change password"</h2>
            {move || {
                changed()
                    .map(|_| {
                        view! {
                            <p class="form-ok" role="status">
                                "Your password was changed. Other sessions were signed out."
                            </p>
                        }
                    })
            }}
            <FormError value=action.value() />
            <form method="post" action={<ChangePassword as ServerFn>::PATH} class="stack">
                <label>
                    "Current password"
                    <input type="password" name="current_password" required autocomplete="current-password" />
                </label>
                <label>
                    "New password"
                    <input
                        type="password"
                        name="new_password"
                        required
                        minlength=crate::validate::MIN_PASSWORD.to_string()
                        autocomplete="new-password"
                    />
                </label>
                <button class="button" type="submit">
                    "Change password"
                </button>
            </form>
            <form method="post" action={<SignOut as ServerFn>::PATH} class="stack">
                <button class="button" type="submit">
                    "Sign out"
                </button>
            </form>
        </section>
    }
}

/// The member's API tokens: the list (with last use), a form to make one, a button to revoke each.
#[component]
fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let list = Resource::new_blocking(move || (create.version().get(), revoke.version().get()), |_| api_tokens());
    let date = |at: Option<i64>| at.map_or_else(|| "never".to_string(), crate::model::format_date);
    view! {
        <h2 id="api-tokens">"API tokens"</h2>
        <p class="muted">
            "For your scripts and bots: they send " <code>"Authorization: Bearer <token>"</code> " to the "
            <a href="/api/docs">"JSON API"</a> ". A token may read, vote (and rate), or, for admins, do what admins do."
        </p>
        <FormError value=create.value() />
        <FormError value=revoke.value() />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                list.await
                    .ok()
                    .map(|(tokens, fresh)| {
                        view! {
                            {fresh
                                .map(|token| {
                                    view! {
                                        <p class="notice" role="status">
                                            "Your new token is shown only now; copy it into your script: "
                                            <code data-new-token="">{token}</code>
                                        </p>
                                    }
                                })}
                            {(!tokens.is_empty())
                                .then(|| {
                                    view! {
                                        <table class="tokens">
                                            <thead>
                                                <tr>
                                                    <th>"Name"</th>
                                                    <th>"May"</th>
                                                    <th>"Made"</th>
                                                    <th>"Expires"</th>
                                                    <th>"Last used"</th>
                                                    <th></th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {tokens
                                                    .into_iter()
                                                    .map(|t| {
                                                        view! {
                                                            <tr data-token=t.id>
                                                                <td>{t.name.clone()}</td>
                                                                <td>{t.scope.label()}</td>
                                                                <td>{crate::model::format_date(t.created_at)}</td>
                                                                <td>{date(t.expires_at)}</td>
                                                                <td>{date(t.last_used_at)}</td>
                                                                <td>
                                                                    <ActionForm action=revoke attr:class="inline">
                                                                        <input type="hidden" name="id" value=t.id />
                                                                        <button class="button small" type="submit">
                                                                            "Revoke"
                                                                        </button>
                                                                    </ActionForm>
                                                                </td>
                                                            </tr>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    }
                                })}
                        }
                    })
            })}
        </Suspense>
        <ActionForm action=create attr:class="stack">
            <label>"Name" <input type="text" name="name" required maxlength="60" placeholder="club bot" /></label>
            <label>
                "May"
                <select name="scope">
                    {TokenScope::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.slug()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Expires after (days, empty for never)" <input type="number" name="days" min="1" max="3650" />
            </label>
            <button class="button" type="submit">
                "Make a token"
            </button>
        </ActionForm>
    }
}

/// The member's calendar link for the club's screenings: shown once, just after it is made (only
/// its hash is kept), and a form to make a new one.
#[component]
fn CalendarLink() -> impl IntoView {
    let made = Resource::new_blocking(|| (), |_| calendar_link());
    // Only a key-shaped value is shown; it arrives in the address once, after the form post.
    let new_key = query_param("calendar_key")().filter(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()));
    view! {
        <h2 id="calendar">"Calendar"</h2>
        <Suspense fallback=Loading>
            {move || {
                let new_key = new_key.clone();
                Suspend::new(async move {
                    made.await
                        .ok()
                        .map(|made| {
                            let shown_once = new_key.is_some();
                            view! {
                                {new_key
                                    .map(|key| {
                                        view! {
                                            <p class="notice">
                                                "Your new "
                                                <a href=format!("/calendar.ics?key={key}")>"calendar link"</a>
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
                })
            }}
        </Suspense>
    }
}
