//! `/api/facts`: list with filters, one fact, its history, and the review verbs — confirm,
//! correct, reject, undo — each carrying the version the assessor saw; plus bulk confirm of a
//! filtered set as one audited action.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Id};
use super::schema;
use super::sync::SyncQuery;
use crate::FactKind;
use crate::check::{CheckKind, Severity};
use crate::review::{CorrectionInput, Decision, RejectReason, ReviewStatus, validate_correction};
use crate::store::{
    FactFilter, FactOrder, FactRow, FindingFilter, HistoryEntry, Role, SyncRequest, format_time,
};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/facts", get(list))
        .route("/facts/bulk-confirm", post(bulk_confirm))
        .route("/facts/bulk-confirm/{id}/undo", post(bulk_undo))
        .route("/facts/{id}", get(one))
        .route("/facts/{id}/history", get(history))
        .route("/facts/{id}/confirm", post(confirm))
        .route("/facts/{id}/correct", post(correct))
        .route("/facts/{id}/reject", post(reject))
        .route("/facts/{id}/undo", post(undo))
}

/// A stored value as the JSON contract writes it: counts as integers, decimals and grades
/// as strings, documents as objects.
pub(super) fn value_json(kind: &str, value: &str) -> Value {
    match kind {
        "count" => value
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(value)),
        "document" => serde_json::from_str(value).unwrap_or_else(|_| Value::from(value)),
        _ => Value::from(value),
    }
}

pub(super) fn fact_json(f: &FactRow) -> Value {
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
    };
    json!({
        "id": f.id,
        "document_id": f.document_id,
        "kind": f.kind,
        "text": f.text,
        "start": f.start,
        "end": f.end,
        "value": value_json(&f.kind, &f.value),
        "unit": f.unit,
        "qualifier": f.qualifier,
        "subject": f.subject,
        "row": f.row,
        "table": f.table,
        "provenance": parse(&f.provenance),
        "extra": parse(&f.extra),
        "failed_checks": f.failed_checks,
        "status": f.status,
        "version": f.version,
        "reviewed_by": f.reviewed_by,
        "reviewed_at": f.reviewed_at.map(format_time),
        "extractor_version": f.extractor_version,
        "rule": f.rule,
        "original": serde_json::from_str::<Value>(&f.original).unwrap_or(Value::Null),
        "orphaned": f.orphaned_at.is_some(),
        "orphaned_at": f.orphaned_at.map(format_time),
        "confidence": f.confidence.map(|c| c as f64 / 100.0),
        "low_confidence": low_confidence(f),
    })
}

/// The fact was read by OCR with a confidence under the threshold.
fn low_confidence(f: &FactRow) -> bool {
    f.confidence
        .is_some_and(|c| c < crate::review::LOW_CONFIDENCE_BELOW)
}

/// `sort`: the order of a list of facts.
pub(super) fn fact_order(sort: Option<&str>) -> Result<FactOrder, ApiError> {
    match sort {
        None | Some("reading") => Ok(FactOrder::Reading),
        Some("confidence") => Ok(FactOrder::Confidence),
        Some(_) => Err(ApiError::invalid("sort is one of reading, confidence")),
    }
}

/// Filters shared by listing, bulk confirm and export.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub(super) struct FilterQuery {
    pub document_id: Option<i64>,
    #[param(value_type = Option<schema::FactKind>)]
    #[schema(value_type = Option<schema::FactKind>)]
    pub kind: Option<String>,
    /// One status or several separated by commas: pending, confirmed, corrected, rejected.
    #[param(
        pattern = r"^(pending|confirmed|corrected|rejected)(,(pending|confirmed|corrected|rejected))*$"
    )]
    #[schema(
        pattern = r"^(pending|confirmed|corrected|rejected)(,(pending|confirmed|corrected|rejected))*$"
    )]
    pub status: Option<String>,
    pub failed_checks: Option<bool>,
    pub subject: Option<String>,
    pub table: Option<i64>,
    pub region: Option<String>,
    pub year: Option<i64>,
    /// Only facts involved in a failed check of this kind: table_total, split, difference,
    /// share, score_cap, weights_total, score_total, execution_rate, execution_score,
    /// funds_total, target_score, target_met_docked, grade_band, text_table or
    /// cross_document.
    #[param(value_type = Option<schema::CheckKind>)]
    #[schema(value_type = Option<schema::CheckKind>)]
    pub check: Option<String>,
    /// Only facts involved in a failed check of this severity: error or warning.
    #[param(value_type = Option<schema::Severity>)]
    #[schema(value_type = Option<schema::Severity>)]
    pub severity: Option<String>,
    /// true: only facts a re-extraction no longer produced (kept because someone decided
    /// them); false: only the others.
    pub orphaned: Option<bool>,
    /// true: only facts whose OCR confidence is under 0.80 (misread characters likely);
    /// false: only the others, facts not read by OCR among them.
    pub low_confidence: Option<bool>,
    /// Listing only: `reading` (the default) or `confidence`, least confident first.
    #[param(value_type = Option<schema::FactSort>)]
    #[schema(value_type = Option<schema::FactSort>)]
    pub sort: Option<String>,
    // Paging and export format share this struct: serde's `flatten` cannot read numbers
    // and booleans from a query string.
    /// Facts per page (listing: 100 unless given, 1 to 1000; a sync page: 100, at most 1000).
    pub limit: Option<i64>,
    /// Facts to skip (listing only).
    pub offset: Option<i64>,
    /// Export only: csv, xlsx or json.
    #[param(value_type = Option<schema::ExportFormat>)]
    #[schema(value_type = Option<schema::ExportFormat>)]
    pub format: Option<String>,
    /// Export only: `facts` (the default) or `findings` (the failed checks).
    #[param(value_type = Option<schema::ExportWhat>)]
    #[schema(value_type = Option<schema::ExportWhat>)]
    pub what: Option<String>,
}

/// Validates the check kind and severity a filter asks for.
pub(super) fn check_filter(
    check: &Option<String>,
    severity: &Option<String>,
) -> Result<(), ApiError> {
    if let Some(k) = check
        && CheckKind::parse(k).is_none()
    {
        let kinds: Vec<&str> = CheckKind::ALL.iter().map(|k| k.as_str()).collect();
        return Err(ApiError::invalid(format!(
            "check is one of {}",
            kinds.join(", ")
        )));
    }
    if let Some(s) = severity
        && Severity::parse(s).is_none()
    {
        return Err(ApiError::invalid("severity is one of error, warning"));
    }
    Ok(())
}

impl FilterQuery {
    pub fn to_filter(&self) -> Result<FactFilter, ApiError> {
        if let Some(k) = &self.kind
            && FactKind::parse(k).is_none()
        {
            return Err(ApiError::invalid(
                "kind is one of amount, count, percent, score, rating, document",
            ));
        }
        let mut statuses = Vec::new();
        for s in self.status.iter().flat_map(|s| s.split(',')) {
            let s = s.trim();
            if ReviewStatus::parse(s).is_none() {
                return Err(ApiError::invalid(
                    "status is one of pending, confirmed, corrected, rejected",
                ));
            }
            statuses.push(s.to_string());
        }
        check_filter(&self.check, &self.severity)?;
        Ok(FactFilter {
            document_id: self.document_id,
            kind: self.kind.clone(),
            statuses,
            failed_checks: self.failed_checks,
            subject: self.subject.clone().filter(|s| !s.is_empty()),
            table: self.table,
            region: self.region.clone(),
            year: self.year,
            check: self.check.clone(),
            severity: self.severity.clone(),
            orphaned: self.orphaned,
            low_confidence: self.low_confidence,
        })
    }

    /// The findings the same query selects: a document's, or those of a region and year.
    pub fn to_finding_filter(&self) -> Result<FindingFilter, ApiError> {
        check_filter(&self.check, &self.severity)?;
        Ok(FindingFilter {
            document_id: self.document_id,
            region: self.region.clone(),
            year: self.year,
            check: self.check.clone(),
            severity: self.severity.clone(),
        })
    }
}

/// Review settled the fact: what a reader may see.
fn settled(status: &str) -> bool {
    matches!(status, "confirmed" | "corrected")
}

/// A reader sees only what review settled.
fn restrict_for_reader(auth: &Auth, f: &mut FactFilter) {
    if auth.role() == Role::Reader {
        let settled = ["confirmed", "corrected"];
        f.statuses.retain(|s| settled.contains(&s.as_str()));
        if f.statuses.is_empty() {
            f.statuses = settled.iter().map(|s| s.to_string()).collect();
        }
    }
}

/// List facts with filters (a reader sees only confirmed and corrected facts).
#[utoipa::path(get, path = "/api/facts", operation_id = "listFacts", tag = "facts", params(FilterQuery, SyncQuery),
    responses((status = 200, description = "A page of facts; with `cursor` or `updated_since`, \
                  the facts changed since (incremental sync)",
                  body = schema::FactListOrChanges)),
    security(("bearer" = [])))]
pub(super) async fn list(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<FilterQuery>,
    ApiQuery(sync): ApiQuery<SyncQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor, Role::Reader])?;
    let mut filter = q.to_filter()?;
    restrict_for_reader(&auth, &mut filter);
    if let Some(req) = sync.request(q.limit)? {
        return Ok(Json(changed_facts(&st, &filter, &req).await?));
    }
    let order = fact_order(q.sort.as_deref())?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let offset = q.offset.unwrap_or(0).max(0);
    let facts = st.store.list_facts(&filter, order, limit, offset).await?;
    let next = (facts.len() as i64 == limit).then_some(offset.saturating_add(limit));
    Ok(Json(json!({
        "facts": facts.iter().map(fact_json).collect::<Vec<_>>(),
        "next_offset": next,
    })))
}

/// A sync page: the facts changed after the cursor that the filter selects, and in
/// `removed` the ids of facts that changed and no longer have a status the filter (or the
/// reader's role) admits — decided once, then undone or rejected — so a consumer holding a
/// copy drops them. A fact still pending that was never decided is not a removal.
async fn changed_facts(
    st: &AppState,
    filter: &FactFilter,
    req: &SyncRequest,
) -> Result<Value, ApiError> {
    let rows = st.store.changed_facts(filter, req).await?;
    let next = rows.last().map_or(req.after, |r| r.cursor);
    let mut facts = Vec::new();
    let mut removed = Vec::new();
    for r in &rows {
        let f = &r.row;
        if filter.statuses.is_empty() || filter.statuses.contains(&f.status) {
            facts.push(fact_json(f));
        } else if f.version > 1 {
            removed.push(f.id);
        }
    }
    Ok(json!({
        "facts": facts,
        "removed": removed,
        "next_cursor": next.encode(),
        "has_more": rows.len() as i64 == req.limit,
    }))
}

/// One fact.
#[utoipa::path(get, path = "/api/facts/{id}", operation_id = "getFact", tag = "facts",
    params(("id" = i64, Path, description = "fact id")),
    responses((status = 200, description = "the fact; `ETag` lets you ask again with \
                  `If-None-Match`", body = schema::Fact),
              (status = 304, description = "unchanged since the `ETag` you sent")),
    security(("bearer" = [])))]
pub(super) async fn one(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Assessor, Role::Reader])?;
    let fact = st.store.fact(id).await?;
    if auth.role() == Role::Reader && !settled(&fact.status) {
        return Err(ApiError::NotFound);
    }
    Ok(super::etag::respond(&headers, fact_json(&fact)))
}

fn history_json(h: &HistoryEntry) -> Value {
    json!({
        "id": h.id,
        "action": h.action,
        "reason": h.reason,
        "note": h.note,
        "before": h.before,
        "after": h.after,
        "version": h.version,
        "user_id": h.user_id,
        "actor": h.actor,
        "at": format_time(h.at),
        "bulk_id": h.bulk_id,
        "undoes": h.undoes,
    })
}

/// Every decision on a fact: who, when, before → after, reason.
#[utoipa::path(get, path = "/api/facts/{id}/history", operation_id = "getFactHistory", tag = "facts",
    params(("id" = i64, Path, description = "fact id")),
    responses((status = 200, description = "the fact's decisions, oldest first", body = schema::History)),
    security(("bearer" = [])))]
pub(super) async fn history(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor, Role::Reader])?;
    // A reader may see how a settled fact was settled, and nothing of the others.
    if auth.role() == Role::Reader && !settled(&st.store.fact(id).await?.status) {
        return Err(ApiError::NotFound);
    }
    let entries = st.store.history(id).await?;
    Ok(Json(json!({
        "fact_id": id,
        "history": entries.iter().map(history_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct ConfirmBody {
    version: i64,
    note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct CorrectBody {
    version: i64,
    note: Option<String>,
    #[serde(flatten)]
    correction: CorrectionInput,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct RejectBody {
    version: i64,
    #[schema(value_type = schema::RejectReason)]
    reason: RejectReason,
    note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct UndoBody {
    version: i64,
}

fn clean_note(note: Option<String>) -> Result<Option<String>, ApiError> {
    match note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 2000 => {
            Err(ApiError::invalid("a note has at most 2000 characters"))
        }
        n => Ok(n),
    }
}

async fn decide(
    st: &AppState,
    auth: &Auth,
    id: i64,
    version: i64,
    decision: Decision,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor])?;
    let changes_value = matches!(decision, Decision::Correct { .. });
    let fact = st
        .store
        .review(id, version, &decision, &auth.actor())
        .await?;
    if changes_value {
        return Ok(Json(rechecked(st, fact).await));
    }
    Ok(Json(fact_json(&fact)))
}

/// After a decision that changed a fact's value: the document's checks computed again, and
/// the fact as it now stands with `document_findings`, the document's failed checks. The
/// decision is committed by then, so a failure here is logged and the answer is the fact
/// without the findings, rather than an error that would make the assessor decide again.
async fn rechecked(st: &AppState, fact: FactRow) -> Value {
    let checks = match st.store.recheck(fact.document_id).await {
        Ok(checks) => checks,
        Err(e) => {
            tracing::error!(error = %e, document = fact.document_id, "checks not computed again");
            return fact_json(&fact);
        }
    };
    // The fact's own count of failed checks may have changed with them.
    let fact = st.store.fact(fact.id).await.unwrap_or(fact);
    let mut body = fact_json(&fact);
    body["document_findings"] = json!(checks.iter().filter(|c| !c.ok).collect::<Vec<_>>());
    body
}

/// Confirm a fact as extracted.
#[utoipa::path(post, path = "/api/facts/{id}/confirm", operation_id = "confirmFact", tag = "review",
    params(("id" = i64, Path, description = "fact id")), request_body = ConfirmBody,
    responses((status = 200, description = "the fact after the decision", body = schema::DecidedFact),
              (status = 409, description = "stale version; details.current_version", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn confirm(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<ConfirmBody>,
) -> Result<Json<Value>, ApiError> {
    let note = clean_note(b.note)?;
    decide(&st, &auth, id, b.version, Decision::Confirm { note }).await
}

/// Correct a fact's value, unit, subject, qualifier or span.
#[utoipa::path(post, path = "/api/facts/{id}/correct", operation_id = "correctFact", tag = "review",
    params(("id" = i64, Path, description = "fact id")), request_body = CorrectBody,
    responses((status = 200, description = "the fact after the decision, with `document_findings`: \
                  the document's failed checks, computed again from the corrected values", body = schema::DecidedFact),
              (status = 409, description = "stale version; details.current_version", body = schema::Error),
              (status = 422, description = "the correction is not valid; details.fields", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn correct(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<CorrectBody>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor])?;
    let note = clean_note(b.note)?;
    let fact = st.store.fact(id).await?;
    let kind = FactKind::parse(&fact.kind).ok_or(ApiError::Internal)?;
    let correction =
        validate_correction(kind, &b.correction).map_err(|errors| ApiError::Validation {
            message: "the correction is not valid for this kind of fact".into(),
            details: json!({ "fields": errors }),
        })?;
    decide(
        &st,
        &auth,
        id,
        b.version,
        Decision::Correct { correction, note },
    )
    .await
}

/// Reject a fact with a reason code.
#[utoipa::path(post, path = "/api/facts/{id}/reject", operation_id = "rejectFact", tag = "review",
    params(("id" = i64, Path, description = "fact id")), request_body = RejectBody,
    responses((status = 200, description = "the fact after the decision", body = schema::DecidedFact),
              (status = 409, description = "stale version; details.current_version", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn reject(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<RejectBody>,
) -> Result<Json<Value>, ApiError> {
    let note = clean_note(b.note)?;
    decide(
        &st,
        &auth,
        id,
        b.version,
        Decision::Reject {
            reason: b.reason,
            note,
        },
    )
    .await
}

/// Undo the fact's last decision that is not undone yet.
#[utoipa::path(post, path = "/api/facts/{id}/undo", operation_id = "undoFact", tag = "review",
    params(("id" = i64, Path, description = "fact id")), request_body = UndoBody,
    responses((status = 200, description = "the fact as it was before that decision; when \
                  that puts a value back, with `document_findings` computed again", body = schema::DecidedFact),
              (status = 409, description = "stale version; details.current_version", body = schema::Error),
              (status = 422, description = "nothing to undo", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn undo(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(b): ApiJson<UndoBody>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor])?;
    // Only an undo that puts a value back (of a correction) has the checks computed again;
    // most take back a confirmation or a rejection, which changes nothing the checks read.
    let undone = st
        .store
        .undo_telling_change(id, b.version, &auth.actor())
        .await?;
    if !undone.changed {
        return Ok(Json(fact_json(&undone.fact)));
    }
    Ok(Json(rechecked(&st, undone.fact).await))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct BulkBody {
    #[serde(flatten)]
    filter: FilterQuery,
    note: Option<String>,
}

/// The most facts one bulk action may confirm.
const BULK_MAX: i64 = 10_000;

/// Confirm every pending fact a filter selects (e.g. one table whose checks pass), as one
/// audited action.
#[utoipa::path(post, path = "/api/facts/bulk-confirm", operation_id = "bulkConfirmFacts", tag = "review", request_body = BulkBody,
    responses((status = 200, description = "the facts confirmed, as one audited action", body = schema::BulkResult)),
    security(("bearer" = [])))]
pub(super) async fn bulk_confirm(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<BulkBody>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor])?;
    let f = &b.filter;
    if f.document_id.is_none() && f.kind.is_none() && f.region.is_none() && f.year.is_none() {
        // Confirming everything at once is never what an assessor means.
        return Err(ApiError::invalid(
            "narrow the set: give at least document_id, kind, region or year",
        ));
    }
    let note = clean_note(b.note)?;
    let filter = f.to_filter()?;
    let (bulk_id, ids) = st
        .store
        .bulk_confirm(&filter, note.as_deref(), &auth.actor(), BULK_MAX)
        .await?;
    Ok(Json(json!({
        "bulk_id": bulk_id,
        "confirmed": ids.len(),
        "fact_ids": ids,
    })))
}

/// Undo a bulk confirm as one action: every fact it confirmed that nobody has decided since
/// goes back to where it stood; the others keep their later decision and are listed as
/// skipped.
#[utoipa::path(post, path = "/api/facts/bulk-confirm/{id}/undo", tag = "review",
    params(("id" = i64, Path, description = "the bulk action's id (`bulk_id` of the confirm)")),
    responses((status = 200, description = "`{bulk_id, undoes, undone, fact_ids, skipped}`", body = schema::BulkUndo),
              (status = 404, description = "no such bulk action"),
              (status = 422, description = "not a bulk confirm, or nothing of it left to undo")),
    security(("bearer" = [])))]
pub(super) async fn bulk_undo(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor])?;
    let done = st.store.bulk_undo(id, &auth.actor()).await?;
    Ok(Json(json!({
        "bulk_id": done.bulk_id,
        "undoes": id,
        "undone": done.undone.len(),
        "fact_ids": done.undone,
        "skipped": done.skipped,
    })))
}
