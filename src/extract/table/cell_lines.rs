//! Tables pasted one cell a line, as a DOCX or PDF table reads when its text is copied into a
//! TXT report: the header's column names one a line (序号, 项目名称, 预算金额, 评价得分, 评价等级),
//! then each row's cells one a line. Rows are told apart by their 序号 (1, 2, 3 …) where the
//! table has one, so a row whose empty cells left no line still lands in its columns; without
//! a 序号 column every row is as wide as the header. A 合计/小计 row holds values only.

use super::{
    Column, FromText, LocatedTable, MAX_CELLS, TOTAL_LABELS, column_of, fit_row, is_header,
    parse_signed, squash,
};
use crate::domain::Rating;
use crate::ingest::Cell;

/// Most columns a header pasted one cell a line is read over.
const MAX_COLUMNS: usize = 16;
/// A header cell is a column name: short, and no value.
const MAX_HEADER_CHARS: usize = 24;

/// Tables pasted one cell a line in `text`; lines from `until` (code points) on are not read.
pub fn from_cell_lines(text: &str, until: usize) -> FromText {
    let mut lines: Vec<Cell> = Vec::new();
    let mut offset = 0usize;
    for line in text.split('\n') {
        if offset >= until {
            break;
        }
        let len = line.chars().count();
        let lead = line.chars().take_while(|c| c.is_whitespace()).count();
        let content = line.trim();
        lines.push(Cell {
            start: offset + lead,
            end: offset + lead + content.chars().count(),
            text: content.to_string(),
        });
        offset += len + 1;
    }

    let mut tables = Vec::new();
    let mut cells_read = 0;
    let mut stopped_at = None;
    let mut i = 0;
    while i < lines.len() {
        if cells_read >= MAX_CELLS {
            stopped_at = Some(lines[i].start);
            break;
        }
        let Some(width) = header_width(&lines[i..]) else {
            i += 1;
            continue;
        };
        let header = &lines[i..i + width];
        let columns: Vec<Column> = header.iter().map(|c| column_of(&c.text)).collect();
        let (rows, used) = if columns[0] == Column::RowNumber {
            numbered_rows(&columns, &lines[i + width..])
        } else {
            rows_of_width(&columns, &lines[i + width..])
        };
        cells_read += used;
        if rows.is_empty() {
            i += 1;
            continue;
        }
        tables.push(LocatedTable {
            columns,
            rows,
            caption_unit: None,
            header_at: Some(header[0].start),
        });
        i += width + used;
    }
    FromText { tables, stopped_at }
}

/// How many lines from the first make a header: column names one a line that name the rows
/// (序号 or a name column) and at least one column of values, followed by a row.
fn header_width(lines: &[Cell]) -> Option<usize> {
    if !matches!(column_of(&lines[0].text), Column::RowNumber | Column::Name) {
        return None;
    }
    let width = lines
        .iter()
        .take(MAX_COLUMNS)
        .take_while(|c| is_column_name(&c.text))
        .count();
    if width < 3 || !is_header(&lines[..width]) {
        return None;
    }
    // A numbered table's first row opens with 1.
    let first_row = lines.get(width)?;
    if column_of(&lines[0].text) == Column::RowNumber && squash(&first_row.text) != "1" {
        return None;
    }
    Some(width)
}

/// A column name: one the table reader gives a role, or one that describes the rows
/// ("主管部门", "评价情况"); a row's name ("甲项目") is neither.
fn is_column_name(text: &str) -> bool {
    text.chars().count() <= MAX_HEADER_CHARS
        && !is_value(text)
        && (column_of(text) != Column::Other
            || DESCRIBING_TAILS.iter().any(|t| squash(text).ends_with(t)))
}

/// How the names of describing columns end.
const DESCRIBING_TAILS: &[&str] = &[
    "单位", "部门", "情况", "内容", "说明", "备注", "类别", "类型", "原因", "时间", "地点",
];

/// A number, a percent or a grade: what a value cell holds.
fn is_value(text: &str) -> bool {
    let t = text.trim().replace(',', "");
    parse_signed(t.trim_end_matches(['%', '％'])).is_some() || Rating::parse(&t).is_some()
}

fn is_total(text: &str) -> bool {
    TOTAL_LABELS.contains(&squash(text).as_str())
}

/// Rows opened by their 序号 in order. A row runs up to the next 序号 or totals label; a row
/// as wide as the header is taken as it is (blank lines in it are empty cells), a shorter one
/// is fitted to the columns. Returns the rows and the lines they took.
fn numbered_rows(columns: &[Column], lines: &[Cell]) -> (Vec<Vec<Cell>>, usize) {
    let width = columns.len();
    let mut rows = Vec::new();
    let mut next = 1u32;
    let mut at = 0;
    while at < lines.len() {
        let opens = &lines[at].text;
        if is_total(opens) {
            let values = lines[at + 1..]
                .iter()
                .take(width - 1)
                .take_while(|c| is_value(&c.text))
                .count();
            let Some(row) = fit_row(columns, lines[at..=at + values].to_vec(), lines[at].start)
            else {
                break;
            };
            rows.push(row);
            at += 1 + values;
            continue;
        }
        if squash(opens) != next.to_string() {
            break;
        }
        let ends_row = |c: &Cell| {
            c.text.is_empty() || is_total(&c.text) || squash(&c.text) == (next + 1).to_string()
        };
        let full = lines.get(at + width).is_none_or(ends_row)
            && lines[at + 1..(at + width).min(lines.len())]
                .iter()
                .all(|c| !is_total(&c.text));
        let end = if full && at + width <= lines.len() {
            at + width
        } else {
            (at + 1..(at + width).min(lines.len()))
                .find(|&k| ends_row(&lines[k]))
                .unwrap_or((at + width).min(lines.len()))
        };
        let row = if end - at == width {
            Some(lines[at..end].to_vec()).filter(|r| values_fit(columns, r))
        } else {
            fit_row(columns, lines[at..end].to_vec(), lines[at].start)
        };
        let Some(row) = row else {
            break;
        };
        rows.push(row);
        at = end;
        next += 1;
    }
    (rows, at)
}

/// Rows without a 序号: each as wide as the header, every value in a value column; a totals
/// row holds its label and values. Ends at a blank line or at the first line that is no row.
fn rows_of_width(columns: &[Column], lines: &[Cell]) -> (Vec<Vec<Cell>>, usize) {
    let width = columns.len();
    let mut rows = Vec::new();
    let mut at = 0;
    while at < lines.len() && !lines[at].text.is_empty() {
        if is_total(&lines[at].text) {
            let values = lines[at + 1..]
                .iter()
                .take(width - 1)
                .take_while(|c| is_value(&c.text))
                .count();
            match fit_row(columns, lines[at..=at + values].to_vec(), lines[at].start) {
                Some(row) => rows.push(row),
                None => break,
            }
            at += 1 + values;
            continue;
        }
        let Some(row) = lines.get(at..at + width) else {
            break;
        };
        if row.iter().any(|c| c.text.is_empty()) || !values_fit(columns, row) {
            break;
        }
        rows.push(row.to_vec());
        at += width;
    }
    (rows, at)
}

/// Every cell under a value column holds a value or nothing, and the name cells are words:
/// the lines line up with the header.
fn values_fit(columns: &[Column], row: &[Cell]) -> bool {
    columns.iter().zip(row).all(|(col, cell)| match col {
        Column::Money(_) | Column::Score | Column::Percent | Column::Grade => {
            cell.text.is_empty() || is_value(&cell.text)
        }
        Column::Name => !is_value(&cell.text),
        Column::RowNumber | Column::Other => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str) -> Vec<Vec<String>> {
        let tables = from_cell_lines(text, usize::MAX).tables;
        assert_eq!(tables.len(), 1, "one table in {text:?}");
        tables[0]
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.clone()).collect())
            .collect()
    }

    #[test]
    fn numbered_rows_with_a_total() {
        let text = "附表（单位：万元）\n序号\n项目名称\n财政资金\n评价得分\n评价等级\n1\n村级河道管护\n920\n91\n优秀\n2\n农村公路提档\n800\n85\n良好\n合计\n1720\n\n某镇人民政府\n";
        let rows = cells(text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], ["2", "农村公路提档", "800", "85", "良好"]);
        assert_eq!(rows[2][0], "合计");
        assert_eq!(rows[2][2], "1720");
        let table = &from_cell_lines(text, usize::MAX).tables[0];
        assert_eq!(
            table.header_at,
            Some(
                text.find("序号")
                    .map(|b| text[..b].chars().count())
                    .unwrap()
            )
        );
        // Offsets are code points of the text.
        let cell = &table.rows[0][1];
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(
            chars[cell.start..cell.end].iter().collect::<String>(),
            "村级河道管护"
        );
    }

    #[test]
    fn a_row_missing_a_cell_is_fitted_by_its_number() {
        let rows = cells(
            "序号\n项目名称\n预算金额\n评价得分\n1\n甲项目\n100\n90\n2\n乙项目\n88\n3\n丙项目\n50\n80\n",
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], ["2", "乙项目", "88", ""]);
    }

    #[test]
    fn rows_without_numbers_are_as_wide_as_the_header() {
        let rows = cells(
            "项目名称\n年初预算\n执行数\n甲项目\n100\n98.5\n乙项目\n50\n50\n合计\n150\n148.5\n说明：以上为预算数。\n",
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2], ["合计", "150", "148.5"]);
    }

    #[test]
    fn prose_and_lists_are_no_tables() {
        for text in [
            "序号\n项目名称\n一、总体情况\n本年度共评价项目5个。\n",
            "项目名称\n资金\n评价得分\n",
            "序号\n项目名称\n预算金额\n评价得分\n2\n甲项目\n100\n90\n",
            "项目名称：农村公路\n预算金额：100万元\n评价得分：90分\n",
        ] {
            assert!(
                from_cell_lines(text, usize::MAX).tables.is_empty(),
                "{text:?}"
            );
        }
    }
}
