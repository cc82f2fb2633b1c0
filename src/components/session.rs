//! Who is signed in, and signing out: asked by the site header on every page as well as by pages.

use crate::error::AppError;
use crate::model::Viewer;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(endpoint = "whoami", input = GetUrl)]
pub async fn whoami() -> Result<Option<Viewer>, AppError> {
    crate::server::http::respond(crate::server::auth::current_user()).await
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth, db::accounts, http, state::app_state};
    http::respond(async move {
        let state = app_state()?;
        if let Some(hash) = auth::current_token_hash() {
            accounts::delete_session(&state.db, &hash).await?;
        }
        auth::clear_session_cookie(state.config.site.https);
        http::redirect_form_post("/");
        Ok(())
    })
    .await
}
