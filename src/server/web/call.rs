//! What every server function starts from: its request's app state, who asks, and from where.

use crate::error::AppError;
use crate::model::Viewer;
use crate::server::services::Actor;
use crate::server::web::auth;
use crate::server::web::http::respond;
use crate::server::web::state::{app_state, AppState};
use std::future::Future;

/// One call of a server function, got only through `serve`.
pub struct Call {
    pub state: AppState,
}

impl Call {
    /// The signed-in member, if there is one.
    pub async fn viewer(&self) -> Result<Option<Viewer>, AppError> {
        auth::current_user().await
    }

    /// The signed-in member, with the address they call from; 401 for a visitor.
    pub async fn member(&self) -> Result<Actor, AppError> {
        Ok(Actor::new(auth::require_member().await?, self.ip()))
    }

    /// The signed-in admin, with the address they call from; 401 for a visitor, 403 for a member.
    pub async fn admin(&self) -> Result<Actor, AppError> {
        Ok(Actor::new(auth::require_admin().await?, self.ip()))
    }

    /// The caller's address (seen through the trusted proxies), for the audit log and throttles.
    pub fn ip(&self) -> Option<String> {
        auth::client_ip().map(|ip| ip.to_string())
    }
}

/// Runs a server function's body with its call; a refusal is logged and every failure gets its
/// HTTP status. Every server function's body is one `serve`: `tests/integration/layers.rs` fails
/// on one that is not.
pub async fn serve<T, F, Fut>(work: F) -> Result<T, AppError>
where
    F: FnOnce(Call) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    respond(async move {
        // The address is read only by the functions that record or limit by it.
        let call = Call { state: app_state()? };
        work(call).await
    })
    .await
}
