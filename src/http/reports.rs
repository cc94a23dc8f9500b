//! `/api/export` and `/api/stats`: decided facts (confirmed and corrected; rejected ones when
//! asked for) as CSV or XLSX made for Excel (`sheet.rs`: Chinese headers, amounts as numbers
//! beside exact text, a second sheet 校验结果 of the findings in the XLSX) or as JSON with the
//! API's English keys (decimals as strings); the findings alone with `what=findings`; and
//! review counts per fact kind with the precision they imply.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::facts::{FilterQuery, value_json};
use super::schema;
use super::sheet;
use crate::store::{ExportRow, FindingRow, Role, format_time};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/export", get(export))
        .route("/stats", get(stats))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

fn json_findings(rows: &[FindingRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                let c = &r.check;
                json!({
                    "document_sha256": r.sha256,
                    "file_name": r.file_name,
                    "check_id": c.id,
                    "kind": c.kind,
                    "severity": c.severity,
                    "stated": c.stated,
                    "computed": c.computed,
                    "message": c.message,
                    "facts": r.facts.iter()
                        .map(|(id, text)| json!({"id": id, "text": text}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

fn json_rows(rows: &[ExportRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                let f = &r.fact;
                json!({
                    "document_sha256": r.sha256,
                    "file_name": r.file_name,
                    "fact_id": f.id,
                    "kind": f.kind,
                    "status": f.status,
                    "start": f.start,
                    "end": f.end,
                    "original_text": f.original_text(),
                    "text": f.text,
                    "value": value_json(&f.kind, &f.value),
                    "unit": f.unit,
                    "qualifier": f.qualifier,
                    "subject": f.subject,
                    "provenance": f.provenance.as_deref()
                        .and_then(|p| serde_json::from_str::<Value>(p).ok()),
                    "reviewer": f.reviewed_by,
                    "decided_at": f.reviewed_at.map(format_time),
                    "extractor_version": f.extractor_version,
                    "rule": f.rule,
                })
            })
            .collect(),
    )
}

/// Export confirmed and corrected facts: `format=csv` (UTF-8 with BOM), `xlsx` (with a
/// second sheet 校验结果 of the findings) or `json`; with `what=findings`, the failed checks
/// instead (of the documents `document_id`, `region` and `year` select; `check` and
/// `severity` narrow them).
#[utoipa::path(get, path = "/api/export", operation_id = "exportFacts", tag = "reports", params(FilterQuery),
    responses((status = 200, description = "the file",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (schema::ExportJson = "application/json"),
        ))),
    security(("bearer" = [])))]
pub(super) async fn export(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<FilterQuery>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Assessor, Role::Reader])?;
    let format = match q.format.as_deref() {
        None | Some("csv") => ExportFormat::Csv,
        Some("json") => ExportFormat::Json,
        Some("xlsx") => ExportFormat::Xlsx,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "format is one of csv, json, xlsx".into(),
            ));
        }
    };
    let only_findings = match q.what.as_deref() {
        None | Some("facts") => false,
        Some("findings") => true,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "what is one of facts, findings".into(),
            ));
        }
    };
    let mut filter = q.to_filter()?;
    if auth.role() == Role::Reader {
        // A reader sees what review settled, in exports too (none left: all settled ones).
        filter
            .statuses
            .retain(|s| s == "confirmed" || s == "corrected");
    }
    let finding_filter = q.to_finding_filter()?;
    // A CSV or JSON of facts has no place for them.
    let findings = if only_findings || format == ExportFormat::Xlsx {
        st.store.export_findings(&finding_filter).await?
    } else {
        Vec::new()
    };
    let rows = if only_findings {
        Vec::new()
    } else {
        st.store.export_rows(&filter).await?
    };
    let what = if only_findings {
        "校验结果"
    } else if filter.statuses.iter().any(|s| s == "rejected") {
        if filter.statuses.len() == 1 {
            "已驳回事实"
        } else {
            "已审核事实"
        }
    } else {
        "已确认事实"
    };
    let ascii = if only_findings { "findings" } else { "facts" };
    // Region and year: the filter's, else the rows' own when they share one.
    let regions = rows.iter().map(|r| r.region.as_deref());
    let years = rows.iter().map(|r| r.year);
    let disposition = |ext: &str| {
        let name = match (&q.region, q.year) {
            (Some(region), year) => sheet::file_name(
                what,
                std::iter::once(Some(region.as_str())),
                std::iter::once(year),
                ext,
            ),
            (None, Some(year)) => sheet::file_name(
                what,
                std::iter::once(None),
                std::iter::once(Some(year)),
                ext,
            ),
            (None, None) => sheet::file_name(what, regions.clone(), years.clone(), ext),
        };
        sheet::attachment(&name, &format!("jixiao-{ascii}.{ext}"))
    };
    let fact_rows: Vec<Vec<sheet::Cell>> = rows.iter().map(sheet::fact_cells).collect();
    let finding_rows: Vec<Vec<sheet::Cell>> = findings.iter().map(sheet::finding_cells).collect();
    Ok(match format {
        ExportFormat::Csv => {
            let bytes = if only_findings {
                sheet::csv_bytes(&sheet::finding_header(), &finding_rows)
            } else {
                sheet::csv_bytes(&sheet::fact_header(), &fact_rows)
            }
            .map_err(|e| {
                tracing::error!(error = %e, "csv export");
                ApiError::Internal
            })?;
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition("csv")),
                ],
                bytes,
            )
                .into_response()
        }
        ExportFormat::Xlsx => {
            let facts = (!only_findings).then_some(fact_rows.as_slice());
            let bytes = sheet::xlsx_bytes(facts, &finding_rows).map_err(|e| {
                tracing::error!(error = %e, "xlsx export");
                ApiError::Internal
            })?;
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition("xlsx")),
                ],
                bytes,
            )
                .into_response()
        }
        ExportFormat::Json if only_findings => {
            Json(json!({ "findings": json_findings(&findings) })).into_response()
        }
        ExportFormat::Json => Json(json!({ "facts": json_rows(&rows) })).into_response(),
    })
}

/// `num / den` to four places, or null when nothing was reviewed.
fn ratio(num: i64, den: i64) -> Value {
    if den == 0 {
        Value::Null
    } else {
        json!(((num as f64 / den as f64) * 10_000.0).round() / 10_000.0)
    }
}

/// What `/api/stats` counts by.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct StatsQuery {
    /// `kind` (the default: per fact kind) or `rule` (per extraction rule, with precision's
    /// 95 % Wilson interval, corrections by field, rejections by reason and the documents
    /// where the rule failed most).
    #[param(value_type = Option<schema::StatsBy>)]
    by: Option<String>,
}

/// Review counts per fact kind and the precision they imply; with `by=rule`, per extraction
/// rule.
#[utoipa::path(get, path = "/api/stats", operation_id = "getStats", tag = "reports",
    params(StatsQuery),
    responses((status = 200, description = "review counts per kind and in all, or per rule",
        body = schema::StatsAnswer)),
    security(("bearer" = [])))]
pub(super) async fn stats(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor, Role::Reader])?;
    match q.by.as_deref() {
        None | Some("kind") => {}
        Some("rule") => return super::rules::stats_by_rule(&st).await,
        Some(_) => return Err(ApiError::BadRequest("by is one of kind, rule".into())),
    }
    let kinds = st.store.stats().await?;
    let mut totals = [0i64; 5];
    let per_kind: Vec<Value> = kinds
        .iter()
        .map(|k| {
            for (t, v) in
                totals
                    .iter_mut()
                    .zip([k.total, k.pending, k.confirmed, k.corrected, k.rejected])
            {
                *t += v;
            }
            kind_json(
                &k.kind,
                k.total,
                k.pending,
                k.confirmed,
                k.corrected,
                k.rejected,
            )
        })
        .collect();
    let [total, pending, confirmed, corrected, rejected] = totals;
    Ok(Json(json!({
        "kinds": per_kind,
        "all": kind_json("all", total, pending, confirmed, corrected, rejected),
    })))
}

/// Precision as review implies it: of the facts decided, the share the extractor got right
/// as extracted (`precision`), and the share that were real facts at all, right or
/// corrected (`precision_found`).
fn kind_json(
    kind: &str,
    total: i64,
    pending: i64,
    confirmed: i64,
    corrected: i64,
    rejected: i64,
) -> Value {
    let decided = confirmed + corrected + rejected;
    json!({
        "kind": kind,
        "total": total,
        "pending": pending,
        "confirmed": confirmed,
        "corrected": corrected,
        "rejected": rejected,
        "decided": decided,
        "precision": ratio(confirmed, decided),
        "precision_found": ratio(confirmed + corrected, decided),
    })
}
