//! `POST /api/extract`: a file in, its facts out as FACTS.md describes them — for systems that
//! want the facts and not the review. Nothing is stored. The file comes as an upload does
//! (raw or multipart, the same size limit) and is read within the same time limit per
//! document as the workers use.

use super::AppState;
use super::auth::Auth;
use super::documents::read_file;
use super::error::ApiError;
use super::schema;
use crate::IngestError;
use crate::store::Role;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new().route(
        "/extract",
        post(extract).layer(DefaultBodyLimit::max(state.max_upload_bytes + 64 * 1024)),
    )
}

/// What a file that could not be read becomes: too large is 413, anything else about the
/// file (not text, an unsupported format, malformed, a scan, over a limit or the time) is
/// 422 with `details.reason`.
fn refusal(e: IngestError) -> ApiError {
    let reason = match &e {
        IngestError::TooLarge { limit, .. } => {
            return ApiError::PayloadTooLarge { limit: *limit };
        }
        IngestError::Empty => "empty",
        IngestError::NotText(_) => "not_text",
        IngestError::Unsupported { .. } => "unsupported",
        IngestError::Malformed(_) => "malformed",
        IngestError::NeedsOcr | IngestError::OcrDeferred { .. } => "needs_ocr",
        IngestError::Limit(_) => "limit",
    };
    ApiError::Validation {
        message: e.to_string(),
        details: json!({ "reason": reason }),
    }
}

/// Extract the facts of a file without storing anything: `{document, facts, checks, forms}`
/// as `jixiao extract --format json` writes them (FACTS.md), `source` the file name if given.
#[utoipa::path(post, path = "/api/extract", operation_id = "extractFile", tag = "extract",
    request_body(content = Vec<u8>, description = "the file, raw or as multipart part `file`",
                 content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "the facts, checks and forms found", body = schema::Extraction),
        (status = 413, description = "larger than the upload limit", body = schema::Error),
        (status = 422, description = "the file could not be read (details.reason: empty, \
                      not_text, unsupported, malformed, needs_ocr or limit)", body = schema::Error),
    ),
    security(("bearer" = [])))]
pub(super) async fn extract(
    State(st): State<AppState>,
    auth: Auth,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Reader, Role::Uploader, Role::Assessor])?;
    let (bytes, name) = read_file(&st, req).await?;
    if bytes.is_empty() {
        return Err(refusal(IngestError::Empty));
    }
    if let Some(n) = &name {
        super::input::plain_text("file_name", n, false)?;
    }
    // CPU-bound: off the request threads, like the workers' extraction.
    let extraction = tokio::task::spawn_blocking(move || crate::extract_bytes(&bytes))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "extraction panicked");
            ApiError::Internal
        })?
        .map_err(refusal)?;
    let source = name.map(|n| n.rsplit(['/', '\\']).next().unwrap_or("").to_string());
    Ok(Json(crate::report::to_json(
        &extraction,
        source.as_deref().filter(|s| !s.is_empty()),
    )))
}
