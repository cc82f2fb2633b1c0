#![recursion_limit = "256"]
//! Marquee: canon predictions, film-club voting and a film catalogue.

pub mod app;
pub mod ballots;
pub mod calendar;
pub mod components;
pub mod error;
#[cfg(feature = "ssr")]
pub mod letterboxd;
pub mod model;
pub mod packed;
pub mod pages;
pub mod recommend;
pub mod scoring;
#[cfg(feature = "ssr")]
pub mod server;
pub mod validate;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages load their code on first use (see `app`), so hydration waits for the open page's
    // chunk; `data-hydrated` on <html> tells people's tools and tests the page is live.
    _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
