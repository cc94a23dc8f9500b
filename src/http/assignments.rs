//! `/api/documents/{id}/assignee` and `/api/documents/{id}/assignments`: an admin assigns a
//! document to an assessor (or to nobody); every change is kept, who assigned whom and when,
//! and can be read back. The assessors to choose from are the token holders of
//! `GET /api/tokens` whose role is assessor.

use super::AppState;
use super::auth::Auth;
use super::documents::document_json;
use super::error::ApiError;
use super::extract::{ApiJson, Id};
use super::schema;
use crate::store::{AssignmentRow, Role, format_time};
use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents/{id}/assignee", put(assign))
        .route("/documents/{id}/assignments", get(history))
}

/// Whom to assign the document to.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": 3}))]
pub(super) struct AssigneeBody {
    /// An assessor's (or admin's) user id, or null to assign the document to nobody.
    // Required though nullable: an empty body is a mistake, not an unassignment.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    user_id: Option<i64>,
}

/// Assign a document to an assessor, or to nobody (admin). The change is recorded with who
/// made it and when; assigning to the assessor it already has records nothing.
#[utoipa::path(put, path = "/api/documents/{id}/assignee", operation_id = "assignDocument",
    tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    request_body = AssigneeBody,
    responses((status = 200, description = "the document with its new assignee", body = schema::Document),
              (status = 404, description = "no such document", body = schema::Error),
              (status = 422, description = "no such user, a revoked token, or not an assessor",
                  body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn assign(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<AssigneeBody>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[])?;
    let doc = st
        .store
        .assign_document(id, body.user_id, &auth.actor())
        .await?;
    tracing::info!(document = id, assignee = ?body.user_id, by = auth.0.id, "assigned");
    Ok(Json(document_json(&doc)))
}

fn assignment_json(a: &AssignmentRow) -> Value {
    json!({
        "id": a.id,
        "before": a.before,
        "after": a.after,
        "by": {"id": a.user_id, "name": a.actor},
        "at": format_time(a.at),
    })
}

/// Every change of a document's assignee, oldest first: who it went from and to, who
/// assigned it, when.
#[utoipa::path(get, path = "/api/documents/{id}/assignments", operation_id = "listAssignments",
    tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, description = "the document's assignments", body = schema::AssignmentList),
              (status = 404, description = "no such document", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn history(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor])?;
    st.store.document(id).await?;
    let rows = st.store.assignments(id).await?;
    Ok(Json(
        json!({ "assignments": rows.iter().map(assignment_json).collect::<Vec<_>>() }),
    ))
}
