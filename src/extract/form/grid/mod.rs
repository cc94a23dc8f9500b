//! Rows of cells from every way a form reaches us. Ingested tables (DOCX, spreadsheets, ruled
//! PDF tables) are grids already. Text is read line by line: a line with tabs, with `|` or
//! `｜` between cells, or with runs of spaces between aligned columns is one row (a pipe row
//! or a quoted tab cell may run over several lines, and an aligned row may continue on the
//! next line under its own columns); runs of lines that hold one cell each (a table pasted
//! one cell a line) are cut into rows by what the form's header says a row holds.

mod lines;
mod stream;
#[cfg(test)]
mod tests;

use super::columns::{Role, squash};
use crate::ingest::Table;
use lines::{continues_row, merge_continuation, pipe_row, space_row, starts_quoted, tab_row};
use stream::flush_stream;

/// One cell: its text (trimmed) and its span in the document text (code points).
#[derive(Clone, Debug, PartialEq)]
pub struct TCell {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// Display column where the cell starts, for tables aligned with spaces.
    pub col: Option<usize>,
    /// Where the lines of an aligned cell continued on later lines start: (code point in
    /// `text`, offset in the document).
    pub breaks: Vec<(usize, usize)>,
}

impl TCell {
    pub fn key(&self) -> String {
        squash(&self.text)
    }

    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// The document offset of code point `k` of the cell's text.
    pub fn pos(&self, k: usize) -> usize {
        match self.breaks.iter().rev().find(|(at, _)| *at <= k) {
            Some((at, orig)) => orig + (k - at),
            None => self.start + k,
        }
    }
}

/// A row, and the role of each cell where the reader that cut it already knows them.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub cells: Vec<TCell>,
    pub roles: Option<Vec<Option<Role>>>,
}

/// The rows of one source, and whether cell `i` of every row is column `i` (a full grid).
#[derive(Clone, Debug, Default)]
pub struct Rows {
    pub rows: Vec<Row>,
    pub full_grid: bool,
    /// The ingested table these rows came from.
    pub table: Option<usize>,
}

/// Rows of an ingested table (a full grid: merged positions are empty cells).
pub fn from_table(table: &Table, index: usize) -> Rows {
    let rows = table
        .rows
        .iter()
        .map(|r| Row {
            cells: r
                .iter()
                .map(|c| TCell {
                    text: c.text.trim().to_string(),
                    start: c.start,
                    end: c.end,
                    col: None,
                    breaks: Vec::new(),
                })
                .collect(),
            roles: None,
        })
        .collect();
    Rows {
        rows,
        full_grid: true,
        table: Some(index),
    }
}

struct Line<'a> {
    start: usize,
    text: &'a str,
}

fn lines_of(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for l in text.split('\n') {
        out.push(Line {
            start: offset,
            text: l.trim_end_matches('\r'),
        });
        offset += l.chars().count() + 1;
    }
    out
}

/// Rows of a text: row lines as they are, runs of one-cell lines cut by the form's header.
pub fn from_text(text: &str) -> Vec<Rows> {
    let lines = lines_of(text);
    let mut out: Vec<Rows> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut stream: Vec<TCell> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let t = line.text.trim_start();
        let (cells, used) = if t.starts_with('|') || t.starts_with('｜') {
            pipe_row(&lines, i)
        } else if line.text.contains('\t') || (t.starts_with('"') && starts_quoted(&lines, i)) {
            tab_row(&lines, i)
        } else {
            (space_row(line), 1)
        };
        i += used;
        // A line of one cell continues the aligned row above only as a bracketed note, an
        // indented line, or the short rest of a header word ("年度总体⏎目标").
        let lone_continues = cells.len() == 1 && cells[0].col.is_some() && {
            let key = cells[0].key();
            is_bracketed(&key)
                || cells[0].col.is_some_and(|c| c > 0)
                || (key.chars().count() <= 4
                    && rows.last().is_some_and(|p| {
                        p.cells.len() >= 3 && p.cells.iter().all(|c| !is_value_like(&c.text))
                    }))
        };
        if lone_continues
            && stream.is_empty()
            && let Some(prev) = rows.last_mut()
            && continues_row(prev, &cells)
        {
            merge_continuation(prev, cells);
            continue;
        }
        if cells.len() >= 2 {
            flush_stream(&mut stream, &mut rows);
            let continues = rows.last().is_some_and(|prev| {
                cells.iter().all(|c| c.col.is_some()) && continues_row(prev, &cells)
            });
            if continues {
                let prev = rows.last_mut().expect("checked above");
                merge_continuation(prev, cells);
            } else {
                rows.push(Row { cells, roles: None });
            }
        } else if let Some(c) = cells.into_iter().next() {
            stream.push(c);
        } else {
            // A blank line is an empty cell of a one-cell-a-line table.
            stream.push(TCell {
                text: String::new(),
                start: line.start,
                end: line.start,
                col: None,
                breaks: Vec::new(),
            });
        }
    }
    flush_stream(&mut stream, &mut rows);
    out.push(Rows {
        rows,
        full_grid: false,
        table: None,
    });
    out
}

fn is_bracketed(key: &str) -> bool {
    (key.starts_with('(') || key.starts_with('（')) && (key.ends_with(')') || key.ends_with('）'))
}

/// A cell that holds a value rather than a name: a number, a percent, a comparison, a
/// placeholder.
pub fn is_value_like(text: &str) -> bool {
    let t = squash(text);
    if t.is_empty() {
        return false;
    }
    if is_placeholder(&t) {
        return true;
    }
    let first = t.chars().next().unwrap_or(' ');
    first.is_ascii_digit()
        || "≥≧＞>≤≦＜<=＝﹦０１２３４５６７８９".contains(first)
        || t.ends_with('%')
}

/// "/", "—", "-", "无": a cell left empty on purpose.
pub fn is_placeholder(key: &str) -> bool {
    matches!(
        key,
        "/" | "／" | "—" | "——" | "-" | "－" | "无" | "…" | "……" | "\\"
    )
}

/// Whether a cell fits a column of that role (loosely: enough to tell rows apart).
pub fn fits(role: Role, cell: &TCell) -> bool {
    let key = cell.key();
    let empty = key.is_empty() || is_placeholder(&key);
    match role {
        Role::Rate => {
            let bare = key.trim_end_matches(['%', '％']);
            empty || number_in(bare).is_some_and(|(a, b)| a == 0 && b == bare.len())
        }
        Role::Initial | Role::Budget | Role::Spent | Role::Weight | Role::Score => {
            let bare = key.trim_end_matches('分');
            empty || number_in(bare).is_some_and(|(a, b)| a == 0 && b == bare.len())
        }
        Role::Coefficient => empty || key.trim_end_matches('%').parse::<f64>().is_ok(),
        Role::RowNumber => key.parse::<u32>().is_ok(),
        Role::Nature => {
            empty
                || matches!(
                    key.as_str(),
                    "≥" | "≤"
                        | "="
                        | "＝"
                        | "﹦"
                        | "＞"
                        | "＜"
                        | ">"
                        | "<"
                        | "≧"
                        | "≦"
                        | "定性"
                        | "定量"
                )
        }
        Role::Unit => {
            empty
                || matches!(key.as_str(), "%" | "％")
                || (key.chars().count() <= 4 && !is_value_like(&key))
        }
        // "……" stands for rows a template left unfilled.
        Role::Level3 if matches!(key.as_str(), "……" | "…") => true,
        Role::Level1 | Role::Level2 | Role::Level3 | Role::Source => {
            !key.is_empty() && !is_value_like(&key)
        }
        Role::Target
        | Role::AdjustedTarget
        | Role::Actual
        | Role::Reason
        | Role::Core
        | Role::Standard => true,
    }
}

/// The byte range of the first decimal number in `s`.
pub fn number_in(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let start = b.iter().position(|c| c.is_ascii_digit())?;
    let mut end = start;
    while end < b.len() && (b[end].is_ascii_digit() || b[end] == b'.' || b[end] == b',') {
        end += 1;
    }
    while end > start && !b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    Some((start, end))
}
