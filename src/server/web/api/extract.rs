//! The API's request extractors: every rejection is the API's JSON error, never axum's plain text.

use super::*;

/// The error body every endpoint uses.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// Stable machine-readable code: bad_request, unauthorized, forbidden, not_found, conflict,
    /// too_large, too_many_requests, internal, unavailable.
    pub code: String,
    /// What went wrong, in words a person can act on.
    pub message: String,
}

/// `Query` whose rejections are JSON errors with a useful message.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| AppError::BadRequest(format!("Invalid query: {}", e.body_text())))
    }
}

/// `Json` whose rejections (malformed, wrong type, too large) are JSON errors.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|j| ApiJson(j.0))
            .map_err(|e: JsonRejection| body_rejection(e.status(), "Invalid JSON body", e.body_text()))
    }
}

/// The raw body, with a too-large or unreadable one answered as a JSON error.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|e| body_rejection(e.status(), "The request body could not be read", e.body_text()))
    }
}

/// A body the extractor refused: too large (413), or unreadable (400, saying why).
pub(super) fn body_rejection(status: StatusCode, what: &str, detail: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("The request body is too large.".into())
    } else {
        AppError::BadRequest(format!("{what}: {detail}"))
    }
}

/// A path segment; one that is not UTF-8 is a bad request with the API's error shape.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| AppError::BadRequest(format!("Invalid address: {}", e.body_text())))
    }
}
