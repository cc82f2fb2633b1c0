//! HTTP plumbing: the router and its middleware, the JSON API, sessions and sign-in, the page
//! cache and the state every handler and server function reaches.

pub mod api;
pub mod auth;
pub mod call;
pub mod compress;
pub mod flush;
pub mod guard;
pub mod http;
pub mod kept_pages;
pub mod letterboxd;
pub mod live;
pub mod metrics;
pub mod page_cache;
pub mod serve;
pub mod state;
