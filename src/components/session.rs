//! Who is signed in, and signing out: asked by the site header on every page as well as by pages.

use crate::error::AppError;
use crate::model::Viewer;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[server(endpoint = "whoami", input = GetUrl)]
pub async fn whoami() -> Result<Option<Viewer>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move { call.viewer().await }).await
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::web::{auth, call::serve, http};
    serve(|_call| async move {
        auth::end_session().await?;
        http::redirect_form_post("/");
        Ok(())
    })
    .await
}
