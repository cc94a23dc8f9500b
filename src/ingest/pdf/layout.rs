//! Text and blocks from glyph geometry. A PDF has no paragraphs, only glyphs at positions,
//! so everything here is inferred:
//!
//! - **Lines** (`lines`): glyphs sharing a baseline, left to right, without spaces next
//!   to CJK.
//! - **Page furniture**: lines in the top or bottom band that read "— N —", "第N页", "N/M" or
//!   a bare number are dropped; a bare number only when centred, since table row numbers
//!   also sit near the bottom of a page. So is a line repeated in those bands on most pages
//!   (a running header).
//! - **Paragraphs**: a line continues the previous one when the previous one was wrapped
//!   (the first character of this line, or its number or Latin word, would not have fitted
//!   before the right edge) and not set far right of the margin (a right-aligned signature
//!   or date), this one starts at the left margin, and no empty line lies between; a
//!   numbered heading (一、 （一） 1.) after a sentence end starts a new one.
//!   Wrapped lines are joined with nothing, so a number broken at a line end ("20⏎22",
//!   "3.⏎94") comes back whole, and paragraphs continue across page breaks the same way.
//!   Each printed line is a block of its own, so provenance names the line's page and box.
//! - **Empty lines**: where lines sit on a regular pitch, a vertical gap of n pitches is
//!   n − 1 empty lines, as in the document the PDF was printed from.
//! - **Indents**: a line set right of the margin is an indented line (a tab in the text the
//!   PDF was printed from), except a two-character first-line indent (how a Chinese
//!   paragraph starts), a centred line and a line set against the right edge.
//! - **Ruled tables** (`table`): a grid from the ruling lines, merged cells as regions
//!   without interior rules, written one cell a line; a table continued on the next page is
//!   one table.
//! - **Tables without rules**: a report printed from text where each cell is an indented line
//!   and rows are separated by an empty line (an empty cell prints as nothing) is read back
//!   by counting line slots from the header row that holds 序号.
//!
//! Tables without rules are written into the text in the flattened form TXT reports use
//! (each cell on its own line after a tab, an empty line after each row), so the prose
//! scanners read the same text whatever the source.

use super::glyphs::Page;
use super::lines::{Line, join_into, lines_of};
use super::table::{self, Grid, pdf_box};
use crate::ingest::{Block, Cell, Format, Ingested, Provenance, Table};
use std::collections::HashMap;

enum Item {
    Line(Line),
    Grid(Grid),
}

/// Layout constants of one page geometry (pages of the same size share them).
#[derive(Clone, Copy, Debug)]
struct Geometry {
    margin: f64,
    edge: f64,
    pitch: f64,
    top: f64,
    bottom: f64,
}

#[derive(Clone, Copy, Debug)]
struct Segment {
    page: usize,
    bbox: [f64; 4],
    from: usize,
    to: usize,
}

/// A logical paragraph: one line of the output text.
#[derive(Debug, Default)]
struct Para {
    text: String,
    /// Empty lines before it.
    blanks: usize,
    indented: bool,
    /// Each printed line of the paragraph: page index, box in page space, and the code-point
    /// range of `text` it holds.
    segments: Vec<Segment>,
    /// Set for a table: the paragraph stands for a table, not text.
    grid: Option<usize>,
}

pub fn build(pages: &[Page]) -> Ingested {
    let mut items: Vec<Vec<Item>> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| page_items(i, p))
        .collect();
    drop_running_lines(pages, &mut items);
    let geometry = geometries(pages, &items);
    let mut grids: Vec<Grid> = Vec::new();
    let paras = paragraphs(pages, &mut items, &geometry, &mut grids);
    emit(pages, paras, grids)
}

// ---------------------------------------------------------------------------------------
// Pages: grids, lines, furniture.

fn page_items(index: usize, page: &Page) -> Vec<Item> {
    let (grids, free) = table::page_tables(index, page);
    let mut items: Vec<Item> = lines_of(index, free)
        .into_iter()
        .filter(|l| !is_furniture(l, page))
        .map(Item::Line)
        .collect();
    items.extend(grids.into_iter().map(Item::Grid));
    items.sort_by(|a, b| item_y(a).total_cmp(&item_y(b)));
    items
}

fn item_y(item: &Item) -> f64 {
    match item {
        Item::Line(l) => l.y,
        Item::Grid(g) => g.top,
    }
}

/// Page numbers and similar furniture in the top or bottom band.
fn is_furniture(line: &Line, page: &Page) -> bool {
    let h = page.height.max(1.0);
    if line.y > 0.15 * h && line.y < 0.85 * h {
        return false;
    }
    let t: String = line.text.chars().filter(|c| !c.is_whitespace()).collect();
    let centred = ((line.x + line.right) / 2.0 - page.width / 2.0).abs() < 0.1 * page.width;
    let dashes = |c: char| matches!(c, '—' | '–' | '-' | '－' | '‒' | '―' | '─');
    let inner = t.trim_matches(dashes);
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if inner.len() < t.len() && all_digits(inner) {
        return true; // — 3 —, -3-
    }
    if let Some(rest) = t.strip_prefix('第') {
        // 第3页, 第3页共9页, 第3页/共9页
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let after = &rest[n.len()..];
        if !n.is_empty() && (after == "页" || after.starts_with("页共") || after.starts_with("页/"))
        {
            return true;
        }
    }
    if let Some((a, b)) = t.split_once('/')
        && all_digits(a)
        && all_digits(b)
        && centred
    {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("page")
        && rest.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        return true;
    }
    all_digits(&t) && t.len() <= 4 && centred
}

/// A running header or footer: the same text in the top or bottom band of at least three
/// pages and half of them (a document title repeated on every page, "内部资料").
fn drop_running_lines(pages: &[Page], items: &mut [Vec<Item>]) {
    if pages.len() < 3 {
        return;
    }
    let in_band = |l: &Line| {
        let h = pages[l.page].height.max(1.0);
        l.y < 0.1 * h || l.y > 0.9 * h
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for page in items.iter() {
        let mut texts: Vec<&str> = page
            .iter()
            .filter_map(|it| match it {
                Item::Line(l) if in_band(l) => Some(l.text.as_str()),
                _ => None,
            })
            .collect();
        texts.sort_unstable();
        texts.dedup();
        for t in texts {
            *seen.entry(t.to_string()).or_insert(0) += 1;
        }
    }
    let running: Vec<String> = seen
        .into_iter()
        .filter(|(_, n)| *n >= 3 && *n * 2 >= pages.len())
        .map(|(t, _)| t)
        .collect();
    if running.is_empty() {
        return;
    }
    for page in items.iter_mut() {
        page.retain(|it| match it {
            Item::Line(l) => !(in_band(l) && running.contains(&l.text)),
            _ => true,
        });
    }
}

// ---------------------------------------------------------------------------------------
// Geometry of the document's pages.

fn geometry_key(page: &Page) -> (i64, i64) {
    (page.width.round() as i64, page.height.round() as i64)
}

fn mode(values: impl Iterator<Item = f64>, bucket: f64) -> Option<f64> {
    let mut counts: HashMap<i64, (usize, f64)> = HashMap::new();
    for v in values {
        let e = counts.entry((v / bucket).round() as i64).or_insert((0, v));
        e.0 += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.0.cmp(&a.0)))
        .map(|(_, (_, v))| v)
}

fn geometries(pages: &[Page], items: &[Vec<Item>]) -> HashMap<(i64, i64), Geometry> {
    let mut by_key: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        by_key.entry(geometry_key(p)).or_default().push(i);
    }
    let mut out = HashMap::new();
    for (key, idx) in by_key {
        let lines: Vec<&Line> = idx
            .iter()
            .flat_map(|&i| items[i].iter())
            .filter_map(|it| match it {
                Item::Line(l) => Some(l),
                _ => None,
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        let long: Vec<&&Line> = lines
            .iter()
            .filter(|l| l.text.chars().count() >= 8)
            .collect();
        let margin = mode(lines.iter().map(|l| l.x), 1.0).unwrap_or(0.0);
        // Too few full lines to tell the text's right edge (a form: a title, then a table):
        // the rightmost line or table edge stands in for it.
        let edge = if long.len() >= 3 {
            mode(long.iter().map(|l| l.right), 1.0).unwrap_or(0.0)
        } else {
            let tables = idx
                .iter()
                .flat_map(|&i| &items[i])
                .filter_map(|it| match it {
                    Item::Grid(g) => Some(g.right()),
                    Item::Line(_) => None,
                });
            lines
                .iter()
                .map(|l| l.right)
                .chain(tables)
                .fold(0.0, f64::max)
        };
        let size = mode(lines.iter().map(|l| l.size), 0.5).unwrap_or(10.0);
        let mut steps = Vec::new();
        for &i in &idx {
            let ys: Vec<f64> = items[i]
                .iter()
                .filter_map(|it| match it {
                    Item::Line(l) => Some(l.y),
                    _ => None,
                })
                .collect();
            for w in ys.windows(2) {
                let dy = w[1] - w[0];
                if dy > 0.5 * size && dy < 2.5 * size {
                    steps.push(dy);
                }
            }
        }
        let pitch = mode(steps.into_iter(), 0.2).unwrap_or(1.2 * size);
        let firsts = idx.iter().filter_map(|&i| {
            items[i].iter().find_map(|it| match it {
                Item::Line(l) => Some(l.y),
                _ => None,
            })
        });
        let lasts = idx.iter().filter_map(|&i| {
            items[i].iter().rev().find_map(|it| match it {
                Item::Line(l) => Some(l.y),
                _ => None,
            })
        });
        let top = firsts.reduce(f64::min).unwrap_or(0.0);
        let bottom = lasts.reduce(f64::max).unwrap_or(0.0);
        out.insert(
            key,
            Geometry {
                margin,
                edge,
                pitch,
                top,
                bottom,
            },
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// Paragraphs.

fn slots(gap: f64, pitch: f64) -> usize {
    if pitch <= 0.0 || gap <= 0.0 {
        return 0;
    }
    (gap / pitch).round().max(0.0) as usize
}

fn paragraphs(
    pages: &[Page],
    items: &mut [Vec<Item>],
    geometry: &HashMap<(i64, i64), Geometry>,
    grids: &mut Vec<Grid>,
) -> Vec<Para> {
    let mut paras: Vec<Para> = Vec::new();
    // The previous line, and whether the current paragraph may still continue.
    let mut prev: Option<Line> = None;
    let mut open = false;
    for page_items in items.iter_mut() {
        for item in std::mem::take(page_items) {
            let line = match item {
                Item::Grid(g) => {
                    // A table that ended the page before, with nothing after it, goes on
                    // in a table that opens this page.
                    let last_is_grid = paras.last().is_some_and(|p| p.grid.is_some());
                    match grids.last_mut() {
                        Some(prev) if last_is_grid && prev.continued_by(&g) => prev.append(g),
                        _ => {
                            grids.push(g);
                            paras.push(Para {
                                grid: Some(grids.len() - 1),
                                ..Default::default()
                            });
                        }
                    }
                    open = false;
                    prev = None;
                    continue;
                }
                Item::Line(l) => l,
            };
            let geo = geometry
                .get(&geometry_key(&pages[line.page]))
                .copied()
                .unwrap_or(Geometry {
                    margin: line.x,
                    edge: line.right,
                    pitch: line.size * 1.2,
                    top: line.y,
                    bottom: line.y,
                });
            let blanks = match &prev {
                None if paras.is_empty() => slots(line.y - geo.top, geo.pitch),
                None => 0,
                Some(p) if p.page == line.page => slots(line.y - p.y, geo.pitch).saturating_sub(1),
                Some(p) => {
                    let same = geometry_key(&pages[p.page]) == geometry_key(&pages[line.page]);
                    if same && line.page == p.page + 1 {
                        slots(geo.bottom - p.y, geo.pitch) + slots(line.y - geo.top, geo.pitch)
                    } else {
                        0
                    }
                }
            };
            // Empty lines cannot sit inside a paragraph, but the count across a page break
            // is only an estimate (pages end early for widow control or spacing), so there
            // a wrapped line continues whatever the gap.
            let continues = open
                && prev
                    .as_ref()
                    .is_some_and(|p| blanks == 0 || p.page != line.page)
                && prev.as_ref().is_some_and(|p| {
                    let wrapped = p.right + line.first_unit > geo.edge + 0.1 * p.size;
                    let same_size = (p.size - line.size).abs() <= 0.15 * p.size;
                    // A full line that ends a sentence, then a numbered heading: a new
                    // paragraph even though the line reached the edge.
                    let heading =
                        p.text.ends_with(['。', '；', '！', '？', '：']) && is_heading(&line.text);
                    // A line set far right of the margin (right-aligned, a signature or
                    // date) was not wrapped, whatever its right end.
                    let set_right = p.x > geo.margin + 5.0 * p.size;
                    wrapped
                        && same_size
                        && !heading
                        && !set_right
                        && line.x < geo.margin + 0.5 * line.size
                });
            let bbox = [
                line.x,
                line.y - line.size,
                line.right,
                line.y + 0.25 * line.size,
            ];
            if continues {
                let para = paras.last_mut().expect("an open paragraph");
                let from = para.text.chars().count();
                join_into(&mut para.text, &line.text);
                para.segments.push(Segment {
                    page: line.page,
                    bbox,
                    from,
                    to: para.text.chars().count(),
                });
            } else {
                let centred = ((line.x + line.right) / 2.0 - pages[line.page].width / 2.0).abs()
                    < 0.05 * pages[line.page].width
                    && line.x > geo.margin + 2.0 * line.size
                    && line.right < geo.edge - line.size;
                // Indent in characters of the line's size. Two characters is how a Chinese
                // paragraph starts (首行缩进), not a tab; neither is a line set against the
                // right edge.
                let indent = (line.x - geo.margin) / line.size.max(1.0);
                let first_line = (1.5..=2.6).contains(&indent);
                let right_aligned = indent > 5.0 && (line.right - geo.edge).abs() < 0.5 * line.size;
                paras.push(Para {
                    text: line.text.clone(),
                    blanks,
                    indented: indent > 0.5 && !centred && !first_line && !right_aligned,
                    segments: vec![Segment {
                        page: line.page,
                        bbox,
                        from: 0,
                        to: line.text.chars().count(),
                    }],
                    grid: None,
                });
            }
            open = true;
            prev = Some(line);
        }
    }
    paras
}

/// Whether a line opens with a section number: 一、 （一） 第一章 1. 1、 (1)
fn is_heading(text: &str) -> bool {
    const CN: &str = "一二三四五六七八九十";
    let t = text.trim_start();
    let mut chars = t.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest: String = chars.collect();
    let numeral_then = |s: &str, c: &str| {
        let n: String = s.chars().take_while(|ch| CN.contains(*ch)).collect();
        !n.is_empty() && s[n.len()..].starts_with(c)
    };
    let digits_then = |s: &str, c: &[char]| {
        let n: String = s.chars().take_while(char::is_ascii_digit).collect();
        !n.is_empty() && n.len() <= 2 && s[n.len()..].starts_with(c)
    };
    if CN.contains(first) {
        return numeral_then(t, "、");
    }
    match first {
        '（' | '(' => {
            numeral_then(&rest, "）")
                || numeral_then(&rest, ")")
                || digits_then(&rest, &['）', ')'])
        }
        '第' => {
            let n: String = rest
                .chars()
                .take_while(|ch| CN.contains(*ch) || ch.is_ascii_digit())
                .collect();
            !n.is_empty() && rest[n.len()..].starts_with(['章', '节', '条', '部'])
        }
        c if c.is_ascii_digit() => {
            // "1." but not "1.5": a section number, not a decimal.
            digits_then(t, &['、', '．']) || {
                let n: String = t.chars().take_while(char::is_ascii_digit).collect();
                n.len() <= 2
                    && t[n.len()..].starts_with('.')
                    && !t[n.len() + 1..].starts_with(|c: char| c.is_ascii_digit())
            }
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Tables printed as indented lines, one cell a line.

/// Column heads that, with 序号, mark a header row.
const HEAD_WORDS: [&str; 8] = [
    "名称", "资金", "金额", "等级", "得分", "单位", "评价", "分值",
];

/// A table printed as indented lines: its width and rows, each with the line slot it starts
/// at and the paragraph (if any) in each column.
struct TextTable {
    width: usize,
    rows: Vec<(usize, Vec<Option<usize>>)>,
}

/// Line slot of each paragraph: its line number in the output text.
fn slots_of(paras: &[Para]) -> Vec<usize> {
    let mut slot = Vec::with_capacity(paras.len());
    let mut s = 0usize;
    for (i, p) in paras.iter().enumerate() {
        if i > 0 {
            s += 1;
        }
        s += p.blanks;
        slot.push(s);
    }
    slot
}

/// Finds tables printed as one indented line a cell: a header run of at least three cells
/// holding 序号, then rows that start with a row number (or 合计) and place each further cell
/// by its line distance from the row's start.
fn text_tables(paras: &[Para], slot: &[usize]) -> Vec<TextTable> {
    let is_cell = |p: &Para| p.indented && p.grid.is_none();
    let mut tables = Vec::new();
    let mut i = 0;
    while i < paras.len() {
        let p = &paras[i];
        if !(is_cell(p) && matches!(p.text.trim(), "序号" | "编号")) {
            i += 1;
            continue;
        }
        let mut width = 1;
        while i + width < paras.len() && is_cell(&paras[i + width]) && paras[i + width].blanks == 0
        {
            width += 1;
        }
        let heads = paras[i..i + width]
            .iter()
            .filter(|p| HEAD_WORDS.iter().any(|w| p.text.contains(w)))
            .count();
        if width < 3 || heads < 1 {
            i += 1;
            continue;
        }
        let mut rows: Vec<(usize, Vec<Option<usize>>)> = Vec::new();
        let mut row_start = slot[i];
        let mut row: Vec<Option<usize>> = vec![None; width];
        let mut j = i;
        while j < paras.len() && is_cell(&paras[j]) {
            let k = slot[j] - row_start;
            if j > i && (k >= width || k == 0) {
                let t = paras[j].text.trim();
                let total = matches!(t, "合计" | "总计" | "小计");
                let starts_row = total || t.parse::<u32>().is_ok() || matches!(t, "序号" | "编号");
                if !starts_row {
                    break;
                }
                rows.push((row_start, std::mem::replace(&mut row, vec![None; width])));
                // A total row often leaves 序号 empty and names itself in the next column.
                let expected = row_start + width + 1;
                if total && slot[j] == expected + 1 {
                    row_start = expected;
                    row[1] = Some(j);
                } else {
                    row_start = slot[j];
                    row[0] = Some(j);
                }
            } else {
                row[k] = Some(j);
            }
            j += 1;
        }
        rows.push((row_start, row));
        tables.push(TextTable { width, rows });
        i = j.max(i + 1);
    }
    tables
}

// ---------------------------------------------------------------------------------------
// Output.

struct Out {
    text: String,
    chars: usize,
    started: bool,
}

impl Out {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.chars += s.chars().count();
    }
    fn newline(&mut self) {
        if self.started {
            self.push("\n");
        }
        self.started = true;
    }
}

type TextCell = Option<(Cell, Provenance)>;

fn emit(pages: &[Page], paras: Vec<Para>, grids: Vec<Grid>) -> Ingested {
    let slot = slots_of(&paras);
    let tables = text_tables(&paras, &slot);
    // Where each table cell sits: visible ones by paragraph, empty ones by line slot.
    let mut cell_of_para: HashMap<usize, (usize, usize, usize)> = HashMap::new();
    let mut cell_of_slot: HashMap<usize, (usize, usize, usize)> = HashMap::new();
    let mut cells: Vec<Vec<Vec<TextCell>>> = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        for (r, (start, row)) in table.rows.iter().enumerate() {
            for (c, p) in row.iter().enumerate() {
                match p {
                    Some(p) => cell_of_para.insert(*p, (t, r, c)),
                    None => cell_of_slot.insert(start + c, (t, r, c)),
                };
            }
        }
        cells.push(vec![vec![None; table.width]; table.rows.len()]);
    }

    let mut out = Out {
        text: String::new(),
        chars: 0,
        started: false,
    };
    let mut blocks: Vec<Block> = Vec::new();
    let provenance_of = |seg: &Segment| Provenance::PdfPage {
        page: pages[seg.page].number,
        bbox: Some(pdf_box(&pages[seg.page], seg.bbox)),
    };
    let mut last_prov = Provenance::PdfPage {
        page: 1,
        bbox: None,
    };
    for (i, p) in paras.iter().enumerate() {
        if let Some(g) = p.grid {
            // The table starts on a line of its own and its last cell ends its line, so the
            // next paragraph needs no separator.
            out.newline();
            let (text, block) = grids[g].render(pages, out.chars);
            out.push(&text);
            out.started = false;
            blocks.push(block);
            continue;
        }
        for b in 0..p.blanks {
            out.newline();
            // An empty cell prints as nothing; write it back as the tab it was.
            let s = slot[i] - p.blanks + b;
            if let Some(&(t, r, c)) = cell_of_slot.get(&s) {
                out.push("\t");
                let at = out.chars;
                cells[t][r][c] = Some((
                    Cell {
                        start: at,
                        end: at,
                        text: String::new(),
                    },
                    last_prov.clone(),
                ));
            }
        }
        out.newline();
        if p.indented {
            out.push("\t");
        }
        let start = out.chars;
        out.push(&p.text);
        let end = out.chars;
        if let Some(seg) = p.segments.first() {
            last_prov = provenance_of(seg);
        }
        if let Some(&(t, r, c)) = cell_of_para.get(&i) {
            cells[t][r][c] = Some((
                Cell {
                    start,
                    end,
                    text: p.text.clone(),
                },
                last_prov.clone(),
            ));
            continue;
        }
        // One block per printed line, so a fact's provenance is its line's page and box.
        for seg in &p.segments {
            blocks.push(Block::Paragraph {
                start: start + seg.from,
                end: start + seg.to,
                provenance: provenance_of(seg),
            });
        }
    }
    for table in cells {
        blocks.push(text_table_block(table, out.chars));
    }
    Ingested {
        format: Format::Pdf,
        text: out.text,
        blocks,
        low_confidence: false,
        encoding: None,
        ocr: None,
    }
}

/// A text table's block; cells that fell on no line (past the end of the text) are empty
/// cells where their row's last cell ends.
fn text_table_block(rows: Vec<Vec<TextCell>>, text_end: usize) -> Block {
    let mut table = Table::default();
    let mut provenance = Vec::new();
    for row in rows {
        let mut at = text_end;
        let mut prov = Provenance::PdfPage {
            page: 1,
            bbox: None,
        };
        if let Some((c, p)) = row.iter().flatten().next() {
            at = c.end;
            prov = p.clone();
        }
        let mut out_row = Vec::new();
        let mut provs = Vec::new();
        for cell in row {
            match cell {
                Some((c, p)) => {
                    at = c.end;
                    prov = p.clone();
                    out_row.push(c);
                    provs.push(p);
                }
                None => {
                    out_row.push(Cell {
                        start: at,
                        end: at,
                        text: String::new(),
                    });
                    provs.push(prov.clone());
                }
            }
        }
        table.rows.push(out_row);
        provenance.push(provs);
    }
    Block::Table { table, provenance }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings() {
        for h in [
            "一、总体要求",
            "（三）加强",
            "(2)做好",
            "第二章 总则",
            "1.目标",
            "2、任务",
            "10．其他",
        ] {
            assert!(is_heading(h), "{h}");
        }
        for t in ["1.5亿元", "2021年", "一是", "第三次", "（2021）", "一般"] {
            assert!(!is_heading(t), "{t}");
        }
    }

    #[test]
    fn furniture() {
        let page = Page {
            number: 1,
            width: 600.0,
            height: 800.0,
            ..Default::default()
        };
        let line = |text: &str, x: f64, y: f64, right: f64| Line {
            page: 0,
            x,
            y,
            right,
            size: 10.0,
            text: text.to_string(),
            first_unit: 10.0,
        };
        assert!(is_furniture(&line("— 3 —", 280.0, 780.0, 320.0), &page));
        assert!(is_furniture(&line("第3页共9页", 50.0, 780.0, 120.0), &page));
        assert!(is_furniture(&line("12", 295.0, 790.0, 305.0), &page));
        // A bare number away from the centre is a table's row number, not a page number.
        assert!(!is_furniture(&line("12", 60.0, 790.0, 70.0), &page));
        assert!(!is_furniture(&line("— 3 —", 280.0, 400.0, 320.0), &page));
    }
}
