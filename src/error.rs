//! The one error type the app shows to people: in pages, server functions and the JSON API.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("Please sign in first.")]
    Unauthorized,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("Too many attempts; try again in a little while.")]
    TooManyRequests,
    /// Details stay in the server log; people see a plain apology.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("The service is temporarily unavailable. Please try again shortly.")]
    Unavailable,
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::TooLarge(_) => 413,
            AppError::TooManyRequests => 429,
            AppError::Internal => 500,
            AppError::Unavailable => 503,
        }
    }

    /// A stable machine-readable code for the JSON API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::TooManyRequests => "too_many_requests",
            AppError::Internal => "internal",
            AppError::Unavailable => "unavailable",
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let err = match value {
            // The caller sent arguments we could not read: their mistake, not ours.
            ServerFnErrorErr::Args(msg) => AppError::BadRequest(format!("Invalid request: {msg}")),
            ServerFnErrorErr::MissingArg(arg) => AppError::BadRequest(format!("Missing parameter: {arg}")),
            // On the server this is a request body that could not be read: too large, not UTF-8,
            // or cut off. In the browser it is an answer that could not be read.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(msg) if msg.contains("length limit exceeded") => {
                AppError::TooLarge("The request is too large.".into())
            }
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => {
                AppError::BadRequest("The request could not be read: send a form or JSON body in UTF-8.".into())
            }
            ServerFnErrorErr::Request(_) => AppError::Unavailable,
            _ => AppError::Internal,
        };
        #[cfg(feature = "ssr")]
        response::set_error_status(&err);
        err
    }
}

/// How a server request that failed answers (server only; the HTTP layer uses these too).
#[cfg(feature = "ssr")]
pub mod response {
    use super::AppError;
    use axum::http::StatusCode;
    use leptos::prelude::use_context;

    /// Gives the current response the error's status (a server function or a page).
    pub fn set_error_status(err: &AppError) {
        if is_plain_form_post() {
            // The browser gets a redirect back to the form, with the error in the address; a 4xx
            // status would stop it from following that redirect.
            return;
        }
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
        }
    }

    /// A form submitted by the browser itself (no JavaScript): a POST that accepts HTML.
    pub fn is_plain_form_post() -> bool {
        use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            parts.method == axum::http::Method::POST
                && parts
                    .headers
                    .get(axum::http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"))
        })
    }
}
