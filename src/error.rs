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
        crate::server::http::set_error_status(&err);
        err
    }
}
