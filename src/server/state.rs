use super::config::Config;
use super::db::Db;
use crate::error::AppError;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use std::sync::Arc;

/// What every request handler and server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
}

/// The state inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
