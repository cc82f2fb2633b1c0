//! Register, sign in, sign out, change password. The forms are plain HTML forms posted to the
//! server functions, so they work the same with or without JavaScript, and a successful sign-in
//! reloads every part of the page that depends on who is signed in.

use crate::components::error_view::FormError;
use crate::components::section::Section;
use crate::components::session::{whoami, SignOut};
use crate::error::AppError;
use crate::model::{ApiTokenInfo, TokenScope, Viewer};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

mod tokens;
pub use tokens::*;

mod calendar;
pub use calendar::*;

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
        let viewer = auth::sign_in(&call.state, username.trim(), password).await?;
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
    use crate::server::services::accounts::Registration;
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
        let viewer = state.accounts.register(form).await?;
        state.catalogue.counts_changed().await;
        auth::start_session(state, viewer.id).await?;
        http::redirect_form_post(&crate::validate::return_path(next.as_deref()));
        Ok(viewer)
    })
    .await
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::server::web::{auth, call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let keep = auth::current_token_hash().unwrap_or_default();
        call.state.accounts.change_password(&viewer, current_password, new_password, &keep).await?;
        http::redirect_form_post("/account?changed=1");
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
            <Section load=move || async move {
                let invite_only = invite_only.await.unwrap_or(false);
                view! {
                    {invite_only
                        .then(|| {
                            view! {
                                <p class="muted">"Membership here is by invitation: use the link an admin sent you."</p>
                            }
                        })}
                }
            } />
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
    let viewer = Resource::new_blocking(|| (), |_| whoami());
    view! {
        <Title text="Your account" />
        <section class="form-page">
            <h1>"Your account"</h1>
            <Section load=move || async move {
                viewer
                    .await
                    .map(|viewer| match viewer {
                        None => {
                            view! { <p>"You are not signed in. " <a href="/signin?next=/account">"Sign in"</a> "."</p> }
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
            } />
            <h2 id="letterboxd">"Your film history"</h2>
            <p>
                "Keep your ratings and viewings on Letterboxd? "
                <a href="/account/letterboxd">"Import them from Letterboxd"</a>
                ": they shape your picks, and the club sees them only if you say so."
            </p>
            <CalendarLink />
            <ApiTokens />
            <PasswordChange />
            <form method="post" action={<SignOut as ServerFn>::PATH} class="stack">
                <button class="button" type="submit">
                    "Sign out"
                </button>
            </form>
        </section>
    }
}

/// The password form; it works without JavaScript, and says when the change went through.
#[component]
fn PasswordChange() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let changed = query_param("changed");
    view! {
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
    }
}
