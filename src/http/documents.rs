//! `/api/documents`: upload (multipart or raw body, deduplicated by SHA-256), the list as a
//! work queue (search by name and title, filters among them the kind and severity of a failed
//! check and the assignee, sorting, paging), and one document with its text, facts, checks
//! and self-evaluation forms.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::{ApiQuery, Id};
use super::facts::{check_filter, fact_json, fact_order};
use super::schema;
use super::sync::SyncQuery;
use crate::store::{
    AssignedFilter, DocumentFactsPage, DocumentFilter, DocumentRow, DocumentSort, FactCursor,
    FactOrder, FactRow, ReviewProgress, Role, SortOrder, format_time,
};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/documents",
            get(list)
                .post(upload)
                // Room for multipart framing around a file at the limit.
                .layer(DefaultBodyLimit::max(state.max_upload_bytes + 64 * 1024)),
        )
        .route("/documents/{id}", get(one))
        .route("/documents/{id}/facts", get(facts_page))
}

pub(super) fn document_json(d: &DocumentRow) -> Value {
    let mut body = json!({
        "id": d.id,
        "sha256": d.sha256,
        "file_name": d.file_name,
        "format": d.format,
        "size_bytes": d.size_bytes,
        "status": d.status,
        "error": d.error,
        "title": d.title,
        "region": d.region,
        "year": d.year,
        "doc_number": d.doc_number,
        "text_chars": d.text_chars,
        "encoding": d.encoding,
        "extractor_version": d.extractor_version,
        "uploaded_by": d.uploaded_by,
        "uploaded_at": format_time(d.uploaded_at),
        "processed_at": d.processed_at.map(format_time),
        "attempts": d.attempts,
        "assignee": d.assignee.as_ref().map(|a| json!({"id": a.id, "name": a.name})),
        "review": {
            "facts": d.facts_total,
            "pending": d.facts_pending,
            "decided": d.facts_total - d.facts_pending,
        },
        "checks_failed": d.checks_failed,
        "findings": {
            "error": d.findings_error,
            "warning": d.findings_warning,
        },
    });
    // A scan: how it was OCR'd once done, pages done of pages while a worker reads it.
    if let Some(ocr) = &d.ocr {
        body["ocr"] = ocr.clone();
    }
    if let Some(p) = &d.ocr_progress {
        body["ocr_progress"] = json!({"done": p.done, "pages": p.pages});
    }
    body
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct UploadQuery {
    /// File name to record (else the multipart file name or the X-Filename header).
    filename: Option<String>,
}

fn too_large(status: StatusCode, limit: usize, message: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge { limit }
    } else {
        ApiError::BadRequest(message)
    }
}

/// The file of an upload-like request: the multipart part `file` (or the first part with a
/// file name), else the raw body with its `X-Filename`; refused over the upload limit.
pub(super) async fn read_file(
    st: &AppState,
    req: Request,
) -> Result<(Bytes, Option<String>), ApiError> {
    let limit = st.max_upload_bytes;
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (bytes, name) = if is_multipart {
        let mut mp = Multipart::from_request(req, st)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let mut found = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| too_large(e.status(), limit, e.body_text()))?
        {
            if field.name() == Some("file") || field.file_name().is_some() {
                let name = field.file_name().map(str::to_string);
                let data = field
                    .bytes()
                    .await
                    .map_err(|e| too_large(e.status(), limit, e.body_text()))?;
                found = Some((data, name));
                break;
            }
        }
        found
            .ok_or_else(|| ApiError::BadRequest("send the file in a part named \"file\"".into()))?
    } else {
        let name = req
            .headers()
            .get("x-filename")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let data = Bytes::from_request(req, st)
            .await
            .map_err(|e| too_large(e.status(), limit, e.body_text()))?;
        (data, name)
    };
    if bytes.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    Ok((bytes, name))
}

/// Upload a report: multipart (part `file`) or the raw bytes as the body. Returns at once
/// with the queued document (201). Bytes stored before are extracted once: a new uploader
/// of them gets their own record of that document (201); the same uploader again gets it
/// back with `duplicate: true` (200).
#[utoipa::path(post, path = "/api/documents", operation_id = "uploadDocument", tag = "documents",
    params(UploadQuery),
    request_body(content = Vec<u8>, description = "the file, raw or as multipart part `file`",
                 content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "queued for extraction", body = schema::UploadedDocument),
        (status = 200, description = "you uploaded these bytes before: your document again", body = schema::UploadedDocument),
        (status = 413, description = "larger than the upload limit", body = schema::Error),
    ),
    security(("bearer" = [])))]
pub(super) async fn upload(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<UploadQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    // Assessors upload the reports they are about to review themselves.
    auth.require(&[Role::Uploader, Role::Assessor])?;
    let (bytes, name) = read_file(&st, req).await?;
    if bytes.is_empty() {
        return Err(ApiError::invalid("the file is empty"));
    }
    let name = match q.filename.or(name) {
        Some(n) => {
            super::input::plain_text("file_name", &n, false)?;
            // Only the last path component, and not absurdly long; no name at all is null.
            let base = n.rsplit(['/', '\\']).next().unwrap_or("").trim();
            Some(base.chars().take(255).collect::<String>()).filter(|b| !b.is_empty())
        }
        None => None,
    };
    let upload = st
        .store
        .upload(&bytes, name.as_deref(), Some(auth.0.id))
        .await?;
    let doc = upload.document;
    if upload.created {
        st.notify.notify_one();
        tracing::info!(document = doc.id, bytes = bytes.len(), "upload queued");
    }
    // New to this uploader is 201 whether or not someone else stored the same bytes
    // before: the answer is their own record of it, and says nothing of other uploads.
    let status = if upload.recorded {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut body = document_json(&doc);
    body["duplicate"] = json!(!upload.recorded);
    let location = format!("/api/documents/{}", doc.id);
    Ok((status, [(header::LOCATION, location)], Json(body)).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// File name or title contains this (case-insensitive).
    q: Option<String>,
    /// Region contains this: `相山` finds 淮北市相山区.
    region: Option<String>,
    year: Option<i64>,
    #[param(value_type = Option<schema::DocumentStatus>)]
    status: Option<String>,
    #[param(value_type = Option<schema::ReviewProgress>)]
    review: Option<ReviewProgress>,
    /// Only documents with a failed check of this kind: table_total, split, difference,
    /// share, score_cap, weights_total, score_total, execution_rate, execution_score,
    /// funds_total, target_score, target_met_docked, grade_band, text_table or
    /// cross_document.
    #[param(value_type = Option<schema::CheckKind>)]
    check: Option<String>,
    /// Only documents with a failed check of this severity: error or warning.
    #[param(value_type = Option<schema::Severity>)]
    severity: Option<String>,
    /// `me`: documents assigned to the caller; `none`: documents assigned to nobody.
    #[param(value_type = Option<schema::AssignedFilter>)]
    assigned: Option<AssignedParam>,
    /// What to sort by (ties by id): uploaded (the default), region, year, progress (share
    /// of facts decided) or findings (failed checks: errors, then warnings).
    #[param(value_type = Option<schema::DocumentSort>)]
    sort: Option<DocumentSort>,
    /// asc or desc; unless given, desc for uploaded and findings, asc for the others.
    #[param(value_type = Option<schema::SortOrder>)]
    order: Option<SortOrder>,
    /// Documents per page: 50 unless given, 1 to 500 (a sync page: 100, at most 1000).
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum AssignedParam {
    Me,
    None,
}

const STATUSES: [&str; 5] = ["queued", "processing", "done", "needs_ocr", "failed"];

/// List documents (an uploader sees only their own), newest first unless sorted otherwise;
/// each with its review counts, `findings` (its failed checks by severity, `{error,
/// warning}`) and `assignee`.
#[utoipa::path(get, path = "/api/documents", operation_id = "listDocuments", tag = "documents", params(ListQuery, SyncQuery),
    responses((status = 200, description = "A page of documents; with `cursor` or \
                  `updated_since`, the documents changed since (incremental sync)",
                  body = schema::DocumentListOrChanges)),
    security(("bearer" = [])))]
pub(super) async fn list(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiQuery(sync): ApiQuery<SyncQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Uploader, Role::Assessor, Role::Reader])?;
    if let Some(req) = sync.request(q.limit)? {
        // The other filters select by what moves (status, review progress, findings):
        // a consumer syncing documents takes every change and filters its own copy.
        let rows = st
            .store
            .changed_documents(uploads_seen_by(&auth), &req)
            .await?;
        let next = rows.last().map_or(req.after, |r| r.cursor);
        return Ok(Json(json!({
            "documents": rows.iter().map(|r| document_json(&r.row)).collect::<Vec<_>>(),
            "next_cursor": next.encode(),
            "has_more": rows.len() as i64 == req.limit,
        })));
    }
    if let Some(s) = &q.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::invalid(format!(
            "status is one of {}",
            STATUSES.join(", ")
        )));
    }
    check_filter(&q.check, &q.severity)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0).max(0);
    let filter = DocumentFilter {
        q: q.q,
        region: q.region,
        year: q.year,
        status: q.status,
        review: q.review,
        uploaded_by: uploads_seen_by(&auth),
        check: q.check,
        severity: q.severity,
        assigned: q.assigned.map(|a| match a {
            AssignedParam::Me => AssignedFilter::User(auth.0.id),
            AssignedParam::None => AssignedFilter::Nobody,
        }),
        sort: q.sort.unwrap_or_default(),
        order: q.order,
        limit,
        offset,
    };
    let docs = st.store.list_documents(&filter).await?;
    let next = (docs.len() as i64 == limit).then_some(offset.saturating_add(limit));
    Ok(Json(json!({
        "documents": docs.iter().map(document_json).collect::<Vec<_>>(),
        "next_offset": next,
    })))
}

/// Whose uploads the caller sees the documents of: an uploader only their own (`Some`),
/// everyone else all (`None`).
pub(super) fn uploads_seen_by(auth: &Auth) -> Option<i64> {
    (auth.role() == Role::Uploader).then_some(auth.0.id)
}

/// Facts per page of a document's facts unless asked otherwise, and the most a page holds:
/// a document can hold hundreds of thousands, never sent in one body.
const FACTS_PAGE: i64 = 1000;
const FACTS_PAGE_MAX: i64 = 5000;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct FactsPageQuery {
    /// Facts after this cursor (`facts_next` or `next` of the page before).
    after: Option<String>,
    /// Facts per page: 1000 unless given, at most 5000.
    limit: Option<i64>,
    /// true: only facts whose OCR confidence is under 0.80.
    low_confidence: Option<bool>,
    /// `reading` (the default) or `confidence`, least confident first and facts not read by
    /// OCR last; a cursor is good only for the order it was given in.
    #[param(value_type = Option<schema::FactSort>)]
    sort: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct OneQuery {
    /// Facts in the first page: 1000 unless given, at most 5000.
    facts_limit: Option<i64>,
}

/// A page of a document's facts as the caller may see them (a reader only settled ones),
/// and the cursor of the next page, if there is one.
async fn fact_page(
    st: &AppState,
    auth: &Auth,
    id: i64,
    q: &FactsPageQuery,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let limit = q.limit.unwrap_or(FACTS_PAGE).clamp(1, FACTS_PAGE_MAX);
    let order = fact_order(q.sort.as_deref())?;
    let after = match q.after.as_deref() {
        None => None,
        Some(cursor) => Some(
            parse_cursor(cursor, order)
                .ok_or_else(|| ApiError::invalid("after is a cursor given by the page before"))?,
        ),
    };
    let statuses = if auth.role() == Role::Reader {
        vec!["confirmed".into(), "corrected".into()]
    } else {
        Vec::new()
    };
    let page = DocumentFactsPage {
        statuses,
        low_confidence: q.low_confidence == Some(true),
        order,
        after,
        limit,
    };
    let facts = st.store.document_facts(id, &page).await?;
    let next = match facts.last() {
        Some(last) if facts.len() as i64 == limit => Some(cursor_text(last, order)),
        _ => None,
    };
    Ok((facts.iter().map(fact_json).collect(), next))
}

/// A page's cursor: `start.id` in reading order; by confidence `c{hundredths}.start.id`, with
/// `n` for a fact not read by OCR.
fn cursor_text(last: &FactRow, order: FactOrder) -> String {
    match order {
        FactOrder::Reading => format!("{}.{}", last.start, last.id),
        FactOrder::Confidence => match last.confidence {
            Some(c) => format!("c{c}.{}.{}", last.start, last.id),
            None => format!("cn.{}.{}", last.start, last.id),
        },
    }
}

fn parse_cursor(cursor: &str, order: FactOrder) -> Option<FactCursor> {
    let (confidence, rest) = match order {
        FactOrder::Reading => (None, cursor),
        FactOrder::Confidence => {
            let (c, rest) = cursor.strip_prefix('c')?.split_once('.')?;
            let c = if c == "n" {
                None
            } else {
                Some(c.parse().ok()?)
            };
            (c, rest)
        }
    };
    let (start, id) = rest.split_once('.')?;
    Some(FactCursor {
        confidence,
        start: start.parse().ok()?,
        id: id.parse().ok()?,
    })
}

/// One document with its text, checks (each with its severity), `forms` (the
/// self-evaluation forms read from it, their cells given as fact ids), `tables` (where each
/// table ingestion found stands in the text: `[[[start, end], …], …]`, cells in code points by
/// table and row) and the first page of
/// its facts in reading order; `facts_next`, when not null, is the cursor of the next page
/// (`GET /api/documents/{id}/facts?after=…`).
#[utoipa::path(get, path = "/api/documents/{id}", operation_id = "getDocument", tag = "documents",
    params(("id" = i64, Path, description = "document id"), OneQuery),
    responses((status = 200, description = "the document; `ETag` lets you ask again with \
                  `If-None-Match`", body = schema::DocumentDetail),
              (status = 304, description = "unchanged since the `ETag` you sent"),
              (status = 404, description = "no such document (or not yours)", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn one(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<OneQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Uploader, Role::Assessor, Role::Reader])?;
    let doc = st
        .store
        .document_seen_by(id, uploads_seen_by(&auth))
        .await?;
    let text = st.store.document_text(id).await?;
    let first = FactsPageQuery {
        after: None,
        limit: q.facts_limit,
        low_confidence: None,
        sort: None,
    };
    let (facts, next) = fact_page(&st, &auth, id, &first).await?;
    let checks = st.store.checks(id).await?;
    let forms = st.store.forms(id).await?;
    let tables = st.store.table_layout(id).await?;
    let mut body = document_json(&doc);
    body["text"] = json!(text);
    body["facts"] = json!(facts);
    body["facts_next"] = json!(next);
    body["checks"] = json!(checks);
    body["forms"] = json!(forms);
    body["tables"] = tables;
    Ok(super::etag::respond(&headers, body))
}

/// A further page of a document's facts, in reading order or least OCR confidence first,
/// all of them or only the doubtful ones (`low_confidence=true`): `{facts, next}`.
#[utoipa::path(get, path = "/api/documents/{id}/facts", operation_id = "listDocumentFacts", tag = "documents",
    params(("id" = i64, Path, description = "document id"), FactsPageQuery),
    responses((status = 200, description = "a page of facts; `next` is null on the last page", body = schema::FactPage),
              (status = 404, description = "no such document (or not yours)", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn facts_page(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<FactsPageQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Uploader, Role::Assessor, Role::Reader])?;
    st.store
        .document_seen_by(id, uploads_seen_by(&auth))
        .await?;
    let (facts, next) = fact_page(&st, &auth, id, &q).await?;
    Ok(Json(json!({ "facts": facts, "next": next })))
}
