#![recursion_limit = "256"]
//! Marquee: canon predictions, film-club voting and a film catalogue.

pub mod app;
pub mod ballots;
pub mod calendar;
pub mod components;
pub mod error;
pub mod model;
pub mod packed;
pub mod pages;
pub mod recommend;
pub mod scoring;
#[cfg(feature = "ssr")]
pub mod server;
pub mod validate;

#[cfg(all(test, feature = "ssr"))]
mod parse_props;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
