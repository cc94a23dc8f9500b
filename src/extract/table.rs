//! Tables of evaluated projects (序号, 项目名称, 实施单位, 财政资金(单位:万元), 评价情况,
//! 评价等级; score tables with 得分/分值 columns). A table comes either from ingestion (a real
//! DOCX/PDF table, as `ingest::Table`) or from text where it was flattened one cell a line
//! (each cell line starts with a tab, rows separated by a blank line). Both become a
//! `LocatedTable`; each row then yields an `amount` in yuan under the column's unit, a
//! `rating` from the grade cell and a `score` from each score cell, all with `subject` =
//! the row's name and `row` = its 序号. The 合计 row yields an amount with subject 合计.

use super::{Candidate, Fact, FactKind, FactValue, Rule, Span};
use crate::domain::{AmountUnit, Rating, parse_decimal};
use crate::ingest::{Cell, Table};
use crate::text::NormalizedText;
use regex::Regex;
use rust_decimal::Decimal;
use std::sync::LazyLock;

mod cell_lines;
pub use cell_lines::from_cell_lines;

/// What a column holds, read from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    RowNumber,
    Name,
    /// Money, in the unit its header names; `None` when the header names none and the
    /// table's caption ("单位：万元") or else 元 decides.
    Money(Option<AmountUnit>),
    /// A rate column (执行率(%)): its bare numbers are percents.
    Percent,
    Score,
    Grade,
    Other,
}

/// A table with its header read: the columns' roles and the data rows (code-point offsets
/// into the document text).
#[derive(Clone, Debug)]
pub struct LocatedTable {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// The unit a caption above the table gives its money ("单位：万元").
    pub caption_unit: Option<AmountUnit>,
    /// Where the header starts (code points), when it stands lines above the first row (a
    /// header pasted one cell a line): the caption is looked for above it.
    pub header_at: Option<usize>,
}

impl LocatedTable {
    /// Finds the header row among the grid's rows; rows before it are dropped, and repeated
    /// header rows (a header repeated on each page) are skipped.
    pub fn from_cells(table: &Table) -> LocatedTable {
        let header_at = table.rows.iter().position(|r| is_header(r)).unwrap_or(0);
        let header = table.rows.get(header_at).cloned().unwrap_or_default();
        let columns: Vec<Column> = header.iter().map(|c| column_of(&c.text)).collect();
        let rows = table.rows[(header_at + 1).min(table.rows.len())..]
            .iter()
            .filter(|r| !is_header(r) && r.iter().any(|c| !c.text.trim().is_empty()))
            .cloned()
            .collect();
        LocatedTable {
            columns,
            rows,
            caption_unit: None,
            header_at: None,
        }
    }

    /// Reads the caption lines right above the table for its unit: "单位：万元",
    /// "金额单位:亿元". `norm` is the document's normalized text.
    pub fn read_caption(&mut self, norm: &NormalizedText) {
        let Some(first) = self.rows.first().and_then(|r| r.first()) else {
            return;
        };
        let s = norm.as_str();
        let anchor = self.header_at.unwrap_or(first.start);
        let mut at = norm.from_original(anchor).min(s.len());
        // The header line and up to three lines above it (title, caption, blank).
        for _ in 0..5 {
            let Some(nl) = s[..at].rfind('\n') else {
                at = 0;
                break;
            };
            at = nl;
        }
        let above = &s[at..norm.from_original(anchor).min(s.len())];
        self.caption_unit = CAPTION_UNIT
            .captures(above)
            .and_then(|c| AmountUnit::parse(&c[1]));
    }

    fn cell<'r>(&self, row: &'r [Cell], col: Column) -> Option<&'r Cell> {
        let i = self.columns.iter().position(|c| *c == col)?;
        row.get(i)
    }

    /// The money columns and their units: most tables have one (财政资金), some two
    /// (预算数, 执行数).
    pub fn money_columns(&self) -> Vec<(usize, AmountUnit)> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                Column::Money(u) => Some((i, u.or(self.caption_unit).unwrap_or(AmountUnit::Yuan))),
                _ => None,
            })
            .collect()
    }

    /// The row's name: the last non-empty name cell, so an indicator table (一级指标,
    /// 二级指标, 三级指标) names each row by its most specific indicator.
    pub fn name(&self, row: &[Cell]) -> Option<String> {
        self.columns
            .iter()
            .zip(row)
            .filter(|(c, _)| **c == Column::Name)
            .map(|(_, cell)| squash(&cell.text))
            .rfind(|n| !n.is_empty())
    }

    /// The row's 序号, when it is a number.
    pub fn row_number(&self, row: &[Cell]) -> Option<u32> {
        self.cell(row, Column::RowNumber)?.text.trim().parse().ok()
    }

    /// Whether the row is a 合计/总计/小计 row.
    pub fn is_total(&self, row: &[Cell]) -> bool {
        self.total_label(row).is_some()
    }

    /// The word a totals row is labelled with, as written: 合计, 总计, 小计 or 总合计.
    pub fn total_label(&self, row: &[Cell]) -> Option<&'static str> {
        row.iter().take(2).find_map(|c| {
            TOTAL_LABELS
                .iter()
                .find(|l| squash(&c.text) == **l)
                .copied()
        })
    }

    /// The money cell of a row in column `i`, parsed in yuan.
    pub fn money_in<'r>(
        &self,
        row: &'r [Cell],
        (i, unit): (usize, AmountUnit),
    ) -> Option<(Decimal, &'r Cell, AmountUnit)> {
        let cell = row.get(i)?;
        let n = parse_signed(&cell.text)?;
        Some((n * unit.yuan(), cell, unit))
    }

    /// The row's first money cell, parsed in yuan.
    pub fn money<'r>(&self, row: &'r [Cell]) -> Option<(Decimal, &'r Cell, AmountUnit)> {
        self.money_in(row, *self.money_columns().first()?)
    }
}

/// A cell's number with its sign: an 调整数 column holds "-120.30".
fn parse_signed(text: &str) -> Option<Decimal> {
    let text = text.trim();
    match text.strip_prefix(['-', '−', '－']) {
        Some(magnitude) => parse_decimal(magnitude.trim_start()).map(|d| -d),
        None => parse_decimal(text),
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A header names its rows (序号 or a name column) and at least one column of values.
fn is_header(row: &[Cell]) -> bool {
    let cols: Vec<Column> = row.iter().map(|c| column_of(&c.text)).collect();
    let names_rows = cols.contains(&Column::RowNumber) || cols.contains(&Column::Name);
    let has_values = cols
        .iter()
        .any(|c| matches!(c, Column::Money(_) | Column::Score | Column::Grade));
    names_rows && has_values && cols.iter().filter(|c| **c != Column::Other).count() >= 2
}

/// Labels of totals rows; 小计 totals the rows of its section.
pub const TOTAL_LABELS: &[&str] = &["合计", "总计", "小计", "总合计"];

static CAPTION_UNIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"单位\s*[:：]\s*(亿元|万元|千元|元)").expect("valid pattern"));

static UNIT_IN_HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(亿元|万元|千元|元)").expect("valid pattern"));

fn column_of(header: &str) -> Column {
    let h = squash(header);
    if h == "序号" || h == "编号" {
        return Column::RowNumber;
    }
    if h.contains("等级") || h.contains("等次") || h == "评级" || h == "评价结果" {
        return Column::Grade;
    }
    if h.contains("得分")
        || h.contains("分值")
        || h.contains("评分")
        || h.contains("分数")
        || h.ends_with("自评分")
    {
        return Column::Score;
    }
    if h.contains('率') {
        return if h.contains('%') || h.ends_with('率') {
            Column::Percent
        } else {
            Column::Other
        };
    }
    // "预算单位", "项目名称": names, whatever money word they hold; "实施单位" and
    // "主管部门" beside a 项目名称 describe the row rather than name it.
    if h.contains("名称") || h == "预算单位" {
        return Column::Name;
    }
    if h.ends_with("单位") && h != "单位" {
        return Column::Other;
    }
    if MONEY_WORDS.iter().any(|w| h.contains(w)) {
        let unit = UNIT_IN_HEADER
            .find(&h)
            .and_then(|m| AmountUnit::parse(m.as_str()));
        return Column::Money(unit);
    }
    if h.contains("名称") || h.ends_with("指标") || names_rows_word(&h) {
        return Column::Name;
    }
    Column::Other
}

/// A header that names what each row is: "项目", "单位", "县（市、区）" (its note in brackets
/// aside), "类别/项目" (either of two names).
fn names_rows_word(header: &str) -> bool {
    let core = header
        .split(['（', '('])
        .next()
        .unwrap_or(header)
        .trim_end_matches(['）', ')']);
    core.split(['/', '／', '、'])
        .any(|w| ROW_NAMES.contains(&w))
}

/// Words a name column is headed with: the thing each row is, or the place it is.
const ROW_NAMES: &[&str] = &[
    "项目",
    "单位",
    "部门",
    "地区",
    "区域",
    "县",
    "市",
    "区",
    "县区",
    "县市区",
    "乡镇",
    "街道",
];

/// Header words of a money column: 资金, 金额, 年初预算, 调整数, 执行数, 决算数 ….
const MONEY_WORDS: &[&str] = &[
    "资金",
    "金额",
    "预算",
    "万元",
    "亿元",
    "调整数",
    "执行数",
    "决算",
    "支出数",
    "拨付数",
];

/// Most table cells read from the text of one document: several times what `MAX_FACTS` facts
/// need, so a document of nothing but a table holds no more in memory than that.
const MAX_CELLS: usize = 8 * super::MAX_FACTS;

/// Tables read from a document's text, and where reading stopped (code points) when the text
/// held more cells than `MAX_CELLS`.
pub struct FromText {
    pub tables: Vec<LocatedTable>,
    pub stopped_at: Option<usize>,
}

/// Tables flattened into text: runs of lines that start with a tab, one cell a line, rows
/// separated by blank lines, under a header row with 序号. Lines from `until` (code points)
/// on are not read.
pub fn from_flattened_text(text: &str, until: usize) -> FromText {
    // Group cell lines into rows.
    let mut rows: Vec<(Vec<Cell>, bool)> = Vec::new(); // (cells, ends a group)
    let mut current: Vec<Cell> = Vec::new();
    let mut offset = 0usize;
    let mut cells = 0;
    let mut stopped_at = None;
    for line in text.split('\n') {
        if offset >= until {
            break;
        }
        if cells >= MAX_CELLS {
            stopped_at = Some(offset);
            break;
        }
        let len = line.chars().count();
        let trimmed_start = line.trim_start_matches(' ');
        if let Some(cell_text) = trimmed_start.strip_prefix('\t') {
            let lead = len - cell_text.chars().count();
            let content = cell_text.trim_end_matches(['\r', ' ', '\t']);
            let inner_lead = content.chars().count() - content.trim_start().chars().count();
            let content = content.trim_start();
            let start = offset + lead + inner_lead;
            cells += 1;
            current.push(Cell {
                start,
                end: start + content.chars().count(),
                text: content.to_string(),
            });
        } else if !current.is_empty() {
            rows.push((std::mem::take(&mut current), true));
        }
        offset += len + 1;
    }
    if !current.is_empty() {
        rows.push((current, true));
    }

    let mut tables = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        if !is_header(&rows[i].0) {
            i += 1;
            continue;
        }
        let width = rows[i].0.len();
        let mut grid = vec![rows[i].0.clone()];
        i += 1;
        while i < rows.len() && rows[i].0.len() == width && !is_header(&rows[i].0) {
            grid.push(rows[i].0.clone());
            i += 1;
        }
        tables.push(LocatedTable::from_cells(&Table { rows: grid }));
    }
    FromText { tables, stopped_at }
}

/// Tables written one row a line, cells separated by tabs or by runs of two or more spaces
/// (as converters and hand-typed reports write them), under a header line naming at least
/// three columns. The table ends at the first line that is not a row of two or more cells.
/// Lines from `until` (code points) on are not read.
pub fn from_row_lines(text: &str, until: usize) -> FromText {
    let mut tables = Vec::new();
    let mut offset = 0usize;
    let mut lines = Vec::new();
    for line in text.split('\n') {
        if offset >= until {
            break;
        }
        lines.push((offset, line));
        offset += line.chars().count() + 1;
    }
    let mut cells_read = 0;
    let mut stopped_at = None;
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        if cells_read >= MAX_CELLS {
            stopped_at = Some(start);
            break;
        }
        let header = split_row(start, line);
        i += 1;
        if header.len() < 3 || !is_header(&header) {
            continue;
        }
        let columns: Vec<Column> = header.iter().map(|c| column_of(&c.text)).collect();
        let mut rows = Vec::new();
        while i < lines.len() {
            let (start, line) = lines[i];
            if cells_read >= MAX_CELLS {
                break;
            }
            let cells = split_row(start, line);
            // A section heading between rows ("一、党政机关") is skipped when rows follow it.
            if is_section_row(&cells)
                && lines
                    .get(i + 1)
                    .is_some_and(|&(s, l)| split_row(s, l).len() >= 2)
            {
                i += 1;
                continue;
            }
            if cells.iter().filter(|c| !c.text.is_empty()).count() < 2 {
                break;
            }
            cells_read += cells.len();
            i += 1;
            if is_header(&cells) {
                continue;
            }
            if let Some(row) = fit_row(&columns, cells, start) {
                rows.push(row);
            }
        }
        if !rows.is_empty() {
            tables.push(LocatedTable {
                columns,
                rows,
                caption_unit: None,
                header_at: None,
            });
        }
    }
    FromText { tables, stopped_at }
}

/// The cells of one line: text separated by bars (`|`, `｜`), by tabs, by two or more
/// spaces, or by two or more ideographic spaces. Bars and tabs keep empty cells, so a cell
/// stays under its column; runs of spaces cannot tell. `start` is the line's offset in code
/// points.
fn split_row(start: usize, line: &str) -> Vec<Cell> {
    let chars: Vec<char> = line.trim_end_matches('\r').chars().collect();
    let bars = chars.iter().filter(|c| matches!(c, '|' | '｜')).count();
    if bars >= 2 {
        return split_on(start, &chars, |c| matches!(c, '|' | '｜'), true);
    }
    if chars.contains(&'\t') {
        return split_on(start, &chars, |c| c == '\t', false);
    }
    let mut cells = Vec::new();
    let mut cell_start: Option<usize> = None;
    let mut i = 0;
    while i <= chars.len() {
        let gap = match chars.get(i) {
            None => 1,
            Some('\t') => 1,
            Some(&c) if c == ' ' || c == '\u{3000}' => {
                let run = chars[i..].iter().take_while(|&&d| d == c).count();
                // A single space (or the run of one leading the line) does not part cells.
                if run >= 2 || cell_start.is_none() {
                    run
                } else {
                    0
                }
            }
            _ => 0,
        };
        if gap == 0 {
            cell_start.get_or_insert(i);
            i += 1;
            continue;
        }
        if let Some(s) = cell_start.take() {
            let text: String = chars[s..i].iter().collect();
            let trimmed = text.trim_end();
            cells.push(Cell {
                start: start + s,
                end: start + s + trimmed.chars().count(),
                text: trimmed.to_string(),
            });
        }
        i += gap;
    }
    cells
}

/// Cells parted by one separator character, each trimmed, empty ones kept (a bar row's
/// outer bars open and close the row rather than part cells).
fn split_on(start: usize, chars: &[char], sep: impl Fn(char) -> bool, outer: bool) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut from = 0;
    for i in 0..=chars.len() {
        if i < chars.len() && !sep(chars[i]) {
            continue;
        }
        let text: String = chars[from..i].iter().collect();
        let lead = text.chars().count() - text.trim_start().chars().count();
        let trimmed = text.trim();
        let cell_start = start + from + lead;
        cells.push(Cell {
            start: cell_start,
            end: cell_start + trimmed.chars().count(),
            text: trimmed.to_string(),
        });
        from = i + 1;
    }
    if outer {
        if cells.first().is_some_and(|c| c.text.is_empty()) {
            cells.remove(0);
        }
        if cells.last().is_some_and(|c| c.text.is_empty()) {
            cells.pop();
        }
    }
    cells
}

/// A section heading inside a table ("一、党政机关", "（二）社会事业"): words only, no value.
fn is_section_row(cells: &[Cell]) -> bool {
    let filled: Vec<&Cell> = cells.iter().filter(|c| !c.text.is_empty()).collect();
    filled.len() == 1
        && filled[0].text.chars().count() <= 20
        && !filled[0].text.chars().any(|c| c.is_ascii_digit())
}

/// A row under `columns`. A row with every cell is taken as it is; a shorter one (a 合计 row
/// whose empty cells left no trace) gets its first cell in the first column and each other
/// cell in the first free column that can hold it: a number in a money or score column, a
/// grade in the grade column, words in the name column. Longer rows are not rows of this
/// table.
fn fit_row(columns: &[Column], cells: Vec<Cell>, line_start: usize) -> Option<Vec<Cell>> {
    if cells.len() == columns.len() {
        return Some(cells);
    }
    if cells.len() > columns.len() {
        return None;
    }
    let empty = Cell {
        start: line_start,
        end: line_start,
        text: String::new(),
    };
    let mut row = vec![empty; columns.len()];
    let mut cells = cells.into_iter();
    row[0] = cells.next()?;
    for cell in cells {
        let fits = |c: Column| match c {
            Column::Money(_) | Column::Score => parse_signed(&cell.text.replace(',', "")).is_some(),
            Column::Percent => parse_signed(cell.text.trim().trim_end_matches('%')).is_some(),
            Column::Grade => Rating::parse(cell.text.trim()).is_some(),
            Column::Name | Column::Other => parse_decimal(&cell.text).is_none(),
            Column::RowNumber => false,
        };
        let slot = (1..columns.len()).find(|&j| row[j].text.is_empty() && fits(columns[j]))?;
        row[slot] = cell;
    }
    Some(row)
}

/// Facts of every table's rows. Prose facts already found inside a row (a grade in its
/// 评价情况 text) take the row's name as subject and its 序号 as `row`.
pub(crate) fn facts(
    tables: &[LocatedTable],
    norm: &NormalizedText,
    cands: &mut [Candidate],
) -> Vec<Fact> {
    let mut out = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        for row in &table.rows {
            let row_no = table.row_number(row);
            let name = table.name(row);
            let total_label = table.total_label(row);
            let total = total_label.is_some();
            let subject = total_label.map(String::from).or_else(|| name.clone());
            let fact_at = |kind, value, cell: &Cell, rule| {
                let mut f = Fact::new(
                    kind,
                    value,
                    Span {
                        start: cell.start,
                        end: cell.end,
                    },
                    rule,
                );
                f.subject = subject.clone();
                f.row = if total { None } else { row_no };
                f.table = Some(t as u32);
                f
            };
            for column in table.money_columns() {
                if let Some((yuan, cell, unit)) = table.money_in(row, column) {
                    let value = FactValue::Decimal(yuan.normalize());
                    let mut f = fact_at(FactKind::Amount, value, cell, Rule::TableMoneyColumn);
                    f.unit = Some(unit.as_str().to_string());
                    out.push(f);
                }
            }
            for (i, col) in table.columns.iter().enumerate() {
                // A bare number under 执行率(%); "98.46%" is read by the prose scanner.
                if *col == Column::Percent
                    && let Some(cell) = row.get(i)
                    && let Some(v) = parse_decimal(cell.text.trim())
                {
                    out.push(fact_at(
                        FactKind::Percent,
                        FactValue::Decimal(v),
                        cell,
                        Rule::TablePercentColumn,
                    ));
                }
                if *col == Column::Score
                    && let Some(cell) = row.get(i)
                    && let Some(v) = parse_decimal(cell.text.trim())
                {
                    let mut f = fact_at(
                        FactKind::Score,
                        FactValue::Decimal(v),
                        cell,
                        Rule::TableScoreColumn,
                    );
                    f.unit = Some("分".to_string());
                    out.push(f);
                }
            }
            // A 合计 row totals money and scores; it has no grade of its own.
            if total {
                continue;
            }
            if let Some(cell) = table.cell(row, Column::Grade)
                && let Some(r) = Rating::parse(&cell.text)
            {
                out.push(fact_at(
                    FactKind::Rating,
                    FactValue::Rating(r),
                    cell,
                    Rule::TableGradeColumn,
                ));
            }
            // Prose inside the row's cells.
            let (Some(first), Some(last)) = (row.first(), row.last()) else {
                continue;
            };
            let (row_start, row_end) = (
                norm.from_original(first.start),
                norm.from_original(last.end),
            );
            // A number that fills a cell on its own (an 执行率 column) belongs to the row too.
            let whole_cells: Vec<(usize, usize)> = row
                .iter()
                .filter(|c| !c.text.is_empty())
                .map(|c| (norm.from_original(c.start), norm.from_original(c.end)))
                .collect();
            let first_in_row = cands.partition_point(|c| c.span.start < row_start);
            for c in cands[first_in_row..]
                .iter_mut()
                .take_while(|c| c.span.start < row_end)
            {
                let whole_cell = whole_cells.contains(&(c.span.start, c.span.end));
                if c.span.end <= row_end && (c.fact.kind == FactKind::Rating || whole_cell) {
                    c.fact.subject = name.clone();
                    c.fact.row = row_no;
                    c.fact.table = Some(t as u32);
                }
            }
        }
    }
    // A table cell the prose scanners also read (a quoted grade alone in a cell) is one fact.
    // Candidates are sorted by start, so the overlap test is a binary search.
    out.retain(|f| {
        let (s, e) = (norm.from_original(f.start), norm.from_original(f.end));
        let first = cands.partition_point(|c| c.span.end <= s);
        !cands[first..]
            .iter()
            .take_while(|c| c.span.start < e)
            .any(|c| c.fact.kind == f.kind)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAT: &str = "情况表\n\t序号\n\t项目名称\n\t财政资金(单位:万元)\n\t评价等级\n\n\t\n\t\n\t\n\t\n\n\t1\n\t甲项目\n\t548.95\n\t优\n\n\t2\n\t乙项目\n\t1,116.1\n\t良\n\n\t合计\n\t\n\t1665.05\n\t\n\n\t附件2\n\t\n";

    #[test]
    fn flattened_table_rows() {
        let tables = from_flattened_text(FLAT, usize::MAX).tables;
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        assert_eq!(t.columns[2], Column::Money(Some(AmountUnit::WanYuan)));
        assert_eq!(t.rows.len(), 3);
        let (yuan, cell, _) = t.money(&t.rows[0]).unwrap();
        assert_eq!(yuan.normalize().to_string(), "5489500");
        let chars: Vec<char> = FLAT.chars().collect();
        assert_eq!(
            chars[cell.start..cell.end].iter().collect::<String>(),
            "548.95"
        );
        assert_eq!(
            t.money(&t.rows[1]).unwrap().0.normalize().to_string(),
            "11161000"
        );
        assert!(t.is_total(&t.rows[2]));
        assert_eq!(t.row_number(&t.rows[1]), Some(2));
    }

    #[test]
    fn indicator_table_scores_take_the_indicator() {
        let text = "\t一级指标\n\t二级指标\n\t分值\n\t得分\n\n\t决策\n\t项目立项\n\t10\n\t9.5\n\n\t\n\t绩效目标\n\t8\n\t8\n";
        let tables = from_flattened_text(text, usize::MAX).tables;
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        assert_eq!(
            t.columns,
            vec![Column::Name, Column::Name, Column::Score, Column::Score]
        );
        assert_eq!(t.name(&t.rows[1]).as_deref(), Some("绩效目标"));
        let ex = crate::extract::Extractor::shared();
        let e = ex.extract_text(text);
        let scores: Vec<(String, String)> = e
            .facts
            .iter()
            .map(|f| (f.value.display(), f.subject.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            scores,
            vec![
                ("10".into(), "项目立项".into()),
                ("9.5".into(), "项目立项".into()),
                ("8".into(), "绩效目标".into()),
                ("8".into(), "绩效目标".into())
            ]
        );
    }

    #[test]
    fn header_roles() {
        assert_eq!(
            column_of("财政资金(单位:万元)"),
            Column::Money(Some(AmountUnit::WanYuan))
        );
        assert_eq!(column_of("评价等级"), Column::Grade);
        assert_eq!(column_of("自评得分"), Column::Score);
        assert_eq!(column_of("项目名称"), Column::Name);
        assert_eq!(column_of("序号"), Column::RowNumber);
        // Places and either-of names head name columns; 等次 is a grade.
        assert_eq!(column_of("县（市、区）"), Column::Name);
        assert_eq!(column_of("类别/项目"), Column::Name);
        assert_eq!(column_of("考核等次"), Column::Grade);
        assert_eq!(column_of("实施单位"), Column::Other);
    }

    #[test]
    fn a_bar_table_of_places() {
        let text = "各县（市、区）考核得分见下表。\n县（市、区）｜考核得分｜考核等次\n章贡区｜93.5｜优秀\n赣县区｜86.0｜良好\n";
        let tables = from_row_lines(text, usize::MAX).tables;
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        assert_eq!(t.columns, [Column::Name, Column::Score, Column::Grade]);
        assert_eq!(t.name(&t.rows[1]).as_deref(), Some("赣县区"));
    }
}
