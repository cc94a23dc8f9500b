//! Exports made for Excel: the CSV (UTF-8 with BOM) and XLSX of decided facts and of
//! findings, with Chinese column headers as a finance bureau reads them, amounts as numbers
//! in 元 and 万元 beside an exact text column (a spreadsheet number keeps 15 significant
//! digits), the document's title, region, year and 文号, where each fact stands (page, table,
//! row), what the extractor first read, the decision's reason and note, who decided and when
//! (in the server's time zone), and a file name that says what it holds. The JSON export
//! keeps the API's English keys (`reports.rs`).

use crate::store::{ExportRow, FindingRow};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::OnceLock;

/// A cell: text, or a number a spreadsheet may calculate with.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cell {
    Text(String),
    /// Written as the decimal text given (exact in the CSV); a number in the XLSX.
    Number(String),
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    fn opt(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, Cell::text)
    }

    fn int(n: Option<i64>) -> Cell {
        n.map_or(Cell::Empty, |n| Cell::Number(n.to_string()))
    }

    fn as_text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Number(s) => s,
            Cell::Empty => "",
        }
    }
}

/// The facts sheet's columns, in order.
pub(super) const FACT_COLUMNS: [&str; 27] = [
    "文件名",
    "材料标题",
    "地区",
    "年度",
    "文号",
    "事实编号",
    "类别",
    "审核状态",
    "原文",
    "值（精确）",
    "金额（元）",
    "金额（万元）",
    "单位",
    "限定",
    "主体",
    "抽取原值",
    "页码",
    "表格",
    "行",
    "驳回原因",
    "备注",
    "审核人",
    "审核时间",
    "起止位置",
    "材料 SHA-256",
    "抽取器版本",
    "抽取规则",
];

fn kind_label(kind: &str) -> &str {
    match kind {
        "amount" => "金额",
        "count" => "数量",
        "percent" => "百分比",
        "score" => "分数",
        "rating" => "等级",
        "document" => "文件",
        other => other,
    }
}

fn status_label(status: &str) -> &str {
    match status {
        "pending" => "待审核",
        "confirmed" => "已确认",
        "corrected" => "已更正",
        "rejected" => "已驳回",
        other => other,
    }
}

fn qualifier_label(qualifier: &str) -> &str {
    match qualifier {
        "exact" => "精确",
        "approx" => "约",
        "at_least" => "不低于",
        "at_most" => "不高于",
        other => other,
    }
}

fn reason_label(reason: &str) -> &str {
    match reason {
        "not_a_fact" => "不是事实",
        "wrong_value" => "数值错误",
        "wrong_unit" => "单位错误",
        "wrong_span" => "范围划错",
        "wrong_subject" => "主体错误",
        "duplicate" => "重复",
        other => other,
    }
}

/// A stored value as a person reads it: a document as 《title》 文号, others as stored.
fn value_text(kind: &str, value: &str) -> String {
    if kind != "document" {
        return value.to_string();
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(value) else {
        return value.to_string();
    };
    let title = v["title"].as_str().map(|t| format!("《{t}》"));
    let number = v["number"].as_str().map(str::to_string);
    [title, number]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// 元 to 万元, exactly.
fn wan(yuan: &str) -> Option<String> {
    let d = Decimal::from_str(yuan).ok()?;
    Some((d / Decimal::from(10_000)).normalize().to_string())
}

/// The value the extractor first read, before any correction.
fn original_value(r: &ExportRow) -> String {
    let f = &r.fact;
    let Ok(o) = serde_json::from_str::<serde_json::Value>(&f.original) else {
        return String::new();
    };
    let value = match &o["value"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => return String::new(),
        other => other.to_string(),
    };
    let mut text = value_text(&f.kind, &value);
    if let Some(unit) = o["unit"].as_str().filter(|u| !u.is_empty()) {
        text.push_str(unit);
    }
    text
}

fn page(provenance: Option<&str>) -> Option<i64> {
    let p: serde_json::Value = serde_json::from_str(provenance?).ok()?;
    p["page"].as_i64()
}

/// One fact as its row of the facts sheet, in `FACT_COLUMNS` order.
pub(super) fn fact_cells(r: &ExportRow) -> Vec<Cell> {
    let f = &r.fact;
    let amount = f.kind == "amount";
    let exact = value_text(&f.kind, &f.value);
    vec![
        Cell::opt(r.file_name.clone()),
        Cell::opt(r.title.clone()),
        Cell::opt(r.region.clone()),
        Cell::int(r.year),
        Cell::opt(r.doc_number.clone()),
        Cell::int(Some(f.id)),
        Cell::text(kind_label(&f.kind)),
        Cell::text(status_label(&f.status)),
        Cell::text(f.original_text()),
        Cell::text(exact),
        if amount {
            Cell::Number(f.value.clone())
        } else {
            Cell::Empty
        },
        match amount.then(|| wan(&f.value)).flatten() {
            Some(w) => Cell::Number(w),
            None => Cell::Empty,
        },
        Cell::opt(f.unit.clone()),
        Cell::text(qualifier_label(&f.qualifier)),
        Cell::opt(f.subject.clone()),
        Cell::text(original_value(r)),
        Cell::int(page(f.provenance.as_deref())),
        Cell::int(f.table.map(|t| t + 1)),
        Cell::int(f.row),
        Cell::opt(r.reason.as_deref().map(reason_label)),
        Cell::opt(r.note.clone()),
        Cell::opt(f.reviewed_by.clone()),
        Cell::opt(f.reviewed_at.map(local_time)),
        Cell::text(format!("{}–{}", f.start, f.end)),
        Cell::text(r.sha256.clone()),
        Cell::text(f.extractor_version.clone()),
        Cell::text(
            f.rule
                .clone()
                .unwrap_or_else(|| UNRECORDED_RULE.to_string()),
        ),
    ]
}

/// How a sheet shows the rule of a fact stored before rules were recorded.
pub(super) const UNRECORDED_RULE: &str = "未记录";

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
        "cross_document" => "跨报告一致",
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

/// The findings sheet's columns, in order.
pub(super) const FINDING_COLUMNS: [&str; 10] = [
    "材料",
    "材料 SHA-256",
    "校验项目",
    "严重程度",
    "所述值",
    "计算值",
    "说明",
    "涉及事实",
    "事实编号",
    "校验代码",
];

/// One finding as its row of the findings sheet, in `FINDING_COLUMNS` order.
pub(super) fn finding_cells(r: &FindingRow) -> Vec<Cell> {
    let c = &r.check;
    let texts: Vec<&str> = r.facts.iter().map(|(_, t)| t.as_str()).collect();
    let ids: Vec<String> = r.facts.iter().map(|(i, _)| i.to_string()).collect();
    vec![
        Cell::opt(r.file_name.clone()),
        Cell::text(r.sha256.clone()),
        Cell::text(check_label(&c.kind)),
        Cell::text(severity_label(&c.severity)),
        // Stated and computed values stay text, exact like the facts' values.
        Cell::text(c.stated.clone()),
        Cell::text(c.computed.clone()),
        Cell::text(c.message.clone()),
        Cell::text(texts.join("；")),
        Cell::text(ids.join(" ")),
        Cell::text(c.kind.clone()),
    ]
}

/// A cell as a spreadsheet may safely open it. A cell starting with `=`, `+`, `-`, `@`, tab
/// or CR is read by Excel and LibreOffice as a formula (`=HYPERLINK(…)` in a subject would
/// run when the file is opened), so it is written with a leading `'`, which spreadsheets
/// take as "this is text" (OWASP's advice for CSV injection). A plain number such as
/// `-12.50` is no formula and stays as it is, so negative values remain numbers.
pub(super) fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
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

/// The facts sheet's header: the decision time's column names its zone.
pub(super) fn fact_header() -> Vec<String> {
    FACT_COLUMNS
        .iter()
        .map(|c| match *c {
            "审核时间" => format!("审核时间（{}）", zone_label()),
            c => c.to_string(),
        })
        .collect()
}

/// The findings sheet's header.
pub(super) fn finding_header() -> Vec<String> {
    FINDING_COLUMNS.iter().map(|c| c.to_string()).collect()
}

/// A CSV with a BOM (so Excel reads it as UTF-8) and the given header.
pub(super) fn csv_bytes(header: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>, csv::Error> {
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(&mut out);
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.iter().map(|c| csv_cell(c.as_text()).into_owned()))?;
    }
    w.flush()?;
    drop(w);
    Ok(out)
}

/// A workbook with the facts (sheet 事实, when given) and the findings (sheet 校验结果).
pub(super) fn xlsx_bytes(
    facts: Option<&[Vec<Cell>]>,
    findings: &[Vec<Cell>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut sheet_of =
        |name: &str, header: &[String], rows: &[Vec<Cell>], widths: &[(u16, f64)]| {
            let sheet = book.add_worksheet();
            sheet.set_name(name)?;
            for (c, title) in header.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, title, &bold)?;
            }
            for (i, row) in rows.iter().enumerate() {
                let r = i as u32 + 1;
                for (c, cell) in row.iter().enumerate() {
                    let c = c as u16;
                    match cell {
                        Cell::Text(s) => {
                            sheet.write_string(r, c, s)?;
                        }
                        // A number for sums and sorting; the exact value is in a text column.
                        Cell::Number(s) => match s.parse::<f64>() {
                            Ok(n) => {
                                sheet.write_number(r, c, n)?;
                            }
                            Err(_) => {
                                sheet.write_string(r, c, s)?;
                            }
                        },
                        Cell::Empty => {}
                    }
                }
            }
            for &(c, width) in widths {
                sheet.set_column_width(c, width)?;
            }
            sheet.set_freeze_panes(1, 0)?;
            Ok::<_, rust_xlsxwriter::XlsxError>(())
        };
    if let Some(rows) = facts {
        sheet_of(
            "事实",
            &fact_header(),
            rows,
            &[
                (0, 28.0),
                (1, 36.0),
                (8, 24.0),
                (9, 20.0),
                (10, 16.0),
                (14, 24.0),
            ],
        )?;
    }
    sheet_of(
        "校验结果",
        &finding_header(),
        findings,
        &[(6, 48.0), (7, 32.0)],
    )?;
    book.save_to_buffer()
}

/// The server's offset from UTC, read once at start-up (see [`init_local_offset`]); UTC when
/// it could not be read.
static LOCAL_OFFSET: OnceLock<time::UtcOffset> = OnceLock::new();

/// Reads the server's UTC offset. Call it before any thread starts: on Unix the offset can
/// only be read soundly while the process has one thread.
pub fn init_local_offset() {
    let _ =
        LOCAL_OFFSET.set(time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
}

fn local_offset() -> time::UtcOffset {
    *LOCAL_OFFSET.get_or_init(|| time::UtcOffset::UTC)
}

/// A stored time (Unix milliseconds) in the server's time zone, as 2026-12-02 14:05:09.
pub(super) fn local_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(local_offset());
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.format(&fmt).unwrap_or_default()
}

/// The zone the decision times are in, for the column's header: UTC+08:00.
pub(super) fn zone_label() -> String {
    let o = local_offset();
    let (h, m, _) = o.as_hms();
    let sign = if o.is_negative() { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

/// A file name that says what the file holds: `相山区_2022_已确认事实_20261202.xlsx`. The
/// region and year are the rows' own when they all share one, else left out.
pub(super) fn file_name<'a>(
    what: &str,
    regions: impl Iterator<Item = Option<&'a str>>,
    years: impl Iterator<Item = Option<i64>>,
    ext: &str,
) -> String {
    fn single<T: PartialEq>(mut items: impl Iterator<Item = Option<T>>) -> Option<T> {
        let first = items.next()??;
        items.all(|i| i.as_ref() == Some(&first)).then_some(first)
    }
    let today = time::OffsetDateTime::now_utc().to_offset(local_offset());
    let date = format!(
        "{:04}{:02}{:02}",
        today.year(),
        today.month() as u8,
        today.day()
    );
    let mut parts: Vec<String> = Vec::new();
    if let Some(region) = single(regions) {
        parts.push(region.to_string());
    }
    if let Some(year) = single(years) {
        parts.push(year.to_string());
    }
    parts.push(what.to_string());
    parts.push(date);
    let name: String = parts
        .join("_")
        .chars()
        // Nothing a file system or a header would choke on.
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{name}.{ext}")
}

/// `Content-Disposition` for a file name that may not be ASCII: an ASCII fallback and the
/// UTF-8 name (RFC 6266 / RFC 5987), which browsers prefer.
pub(super) fn attachment(name: &str, fallback: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
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

    #[test]
    fn wan_is_exact() {
        assert_eq!(wan("1462000000").as_deref(), Some("146200"));
        assert_eq!(wan("12345").as_deref(), Some("1.2345"));
        assert_eq!(
            wan("123456789012345678.9").as_deref(),
            Some("12345678901234.56789")
        );
        assert_eq!(wan("abc"), None);
    }

    #[test]
    fn a_file_name_says_what_it_holds() {
        let name = file_name(
            "已确认事实",
            [Some("相山区"), Some("相山区")].into_iter(),
            [Some(2022), Some(2022)].into_iter(),
            "xlsx",
        );
        assert!(name.starts_with("相山区_2022_已确认事实_"), "{name}");
        assert!(name.ends_with(".xlsx"));
        // Rows of several regions: the region is left out, not one of them picked.
        let name = file_name(
            "已确认事实",
            [Some("相山区"), Some("杜集区")].into_iter(),
            [Some(2022), None].into_iter(),
            "csv",
        );
        assert!(name.starts_with("已确认事实_"), "{name}");
        let name = file_name(
            "校验结果",
            [Some("a/b")].into_iter(),
            [None].into_iter(),
            "csv",
        );
        assert!(name.starts_with("a_b_校验结果_"), "{name}");
    }

    #[test]
    fn a_non_ascii_name_is_sent_both_ways() {
        assert_eq!(
            attachment("相山区.csv", "jixiao-facts.csv"),
            "attachment; filename=\"jixiao-facts.csv\"; filename*=UTF-8''%E7%9B%B8%E5%B1%B1%E5%8C%BA.csv"
        );
    }

    #[test]
    fn documents_read_as_title_and_number() {
        assert_eq!(
            value_text(
                "document",
                r#"{"title":"管理办法","number":"渠财绩〔2022〕1号"}"#
            ),
            "《管理办法》 渠财绩〔2022〕1号"
        );
        assert_eq!(value_text("amount", "1500"), "1500");
    }
}
