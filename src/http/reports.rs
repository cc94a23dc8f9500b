//! `/api/export` and `/api/stats`: confirmed and corrected facts as CSV (UTF-8 with BOM, so
//! Excel reads the Chinese right), XLSX (values written as text: exact, never rounded
//! through a float) or JSON (decimals as strings); and review counts per fact kind with the
//! precision they imply.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::facts::{FilterQuery, value_json};
use crate::store::{ExportRow, Role, format_time};
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

const COLUMNS: [&str; 17] = [
    "document_sha256",
    "file_name",
    "fact_id",
    "kind",
    "status",
    "start",
    "end",
    "original_text",
    "text",
    "value",
    "unit",
    "qualifier",
    "subject",
    "provenance",
    "reviewer",
    "decided_at",
    "extractor_version",
];

/// One export row as text cells, in `COLUMNS` order.
fn cells(r: &ExportRow) -> [String; 17] {
    let f = &r.fact;
    let value = match value_json(&f.kind, &f.value) {
        Value::String(s) => s,
        v => v.to_string(),
    };
    [
        r.sha256.clone(),
        r.file_name.clone().unwrap_or_default(),
        f.id.to_string(),
        f.kind.clone(),
        f.status.clone(),
        f.start.to_string(),
        f.end.to_string(),
        f.original_text(),
        f.text.clone(),
        value,
        f.unit.clone().unwrap_or_default(),
        f.qualifier.clone(),
        f.subject.clone().unwrap_or_default(),
        f.provenance.clone().unwrap_or_default(),
        f.reviewed_by.clone().unwrap_or_default(),
        f.reviewed_at.map(format_time).unwrap_or_default(),
        f.extractor_version.clone(),
    ]
}

fn csv_bytes(rows: &[ExportRow]) -> Result<Vec<u8>, ApiError> {
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    let fail = |e: csv::Error| {
        tracing::error!(error = %e, "csv export");
        ApiError::Internal
    };
    w.write_record(COLUMNS).map_err(fail)?;
    for r in rows {
        w.write_record(cells(r)).map_err(fail)?;
    }
    w.flush().map_err(|e| fail(e.into()))?;
    drop(w);
    Ok(out)
}

fn xlsx_bytes(rows: &[ExportRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("facts")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, cell) in cells(r).iter().enumerate() {
            let col = c as u16;
            // Ids and offsets are small integers, exact as numbers; everything else,
            // values above all, stays text so no digit is lost.
            if matches!(COLUMNS[c], "fact_id" | "start" | "end") {
                sheet.write_number(row, col, cell.parse::<f64>().unwrap_or_default())?;
            } else {
                sheet.write_string(row, col, cell)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
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
                })
            })
            .collect(),
    )
}

/// Export confirmed and corrected facts: `format=csv` (UTF-8 with BOM), `xlsx` or `json`.
#[utoipa::path(get, path = "/api/export", tag = "reports", params(FilterQuery),
    responses((status = 200, description = "the file", content_type = "text/csv")),
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
    let filter = q.to_filter()?;
    let rows = st.store.export_rows(&filter).await?;
    let attachment = |ext: &str| format!("attachment; filename=\"jixiao-facts.{ext}\"");
    Ok(match format {
        ExportFormat::Csv => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, attachment("csv")),
            ],
            csv_bytes(&rows)?,
        )
            .into_response(),
        ExportFormat::Xlsx => {
            let bytes = xlsx_bytes(&rows).map_err(|e| {
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
                    (header::CONTENT_DISPOSITION, attachment("xlsx")),
                ],
                bytes,
            )
                .into_response()
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

/// Review counts per fact kind and the precision they imply.
#[utoipa::path(get, path = "/api/stats", tag = "reports",
    responses((status = 200, description = "`{kinds, all}`", body = Object)),
    security(("bearer" = [])))]
pub(super) async fn stats(State(st): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    auth.require(&[Role::Assessor, Role::Reader])?;
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
