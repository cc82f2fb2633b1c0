//! The upload of a Letterboxd export: a plain multipart form post (it works without JavaScript),
//! spooled to a temporary file as it arrives, never held whole in memory.

use crate::error::AppError;
use crate::server::services::letterboxd::{DryRun, MAX_UPLOAD};
use crate::server::web::auth::Caller;
use crate::server::web::state::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::io::{Seek, SeekFrom};
use tokio::io::AsyncWriteExt;

pub use crate::model::LETTERBOXD_UPLOAD_PATH as PATH;
/// The page that reviews an import.
pub const PAGE: &str = "/account/letterboxd";

/// One export is read at a time: reading is CPU work, and members' pages come first.
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    match receive(&state, caller, &headers, multipart).await {
        Ok(run) if wants_json(&headers) => (StatusCode::CREATED, axum::Json(serde_json::json!({
            "id": run.id, "films": run.films, "matched": run.matched, "ambiguous": run.ambiguous, "missing": run.missing,
        })))
        .into_response(),
        Ok(run) => (StatusCode::SEE_OTHER, [(header::LOCATION, format!("{PAGE}?import={}", run.id))]).into_response(),
        Err(err) => {
            if err.status() < 500 {
                tracing::info!(%err, status = err.status(), "letterboxd upload refused");
            }
            if wants_json(&headers) {
                err.into_response()
            } else {
                error_page(&err)
            }
        }
    }
}

async fn receive(
    state: &AppState,
    caller: Caller,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<DryRun, AppError> {
    let viewer = caller.member()?;
    let announced =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_UPLOAD + 64 * 1024) {
        return Err(too_large());
    }
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Send the export as a file upload (multipart/form-data, field \"export\").".into())
    })?;
    let mut upload: Option<(String, std::fs::File, u64)> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("export") || upload.is_some() {
            continue;
        }
        let file_name = field.file_name().unwrap_or("export").to_string();
        let spool = tempfile::tempfile().map_err(|err| {
            tracing::error!(%err, "cannot make a temporary file for an upload");
            AppError::Internal
        })?;
        let mut file = tokio::fs::File::from_std(spool);
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            size += chunk.len() as u64;
            if size > MAX_UPLOAD {
                return Err(too_large());
            }
            file.write_all(&chunk).await.map_err(|err| {
                tracing::error!(%err, "cannot spool an upload");
                AppError::Internal
            })?;
        }
        file.flush().await.map_err(|_| AppError::Internal)?;
        let mut file = file.into_std().await;
        file.seek(SeekFrom::Start(0)).map_err(|_| AppError::Internal)?;
        upload = Some((file_name, file, size));
    }
    let Some((file_name, file, size)) = upload.filter(|u| u.2 > 0) else {
        return Err(AppError::BadRequest(
            "Choose your Letterboxd export (the .zip, or one of its .csv files) first.".into(),
        ));
    };
    let _turn = READING.acquire().await.map_err(|_| AppError::Unavailable)?;
    tracing::debug!(size, "letterboxd upload received");
    state.letterboxd.dry_run(&viewer, &file_name, file).await
}

fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "The upload is too large: at most {} MiB. Upload the ZIP as Letterboxd made it.",
        MAX_UPLOAD >> 20
    ))
}

fn unreadable(err: axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::BadRequest("The upload arrived incomplete or malformed; try again.".into())
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"))
}

/// A refused upload, for a browser that posted the form: the reason and the way back.
fn error_page(err: &AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Import refused · Marquee</title></head>\
         <body><h1>The import was refused</h1><p role=\"alert\" class=\"form-error\">{}</p><p>Nothing was stored.</p>\
         <p><a href=\"{PAGE}\">Back to the import</a></p></body></html>",
        html_escape::encode_text(&err.to_string())
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}
