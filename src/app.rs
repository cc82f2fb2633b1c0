use crate::components::layout::{Footer, Header};
use crate::pages::{
    account::{AccountPage, RegisterPage, SignInPage},
    admin::{AdminPage, AuditPage},
    api_docs::ApiDocsPage,
    dashboard::DashboardPage,
    home::HomePage,
    movie::{ForYouPage, MoviePageView},
    movies::MoviesPage,
    not_found::NotFound,
    predictions::PredictionsPage,
    propose::ProposePage,
    rounds::{RoundPage, RoundsPage},
    vote::VotePage,
    watched::WatchedPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="dark" />
                <meta
                    name="description"
                    content="Marquee: predict the canon, vote on the next club film, browse the catalogue."
                />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The document title. On the server it is written into the HTML as it is (leptos_meta does not
/// escape it), so outside text such as a film's title is escaped here; the browser sets
/// `document.title`, which takes plain text.
fn page_title(title: String) -> String {
    let title = if title.is_empty() { "Marquee".to_string() } else { format!("{title} · Marquee") };
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Runs only in the browser, once hydrated: lets people's tools and tests know the page is live.
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=page_title />
        <Router>
            <Header />
            <main class="page">
                // In-order streaming: the shell flushes at once, then each page's blocking data is
                // rendered in place, so it reads the same with or without JavaScript.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::InOrder />
                    <Route path=path!("/predictions") view=PredictionsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/vote") view=VotePage ssr=SsrMode::InOrder />
                    <Route path=path!("/vote/watched") view=WatchedPage ssr=SsrMode::InOrder />
                    <Route path=path!("/rounds") view=RoundsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/rounds/:id") view=RoundPage ssr=SsrMode::InOrder />
                    <Route path=path!("/propose") view=ProposePage ssr=SsrMode::InOrder />
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::InOrder />
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::InOrder />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::InOrder />
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::InOrder />
                    <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::InOrder />
                    <Route path=path!("/api/docs") view=ApiDocsPage ssr=SsrMode::InOrder />
                    <Route path=path!("/movies") view=MoviesPage ssr=SsrMode::InOrder />
                    <Route path=path!("/movies/for-you") view=ForYouPage ssr=SsrMode::InOrder />
                    <Route path=path!("/movies/:id") view=MoviePageView ssr=SsrMode::InOrder />
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::InOrder />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
