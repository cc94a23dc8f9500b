//! Rows of cells from every way a form reaches us. Ingested tables (DOCX, spreadsheets, ruled
//! PDF tables) are grids already. Text is read line by line: a line with tabs, with `|` or
//! `｜` between cells, or with runs of spaces between aligned columns is one row (a pipe row
//! or a quoted tab cell may run over several lines, and an aligned row may continue on the
//! next line under its own columns); runs of lines that hold one cell each (a table pasted
//! one cell a line) are cut into rows by what the form's header says a row holds.

use super::columns::{
    Label, Role, is_funds_header, is_indicator_header, label_of, role_of, squash,
};
use super::value;
use crate::ingest::Table;

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

fn flush_stream(stream: &mut Vec<TCell>, rows: &mut Vec<Row>) {
    if !stream.is_empty() {
        let mut cells = std::mem::take(stream);
        // Columns are a matter of aligned rows; a one-cell line has none.
        for c in &mut cells {
            c.col = None;
        }
        // A page number printed inside a table pasted from a PDF is no cell of it.
        cells.retain(|c| !is_page_number(&c.key()));
        rows.extend(cut_stream(join_fragments(cells)));
    }
}

/// Cells of a `| a | b ||` row; a row may run over several lines until one ends with a bar.
fn pipe_row(lines: &[Line], i: usize) -> (Vec<TCell>, usize) {
    let mut used = 0;
    let mut chars: Vec<(usize, char)> = Vec::new();
    while i + used < lines.len() {
        let l = &lines[i + used];
        if used > 0 {
            let t = l.text.trim_start();
            if t.starts_with('|') || t.starts_with('｜') {
                break;
            }
            chars.push((l.start - 1, '\n'));
        }
        chars.extend(l.text.chars().enumerate().map(|(k, c)| (l.start + k, c)));
        used += 1;
        if l.text.trim_end().ends_with(['|', '｜']) {
            break;
        }
    }
    let bars: Vec<usize> = chars
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| matches!(c, '|' | '｜'))
        .map(|(k, _)| k)
        .collect();
    let mut cells = Vec::new();
    for w in bars.windows(2) {
        cells.push(cell_of(&chars[w[0] + 1..w[1]], None));
    }
    // A row whose last cell has no closing bar.
    if let Some(&last) = bars.last()
        && chars[last + 1..].iter().any(|(_, c)| !c.is_whitespace())
    {
        cells.push(cell_of(&chars[last + 1..], None));
    }
    (cells, used)
}

fn starts_quoted(lines: &[Line], i: usize) -> bool {
    // A quoted multi-line cell at the start of a tab row: its closing quote is followed by a tab.
    lines[i..].iter().take(8).any(|l| l.text.contains("\"\t"))
}

/// Cells of a tab-separated row; a cell in double quotes may hold line breaks, as a
/// spreadsheet copies it.
fn tab_row(lines: &[Line], i: usize) -> (Vec<TCell>, usize) {
    let mut cells = Vec::new();
    let mut used = 1;
    let mut cur: Vec<(usize, char)> = Vec::new();
    let mut quoted = false;
    let mut at_cell_start = true;
    let mut li = i;
    let mut chars: Vec<(usize, char)> = lines[li]
        .text
        .chars()
        .enumerate()
        .map(|(k, c)| (lines[li].start + k, c))
        .collect();
    let mut k = 0;
    loop {
        if k >= chars.len() {
            if quoted && li + 1 < lines.len() && used < 16 {
                cur.push((lines[li + 1].start - 1, '\n'));
                li += 1;
                used += 1;
                chars = lines[li]
                    .text
                    .chars()
                    .enumerate()
                    .map(|(k, c)| (lines[li].start + k, c))
                    .collect();
                k = 0;
                continue;
            }
            cells.push(cell_of(&cur, None));
            break;
        }
        let (pos, c) = chars[k];
        if at_cell_start && c == '"' {
            quoted = true;
            at_cell_start = false;
            k += 1;
            continue;
        }
        at_cell_start = false;
        if quoted && c == '"' {
            if chars.get(k + 1).map(|x| x.1) == Some('"') {
                cur.push((pos, '"'));
                k += 2;
            } else {
                quoted = false;
                k += 1;
            }
            continue;
        }
        if !quoted && c == '\t' {
            cells.push(cell_of(&std::mem::take(&mut cur), None));
            at_cell_start = true;
            k += 1;
            continue;
        }
        cur.push((pos, c));
        k += 1;
    }
    (cells, used)
}

/// A cell from its characters: trimmed, spanning from its first to its last visible one.
fn cell_of(chars: &[(usize, char)], col: Option<usize>) -> TCell {
    let first = chars.iter().position(|(_, c)| !c.is_whitespace());
    let last = chars.iter().rposition(|(_, c)| !c.is_whitespace());
    match (first, last) {
        (Some(a), Some(b)) => TCell {
            text: chars[a..=b].iter().map(|(_, c)| c).collect(),
            start: chars[a].0,
            end: chars[b].0 + 1,
            col,
            breaks: Vec::new(),
        },
        _ => {
            let at = chars.first().map_or(0, |x| x.0);
            TCell {
                text: String::new(),
                start: at,
                end: at,
                col,
                breaks: Vec::new(),
            }
        }
    }
}

fn display_width(c: char) -> usize {
    if (c as u32) >= 0x1100 && !matches!(c as u32, 0x2000..=0x206F | 0xFF61..=0xFF9F) {
        2
    } else {
        1
    }
}

/// Cells of a line aligned with spaces: text parted by runs of two or more spaces (or a full
/// width space), each cell with the display column it starts at.
fn space_row(line: &Line) -> Vec<TCell> {
    let chars: Vec<char> = line.text.chars().collect();
    let mut cells = Vec::new();
    let mut width = 0;
    let mut cur: Vec<(usize, char)> = Vec::new();
    let mut cur_col = 0;
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        let run = if c == ' ' || c == '\u{3000}' {
            chars[k..].iter().take_while(|&&d| d == c).count()
        } else {
            0
        };
        if run >= 2 || (c == '\u{3000}' && run >= 1) || (c == ' ' && cur.is_empty()) {
            if !cur.is_empty() {
                cells.push(cell_of(&std::mem::take(&mut cur), Some(cur_col)));
            }
            let n = run.max(1);
            width += chars[k..k + n]
                .iter()
                .map(|&d| display_width(d))
                .sum::<usize>();
            k += n;
            continue;
        }
        if cur.is_empty() {
            cur_col = width;
        }
        cur.push((line.start + k, c));
        width += display_width(c);
        k += 1;
    }
    if !cur.is_empty() {
        cells.push(cell_of(&cur, Some(cur_col)));
    }
    cells
}

/// Whether an aligned line continues the row above: it holds only bracketed notes ("(70分)")
/// or, under a header, the wrapped rest of its words, each under a cell of that row.
fn continues_row(prev: &Row, cells: &[TCell]) -> bool {
    let mut cols: Vec<usize> = prev.cells.iter().filter_map(|c| c.col).collect();
    if cols.is_empty() || cells.len() > prev.cells.len() {
        return false;
    }
    // Sorted, so a line of many cells under a row of many is not a product of both.
    cols.sort_unstable();
    let under = cells
        .iter()
        .all(|c| c.col.is_some_and(|x| cols.binary_search(&x).is_ok()));
    let header_above = prev.cells.iter().all(|c| !is_value_like(&c.text));
    let fragments = cells
        .iter()
        .all(|c| is_bracketed(&c.key()) || (header_above && !is_value_like(&c.text)));
    under && fragments
}

fn merge_continuation(prev: &mut Row, cells: Vec<TCell>) {
    // The first cell of the row at each column, looked up once per merged cell.
    let mut at_column = std::collections::HashMap::new();
    for (k, p) in prev.cells.iter().enumerate() {
        at_column.entry(p.col).or_insert(k);
    }
    for c in cells {
        if let Some(p) = at_column.get(&c.col).map(|&k| &mut prev.cells[k]) {
            p.text.push('\n');
            p.breaks.push((p.text.chars().count(), c.start));
            p.text.push_str(&c.text);
        }
    }
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

/// "— 2 —", "-2-", "第2页", "第 2 页 共 5 页": a page number, never a bare number (that may be a
/// cell's value).
fn is_page_number(key: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let dashes = ['-', '—', '－', '–'];
    if let Some(inner) = key
        .strip_prefix(dashes)
        .and_then(|k| k.strip_suffix(dashes))
    {
        return digits(inner.trim_matches(dashes));
    }
    if let Some(rest) = key.strip_prefix('第') {
        let (page, tail) = rest.split_once('页').unwrap_or(("", ""));
        return digits(page)
            && (tail.is_empty()
                || tail
                    .strip_prefix('共')
                    .and_then(|t| t.strip_suffix('页'))
                    .is_some_and(digits));
    }
    false
}

/// "/", "—", "-", "无": a cell left empty on purpose.
pub fn is_placeholder(key: &str) -> bool {
    matches!(
        key,
        "/" | "／" | "—" | "——" | "-" | "－" | "无" | "…" | "……" | "\\"
    )
}

/// Joins the lines of one cell that a one-cell-a-line paste broke apart: a bracketed note
/// ("（万元）", "(70分)") and a header word split over two lines ("年初⏎预算数").
fn join_fragments(cells: Vec<TCell>) -> Vec<TCell> {
    let mut out: Vec<TCell> = Vec::with_capacity(cells.len());
    let next_is_value: Vec<bool> = (0..cells.len())
        .map(|k| cells.get(k + 1).is_some_and(|n| is_value_like(&n.text)))
        .collect();
    for (k, c) in cells.into_iter().enumerate() {
        if let Some(prev) = out.last_mut()
            && !prev.is_empty()
            && !c.is_empty()
        {
            let (pk, ck) = (prev.key(), c.key());
            let joined = format!("{pk}{ck}");
            let known = |s: &str| role_of(s).is_some() || label_of(s).is_some();
            let unknown_prev = !known(&pk) && !is_value_like(&pk);
            let label_tail = label_of(&pk).is_some()
                && (!known(&ck) || (pk.ends_with("目标") && ck == "完成情况"))
                && ck.chars().count() <= 6
                && label_of(&joined) == label_of(&pk);
            let header_tail = role_of(&pk).is_some()
                && (ck.starts_with('及') || ck.starts_with('和'))
                && role_of(&joined) == role_of(&pk);
            if (is_bracketed(&ck) && !is_value_like(&pk))
                || (unknown_prev
                    && known(&joined)
                    // A header word is followed by more header words, a row's name by values.
                    && !next_is_value[k]
                    && (2..=8).contains(&pk.chars().count())
                    && joined.chars().count() <= 14
                    && !ck.contains(['：', '。', '，', '；', ':']))
                || label_tail
                || header_tail
            {
                prev.text.push('\n');
                prev.text.push_str(&c.text);
                prev.end = c.end;
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Most cells a header row is read over: real forms have a dozen columns at most. Without a
/// bound, a long run of header words (one a line) was read again from each of its cells.
const MAX_HEADER_CELLS: usize = 32;

/// A run of header cells starting at `i`: their roles.
fn header_run(cells: &[TCell], i: usize) -> Vec<Role> {
    cells[i..]
        .iter()
        .take(MAX_HEADER_CELLS)
        .map_while(|c| role_of(&c.text))
        .collect()
}

/// The header starting at `i`, with a header of two rows folded into one: "资金来源 | 预算执行情况
/// | 分值 | 执行率 | 得分 | 备注" over "年初预算数 | 全年预算数 | 全年执行数" reads as 资金来源,
/// 年初预算数, 全年预算数, 全年执行数, 分值 …. The upper row ends with its 原因/备注 column (or
/// where a word repeats a column it already has); its group words (预算执行情况, 绩效指标,
/// 指标值, 评分) give way to the lower row's columns. Returns the header's cells with their
/// roles and how many cells it took.
fn header_at(cells: &[TCell], i: usize) -> (Vec<(TCell, Role)>, usize) {
    let is_group = |k: usize| {
        let c = &cells[k];
        if c.text.len() > 60 {
            return false;
        }
        let key = c.key();
        role_of(&key).is_none()
            && !key.is_empty()
            && key.chars().count() <= 10
            && !is_value_like(&key)
            && matches!(
                label_of(&key),
                Some(Label::Funds | Label::Indicators) | None
            )
            && cells.get(k + 1).is_some_and(|n| role_of(&n.text).is_some())
    };
    // The upper row: roles and group words, up to and with its reason column.
    let mut top: Vec<(usize, Option<Role>)> = Vec::new();
    let mut k = i;
    while k < cells.len() && top.len() < MAX_HEADER_CELLS {
        match role_of(&cells[k].text) {
            Some(r) => {
                top.push((k, Some(r)));
                k += 1;
                if r == Role::Reason {
                    break;
                }
            }
            None if is_group(k) => {
                top.push((k, None));
                k += 1;
            }
            None => break,
        }
    }
    let plain = |n: usize| -> (Vec<(TCell, Role)>, usize) {
        let run: Vec<(TCell, Role)> = cells[i..]
            .iter()
            .take(MAX_HEADER_CELLS)
            .map_while(|c| role_of(&c.text).map(|r| (c.clone(), r)))
            .collect();
        let len = run.len().min(n);
        (run.into_iter().take(len).collect(), len)
    };
    let groups = top.iter().filter(|(_, r)| r.is_none()).count();
    let sub: Vec<(usize, Role)> = cells[k.min(cells.len())..]
        .iter()
        .take(MAX_HEADER_CELLS)
        .enumerate()
        .map_while(|(j, c)| role_of(&c.text).map(|r| (k + j, r)))
        .collect();
    if groups == 0
        || sub.len() < 2
        || top.first().is_some_and(|(_, r)| r.is_none()) && groups > 1 && sub.len() < 3
    {
        return plain(usize::MAX);
    }
    // Fold: each group word, and each upper word the lower row repeats, gives way to the
    // lower row (once, at the first such place).
    let sub_roles: Vec<Role> = sub.iter().map(|(_, r)| *r).collect();
    let mut out: Vec<(TCell, Role)> = Vec::new();
    let mut placed = false;
    for (idx, role) in &top {
        let covered = match role {
            None => true,
            Some(Role::Target) => {
                sub_roles.contains(&Role::Target) || sub_roles.contains(&Role::Actual)
            }
            Some(Role::Score) => sub_roles.contains(&Role::Score),
            Some(r) => sub_roles.contains(r),
        };
        if covered {
            if !placed {
                out.extend(sub.iter().map(|(j, r)| (cells[*j].clone(), *r)));
                placed = true;
            }
        } else if let Some(r) = role {
            out.push((cells[*idx].clone(), *r));
        }
    }
    let used = k - i + sub.len();
    (out, used)
}

/// Cuts one-cell-a-line text into rows. Outside a form every cell is a row of its own; a
/// run of header cells starts a block whose rows hold as many cells as the header names
/// (a funds row adds its name in front; an indicator row may leave out the 一级/二级 names
/// it shares with the row above, as merged cells do).
fn cut_stream(cells: Vec<TCell>) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        let (header, used) = header_at(&cells, i);
        let roles: Vec<Role> = header.iter().map(|(_, r)| *r).collect();
        let header_row = || Row {
            cells: header.iter().map(|(c, _)| c.clone()).collect(),
            roles: Some(roles.iter().copied().map(Some).collect()),
        };
        if roles.len() >= 3 && is_funds_header(&roles) {
            rows.push(header_row());
            i = cut_funds_rows(&cells, i + used, &roles, &mut rows);
            continue;
        }
        if roles.len() >= 3 && is_indicator_header(&roles) {
            rows.push(header_row());
            i = cut_indicator_rows(&cells, i + used, &roles, &mut rows);
            continue;
        }
        match label_of(&cells[i].text) {
            Some(Label::Total) => {
                // The total's numbers follow it, up to the next word.
                let mut n = 1;
                while i + n < cells.len()
                    && n < 6
                    && (cells[i + n].is_empty() || is_value_like(&cells[i + n].text))
                {
                    n += 1;
                }
                rows.push(Row {
                    cells: cells[i..i + n].to_vec(),
                    roles: None,
                });
                i += n;
            }
            Some(
                Label::Project
                | Label::Department
                | Label::Authority
                | Label::Implementer
                | Label::Other
                | Label::Grade,
            ) if i + 1 < cells.len() && label_of(&cells[i + 1].text).is_none() => {
                rows.push(Row {
                    cells: cells[i..i + 2].to_vec(),
                    roles: None,
                });
                i += 2;
            }
            _ => {
                rows.push(Row {
                    cells: vec![cells[i].clone()],
                    roles: None,
                });
                i += 1;
            }
        }
    }
    rows
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

fn cut_funds_rows(cells: &[TCell], mut i: usize, header: &[Role], rows: &mut Vec<Row>) -> usize {
    let has_source = header.first() == Some(&Role::Source);
    let values: Vec<Role> = header
        .iter()
        .copied()
        .filter(|r| *r != Role::Source)
        .collect();
    while i < cells.len() {
        let first = &cells[i];
        let named = !first.is_empty() && !is_value_like(&first.text);
        if named && (label_of(&first.text).is_some() || header_run(cells, i).len() >= 3) {
            break;
        }
        if !named && (has_source || first.is_empty()) {
            break;
        }
        let start = if named { i + 1 } else { i };
        let end = start + values.len();
        if end > cells.len() {
            break;
        }
        let row = &cells[start..end];
        let fit = values.iter().zip(row).all(|(r, c)| fits(*r, c));
        let any_number = row.iter().any(|c| number_in(&c.key()).is_some());
        if !fit || !any_number {
            break;
        }
        let mut roles = Vec::new();
        if named {
            roles.push(Some(Role::Source));
        }
        roles.extend(values.iter().copied().map(Some));
        rows.push(Row {
            cells: cells[i..end].to_vec(),
            roles: Some(roles),
        });
        i = end;
    }
    i
}

fn cut_indicator_rows(
    cells: &[TCell],
    mut i: usize,
    header: &[Role],
    rows: &mut Vec<Row>,
) -> usize {
    // The 一级/二级 names a row may leave to the row above.
    let optional: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Role::Level1 | Role::Level2))
        .map(|(k, _)| k)
        .collect();
    while i < cells.len() {
        let first = &cells[i];
        if first.is_empty() || label_of(&first.text).is_some() || header_run(cells, i).len() >= 3 {
            break;
        }
        // Of the cuts that fit, the one that fills the weight and score columns with numbers
        // and leaves digits out of the names; then the one that keeps more names.
        let mut chosen: Option<(Vec<Role>, i32)> = None;
        for k in (0..=optional.len()).rev() {
            // Keep the last k optional names: a row that shares its 一级 name still has its 二级.
            let dropped: Vec<usize> = optional[..optional.len() - k].to_vec();
            let roles: Vec<Role> = header
                .iter()
                .enumerate()
                .filter(|(j, _)| !dropped.contains(j))
                .map(|(_, r)| *r)
                .collect();
            let end = i + roles.len();
            if end > cells.len() {
                continue;
            }
            if !roles.iter().zip(&cells[i..end]).all(|(r, c)| fits(*r, c)) {
                continue;
            }
            let row = &cells[i..end];
            let mut score = 0;
            for (r, c) in roles.iter().zip(row) {
                let numeric = value::read_number(&c.text).is_some();
                match r {
                    Role::Weight | Role::Score | Role::Coefficient if numeric => score += 2,
                    Role::Level1 | Role::Level2 | Role::Level3
                        if c.text.chars().any(|d| d.is_ascii_digit()) =>
                    {
                        score -= 3
                    }
                    _ => {}
                }
            }
            // The next row must start with a name, or the block ends there.
            let next_ok = cells.get(end).is_none_or(|c| {
                c.is_empty() || !is_value_like(&c.text) || header.first() == Some(&Role::RowNumber)
            });
            if next_ok {
                score += 1;
            }
            if chosen.as_ref().is_none_or(|(_, best)| score > *best) {
                chosen = Some((roles, score));
            }
        }
        let Some((roles, _)) = chosen else { break };
        let end = i + roles.len();
        rows.push(Row {
            cells: cells[i..end].to_vec(),
            roles: Some(roles.into_iter().map(Some).collect()),
        });
        i = end;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Row]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.cells.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    #[test]
    fn page_numbers() {
        for p in ["—2—", "-12-", "第3页", "第3页共5页", "－ 4 －"] {
            assert!(is_page_number(&squash(p)), "{p}");
        }
        for p in ["2", "—", "第三次", "12处", "-"] {
            assert!(!is_page_number(p), "{p}");
        }
    }

    #[test]
    fn pipe_rows_run_over_lines() {
        let text =
            "| 项目资金\n（万元） ||| 年初\n预算数 | 全年预算数 |\n|| 总额 || 1.00 | 2.00 |\n";
        let rows = &from_text(text)[0].rows;
        let t = texts(rows);
        assert_eq!(t[0][0], "项目资金\n（万元）");
        assert_eq!(t[0][3], "年初\n预算数");
        assert_eq!(t[1], vec!["", "总额", "", "1.00", "2.00"]);
        let c = &rows[1].cells[3];
        assert_eq!(
            text.chars()
                .skip(c.start)
                .take(c.end - c.start)
                .collect::<String>(),
            "1.00"
        );
    }

    #[test]
    fn quoted_tab_cells() {
        let text = "\"项目资金\n（万元）\"\t\t年初预算数\t全年预算数\n\t总额\t1.00\t2.00\n";
        let t = texts(&from_text(text)[0].rows);
        assert_eq!(
            t[0],
            vec!["项目资金\n（万元）", "", "年初预算数", "全年预算数"]
        );
        assert_eq!(t[1], vec!["", "总额", "1.00", "2.00"]);
    }

    #[test]
    fn aligned_rows_continue_under_their_columns() {
        let text = "项目资金  年初    全年\n（万元）  预算数  预算数\n          1.00    2.00\n";
        let t = texts(&from_text(text)[0].rows);
        assert_eq!(
            t[0],
            vec!["项目资金\n（万元）", "年初\n预算数", "全年\n预算数"]
        );
        assert_eq!(t[1], vec!["1.00", "2.00"]);
    }

    #[test]
    fn one_cell_a_line_is_cut_by_its_header() {
        let text = "项目资金\n（万元）\n\n年初\n预算数\n全年预算数\n全年执行数\n得分\n年度资金总额\n1.00\n2.00\n3.00\n9\n\
                    绩效指标\n一级指标\n二级指标\n三级指标\n年度指标值\n实际完成值\n分值\n得分\n偏差原因\n\
                    产出指标\n数量指标\n甲\n≥1个\n1个\n10\n10\n\n乙\n≥2个\n3个\n5\n5\n\n质量指标\n丙\n=100%\n90%\n5\n4\n未完成\n总分\n100\n98\n";
        let t = texts(&from_text(text)[0].rows);
        assert!(t.contains(&vec![
            "年初\n预算数".into(),
            "全年预算数".into(),
            "全年执行数".into(),
            "得分".into()
        ]));
        assert!(t.contains(&vec![
            "年度资金总额".into(),
            "1.00".into(),
            "2.00".into(),
            "3.00".into(),
            "9".into()
        ]));
        assert!(t.contains(&vec![
            "乙".into(),
            "≥2个".into(),
            "3个".into(),
            "5".into(),
            "5".into(),
            "".into()
        ]));
        assert!(t.contains(&vec![
            "质量指标".into(),
            "丙".into(),
            "=100%".into(),
            "90%".into(),
            "5".into(),
            "4".into(),
            "未完成".into()
        ]));
        assert!(
            t.iter()
                .any(|r| r.starts_with(&["总分".into(), "100".into(), "98".into()]))
        );
    }
}
