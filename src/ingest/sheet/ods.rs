//! ODS workbooks, read from `content.xml`: every cell already holds the text LibreOffice
//! shows (`text:p`, number formats applied), which calamine drops in favour of the raw
//! `office:value`; merges (`table:number-columns-spanned`, `…-rows-spanned`) and hidden
//! sheets (a table style with `table:display="false"`) are read here too. Repeated rows and
//! cells (`table:number-rows-repeated`, `…-columns-repeated`) are expanded only when they hold
//! something, so the million empty rows LibreOffice writes at a sheet's end cost nothing.

use super::{Budget, Grid, MAX_SHEETS, numfmt};
use crate::ingest::IngestError;
use crate::ingest::docx::resolve_entity;
use crate::ingest::zipsafe::{self, LIMIT_HIT, LimitedReader};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashSet;
use std::io::BufReader;

/// Upper bound on `content.xml`, enforced while inflating.
const MAX_CONTENT_XML: u64 = 128 * 1024 * 1024;

/// Reads the visible sheets of an ODS file.
pub(super) fn read(bytes: &[u8], budget: &mut Budget) -> Result<Vec<Grid>, IngestError> {
    let mut archive = zipsafe::open(bytes, "ODS")?;
    let entry = archive
        .by_name("content.xml")
        .map_err(|e| IngestError::Malformed(format!("content.xml cannot be read: {e}")))?;
    let limited = LimitedReader {
        inner: entry,
        left: MAX_CONTENT_XML,
    };
    let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, limited));
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut st = State::default();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            if e.to_string().contains(LIMIT_HIT) {
                IngestError::Limit(format!(
                    "content.xml unpacks to more than {MAX_CONTENT_XML} bytes"
                ))
            } else {
                IngestError::Malformed(format!("content.xml is not well-formed XML: {e}"))
            }
        })?;
        match event {
            Event::Eof => break,
            Event::Start(e) => st.start(&e, false, budget)?,
            Event::Empty(e) => st.start(&e, true, budget)?,
            Event::End(e) => st.end(e.name().as_ref(), budget)?,
            Event::Text(t) if st.in_text() => st.text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if st.in_text() => {
                if let Some(c) = resolve_entity(&r) {
                    st.text.push(c);
                }
            }
            Event::CData(t) if st.in_text() => st.text.push_str(&t),
            _ => {}
        }
        buf.clear();
    }
    Ok(st.grids)
}

/// The cell being read.
#[derive(Default)]
struct OdsCell {
    covered: bool,
    repeat: u32,
    col_span: u32,
    row_span: u32,
    value_type: String,
    value: Option<String>,
    date: Option<String>,
    boolean: Option<String>,
    string: Option<String>,
}

#[derive(Default)]
struct State {
    grids: Vec<Grid>,
    sheets: usize,
    /// Table styles that hide their sheet.
    hidden: HashSet<String>,
    /// The `style:style` being read, when it is a table style.
    table_style: Option<String>,
    /// The sheet being read and whether it is shown.
    sheet: Option<(Grid, bool)>,
    /// Depth of `table:table` elements inside a cell (not sheets) and of skipped subtrees.
    skip: usize,
    row: u32,
    row_repeat: u32,
    col: u32,
    row_cells: Vec<(u32, String)>,
    row_merges: Vec<[u32; 4]>,
    cell: Option<OdsCell>,
    /// Paragraph depth inside the current cell; text counts only inside a paragraph.
    para: usize,
    paras: usize,
    text: String,
}

fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
}

fn count(e: &BytesStart, key: &str) -> u32 {
    attr(e, key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
        .max(1)
}

impl State {
    fn in_text(&self) -> bool {
        self.skip == 0 && self.cell.is_some() && self.para > 0
    }

    fn start(
        &mut self,
        e: &BytesStart,
        empty: bool,
        budget: &mut Budget,
    ) -> Result<(), IngestError> {
        let name = e.name();
        let n = name.as_ref();
        if self.skip > 0 {
            if !empty {
                self.skip += 1;
            }
            return Ok(());
        }
        match n {
            "style:style" => {
                let family = attr(e, "style:family");
                self.table_style = (family.as_deref() == Some("table"))
                    .then(|| attr(e, "style:name"))
                    .flatten();
                if empty {
                    self.table_style = None;
                }
            }
            "style:table-properties" => {
                if let Some(style) = &self.table_style
                    && attr(e, "table:display").as_deref() == Some("false")
                {
                    self.hidden.insert(style.clone());
                }
            }
            // A table inside a sheet is not a sheet of its own; its text is not read.
            "table:table" if !empty && (self.cell.is_some() || self.sheet.is_some()) => {
                self.skip = 1;
            }
            "table:table" if self.cell.is_some() || self.sheet.is_some() => {}
            "table:table" => {
                self.sheets += 1;
                if self.sheets > MAX_SHEETS {
                    return Err(IngestError::Limit(format!(
                        "the workbook has more than {MAX_SHEETS} sheets"
                    )));
                }
                let visible = attr(e, "table:style-name").is_none_or(|s| !self.hidden.contains(&s));
                let grid = Grid {
                    name: attr(e, "table:name").unwrap_or_default(),
                    ..Grid::default()
                };
                self.row = 0;
                if empty {
                    self.finish_sheet(grid, visible);
                } else {
                    self.sheet = Some((grid, visible));
                }
            }
            "table:table-row" if self.sheet.is_some() => {
                self.row_repeat = count(e, "table:number-rows-repeated");
                self.col = 0;
                self.row_cells.clear();
                self.row_merges.clear();
                if empty {
                    self.end_row(budget)?;
                }
            }
            "table:table-cell" | "table:covered-table-cell" if self.sheet.is_some() => {
                self.cell = Some(OdsCell {
                    covered: n == "table:covered-table-cell",
                    repeat: count(e, "table:number-columns-repeated"),
                    col_span: count(e, "table:number-columns-spanned"),
                    row_span: count(e, "table:number-rows-spanned"),
                    value_type: attr(e, "office:value-type").unwrap_or_default(),
                    value: attr(e, "office:value"),
                    date: attr(e, "office:date-value"),
                    boolean: attr(e, "office:boolean-value"),
                    string: attr(e, "office:string-value"),
                });
                self.text.clear();
                self.para = 0;
                self.paras = 0;
                if empty {
                    self.end_cell(budget)?;
                }
            }
            // Comments and drawn shapes in a cell are not its text.
            "office:annotation" | "draw:frame" | "draw:custom-shape"
                if !empty && self.cell.is_some() =>
            {
                self.skip = 1;
            }
            "text:p" | "text:h" if self.cell.is_some() => {
                if self.para == 0 && self.paras > 0 {
                    self.text.push('\n');
                }
                if self.para == 0 {
                    self.paras += 1;
                }
                if !empty {
                    self.para += 1;
                }
            }
            "text:s" if self.in_text() => {
                let n = attr(e, "text:c")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1usize)
                    .min(1000);
                self.text.extend(std::iter::repeat_n(' ', n));
            }
            "text:tab" if self.in_text() => self.text.push('\t'),
            "text:line-break" if self.in_text() => self.text.push('\n'),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, n: &str, budget: &mut Budget) -> Result<(), IngestError> {
        if self.skip > 0 {
            self.skip -= 1;
            return Ok(());
        }
        match n {
            "style:style" => self.table_style = None,
            "text:p" | "text:h" if self.cell.is_some() => self.para = self.para.saturating_sub(1),
            "table:table-cell" | "table:covered-table-cell" if self.cell.is_some() => {
                self.end_cell(budget)?;
            }
            "table:table-row" if self.sheet.is_some() => self.end_row(budget)?,
            "table:table" => {
                if let Some((grid, visible)) = self.sheet.take() {
                    self.finish_sheet(grid, visible);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish_sheet(&mut self, grid: Grid, visible: bool) {
        if visible {
            self.grids.push(grid);
        }
    }

    /// A cell's shown text: the paragraphs LibreOffice wrote, except for dates and booleans,
    /// which take one fixed form whatever their format.
    fn end_cell(&mut self, budget: &mut Budget) -> Result<(), IngestError> {
        let Some(cell) = self.cell.take() else {
            return Ok(());
        };
        let shown = std::mem::take(&mut self.text);
        let repeat = cell.repeat;
        let text = if cell.covered {
            // What a merge covers is hidden, even if the file keeps a value there.
            String::new()
        } else {
            match cell.value_type.as_str() {
                "date" => cell
                    .date
                    .as_deref()
                    .map(numfmt::iso_datetime)
                    .unwrap_or(shown),
                "boolean" => match cell.boolean.as_deref() {
                    Some("true") => "TRUE".into(),
                    Some("false") => "FALSE".into(),
                    _ => shown,
                },
                "float" | "percentage" | "currency" if shown.is_empty() => cell
                    .value
                    .as_deref()
                    .and_then(|v| v.parse::<f64>().ok())
                    .map(numfmt::general)
                    .unwrap_or_default(),
                "string" | "" => cell.string.unwrap_or(shown),
                _ => shown,
            }
        };
        let merged = !cell.covered && (cell.col_span > 1 || cell.row_span > 1);
        if !text.is_empty() || merged {
            budget.take(repeat as usize)?;
            for k in 0..repeat {
                let col = self.col.saturating_add(k);
                if !text.is_empty() {
                    self.row_cells.push((col, text.clone()));
                }
                if merged {
                    self.row_merges.push([
                        0,
                        col,
                        cell.row_span - 1,
                        col.saturating_add(cell.col_span - 1),
                    ]);
                }
            }
        }
        self.col = self.col.saturating_add(repeat);
        Ok(())
    }

    /// Places a finished row (and its repeats) in the sheet.
    fn end_row(&mut self, budget: &mut Budget) -> Result<(), IngestError> {
        let repeat = self.row_repeat.max(1);
        if let Some((grid, _)) = self.sheet.as_mut()
            && (!self.row_cells.is_empty() || !self.row_merges.is_empty())
        {
            // The row itself was counted once; its copies count too.
            let per_row = self.row_cells.len() + self.row_merges.len();
            budget.take(per_row.saturating_mul(repeat as usize - 1))?;
            for k in 0..repeat {
                let row = self.row.saturating_add(k);
                grid.cells
                    .extend(self.row_cells.iter().map(|(c, t)| (row, *c, t.clone())));
                grid.merges.extend(
                    self.row_merges
                        .iter()
                        .map(|m| [row, m[1], row.saturating_add(m[2]), m[3]]),
                );
            }
        }
        self.row = self.row.saturating_add(repeat);
        Ok(())
    }
}
