//! `/api/admin/reextract`: an admin runs the current extractor over stored documents again
//! (see `reextract`), keeping every decision on a fact it still finds. The request waits for
//! the run and answers with its summary; a run over a large database is better started with
//! `jixiao reextract`, which shows its progress.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::ApiJson;
use super::schema;
use crate::reextract::{Options, Selection};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/reextract", post(reextract))
}

/// Documents one request may name.
const MAX_DOCUMENTS: usize = 1000;

/// Which documents to re-extract, and how.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReextractBody {
    /// Every stored document (instead of `documents`).
    #[serde(default)]
    all: bool,
    /// These documents (instead of `all`); at most 1000.
    #[serde(default)]
    documents: Option<Vec<i64>>,
    /// Compute the summary, write nothing.
    #[serde(default)]
    dry_run: bool,
    /// Also documents already at the current extractor version.
    #[serde(default)]
    force: bool,
}

impl ReextractBody {
    fn selection(&self) -> Result<Selection, ApiError> {
        match (self.all, &self.documents) {
            (true, None) => Ok(Selection::All),
            (false, Some(ids)) if ids.is_empty() => {
                Err(ApiError::invalid("documents lists no document"))
            }
            (false, Some(ids)) if ids.len() > MAX_DOCUMENTS => Err(ApiError::invalid(format!(
                "documents lists more than {MAX_DOCUMENTS}; use all, or jixiao reextract"
            ))),
            (false, Some(ids)) => Ok(Selection::Documents(ids.clone())),
            _ => Err(ApiError::invalid(
                "send either {\"all\": true} or {\"documents\": [ids]}",
            )),
        }
    }
}

/// Re-extract stored documents with the current extractor (admin): facts it still finds keep
/// their decisions, decided facts it no longer finds are kept as orphaned, decided facts whose
/// value it reads differently go back to pending with the reason in their history.
#[utoipa::path(post, path = "/api/admin/reextract", operation_id = "reextract", tag = "admin",
    request_body = ReextractBody,
    responses((status = 200, description = "what the run did (or, dry, would do)",
                  body = schema::ReextractSummary),
              (status = 422, description = "neither or both of all and documents, or an unknown document",
                  body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn reextract(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ReextractBody>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[])?;
    let mut options = Options::new(body.selection()?, auth.actor());
    options.dry_run = body.dry_run;
    options.force = body.force;
    let summary = crate::reextract::run(&st.store, &options, None).await?;
    Ok(Json(serde_json::to_value(&summary).map_err(|e| {
        tracing::error!(error = %e, "summary did not serialize");
        ApiError::Internal
    })?))
}
