//! Rendering an extraction for its readers: the JSON of `shared/FACTS.md` (one object per
//! document, JSON Lines for several) and an aligned table for people at a terminal.

use crate::check::{Check, Severity};
use crate::extract::form::Form;
use crate::extract::{Extraction, FactKind};
use std::fmt::Write;

/// The JSON object of one document, with the file it came from.
pub fn to_json(extraction: &Extraction, source: Option<&str>) -> serde_json::Value {
    let mut v = serde_json::to_value(extraction).expect("extraction serializes");
    if let (Some(src), Some(obj)) = (source, v.as_object_mut()) {
        obj.insert("source".into(), serde_json::Value::String(src.to_string()));
    }
    v
}

/// Display width of a string in terminal columns (CJK and full-width forms take two).
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

/// Shortens to at most `max` columns, marking the cut with "…".
fn clip(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + width(&c.to_string()) > max - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// An aligned listing of the facts and checks, for people.
pub fn to_table(extraction: &Extraction, source: Option<&str>) -> String {
    let mut out = String::new();
    let d = &extraction.document;
    let _ = writeln!(
        out,
        "{}{}  region: {}  year: {}  doc number: {}  chars: {}",
        source.map(|s| format!("{s}\n")).unwrap_or_default(),
        d.title.as_deref().unwrap_or("(no title)"),
        d.region.as_deref().unwrap_or("-"),
        d.year.map_or("-".to_string(), |y| y.to_string()),
        d.doc_number.as_deref().unwrap_or("-"),
        d.text_chars
    );
    if let Some(t) = &extraction.truncated {
        let _ = writeln!(out, "{}", t.message);
    }
    let header = [
        "#",
        "kind",
        "text",
        "value",
        "unit",
        "qualifier",
        "subject",
        "span",
    ];
    let rows: Vec<Vec<String>> = extraction
        .facts
        .iter()
        .map(|f| {
            let mut value = f.value.display();
            if f.kind == FactKind::Rating
                && let Some(n) = f.count
            {
                value = format!("{value} ×{n}");
            }
            let mut subject = f.subject.clone().unwrap_or_default();
            if let Some(r) = f.row {
                subject = format!("[row {r}] {subject}");
            }
            vec![
                f.id.to_string(),
                f.kind.as_str().to_string(),
                clip(&f.text.replace(['\n', '\t'], " "), 28),
                clip(&value, 40),
                f.unit.clone().unwrap_or_default(),
                f.qualifier.as_str().to_string(),
                clip(&subject, 36),
                format!("{}..{}", f.start, f.end),
            ]
        })
        .collect();
    out.push_str(&aligned(&header.map(String::from), &rows));
    for form in &extraction.forms {
        out.push_str(&form_table(extraction, form));
    }
    if !extraction.checks.is_empty() {
        let failed = extraction.checks.iter().filter(|c| !c.ok).count();
        let _ = writeln!(
            out,
            "\nchecks: {} run, {failed} failed",
            extraction.checks.len()
        );
        // Findings first: they are what a reader acts on.
        let mut checks: Vec<&Check> = extraction.checks.iter().collect();
        checks.sort_by_key(|c| c.ok);
        for c in checks {
            let verdict = match (c.ok, c.severity) {
                (true, _) => "ok     ",
                (false, Severity::Error) => "ERROR  ",
                (false, Severity::Warning) => "WARNING",
            };
            let _ = writeln!(
                out,
                "  [{verdict}] {} facts {:?}: stated {} computed {} — {}",
                c.kind.as_str(),
                c.facts,
                c.stated,
                c.computed,
                c.message
            );
        }
    }
    out
}

/// Rows under a header, each column as wide as its widest cell.
fn aligned(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| pad(c, *w))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", line(header));
    for r in rows {
        let _ = writeln!(out, "{}", line(r));
    }
    out
}

/// A self-evaluation form as its rows, each numeric cell as written with its fact id, and a
/// mark on the cells a failed check involves.
fn form_table(extraction: &Extraction, form: &Form) -> String {
    let flagged: Vec<usize> = extraction
        .checks
        .iter()
        .filter(|c| !c.ok)
        .flat_map(|c| c.facts.iter().copied())
        .collect();
    let cell = |id: Option<usize>| -> String {
        let Some(f) = id.and_then(|i| extraction.facts.get(i)) else {
            return String::new();
        };
        let mark = if flagged.contains(&f.id) { " ✗" } else { "" };
        format!("{} #{}{mark}", clip(&f.text.replace('\n', ""), 14), f.id)
    };
    let target = |t: &Option<crate::extract::form::Target>| -> String {
        match t {
            Some(t) if t.fact.is_some() => cell(t.fact),
            Some(t) => clip(&t.text, 14),
            None => String::new(),
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nform (table {}): {}  unit {}",
        form.table,
        form.project.as_deref().unwrap_or("-"),
        form.unit
    );
    if !form.funds.is_empty() {
        let header = [
            "资金",
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "执行率",
            "分值",
            "得分",
        ];
        let rows: Vec<Vec<String>> = form
            .funds
            .iter()
            .map(|r| {
                vec![
                    clip(r.name.as_deref().unwrap_or("-"), 16),
                    cell(r.initial),
                    cell(r.budget),
                    cell(r.spent),
                    cell(r.rate),
                    cell(r.weight),
                    cell(r.score),
                ]
            })
            .collect();
        out.push_str(&aligned(&header.map(String::from), &rows));
    }
    if !form.indicators.is_empty() {
        out.push('\n');
        let header = [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
        ];
        let rows: Vec<Vec<String>> = form
            .indicators
            .iter()
            .map(|r| {
                let level = |i: usize| clip(r.levels[i].as_deref().unwrap_or(""), 10);
                vec![
                    level(0),
                    level(1),
                    clip(&r.name, 16),
                    target(&r.target),
                    target(&r.actual),
                    cell(r.weight),
                    cell(r.score),
                ]
            })
            .collect();
        out.push_str(&aligned(&header.map(String::from), &rows));
    }
    let _ = writeln!(
        out,
        "总分: 分值 {}  得分 {}  自评等级 {}",
        cell(form.total.weight),
        cell(form.total.score),
        cell(form.grade)
    );
    out
}

/// Review by extraction rule as an aligned table (`jixiao stats --by rule`): one row a rule,
/// its counts, precision with the 95 % Wilson interval, the fields corrected, the reject
/// reasons and the document where it failed most.
pub fn rule_stats_table(rules: &[crate::precision::RuleStats]) -> String {
    let header: Vec<String> = [
        "规则",
        "合计",
        "待审",
        "确认",
        "更正",
        "驳回",
        "准确率",
        "95%区间",
        "更正字段",
        "驳回原因",
        "问题最多的材料",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let tally = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, n)| format!("{k}:{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rows: Vec<Vec<String>> = rules
        .iter()
        .map(|r| {
            vec![
                r.rule.clone().unwrap_or_else(|| "未记录".into()),
                r.total.to_string(),
                r.pending.to_string(),
                r.confirmed.to_string(),
                r.corrected.to_string(),
                r.rejected.to_string(),
                r.precision.map_or("-".into(), |p| format!("{p:.3}")),
                r.interval
                    .map_or("-".into(), |[lo, hi]| format!("[{lo:.3}, {hi:.3}]")),
                tally(&r.corrected_fields),
                tally(&r.rejected_reasons),
                r.worst_documents.first().map_or(String::new(), |d| {
                    format!(
                        "#{} {} ({})",
                        d.document_id,
                        clip(d.file_name.as_deref().unwrap_or(""), 24),
                        d.corrected + d.rejected
                    )
                }),
            ]
        })
        .collect();
    aligned(&header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_table_aligns_and_marks_the_unrecorded_rule() {
        let stats = crate::precision::per_rule(
            vec![
                (
                    Some("amount.inline".into()),
                    crate::precision::StatusCounts {
                        pending: 2,
                        confirmed: 8,
                        corrected: 1,
                        rejected: 1,
                    },
                ),
                (None, crate::precision::StatusCounts::default()),
            ],
            &[],
        );
        let table = rule_stats_table(&stats);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        let cells: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "amount.inline",
                "12",
                "2",
                "8",
                "1",
                "1",
                "0.800",
                "[0.490,",
                "0.943]"
            ],
            "{table}"
        );
        assert!(lines[2].starts_with("未记录 "), "{table}");
        // Columns line up: the 合计 column starts at the same display column on every line.
        let at = |l: &str, col: &str| width(&l[..l.find(col).unwrap()]);
        assert_eq!(at(lines[0], "合计"), at(lines[1], "12"));
    }

    #[test]
    fn widths() {
        assert_eq!(width("ab"), 2);
        assert_eq!(width("预算"), 4);
        assert_eq!(clip("预算绩效管理", 7), "预算绩…");
    }
}
