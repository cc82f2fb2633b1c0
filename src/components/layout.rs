use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="brand" href="/" aria-label="Marquee home">
                <span class="brand-mark" aria-hidden="true">"▣"</span>
                "Marquee"
            </a>
            <nav class="site-nav" aria-label="Main">
                <A href="/predictions">"Predictions"</A>
                <A href="/vote">"Vote"</A>
                <A href="/movies">"Movies"</A>
                <A href="/dashboard">"Dashboard"</A>
            </nav>
            <div class="session-state" title="Accounts open soon; browsing needs none.">
                <span class="badge">"Guest"</span>
            </div>
        </header>
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
