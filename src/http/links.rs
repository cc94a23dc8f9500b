//! Links across documents: `GET /api/documents/{id}/related` (the documents citing one,
//! those it cites, the same project or department in other reports, and its projects'
//! figures by year) and `GET /api/citations?number=…|title=…` (the stored document a
//! 发文字号 or title names, and the documents citing it). Roles as for documents: an uploader
//! sees only their own uploads, a reader only what settled facts say.

use super::AppState;
use super::auth::Auth;
use super::documents::uploads_seen_by;
use super::error::ApiError;
use super::extract::{ApiQuery, Id};
use super::schema;
use crate::domain::{NumberKey, TitleKey};
use crate::links::LinkKind;
use crate::store::{DocumentRow, RelatedDocument, Role, Viewer};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents/{id}/related", get(related))
        .route("/citations", get(citations))
}

fn viewer(auth: &Auth) -> Viewer {
    Viewer {
        uploader: uploads_seen_by(auth),
        settled_only: auth.role() == Role::Reader,
    }
}

/// A related document in short: enough to name it and link to it.
fn brief(d: &DocumentRow) -> Value {
    json!({
        "id": d.id,
        "file_name": d.file_name,
        "title": d.title,
        "region": d.region,
        "year": d.year,
        "doc_number": d.doc_number,
    })
}

fn entries(related: &[RelatedDocument]) -> Value {
    Value::Array(
        related
            .iter()
            .map(|r| json!({ "document": brief(&r.document), "why": r.why }))
            .collect(),
    )
}

/// What is related to a document: `cited_by` (documents whose `document` facts cite its
/// 发文字号 or title), `cites` (stored documents it cites), `same_project` (documents naming
/// one of its projects or departments, by name within its region), each with `why`; and
/// `projects`, its projects' figures (budget, spent, grade, amount, rating) in every report,
/// by year.
#[utoipa::path(get, path = "/api/documents/{id}/related", operation_id = "getRelatedDocuments", tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses((status = 200, description = "the related documents and the project figures", body = schema::Related),
              (status = 404, description = "no such document (or not yours)", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn related(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Uploader, Role::Assessor, Role::Reader])?;
    st.store
        .document_seen_by(id, uploads_seen_by(&auth))
        .await?;
    let r = st.store.related(id, viewer(&auth)).await?;
    Ok(Json(json!({
        "document_id": id,
        "cited_by": entries(&r.cited_by),
        "cites": entries(&r.cites),
        "same_project": entries(&r.same_project),
        "projects": r.projects,
    })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CitationQuery {
    /// A 发文字号 in any bracket form: 渠财绩[2022]1号, 渠财绩【2022】1号 …
    number: Option<String>,
    /// A title, with or without 《》.
    title: Option<String>,
}

/// A 发文字号 (`number`) or a title (`title`), normalized: the stored documents that are it
/// (`document`, the first; `documents`, all) and the documents citing it (`cited_by`).
#[utoipa::path(get, path = "/api/citations", operation_id = "getCitation", tag = "documents",
    params(CitationQuery),
    responses((status = 200, description = "the document it names, if stored, and those citing it", body = schema::CitationAnswer),
              (status = 422, description = "neither or both of number and title, or nothing to look for", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn citations(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<CitationQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Uploader, Role::Assessor, Role::Reader])?;
    let too_long = |s: &str| s.chars().count() > 500;
    let (kind, key) = match (q.number.as_deref(), q.title.as_deref()) {
        (Some(n), None) if !too_long(n) => (
            LinkKind::Number,
            NumberKey::parse(n).map(|k| k.as_str().to_string()),
        ),
        (None, Some(t)) if !too_long(t) => (
            LinkKind::Title,
            TitleKey::parse(t).map(|k| k.as_str().to_string()),
        ),
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::invalid("give either number or title"));
        }
        _ => {
            return Err(ApiError::invalid(
                "number or title has at most 500 characters",
            ));
        }
    };
    let key = key.ok_or_else(|| {
        ApiError::invalid("nothing to look for: the number or title is empty or too short")
    })?;
    let c = st.store.citation(kind, &key, viewer(&auth)).await?;
    let (number, title) = match kind {
        LinkKind::Title => (None, Some(key)),
        _ => (Some(key), None),
    };
    Ok(Json(json!({
        "number": number,
        "title": title,
        "document": c.documents.first().map(brief),
        "documents": c.documents.iter().map(brief).collect::<Vec<_>>(),
        "cited_by": entries(&c.cited_by),
    })))
}
