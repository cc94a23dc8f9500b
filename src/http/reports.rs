//! `/api/export` and `/api/stats`: confirmed and corrected facts as CSV (UTF-8 with BOM, so
//! Excel reads the Chinese right; a cell that would start a formula written as text), XLSX (values written as text: exact, never rounded
//! through a float; with a second sheet 校验结果 of the findings) or JSON (decimals as
//! strings); the findings alone with `what=findings`; and review counts per fact kind with
//! the precision they imply.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::facts::{FilterQuery, value_json};
use super::schema;
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

/// A cell as a spreadsheet may safely open it. A cell starting with `=`, `+`, `-`, `@`, tab
/// or CR is read by Excel and LibreOffice as a formula (`=HYPERLINK(…)` in a subject would
/// run when the file is opened), so it is written with a leading `'`, which spreadsheets
/// take as "this is text" (OWASP's advice for CSV injection). A plain number such as
/// `-12.50` is no formula and stays as it is, so negative values remain numbers.
fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// `-12`, `+3.5`, `-0.25`: a sign, digits, at most one decimal point.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
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
        w.write_record(cells(r).iter().map(|c| csv_cell(c).into_owned()))
            .map_err(fail)?;
    }
    w.flush().map_err(|e| fail(e.into()))?;
    drop(w);
    Ok(out)
}

/// What a check compares, as the findings sheet names it.
fn check_label(kind: &str) -> &str {
    match kind {
        "table_total" => "表格合计",
        "split" => "分项之和",
        "difference" => "差额",
        "share" => "占比",
        "score_cap" => "得分不超过分值",
        "weights_total" => "分值合计",
        "score_total" => "总分合计",
        "execution_rate" => "预算执行率",
        "execution_score" => "执行率得分",
        "funds_total" => "资金总额",
        "target_score" => "未达目标的得分",
        "target_met_docked" => "达标扣分的原因",
        "grade_band" => "自评等级",
        "text_table" => "正文与表格一致",
        other => other,
    }
}

fn severity_label(severity: &str) -> &str {
    match severity {
        "error" => "错误",
        "warning" => "提示",
        other => other,
    }
}

/// The findings export's columns: the CSV's header, and the 校验结果 sheet's.
const FINDING_COLUMNS: [(&str, &str); 10] = [
    ("file_name", "材料"),
    ("document_sha256", "材料 SHA-256"),
    ("check", "校验项目"),
    ("severity", "严重程度"),
    ("stated", "所述值"),
    ("computed", "计算值"),
    ("message", "说明"),
    ("facts", "涉及事实"),
    ("fact_ids", "事实编号"),
    ("kind", "校验代码"),
];

/// One finding as text cells, in `FINDING_COLUMNS` order.
fn finding_cells(r: &FindingRow) -> [String; 10] {
    let c = &r.check;
    let texts: Vec<&str> = r.facts.iter().map(|(_, t)| t.as_str()).collect();
    let ids: Vec<String> = r.facts.iter().map(|(i, _)| i.to_string()).collect();
    [
        r.file_name.clone().unwrap_or_default(),
        r.sha256.clone(),
        check_label(&c.kind).to_string(),
        severity_label(&c.severity).to_string(),
        c.stated.clone(),
        c.computed.clone(),
        c.message.clone(),
        texts.join("；"),
        ids.join(" "),
        c.kind.clone(),
    ]
}

fn findings_csv_bytes(rows: &[FindingRow]) -> Result<Vec<u8>, ApiError> {
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    let fail = |e: csv::Error| {
        tracing::error!(error = %e, "csv export");
        ApiError::Internal
    };
    w.write_record(FINDING_COLUMNS.map(|(name, _)| name))
        .map_err(fail)?;
    for r in rows {
        w.write_record(finding_cells(r).iter().map(|c| csv_cell(c).into_owned()))
            .map_err(fail)?;
    }
    w.flush().map_err(|e| fail(e.into()))?;
    drop(w);
    Ok(out)
}

/// A workbook with the facts (sheet `facts`, when asked for) and the findings (sheet 校验结果).
fn xlsx_bytes(
    rows: Option<&[ExportRow]>,
    findings: &[FindingRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    if let Some(rows) = rows {
        let sheet = book.add_worksheet();
        sheet.set_name("facts")?;
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
    }
    let sheet = book.add_worksheet();
    sheet.set_name("校验结果")?;
    for (c, (_, name)) in FINDING_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    for (i, r) in findings.iter().enumerate() {
        for (c, cell) in finding_cells(r).iter().enumerate() {
            // Stated and computed values stay text, exact like the facts' values.
            sheet.write_string(i as u32 + 1, c as u16, cell)?;
        }
    }
    sheet.set_column_width(6, 48)?;
    sheet.set_column_width(7, 32)?;
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
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
    let filter = q.to_filter()?;
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
    let name = if only_findings { "findings" } else { "facts" };
    let attachment = |ext: &str| format!("attachment; filename=\"jixiao-{name}.{ext}\"");
    Ok(match format {
        ExportFormat::Csv => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, attachment("csv")),
            ],
            if only_findings {
                findings_csv_bytes(&findings)?
            } else {
                csv_bytes(&rows)?
            },
        )
            .into_response(),
        ExportFormat::Xlsx => {
            let facts = (!only_findings).then_some(rows.as_slice());
            let bytes = xlsx_bytes(facts, &findings).map_err(|e| {
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

/// Review counts per fact kind and the precision they imply.
#[utoipa::path(get, path = "/api/stats", operation_id = "getStats", tag = "reports",
    responses((status = 200, description = "review counts per kind and in all", body = schema::Stats)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_numbers_kept() {
        for risky in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "-1.2.3",
        ] {
            assert_eq!(csv_cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in [
            "-12.50",
            "+3",
            "0.25",
            "12345678901234567.89",
            "项目 =1",
            "",
            "2023",
        ] {
            assert_eq!(csv_cell(plain), plain, "{plain:?}");
        }
    }
}
