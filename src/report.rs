//! Rendering an extraction for its readers: the JSON of `shared/FACTS.md` (one object per
//! document, JSON Lines for several) and an aligned table for people at a terminal.

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
    let rows: Vec<[String; 8]> = extraction
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
            [
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
    let mut widths = header.map(width);
    for r in &rows {
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
    let _ = writeln!(out, "{}", line(&header.map(String::from)));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    if !extraction.checks.is_empty() {
        let _ = writeln!(out, "\nchecks:");
        for c in &extraction.checks {
            let _ = writeln!(
                out,
                "  [{}] {:?} facts {:?}: {}",
                if c.ok { "ok" } else { "FAILED" },
                c.kind,
                c.facts,
                c.message
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(width("ab"), 2);
        assert_eq!(width("预算"), 4);
        assert_eq!(clip("预算绩效管理", 7), "预算绩…");
    }
}
