use crate::components::layout::{Footer, Header};
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::{path, Lazy, SsrMode};

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

/// Pages load their code with them: in the browser bundle each group of pages below (its views,
/// and everything only they use, their server functions' client halves included) is split into
/// chunks fetched when one of them is first opened; the server's render of a page preloads them.
/// Pages are grouped by what a visit uses together: one split per page made ~400 tiny chunks (one
/// per set of pages sharing a function), hundreds of requests on a phone. The main pages a visit
/// starts on (predictions, vote, a round, the catalogue) keep small groups of their own; pages
/// reached from them (propose, the watched history, the dashboard) share the largest group with
/// the account and admin pages, so a first visit to `/vote` or `/movies` does not load their code.
mod pages {
    use crate::pages::{
        account::{AccountPage, RegisterPage, SignInPage},
        admin::{AdminPage, AuditPage},
        api_docs::ApiDocsPage,
        dashboard::DashboardPage,
        home::HomePage,
        letterboxd::LetterboxdPage,
        movie::{ForYouPage, MoviePageView},
        movies::MoviesPage,
        predictions::PredictionsPage,
        propose::ProposePage,
        rounds::{RoundPage, RoundsPage},
        vote::VotePage,
        watched::WatchedPage,
    };
    use leptos::prelude::*;

    /// Declares the groups (one lazily loaded function each) and, for every page in them, the
    /// route that renders it through its group.
    macro_rules! lazy_groups {
        ($($group:ident { $($route:ident => $page:ident),+ $(,)? })+) => {
            #[derive(Clone, Copy)]
            #[allow(clippy::enum_variant_names)]
            pub enum Page { $($($route,)+)+ }

            $(
                #[leptos::lazy]
                fn $group(page: Page) -> AnyView {
                    match page {
                        $(Page::$route => view! { <$page /> }.into_any(),)+
                        #[allow(unreachable_patterns)]
                        _ => unreachable!("a page is rendered by its own group"),
                    }
                }

                $(
                    pub struct $route;

                    impl leptos_router::LazyRoute for $route {
                        fn data() -> Self {
                            $route
                        }

                        async fn view(_this: Self) -> AnyView {
                            $group(Page::$route).await
                        }
                    }
                )+
            )+
        };
    }

    lazy_groups! {
        predictions_pages { PredictionsRoute => PredictionsPage }
        vote_pages { VoteRoute => VotePage }
        round_pages {
            RoundsRoute => RoundsPage,
            RoundRoute => RoundPage,
        }
        catalogue_pages {
            HomeRoute => HomePage,
            MoviesRoute => MoviesPage,
            MovieRoute => MoviePageView,
            ForYouRoute => ForYouPage,
        }
        member_pages {
            SignInRoute => SignInPage,
            RegisterRoute => RegisterPage,
            AccountRoute => AccountPage,
            LetterboxdRoute => LetterboxdPage,
            AdminRoute => AdminPage,
            AuditRoute => AuditPage,
            ApiDocsRoute => ApiDocsPage,
            WatchedRoute => WatchedPage,
            ProposeRoute => ProposePage,
            DashboardRoute => DashboardPage,
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=page_title />
        <Router>
            <Header />
            <main class="page">
                // In-order streaming: the shell flushes at once, then each page's blocking data is
                // rendered in place, so it reads the same with or without JavaScript.
                <FlatRoutes fallback=NotFound>
                    <Route path=path!("/") view={Lazy::<pages::HomeRoute>::new()} ssr=SsrMode::InOrder />
                    <Route
                        path=path!("/predictions")
                        view={Lazy::<pages::PredictionsRoute>::new()}
                        ssr=SsrMode::InOrder
                    />
                    <Route path=path!("/vote") view={Lazy::<pages::VoteRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/vote/watched") view={Lazy::<pages::WatchedRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/rounds") view={Lazy::<pages::RoundsRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/rounds/:id") view={Lazy::<pages::RoundRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/propose") view={Lazy::<pages::ProposeRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/signin") view={Lazy::<pages::SignInRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/register") view={Lazy::<pages::RegisterRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/account") view={Lazy::<pages::AccountRoute>::new()} ssr=SsrMode::InOrder />
                    <Route
                        path=path!("/account/letterboxd")
                        view={Lazy::<pages::LetterboxdRoute>::new()}
                        ssr=SsrMode::InOrder
                    />
                    <Route path=path!("/admin") view={Lazy::<pages::AdminRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/admin/audit") view={Lazy::<pages::AuditRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/api/docs") view={Lazy::<pages::ApiDocsRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/movies") view={Lazy::<pages::MoviesRoute>::new()} ssr=SsrMode::InOrder />
                    <Route
                        path=path!("/movies/for-you")
                        view={Lazy::<pages::ForYouRoute>::new()}
                        ssr=SsrMode::InOrder
                    />
                    <Route path=path!("/movies/:id") view={Lazy::<pages::MovieRoute>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/dashboard") view={Lazy::<pages::DashboardRoute>::new()} ssr=SsrMode::InOrder />
                </FlatRoutes>
            </main>
            <Footer />
        </Router>
    }
}
