//! The row readers of text, one per layout: a pipe row (`| a | b |`, which may run over several
//! lines until one ends with a bar), a tab row (a quoted cell may hold line breaks, as a
//! spreadsheet copies it) and a row aligned with spaces (each cell with the display column it
//! starts at), and the joining of an aligned row's wrapped words under their own columns.

use super::{Line, Row, TCell, is_bracketed, is_value_like};

/// Cells of a `| a | b ||` row; a row may run over several lines until one ends with a bar.
pub(super) fn pipe_row(lines: &[Line], i: usize) -> (Vec<TCell>, usize) {
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

pub(super) fn starts_quoted(lines: &[Line], i: usize) -> bool {
    // A quoted multi-line cell at the start of a tab row: its closing quote is followed by a tab.
    lines[i..].iter().take(8).any(|l| l.text.contains("\"\t"))
}

/// Cells of a tab-separated row; a cell in double quotes may hold line breaks, as a
/// spreadsheet copies it.
pub(super) fn tab_row(lines: &[Line], i: usize) -> (Vec<TCell>, usize) {
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
pub(super) fn space_row(line: &Line) -> Vec<TCell> {
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
pub(super) fn continues_row(prev: &Row, cells: &[TCell]) -> bool {
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

pub(super) fn merge_continuation(prev: &mut Row, cells: Vec<TCell>) {
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
