//! XLS (BIFF8, and BIFF5's FORMAT records) number formats, which calamine reads but keeps to
//! itself: it only tells dates from other numbers. This pass walks the `Workbook` stream's
//! records once (FORMAT, XF and BOUNDSHEET in the globals, then each sheet's cell records) to
//! find the format code of every numeric cell. It runs before calamine opens the file, so it
//! also enforces the workbook limits while only counting: calamine builds a dense grid per
//! sheet over the box of its values, so a file with a few far-apart cells is refused here.

use super::{Budget, MAX_SHEETS, numfmt};
use crate::ingest::{IngestError, MAX_UPLOAD_BYTES};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Cells (rows × columns) of the value boxes of all sheets together: calamine holds a value
/// and a formula per cell of each box, about 60 bytes, so this keeps a workbook under 500 MB.
pub const MAX_AREA: u64 = 8_000_000;

/// The largest grid a BIFF8 sheet can have (65,536 rows × 256 columns).
const BIFF8_AREA: u64 = 65_536 * 256;

/// Format codes of the numeric cells of a workbook.
#[derive(Debug, Default)]
pub struct Formats {
    /// Custom format codes (FORMAT records) by format index.
    codes: HashMap<u16, String>,
    /// Format index of each cell style (XF record), by XF index.
    xf_format: Vec<u16>,
    /// For each sheet in workbook order (BOUNDSHEET order, as calamine lists them): the XF
    /// index of each numeric cell, by (row, column).
    sheets: Vec<HashMap<(u32, u32), u16>>,
}

impl Formats {
    /// The number format code of a cell, if it holds a number.
    pub fn code(&self, sheet: usize, row: u32, col: u32) -> Option<&str> {
        let xf = *self.sheets.get(sheet)?.get(&(row, col))?;
        let ifmt = *self.xf_format.get(xf as usize)?;
        self.codes
            .get(&ifmt)
            .map(String::as_str)
            .or_else(|| numfmt::builtin(ifmt))
    }
}

/// Reads the formats and checks the limits. Errors only for limits and encrypted files; a
/// stream this pass cannot follow gives empty formats and is left to calamine to judge.
pub fn read(bytes: &[u8], budget: &mut Budget) -> Result<Formats, IngestError> {
    let Some(stream) = workbook_stream(bytes) else {
        return Ok(Formats::default());
    };
    let mut formats = Formats::default();
    let mut biff8 = true;
    let mut sheets: Vec<(usize, u8)> = Vec::new();
    let mut seen_bof = false;
    for (typ, data) in Records::at(&stream, 0) {
        match typ {
            // BOF: the globals' version decides how FORMAT strings are stored.
            0x0809 if !seen_bof => {
                seen_bof = true;
                biff8 = u16_at(data, 0).is_none_or(|v| v >= 0x0600);
            }
            // FilePass: the rest of the stream is encrypted.
            0x002F => {
                return Err(IngestError::Unsupported {
                    found: "a password-protected XLS workbook; save it without a password".into(),
                });
            }
            0x041E => {
                if let Some((ifmt, code)) = parse_format(data, biff8) {
                    formats.codes.insert(ifmt, code);
                }
            }
            0x00E0 => formats.xf_format.push(u16_at(data, 2).unwrap_or(0)),
            0x0085 => {
                let pos = u32_at(data, 0).unwrap_or(u32::MAX) as usize;
                sheets.push((pos, data.get(5).copied().unwrap_or(0)));
            }
            0x000A => break,
            _ => {}
        }
    }
    if sheets.len() > MAX_SHEETS {
        return Err(IngestError::Limit(format!(
            "the workbook has {} sheets; at most {MAX_SHEETS} are read",
            sheets.len()
        )));
    }
    let mut area: u64 = 0;
    for (pos, kind) in sheets {
        let mut cells = HashMap::new();
        // Only worksheets (kind 0) hold cells; charts and macro sheets are skipped.
        if kind == 0 && pos < stream.len() {
            area = area.saturating_add(read_sheet(&stream, pos, &mut cells, budget)?);
            if area > MAX_AREA {
                return Err(IngestError::Limit(format!(
                    "the sheets' cells spread over more than {MAX_AREA} grid positions"
                )));
            }
        }
        formats.sheets.push(cells);
    }
    Ok(formats)
}

/// Walks one sheet's substream: counts its values against the budget, records the XF of its
/// numeric cells, and returns the area of the box around its values.
fn read_sheet(
    stream: &[u8],
    pos: usize,
    cells: &mut HashMap<(u32, u32), u16>,
    budget: &mut Budget,
) -> Result<u64, IngestError> {
    let mut depth = 0usize;
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    let mut seen = |row: u32, col: u32| {
        bbox = Some(match bbox {
            None => (row, col, row, col),
            Some((r0, c0, r1, c1)) => (r0.min(row), c0.min(col), r1.max(row), c1.max(col)),
        });
    };
    for (typ, data) in Records::at(stream, pos) {
        match typ {
            0x0809 => depth += 1,
            0x000A => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            // Records of an embedded chart's substream are not the sheet's cells.
            _ if depth != 1 => {}
            // Dimensions: calamine reserves room for this box up front, so a false one that
            // is larger than any sheet is refused here.
            0x0200 => {
                if let (Some(r0), Some(r1), Some(c0), Some(c1)) = (
                    u32_at(data, 0),
                    u32_at(data, 4),
                    u16_at(data, 8),
                    u16_at(data, 10),
                ) {
                    let area = u64::from(r1.saturating_sub(r0)) * u64::from(c1.saturating_sub(c0));
                    if area > BIFF8_AREA {
                        return Err(IngestError::Malformed(format!(
                            "a sheet declares {area} cells, more than an XLS sheet can hold"
                        )));
                    }
                }
            }
            // Number, RK and formula cells carry a number whose format matters.
            0x0203 | 0x027E | 0x0006 => {
                if let (Some(row), Some(col), Some(xf)) =
                    (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4))
                {
                    budget.take(1)?;
                    seen(row.into(), col.into());
                    cells.insert((row.into(), col.into()), xf);
                }
            }
            // MulRk: several RK cells in a row, each with its own XF.
            0x00BD => {
                if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                    let n = data.len().saturating_sub(6) / 6;
                    budget.take(n)?;
                    for i in 0..n {
                        let col = u32::from(first) + i as u32;
                        if let Some(xf) = u16_at(data, 4 + 6 * i) {
                            seen(row.into(), col);
                            cells.insert((row.into(), col), xf);
                        }
                    }
                }
            }
            // Label, RString, LabelSst and BoolErr hold values too.
            0x0204 | 0x00D6 | 0x00FD | 0x0205 => {
                if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                    budget.take(1)?;
                    seen(row.into(), col.into());
                }
            }
            _ => {}
        }
    }
    Ok(bbox.map_or(0, |(r0, c0, r1, c1)| {
        u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
    }))
}

/// The `Workbook` (BIFF8) or `Book` (BIFF5) stream of an OLE container.
fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    let mut stream = cf
        .open_stream("/Workbook")
        .or_else(|_| cf.open_stream("/Book"))
        .ok()?;
    let mut out = Vec::new();
    // A stream is made of the file's own sectors; more than the upload limit is a loop.
    (&mut stream)
        .take(MAX_UPLOAD_BYTES as u64)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// BIFF records from an offset: (type, data), until the stream ends or a record is cut off.
struct Records<'a> {
    stream: &'a [u8],
    pos: usize,
}

impl<'a> Records<'a> {
    fn at(stream: &'a [u8], pos: usize) -> Self {
        Records { stream, pos }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let typ = u16_at(self.stream, self.pos)?;
        let len = u16_at(self.stream, self.pos + 2)? as usize;
        let start = self.pos + 4;
        let data = self.stream.get(start..start + len)?;
        self.pos = start + len;
        Some((typ, data))
    }
}

/// A FORMAT record: its index and code (BIFF8: a 16-bit count, a flags byte, then 8-bit or
/// UTF-16 characters; BIFF5: an 8-bit count and 8-bit characters).
fn parse_format(data: &[u8], biff8: bool) -> Option<(u16, String)> {
    let ifmt = u16_at(data, 0)?;
    if !biff8 {
        let n = *data.get(2)? as usize;
        let raw = data.get(3..3 + n).or_else(|| data.get(3..))?;
        return Some((ifmt, raw.iter().map(|&b| b as char).collect()));
    }
    let n = u16_at(data, 2)? as usize;
    let flags = *data.get(4)?;
    let chars = &data[5.min(data.len())..];
    let code = if flags & 1 == 1 {
        let units: Vec<u16> = chars
            .chunks_exact(2)
            .take(n)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        chars.iter().take(n).map(|&b| b as char).collect()
    };
    Some((ifmt, code))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at + 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn format_records_both_widths() {
        let mut narrow = vec![0xA4, 0x00, 4, 0, 0];
        narrow.extend(b"0.0%");
        assert_eq!(parse_format(&narrow, true), Some((164, "0.0%".to_string())));
        let mut wide = vec![0xA5, 0x00, 5, 0, 1];
        for u in "0\"万元\"".encode_utf16() {
            wide.extend(u.to_le_bytes());
        }
        assert_eq!(
            parse_format(&wide, true),
            Some((165, "0\"万元\"".to_string()))
        );
        assert_eq!(
            parse_format(&[1, 0, 2, b'0', b'%'], false),
            Some((1, "0%".to_string()))
        );
    }

    #[test]
    fn sheet_cells_are_counted_and_formatted() {
        // A sheet: BOF, a NUMBER at (2, 1) with XF 3, a MULRK of two cells, an embedded
        // chart substream whose cell must not count, EOF.
        let mut s = record(0x0809, &[0, 6, 0x10, 0]);
        s.extend(record(
            0x0203,
            &[2, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F],
        ));
        s.extend(record(
            0x00BD,
            &[4, 0, 0, 0, 5, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 1, 0],
        ));
        s.extend(record(0x0809, &[0, 6, 0x20, 0]));
        s.extend(record(0x0203, &[9, 0, 9, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        s.extend(record(0x000A, &[]));
        s.extend(record(0x000A, &[]));
        let mut cells = HashMap::new();
        let mut budget = Budget::default();
        let area = read_sheet(&s, 0, &mut cells, &mut budget).unwrap();
        assert_eq!(cells.get(&(2, 1)), Some(&3));
        assert_eq!(cells.get(&(4, 1)), Some(&6));
        assert_eq!(cells.len(), 3);
        assert_eq!(area, 3 * 2);
        let mut formats = Formats {
            xf_format: vec![0, 0, 0, 10, 0, 0, 164],
            sheets: vec![cells],
            ..Default::default()
        };
        formats.codes.insert(164, "0.0%".into());
        assert_eq!(formats.code(0, 2, 1), Some("0.00%"));
        assert_eq!(formats.code(0, 4, 1), Some("0.0%"));
        assert_eq!(formats.code(0, 9, 9), None);
    }
}
