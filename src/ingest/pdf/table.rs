//! Ruled tables: a grid of rows × columns from the ruling lines a page draws, glyphs put into
//! its cells, and the cells written out one a line.
//!
//! - **Grid**: every horizontal rule's y is a row edge and every vertical rule's x a column
//!   edge, even where a rule runs through only part of the table (LibreOffice and Word draw
//!   each cell's border as its own segment). Two neighbouring grid positions with no rule
//!   between them belong to one cell: a merged cell is a region of the grid without interior
//!   rules, written once, at its top-left position.
//! - **Cell text**: a cell's glyphs make lines as on the page. A line the writer ended on
//!   purpose ("项目资金" above "（万元）", centred) leaves room for the next line's first
//!   character; a line wrapped by the cell's width does not. Wrapped lines are joined with
//!   nothing (a space between Latin words), the others with "\n".
//! - **Tables over pages**: a table at the top of a page continues the one that ended the
//!   page before when their outer edges agree. Header rows repeated on the new page are
//!   dropped; a row the page break cut in two is joined back (each of its cells on the new
//!   page continues a wrapped last line, or, for row-numbered tables, the number column is
//!   empty); a merged cell cut by the break stays one cell.
//!
//! The text of a table is one grid cell a line (its text, then "\n"), in row-major order,
//! positions covered by a merged cell not written and empty cells as empty lines, as the
//! DOCX and spreadsheet readers write tables. The table block keeps the full grid: a covered
//! position is an empty cell at its merge origin's start.

use super::glyphs::{Glyph, Page, Rule};
use super::lines::{Line, join_into, lines_of};
use crate::ingest::{Block, Cell, Provenance, Table};

mod continued;

/// Two rules this close are one edge (a border drawn twice, or as the two sides of a bar).
const SAME_EDGE: f64 = 2.0;
/// How much room, in points, a line must leave beyond the next line's first character for
/// the break to count as the writer's: the cell's padding is an estimate, and taking a
/// wrapped line for a break would cut a word of the cell in two.
const BREAK_MARGIN: f64 = 1.0;
/// Cell padding assumed where a table gives no line to measure it by (Word's default
/// left and right cell margin, 0.19 cm).
const DEFAULT_PADDING: f64 = 5.4;
/// Grid positions beyond which a ruling is not read as a table (a page of hatching).
const MAX_POSITIONS: usize = 100_000;

/// A ruled table: one page's fragment, or a table continued over pages once merged.
pub struct Grid {
    first_page: usize,
    last_page: usize,
    /// Top edge on its first page, for reading order.
    pub top: f64,
    /// Whether it starts in the top third of its first page, and ends in the bottom third
    /// of its last: only such tables can go on over a page break.
    near_head: bool,
    near_foot: bool,
    /// Column edges.
    xs: Vec<f64>,
    /// The region (cell) that owns each grid position, by row and column.
    owner: Vec<Vec<usize>>,
    regions: Vec<Region>,
}

/// One cell of the table: a region of grid positions, with its piece on each page.
struct Region {
    parts: Vec<Part>,
}

/// The piece of a cell on one page.
struct Part {
    page: usize,
    bbox: [f64; 4],
    /// Width the cell's text may take: the box less its padding.
    room: f64,
    lines: Vec<Line>,
}

impl Region {
    fn text(&self) -> String {
        let mut text = String::new();
        let mut prev: Option<(&Line, f64)> = None;
        for part in &self.parts {
            for line in &part.lines {
                let t = line.text.trim();
                match prev {
                    Some((p, room)) if deliberate(p, line, room) => {
                        text.push('\n');
                        text.push_str(t);
                    }
                    Some(_) => join_into(&mut text, t),
                    None => text.push_str(t),
                }
                prev = Some((line, part.room));
            }
        }
        text
    }

    fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.lines.is_empty())
    }

    fn first_line(&self) -> Option<&Line> {
        self.parts.iter().find_map(|p| p.lines.first())
    }

    /// The last line and the room of the cell it was set in.
    fn last_line(&self) -> Option<(&Line, f64)> {
        self.parts
            .iter()
            .rev()
            .find_map(|p| p.lines.last().map(|l| (l, p.room)))
    }
}

/// Whether the break after line `a` was the writer's: the first unit of the next line `b`
/// (with the space a Latin word needs before it) would have fitted on `a` within `room`.
fn deliberate(a: &Line, b: &Line, room: f64) -> bool {
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let space = if latin(a.text.chars().last()) && latin(b.text.chars().next()) {
        0.25 * b.size
    } else {
        0.0
    };
    (a.right - a.x) + space + b.first_unit <= room - BREAK_MARGIN
}

// ---------------------------------------------------------------------------------------
// Rulings of a page.

/// Rules that may make one table: its column and row edges and the rules along each edge.
struct Ruling {
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// For each column edge, the y-extents of the vertical rules on it.
    on_x: Vec<Vec<(f64, f64)>>,
    /// For each row edge, the x-extents of the horizontal rules on it.
    on_y: Vec<Vec<(f64, f64)>>,
}

impl Ruling {
    /// Whether a rule runs along column edge `c` through the middle of row `r`.
    fn ruled_x(&self, c: usize, r: usize) -> bool {
        let mid = (self.ys[r] + self.ys[r + 1]) / 2.0;
        self.on_x[c].iter().any(|&(a, b)| a <= mid && b >= mid)
    }

    /// Whether a rule runs along row edge `r` through the middle of column `c`.
    fn ruled_y(&self, r: usize, c: usize) -> bool {
        let mid = (self.xs[c] + self.xs[c + 1]) / 2.0;
        self.on_y[r].iter().any(|&(a, b)| a <= mid && b >= mid)
    }
}

/// Groups of vertical rules whose extents overlap, with the horizontal rules among them;
/// at least two rows and two columns make a table (a single box is a frame around text).
fn rulings(rules: &[Rule]) -> Vec<Ruling> {
    let mut verticals: Vec<&Rule> = rules.iter().filter(|r| r.vertical()).collect();
    let horizontals: Vec<&Rule> = rules.iter().filter(|r| r.horizontal()).collect();
    if verticals.len() < 2 || horizontals.len() < 2 {
        return Vec::new();
    }
    verticals.sort_by(|a, b| a.y0.total_cmp(&b.y0));
    let mut groups: Vec<(f64, f64, Vec<&Rule>)> = Vec::new();
    for v in verticals {
        match groups.last_mut() {
            Some((_, y1, vs)) if v.y0 <= *y1 + SAME_EDGE => {
                *y1 = y1.max(v.y1);
                vs.push(v);
            }
            _ => groups.push((v.y0, v.y1, vec![v])),
        }
    }
    let mut out = Vec::new();
    for (y0, y1, vs) in groups {
        let xs = edges(vs.iter().map(|v| (v.x0 + v.x1) / 2.0));
        if xs.len() < 3 {
            continue;
        }
        let (x0, x1) = (xs[0], xs[xs.len() - 1]);
        let hs: Vec<&&Rule> = horizontals
            .iter()
            .filter(|h| {
                let y = (h.y0 + h.y1) / 2.0;
                y >= y0 - SAME_EDGE && y <= y1 + SAME_EDGE && h.x0 < x1 - 1.0 && h.x1 > x0 + 1.0
            })
            .collect();
        let ys = edges(hs.iter().map(|h| (h.y0 + h.y1) / 2.0));
        if ys.len() < 3 || (xs.len() - 1) * (ys.len() - 1) > MAX_POSITIONS {
            continue;
        }
        let mut on_x = vec![Vec::new(); xs.len()];
        for v in &vs {
            on_x[nearest(&xs, (v.x0 + v.x1) / 2.0)].push((v.y0 - SAME_EDGE, v.y1 + SAME_EDGE));
        }
        let mut on_y = vec![Vec::new(); ys.len()];
        for h in &hs {
            on_y[nearest(&ys, (h.y0 + h.y1) / 2.0)].push((h.x0 - SAME_EDGE, h.x1 + SAME_EDGE));
        }
        out.push(Ruling { xs, ys, on_x, on_y });
    }
    out
}

/// Sorted distinct edges: values within `SAME_EDGE` of the previous one are the same edge.
fn edges(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::with_capacity(v.len());
    for x in v {
        if out.last().is_none_or(|l| x - l > SAME_EDGE) {
            out.push(x);
        }
    }
    out
}

fn nearest(edges: &[f64], v: f64) -> usize {
    let i = edges.partition_point(|&e| e < v);
    if i == 0 {
        0
    } else if i == edges.len() || v - edges[i - 1] <= edges[i] - v {
        i - 1
    } else {
        i
    }
}

/// Index of the band `v` falls in between consecutive sorted edges.
fn band(edges: &[f64], v: f64) -> Option<usize> {
    if edges.len() < 2 || v < edges[0] || v > edges[edges.len() - 1] {
        return None;
    }
    Some(edges.partition_point(|&e| e < v).clamp(1, edges.len() - 1) - 1)
}

/// The cells of a ruling: positions joined where no rule separates them. Regions are
/// numbered in the order their first position comes in row-major order.
fn regions_of(ruling: &Ruling) -> (Vec<Vec<usize>>, usize) {
    let (rows, cols) = (ruling.ys.len() - 1, ruling.xs.len() - 1);
    let mut parent: Vec<usize> = (0..rows * cols).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut join = |a: usize, b: usize| {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra.max(rb)] = ra.min(rb);
    };
    for r in 0..rows {
        for c in 0..cols {
            if c + 1 < cols && !ruling.ruled_x(c + 1, r) {
                join(r * cols + c, r * cols + c + 1);
            }
            if r + 1 < rows && !ruling.ruled_y(r + 1, c) {
                join(r * cols + c, (r + 1) * cols + c);
            }
        }
    }
    let mut number = vec![usize::MAX; rows * cols];
    let mut count = 0;
    let owner = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| {
                    let k = root(&mut parent, r * cols + c);
                    if number[k] == usize::MAX {
                        number[k] = count;
                        count += 1;
                    }
                    number[k]
                })
                .collect()
        })
        .collect();
    (owner, count)
}

/// The ruled tables of a page, and the glyphs outside them.
pub fn page_tables(index: usize, page: &Page) -> (Vec<Grid>, Vec<&Glyph>) {
    let rulings = rulings(&page.rules);
    let shapes: Vec<(Vec<Vec<usize>>, usize)> = rulings.iter().map(regions_of).collect();
    let mut glyphs: Vec<Vec<Vec<&Glyph>>> =
        shapes.iter().map(|(_, n)| vec![Vec::new(); *n]).collect();
    let mut free = Vec::new();
    'glyphs: for g in &page.glyphs {
        if g.text.is_empty() {
            continue;
        }
        let cx = g.x + g.width / 2.0;
        let cy = g.y - g.size * 0.3;
        for (k, ruling) in rulings.iter().enumerate() {
            if let (Some(c), Some(r)) = (band(&ruling.xs, cx), band(&ruling.ys, cy)) {
                glyphs[k][shapes[k].0[r][c]].push(g);
                continue 'glyphs;
            }
        }
        free.push(g);
    }
    let mut grids = Vec::new();
    for ((ruling, (owner, count)), glyphs) in rulings.iter().zip(shapes).zip(glyphs) {
        let mut bboxes = vec![[f64::MAX, f64::MAX, f64::MIN, f64::MIN]; count];
        for (r, row) in owner.iter().enumerate() {
            for (c, &k) in row.iter().enumerate() {
                let b = &mut bboxes[k];
                b[0] = b[0].min(ruling.xs[c]);
                b[1] = b[1].min(ruling.ys[r]);
                b[2] = b[2].max(ruling.xs[c + 1]);
                b[3] = b[3].max(ruling.ys[r + 1]);
            }
        }
        let lines: Vec<Vec<Line>> = glyphs.into_iter().map(|g| lines_of(index, g)).collect();
        if lines.iter().all(Vec::is_empty) {
            // Ruled boxes with nothing in them (a signature block, a frame) are no table.
            continue;
        }
        let (left, right) = padding(&bboxes, &lines);
        let regions = bboxes
            .into_iter()
            .zip(lines)
            .map(|(bbox, lines)| Region {
                parts: vec![Part {
                    page: index,
                    bbox,
                    room: bbox[2] - bbox[0] - left - right,
                    lines,
                }],
            })
            .collect();
        grids.push(Grid {
            first_page: index,
            last_page: index,
            top: ruling.ys[0],
            near_head: ruling.ys[0] < page.height / 3.0,
            near_foot: ruling.ys[ruling.ys.len() - 1] > page.height * 2.0 / 3.0,
            xs: ruling.xs.clone(),
            owner,
            regions,
        });
    }
    (grids, free)
}

/// A table's left and right cell padding: the least distance of any line from its cell's
/// sides (left-aligned text and full lines touch the padding), within reason.
fn padding(bboxes: &[[f64; 4]], lines: &[Vec<Line>]) -> (f64, f64) {
    let mut left = f64::MAX;
    let mut right = f64::MAX;
    for (b, lines) in bboxes.iter().zip(lines) {
        for l in lines {
            // Text running over the cell's side says nothing about the padding.
            if l.x >= b[0] {
                left = left.min(l.x - b[0]);
            }
            if l.right <= b[2] {
                right = right.min(b[2] - l.right);
            }
        }
    }
    let sane = |p: f64| {
        if p <= 3.0 * DEFAULT_PADDING {
            p
        } else {
            DEFAULT_PADDING
        }
    };
    (sane(left), sane(right))
}

// ---------------------------------------------------------------------------------------
// Output.

/// A box in page space (y down) as provenance's PDF user space (y up).
pub fn pdf_box(page: &Page, b: [f64; 4]) -> [f32; 4] {
    let r = |v: f64| ((v * 10.0).round() / 10.0) as f32;
    [
        r(b[0]),
        r(page.height - b[3]),
        r(b[2]),
        r(page.height - b[1]),
    ]
}

impl Grid {
    /// The table's right edge.
    pub fn right(&self) -> f64 {
        self.xs[self.xs.len() - 1]
    }

    /// The table's text, one cell a line, and its block, with offsets from `at` (code
    /// points of the document's text where the table's text will start).
    pub fn render(&self, pages: &[Page], at: usize) -> (String, Block) {
        let texts: Vec<String> = self.regions.iter().map(Region::text).collect();
        let provenance_of = |k: usize| {
            let part = self.regions[k].parts.first();
            let page = part.map_or(self.first_page, |p| p.page);
            Provenance::PdfPage {
                page: pages[page].number,
                bbox: part.map(|p| pdf_box(&pages[page], p.bbox)),
            }
        };
        let mut text = String::new();
        let mut chars = at;
        let mut origin: Vec<Option<usize>> = vec![None; self.regions.len()];
        let mut table = Table::default();
        let mut provenance = Vec::new();
        for row in &self.owner {
            let mut cells = Vec::with_capacity(row.len());
            let mut provs = Vec::with_capacity(row.len());
            for &k in row {
                let cell = match origin[k] {
                    Some(start) => Cell {
                        start,
                        end: start,
                        text: String::new(),
                    },
                    None => {
                        let start = chars;
                        text.push_str(&texts[k]);
                        chars += texts[k].chars().count();
                        text.push('\n');
                        origin[k] = Some(start);
                        let cell = Cell {
                            start,
                            end: chars,
                            text: texts[k].clone(),
                        };
                        chars += 1;
                        cell
                    }
                };
                cells.push(cell);
                provs.push(provenance_of(k));
            }
            table.rows.push(cells);
            provenance.push(provs);
        }
        (text, Block::Table { table, provenance })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: f64 = 9.0;

    /// A cell's text drawn left-aligned 5 pt into the cell, one line per item, 9 pt CJK.
    fn text_in(x0: f64, top: f64, lines: &[&str]) -> Vec<Glyph> {
        let mut out = Vec::new();
        for (n, line) in lines.iter().enumerate() {
            let baseline = top + 12.0 * (n + 1) as f64;
            for (i, c) in line.chars().enumerate() {
                out.push(Glyph {
                    x: x0 + 5.0 + SIZE * i as f64,
                    y: baseline,
                    width: SIZE,
                    size: SIZE,
                    text: c.to_string(),
                });
            }
        }
        out
    }

    /// Each cell border as its own segment, as LibreOffice draws them, except between the
    /// positions of a merged range (rows r0..=r1, columns c0..=c1).
    fn ruled(xs: &[f64], ys: &[f64], merges: &[(usize, usize, usize, usize)]) -> Vec<Rule> {
        let merged = |r: usize, c: usize, r2: usize, c2: usize| {
            merges.iter().any(|&(r0, c0, r1, c1)| {
                (r0..=r1).contains(&r)
                    && (r0..=r1).contains(&r2)
                    && (c0..=c1).contains(&c)
                    && (c0..=c1).contains(&c2)
            })
        };
        let mut rules = Vec::new();
        for r in 0..ys.len() - 1 {
            for (c, &x) in xs.iter().enumerate() {
                if c == 0 || c == xs.len() - 1 || !merged(r, c - 1, r, c) {
                    rules.push(Rule {
                        x0: x,
                        y0: ys[r],
                        x1: x,
                        y1: ys[r + 1],
                    });
                }
            }
        }
        for (r, &y) in ys.iter().enumerate() {
            for c in 0..xs.len() - 1 {
                if r == 0 || r == ys.len() - 1 || !merged(r - 1, c, r, c) {
                    rules.push(Rule {
                        x0: xs[c],
                        y0: y,
                        x1: xs[c + 1],
                        y1: y,
                    });
                }
            }
        }
        rules
    }

    fn page(number: u32, rules: Vec<Rule>, glyphs: Vec<Glyph>) -> Page {
        Page {
            number,
            width: 595.0,
            height: 842.0,
            glyphs,
            rules,
        }
    }

    fn cells(block: &Block) -> Vec<Vec<String>> {
        let Block::Table { table, .. } = block else {
            panic!("not a table: {block:?}");
        };
        table
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    /// A merged cell is written once, at its top-left position; covered positions stay in
    /// the grid as empty cells at the origin's start; a line followed by one whose first
    /// character would have fitted on it is a break, a full line a wrap.
    #[test]
    fn merged_cells_and_line_breaks() {
        // Columns of 18, 112 and 40 pt of room within 5 pt of padding.
        let xs = [50.0, 78.0, 200.0, 250.0];
        let ys = [100.0, 140.0, 170.0, 200.0];
        // The first column's cell spans the second and third rows.
        let rules = ruled(&xs, &ys, &[(1, 0, 2, 0)]);
        let mut glyphs = Vec::new();
        glyphs.extend(text_in(50.0, 100.0, &["项目", "资金"]));
        glyphs.extend(text_in(78.0, 100.0, &["新建和改造农村集中供水工", "程"]));
        glyphs.extend(text_in(200.0, 100.0, &["年初", "预算数"]));
        glyphs.extend(text_in(50.0, 150.0, &["合计"]));
        glyphs.extend(text_in(78.0, 140.0, &["300.00"]));
        glyphs.extend(text_in(200.0, 170.0, &["优"]));
        let drawn = page(1, rules, glyphs);
        let (grids, free) = page_tables(0, &drawn);
        assert!(free.is_empty());
        assert_eq!(grids.len(), 1);
        let pages = [page(1, Vec::new(), Vec::new())];
        let (text, block) = grids[0].render(&pages, 10);
        assert_eq!(
            text,
            "项目资金\n新建和改造农村集中供水工程\n年初\n预算数\n合计\n300.00\n\n\n优\n"
        );
        assert_eq!(
            cells(&block),
            [
                ["项目资金", "新建和改造农村集中供水工程", "年初\n预算数"],
                ["合计", "300.00", ""],
                ["", "", "优"]
            ]
        );
        let Block::Table { table, .. } = &block else {
            unreachable!()
        };
        let origin = &table.rows[1][0];
        let covered = &table.rows[2][0];
        assert_eq!((origin.start, origin.end), (36, 38));
        assert_eq!((covered.start, covered.end), (36, 36));
        // The empty cells are cells of their own, each an empty line.
        assert_eq!((table.rows[1][2].start, table.rows[2][1].start), (46, 47));
    }

    /// A table continued on the next page: the header repeated there is dropped, the row the
    /// break cut is joined back, and the merged cell it cut stays one cell.
    #[test]
    fn a_table_over_two_pages() {
        // The middle column has 36 pt of room: four characters fill it.
        let xs = [50.0, 90.0, 136.0, 200.0];
        let first = {
            let ys = [700.0, 720.0, 740.0, 760.0];
            let rules = ruled(&xs, &ys, &[(1, 0, 2, 0)]);
            let mut g = text_in(50.0, 700.0, &["类别"]);
            g.extend(text_in(90.0, 700.0, &["名称"]));
            g.extend(text_in(136.0, 700.0, &["金额"]));
            g.extend(text_in(50.0, 720.0, &["产出"]));
            g.extend(text_in(90.0, 720.0, &["甲"]));
            g.extend(text_in(136.0, 720.0, &["5"]));
            // A full line at the foot of the page: the cell goes on on the next one.
            g.extend(text_in(90.0, 740.0, &["新建工程"]));
            g.extend(text_in(136.0, 740.0, &["6"]));
            page(1, rules, g)
        };
        let second = {
            let ys = [60.0, 80.0, 100.0, 120.0];
            let rules = ruled(&xs, &ys, &[(1, 0, 2, 0)]);
            let mut g = text_in(50.0, 60.0, &["类别"]);
            g.extend(text_in(90.0, 60.0, &["名称"]));
            g.extend(text_in(136.0, 60.0, &["金额"]));
            g.extend(text_in(90.0, 80.0, &["数量"]));
            g.extend(text_in(90.0, 100.0, &["乙"]));
            g.extend(text_in(136.0, 100.0, &["7"]));
            page(2, rules, g)
        };
        let doc = super::super::layout::build(&[first, second]);
        assert_eq!(
            doc.text,
            "类别\n名称\n金额\n产出\n甲\n5\n新建工程数量\n6\n乙\n7\n"
        );
        let tables: Vec<&Block> = doc
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Table { .. }))
            .collect();
        assert_eq!(tables.len(), 1);
        assert_eq!(
            cells(tables[0]),
            [
                ["类别", "名称", "金额"],
                ["产出", "甲", "5"],
                ["", "新建工程数量", "6"],
                ["", "乙", "7"]
            ]
        );
    }

    #[test]
    fn breaks_and_wraps() {
        let line = |text: &str, x: f64, first_unit: f64| Line {
            page: 0,
            x,
            y: 0.0,
            right: x + SIZE * text.chars().count() as f64,
            size: SIZE,
            text: text.into(),
            first_unit,
        };
        // Centred "项目资金" in a 60 pt room, then "（万元）": "（万" would have fitted.
        assert!(deliberate(
            &line("项目资金", 10.0, 9.0),
            &line("（万元）", 10.0, 18.0),
            60.0
        ));
        // A full line: the next character did not fit.
        assert!(!deliberate(
            &line("部分地块因", 5.0, 9.0),
            &line("权属", 5.0, 9.0),
            50.0
        ));
        // Room left, but less than the margin for error of the padding estimate: a wrap.
        assert!(!deliberate(
            &line("标(50", 5.0, 9.0),
            &line("分)", 5.0, 12.0),
            48.5
        ));
    }
}
