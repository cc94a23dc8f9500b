//! Spreadsheet uploads (XLSX, XLS, ODS): each visible, non-empty sheet becomes one table
//! block, and its text is written one cell a line, in the order of the self-evaluation TXT
//! files: rows top to bottom, and within a row every column of the sheet's used range that a
//! merged range does not cover. Cells show the text a person sees (number formats applied,
//! see `numfmt`). XLSX values, styles and merges come from calamine; XLS values and merges
//! from calamine and the number formats from `biff`, which calamine does not expose; ODS is
//! read from `content.xml` directly (`ods`), since its cells already hold their shown text and
//! calamine keeps neither that text nor the merges. Workbooks are bounded: sheets, non-empty
//! cells, columns per sheet and the grid positions written.

mod biff;
mod numfmt;
mod ods;

use super::{Block, Cell, Format, IngestError, Ingested, Provenance, Table, zipsafe};
use calamine::{Data, Reader, SheetType, SheetVisible};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

/// Sheets a workbook may have, hidden ones included.
pub const MAX_SHEETS: usize = 64;
/// Non-empty cells of all sheets together.
pub const MAX_CELLS: usize = 200_000;
/// Columns of one sheet's used range.
pub const MAX_COLUMNS: u32 = 1_000;
/// Grid positions written for all sheets (rows kept × columns of the used range): a few
/// cells far apart in a wide sheet would otherwise fill the text with empty lines.
pub const MAX_POSITIONS: usize = 2_000_000;

/// One visible sheet as read from a workbook.
#[derive(Debug, Default)]
struct Grid {
    name: String,
    /// Non-empty cells: 0-based row, column and display text.
    cells: Vec<(u32, u32, String)>,
    /// Merged ranges as [first_row, first_col, last_row, last_col].
    merges: Vec<[u32; 4]>,
}

/// Counts the non-empty cells of a workbook against `MAX_CELLS`.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    cells: usize,
}

impl Budget {
    fn take(&mut self, n: usize) -> Result<(), IngestError> {
        self.cells = self.cells.saturating_add(n);
        if self.cells > MAX_CELLS {
            return Err(IngestError::Limit(format!(
                "the workbook has more than {MAX_CELLS} non-empty cells"
            )));
        }
        Ok(())
    }
}

fn check_sheet_count(n: usize) -> Result<(), IngestError> {
    if n > MAX_SHEETS {
        return Err(IngestError::Limit(format!(
            "the workbook has {n} sheets; at most {MAX_SHEETS} are read"
        )));
    }
    Ok(())
}

/// What an OLE compound file holds.
pub enum OleKind {
    Xls,
    /// A legacy Word .doc or WPS .wps document (a `WordDocument` stream).
    Doc,
    Other(&'static str),
}

/// Tells an XLS workbook from the other OLE files (legacy .doc, encrypted Office packages).
pub fn ole_kind(bytes: &[u8]) -> OleKind {
    const LEGACY: &str = "legacy Word .doc or a password-protected Office file (OLE container); \
                          save it as .docx or PDF without a password";
    let opened = std::panic::catch_unwind(|| {
        let cf = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
        if cf.exists("/Workbook") || cf.exists("/Book") {
            Some(OleKind::Xls)
        } else if cf.exists("/WordDocument") {
            Some(OleKind::Doc)
        } else {
            None
        }
    });
    opened.ok().flatten().unwrap_or(OleKind::Other(LEGACY))
}

/// Runs a reader so that a panic inside a parsing library is a malformed file, not a crash.
fn guarded<T>(f: impl FnOnce() -> Result<T, IngestError>) -> Result<T, IngestError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(IngestError::Malformed(
            "the workbook could not be parsed".into(),
        ))
    })
}

fn malformed(e: impl std::fmt::Display) -> IngestError {
    IngestError::Malformed(e.to_string())
}

/// Whether calamine lists a sheet that is shown and holds cells.
fn readable(sheet: &calamine::Sheet) -> bool {
    sheet.visible == SheetVisible::Visible && sheet.typ == SheetType::WorkSheet
}

fn merges_of(dims: Vec<calamine::Dimensions>) -> Vec<[u32; 4]> {
    dims.iter()
        .map(|d| [d.start.0, d.start.1, d.end.0, d.end.1])
        .collect()
}

/// Reads an XLSX workbook.
pub fn ingest_xlsx(bytes: &[u8]) -> Result<Ingested, IngestError> {
    let mut archive = zipsafe::open(bytes, "XLSX")?;
    zipsafe::check_inflated(&mut archive, "XLSX")?;
    drop(archive);
    guarded(|| {
        let mut wb: calamine::Xlsx<_> =
            calamine::Xlsx::new(Cursor::new(bytes)).map_err(malformed)?;
        let sheets = wb.sheets_metadata().to_vec();
        check_sheet_count(sheets.len())?;
        let mut budget = Budget::default();
        let mut grids = Vec::new();
        for sheet in sheets.iter().filter(|s| readable(s)) {
            let merges = wb
                .merge_cells_by_sheet_name(&sheet.name)
                .map_err(malformed)?;
            let mut grid = Grid {
                name: sheet.name.clone(),
                merges: merges_of(merges),
                ..Grid::default()
            };
            // The cell reader streams the sheet: no dense grid is built, whatever its extent.
            let mut reader = wb.worksheet_cells_reader(&sheet.name).map_err(malformed)?;
            while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(malformed)? {
                let code = reader
                    .styles()
                    .get(style)
                    .and_then(|s| s.number_format.as_ref())
                    .map(|f| f.format_code.as_str());
                let (row, col) = cell.get_position();
                let text = display(&Data::from(cell.get_value().clone()), code);
                if !text.is_empty() {
                    budget.take(1)?;
                    grid.cells.push((row, col, text));
                }
            }
            grids.push(grid);
        }
        render(Format::Xlsx, grids)
    })
}

/// Reads an XLS (BIFF8) workbook.
pub fn ingest_xls(bytes: &[u8]) -> Result<Ingested, IngestError> {
    guarded(|| {
        // Formats and limits first: calamine reads every sheet into memory when it opens.
        let formats = biff::read(bytes, &mut Budget::default())?;
        let wb: calamine::Xls<_> = calamine::Xls::new(Cursor::new(bytes)).map_err(malformed)?;
        let mut wb = wb;
        let sheets = wb.sheets_metadata().to_vec();
        check_sheet_count(sheets.len())?;
        let mut budget = Budget::default();
        let mut grids = Vec::new();
        for (i, sheet) in sheets.iter().enumerate().filter(|(_, s)| readable(s)) {
            let range = wb.worksheet_range(&sheet.name).map_err(malformed)?;
            let merges = wb
                .merge_cells_by_sheet_name(&sheet.name)
                .map_err(malformed)?;
            let mut grid = Grid {
                name: sheet.name.clone(),
                merges: merges_of(merges),
                ..Grid::default()
            };
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, value) in range.used_cells() {
                let (row, col) = (r0 + r as u32, c0 + c as u32);
                let text = display(value, formats.code(i, row, col));
                if !text.is_empty() {
                    budget.take(1)?;
                    grid.cells.push((row, col, text));
                }
            }
            grids.push(grid);
        }
        render(Format::Xls, grids)
    })
}

/// Reads an ODS workbook.
pub fn ingest_ods(bytes: &[u8]) -> Result<Ingested, IngestError> {
    guarded(|| {
        let grids = ods::read(bytes, &mut Budget::default())?;
        render(Format::Ods, grids)
    })
}

/// The text a person sees in a cell. Numbers follow their format code; dates use one fixed
/// form; line breaks are kept as "\n".
fn display(value: &Data, code: Option<&str>) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) => s.replace("\r\n", "\n").replace('\r', "\n"),
        Data::Float(v) => match code {
            Some(code) => numfmt::number(*v, code),
            None => numfmt::general(*v),
        },
        Data::Int(v) => match code {
            Some(code) => numfmt::number(*v as f64, code),
            None => v.to_string(),
        },
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => numfmt::datetime(dt, code),
        Data::DateTimeIso(s) => numfmt::iso_datetime(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// A merged range: as the file gives it, and cut to the sheet's used range.
struct Merge {
    full: [u32; 4],
    clip: [u32; 4],
}

/// Writes the sheets' text one cell a line and builds a table block per sheet.
fn render(format: Format, grids: Vec<Grid>) -> Result<Ingested, IngestError> {
    let mut out = Writer::default();
    let mut blocks = Vec::new();
    let mut positions: usize = 0;
    for grid in grids {
        if grid.cells.is_empty() {
            continue;
        }
        let filled: BTreeMap<(u32, u32), String> = grid
            .cells
            .into_iter()
            .map(|(r, c, t)| ((r, c), t))
            .collect();
        // The used range: the box of the non-empty cells, widened by the merges they start.
        let mut used = [u32::MAX, u32::MAX, 0, 0];
        let mut widen = |b: [u32; 4]| {
            used = [
                used[0].min(b[0]),
                used[1].min(b[1]),
                used[2].max(b[2]),
                used[3].max(b[3]),
            ];
        };
        for &(r, c) in filled.keys() {
            widen([r, c, r, c]);
        }
        for m in &grid.merges {
            if filled.contains_key(&(m[0], m[1])) {
                widen(*m);
            }
        }
        let width = used[3] - used[1] + 1;
        if width > MAX_COLUMNS {
            return Err(IngestError::Limit(format!(
                "sheet \"{}\" uses {width} columns; at most {MAX_COLUMNS} are read",
                grid.name
            )));
        }
        let mut merges: Vec<Merge> = grid
            .merges
            .iter()
            .filter(|m| m[0] <= m[2] && m[1] <= m[3])
            .filter_map(|m| {
                let clip = [
                    m[0].max(used[0]),
                    m[1].max(used[1]),
                    m[2].min(used[2]),
                    m[3].min(used[3]),
                ];
                (clip[0] <= clip[2] && clip[1] <= clip[3]).then_some(Merge { full: *m, clip })
            })
            .collect();
        merges.sort_by_key(|m| (m.clip[0], m.clip[1]));

        // Rows kept: those with a non-empty cell or touched by a merge. Every kept row is at
        // least one position, so tall merges are refused before their rows are listed.
        let merge_rows: u64 = merges
            .iter()
            .map(|m| u64::from(m.clip[2] - m.clip[0] + 1))
            .sum();
        if merge_rows > MAX_POSITIONS as u64 {
            return Err(positions_limit());
        }
        let mut rows: BTreeSet<u32> = filled.keys().map(|k| k.0).collect();
        for m in &merges {
            rows.extend(m.clip[0]..=m.clip[2]);
        }
        positions += rows.len() * width as usize;
        if positions > MAX_POSITIONS {
            return Err(positions_limit());
        }

        let mut table = Table::default();
        let mut provenance = Vec::with_capacity(rows.len());
        // Merges whose rows include the current one, and each merge's origin offset.
        let mut next = 0;
        let mut active: Vec<usize> = Vec::new();
        let mut origin_start: HashMap<usize, usize> = HashMap::new();
        for r in rows {
            while next < merges.len() && merges[next].clip[0] <= r {
                active.push(next);
                next += 1;
            }
            active.retain(|&i| merges[i].clip[2] >= r);
            let mut cover: Vec<Option<usize>> = vec![None; width as usize];
            for &i in &active {
                let m = &merges[i];
                for c in m.clip[1]..=m.clip[3] {
                    cover[(c - used[1]) as usize] = Some(i);
                }
            }
            let mut cells = Vec::with_capacity(width as usize);
            let mut provs = Vec::with_capacity(width as usize);
            for c in used[1]..=used[3] {
                let merge = cover[(c - used[1]) as usize];
                let is_origin = merge.is_none_or(|i| merges[i].clip[..2] == [r, c]);
                let cell = if is_origin {
                    let text = filled.get(&(r, c)).cloned().unwrap_or_default();
                    let start = out.line(&text);
                    if let Some(i) = merge {
                        origin_start.insert(i, start);
                    }
                    Cell {
                        start,
                        end: start + text.chars().count(),
                        text,
                    }
                } else {
                    let at = merge
                        .and_then(|i| origin_start.get(&i).copied())
                        .unwrap_or(out.chars);
                    Cell {
                        start: at,
                        end: at,
                        text: String::new(),
                    }
                };
                cells.push(cell);
                provs.push(Provenance::SheetCell {
                    sheet: grid.name.clone(),
                    row: r,
                    column: c,
                    merged: merge.map(|i| merges[i].full),
                });
            }
            table.rows.push(cells);
            provenance.push(provs);
        }
        blocks.push(Block::Table { table, provenance });
    }
    Ok(Ingested {
        format,
        text: out.text,
        blocks,
        low_confidence: false,
        encoding: None,
        ocr: None,
    })
}

fn positions_limit() -> IngestError {
    IngestError::Limit(format!(
        "the sheets' used ranges hold more than {MAX_POSITIONS} cells to write"
    ))
}

/// The text being written, with its length in code points.
#[derive(Default)]
struct Writer {
    text: String,
    chars: usize,
}

impl Writer {
    /// Writes a cell's text and its line end; returns where the cell starts.
    fn line(&mut self, s: &str) -> usize {
        let start = self.chars;
        self.text.push_str(s);
        self.text.push('\n');
        self.chars += s.chars().count() + 1;
        start
    }
}

#[cfg(test)]
mod tests;
