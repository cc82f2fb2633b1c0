use crate::components::section::Section;
use crate::components::session::{whoami, SignOut};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/" aria-label="Marquee home">
                <span class="brand-mark" aria-hidden="true">
                    "▣"
                </span>
                "Marquee"
            </a>
            <nav class="site-nav" aria-label="Main">
                <A href="/predictions">"Predictions"</A>
                <A href="/vote">"Vote"</A>
                <A href="/movies">"Movies"</A>
                <A href="/dashboard">"Dashboard"</A>
            </nav>
            <UserMenu />
        </header>
    }
}

/// Who is signed in, with their links; or the way to sign in.
#[component]
fn UserMenu() -> impl IntoView {
    let viewer = Resource::new_blocking(|| (), |_| whoami());
    let location = use_location();
    let here = move || {
        let path = location.pathname.get();
        if path.starts_with("/signin") || path.starts_with("/register") {
            "/vote".to_string()
        } else {
            path
        }
    };
    view! {
        <div class="session-state">
            <Section
                fallback=|| {
                    view! { <span class="badge">"Guest"</span> }
                }
                load=move || async move {
                    match viewer.await.ok().flatten() {
                        Some(v) => {
                            view! {
                                <a class="button small" href="/propose">
                                    "Propose"
                                </a>
                                {v
                                    .is_admin
                                    .then(|| {
                                        view! {
                                            <a href="/admin" class="badge admin">
                                                "Admin"
                                            </a>
                                        }
                                    })}
                                <a href="/account" class="user-name" data-user=v.username.clone()>
                                    {v.display_name.clone()}
                                </a>
                                <form method="post" action={<SignOut as ServerFn>::PATH} class="inline">
                                    <button type="submit" class="link-button">
                                        "Sign out"
                                    </button>
                                </form>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <a href=move || format!("/signin?next={}", here())>"Sign in"</a>
                                <a class="button small" href="/register">
                                    "Join"
                                </a>
                            }
                                .into_any()
                        }
                    }
                }
            />
        </div>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                "Marquee · film facts from public sources; ratings and counts in the demo data are approximate. "
                <a href="/healthz">"Status"</a>
            </p>
        </footer>
    }
}
