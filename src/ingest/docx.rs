//! DOCX uploads: the ZIP container is opened with limits (see `zipsafe`), then
//! `word/document.xml` is streamed through quick-xml. Body paragraphs become lines of the text,
//! in order, joined by "\n"; real `w:tbl` tables become table blocks and are written into the
//! text one cell a line, as the spreadsheet readers and the self-evaluation TXT files do, so the
//! prose scanners read the same text whatever the source. A cell's paragraphs are lines of its
//! text. Positions a merged cell covers (`w:gridSpan` padding, `w:vMerge` continuations) are
//! not written; they stay in the table grid as empty cells pointing at their merge's origin.
//! Headers and footers live in other parts and are never read; field codes (`w:instrText`),
//! tracked deletions (`w:delText`, and the source of a tracked move, `w:moveFrom`), superseded
//! properties (`w:tcPrChange` …) and compatibility fallbacks (`mc:Fallback`, a second copy of
//! text-box text) are skipped.

use super::zipsafe::{self, LIMIT_HIT, LimitedReader};
use super::{Block, Cell, Format, IngestError, Ingested, Provenance, Table};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Read, Seek};

/// Upper bound on `word/document.xml` itself, enforced while inflating (declared sizes lie).
pub const MAX_DOCUMENT_XML: u64 = 64 * 1024 * 1024;

/// Reads a DOCX from its bytes.
pub fn ingest_docx(bytes: &[u8]) -> Result<Ingested, IngestError> {
    let mut archive = zipsafe::open(bytes, "DOCX")?;
    let part = main_part(&mut archive);
    let entry = match archive.by_name(&part) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(IngestError::Unsupported {
                found: "ZIP archive without a Word document part (not a DOCX)".into(),
            });
        }
        Err(e) => {
            return Err(IngestError::Malformed(format!(
                "{part} cannot be read: {e}"
            )));
        }
    };
    let limited = LimitedReader {
        inner: entry,
        left: MAX_DOCUMENT_XML,
    };
    parse_document_xml(BufReader::with_capacity(64 * 1024, limited))
}

/// The main document part: `word/document.xml` in files from Word and LibreOffice, but the
/// package relationships name it, and some generators use another name.
fn main_part<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> String {
    const DEFAULT: &str = "word/document.xml";
    if archive.index_for_name(DEFAULT).is_some() {
        return DEFAULT.to_string();
    }
    let Ok(rels) = archive.by_name("_rels/.rels") else {
        return DEFAULT.to_string();
    };
    let mut xml = String::new();
    if rels.take(1024 * 1024).read_to_string(&mut xml).is_err() {
        return DEFAULT.to_string();
    }
    let mut reader = Reader::from_str(&xml);
    loop {
        match reader.read_event() {
            Ok(Event::Empty(e) | Event::Start(e)) if local(e.name().as_ref()) == "Relationship" => {
                let kind = attr_val(&e, "Type").unwrap_or_default();
                if kind.ends_with("/officeDocument")
                    && let Some(target) = attr_val(&e, "Target")
                {
                    return target.trim_start_matches('/').to_string();
                }
            }
            Ok(Event::Eof) | Err(_) => return DEFAULT.to_string(),
            _ => {}
        }
    }
}

/// Builds the text and blocks while walking the XML.
#[derive(Default)]
struct Builder {
    text: String,
    /// Length of `text` in code points (offsets are code points).
    chars: usize,
    blocks: Vec<Block>,
    /// Index of the next body paragraph.
    paragraph: u32,
    /// Index of the next top-level table.
    table: u32,
    /// Whether anything was written yet (paragraphs are joined with `\n`).
    started: bool,
}

impl Builder {
    fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
        self.chars += s.chars().count();
    }

    fn separator(&mut self) {
        if self.started {
            self.push_str("\n");
        }
        self.started = true;
    }

    fn paragraph(&mut self, content: &str) {
        self.separator();
        let start = self.chars;
        self.push_str(content);
        if !content.trim().is_empty() {
            self.blocks.push(Block::Paragraph {
                start,
                end: self.chars,
                provenance: Provenance::DocxParagraph {
                    paragraph: self.paragraph,
                },
            });
        }
        self.paragraph += 1;
    }

    /// Writes a table one real cell a line and records its full-width grid.
    fn table(&mut self, rows: Vec<Vec<Slot>>) {
        let t = self.table;
        self.table += 1;
        // The table starts on a line of its own; its last cell ends its line.
        self.separator();
        let mut table = Table::default();
        let mut provenance = Vec::new();
        // Rows that end early (without `w:gridAfter`) are filled up to the widest row, so
        // that every row has a cell for every grid column.
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        for (r, mut row) in rows.into_iter().enumerate() {
            row.resize_with(width, || Slot::Gap);
            let mut cells: Vec<Cell> = Vec::with_capacity(width);
            let mut provs = Vec::with_capacity(width);
            for (c, slot) in row.into_iter().enumerate() {
                let cell = match slot {
                    Slot::Cell(content) => {
                        let start = self.chars;
                        self.push_str(&content);
                        let end = self.chars;
                        self.push_str("\n");
                        Cell {
                            start,
                            end,
                            text: content,
                        }
                    }
                    Slot::Covered { row, col } => {
                        // The origin is in an earlier row, or earlier in this one.
                        let origin = if row == r {
                            cells.get(col)
                        } else {
                            table.rows.get(row).and_then(|cells| cells.get(col))
                        };
                        let at = origin.map_or(self.chars, |o| o.start);
                        Cell {
                            start: at,
                            end: at,
                            text: String::new(),
                        }
                    }
                    Slot::Gap => Cell {
                        start: self.chars,
                        end: self.chars,
                        text: String::new(),
                    },
                };
                cells.push(cell);
                provs.push(Provenance::DocxCell {
                    table: t,
                    row: r as u32,
                    cell: c as u32,
                });
            }
            table.rows.push(cells);
            provenance.push(provs);
        }
        // The next paragraph needs no separator: the last cell's line is closed.
        self.started = false;
        self.blocks.push(Block::Table { table, provenance });
    }
}

/// One grid position of a table row.
enum Slot {
    /// A real cell (`w:tc`) with its paragraphs joined by "\n".
    Cell(String),
    /// A position covered by a merged cell whose origin is at this grid row and column.
    Covered { row: usize, col: usize },
    /// A position the row skips (`w:gridBefore`, `w:gridAfter`): no cell at all.
    Gap,
}

/// How a cell takes part in a vertical merge.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum VMerge {
    #[default]
    None,
    Restart,
    Continue,
}

/// One table being read; tables nested in a cell are flattened into that cell's text.
#[derive(Default)]
struct TableState {
    rows: Vec<Vec<Slot>>,
    row: Vec<Slot>,
    cell: Option<String>,
    /// Grid columns the current cell spans (merged cells keep later columns aligned).
    span: usize,
    vmerge: VMerge,
    /// Grid columns the current row leaves empty after its last cell.
    pad_after: usize,
}

impl TableState {
    /// Closes the current `w:tc`: a real cell, or the continuation of the merge above it.
    fn end_cell(&mut self) {
        let Some(text) = self.cell.take() else {
            return;
        };
        let r = self.rows.len();
        let col = self.row.len();
        let above = match self.rows.last().and_then(|row| row.get(col)) {
            Some(Slot::Cell(_)) => Some((r - 1, col)),
            Some(Slot::Covered { row, col }) => Some((*row, *col)),
            _ => None,
        };
        let origin = match (self.vmerge, above) {
            (VMerge::Continue, Some(origin)) => origin,
            // A continuation with nothing above it is read as a cell of its own.
            _ => {
                self.row.push(Slot::Cell(text));
                (r, col)
            }
        };
        while self.row.len() < col + self.span {
            self.row.push(Slot::Covered {
                row: origin.0,
                col: origin.1,
            });
        }
    }

    /// Texts of the real cells, for a table written inside a cell or a text box.
    fn cell_texts(self) -> impl Iterator<Item = String> {
        self.rows.into_iter().flatten().filter_map(|s| match s {
            Slot::Cell(text) => Some(text),
            _ => None,
        })
    }

    /// A table or cell property (`w:gridSpan`, `w:vMerge`, `w:gridBefore`, `w:gridAfter`).
    fn property(&mut self, n: &str, e: &BytesStart) {
        let val = |default: usize| {
            attr_val(e, "val")
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
                .min(64)
        };
        if self.cell.is_some() {
            if is(n, "w:gridSpan") {
                self.span = val(1).max(1);
            } else if is(n, "w:vMerge") {
                // No value means "continue" (ECMA-376 17.4.85).
                self.vmerge = match attr_val(e, "val").as_deref() {
                    Some("restart") => VMerge::Restart,
                    _ => VMerge::Continue,
                };
            }
        } else if is(n, "w:gridBefore") {
            // Grid columns a row skips before its first (or after its last) cell.
            let skip = val(0);
            self.row.extend((0..skip).map(|_| Slot::Gap));
        } else if is(n, "w:gridAfter") {
            self.pad_after = val(0);
        }
    }
}

pub(super) fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn is(e: &str, prefixed: &str) -> bool {
    e == prefixed
}

/// Table and cell properties that shape the grid.
fn is_property(n: &str) -> bool {
    matches!(
        n,
        "w:gridSpan" | "w:vMerge" | "w:gridBefore" | "w:gridAfter"
    )
}

pub(super) fn attr_val(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find_map(|a| (local(a.key.as_ref()) == key).then(|| a.value.to_string()))
}

fn parse_document_xml<R: std::io::BufRead>(input: R) -> Result<Ingested, IngestError> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut b = Builder::default();

    // Depth of skipped subtrees (instrText, delText, mc:Fallback): nothing inside is text.
    let mut skip: usize = 0;
    let mut in_body = false;
    let mut in_run = 0usize;
    let mut in_t = false;
    // Text of the paragraph being read, nested paragraphs (text boxes) included.
    let mut para = String::new();
    let mut para_depth = 0usize;
    let mut tables: Vec<TableState> = Vec::new();

    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            if e.to_string().contains(LIMIT_HIT) {
                IngestError::Limit(format!(
                    "word/document.xml unpacks to more than {MAX_DOCUMENT_XML} bytes"
                ))
            } else {
                IngestError::Malformed(format!("word/document.xml is not well-formed XML: {e}"))
            }
        })?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.name();
                let n = name.as_ref();
                if skip > 0 {
                    skip += 1;
                } else if is(n, "w:instrText")
                    || is(n, "w:delText")
                    || is(n, "w:moveFrom")
                    || is(n, "mc:Fallback")
                    || is(n, "w:tcPrChange")
                    || is(n, "w:trPrChange")
                    || is(n, "w:tblPrChange")
                {
                    // Superseded properties (`…PrChange`) hold the old, not the shown, merges.
                    skip = 1;
                } else if is(n, "w:body") {
                    in_body = true;
                } else if !in_body {
                } else if is(n, "w:p") {
                    if para_depth > 0 && !para.is_empty() && !para.ends_with('\n') {
                        para.push('\n');
                    }
                    para_depth += 1;
                } else if is(n, "w:r") {
                    in_run += 1;
                } else if is(n, "w:t") {
                    in_t = in_run > 0;
                } else if is(n, "w:tbl") {
                    if para_depth > 0 || tables.last().is_some_and(|t| t.cell.is_some()) {
                        // A table inside a cell or text box: its text joins the cell.
                        tables.push(TableState {
                            cell: None,
                            ..Default::default()
                        });
                    } else {
                        tables.push(TableState::default());
                    }
                } else if is(n, "w:tr") {
                    if let Some(t) = tables.last_mut() {
                        t.row.clear();
                    }
                } else if is(n, "w:tc")
                    && let Some(t) = tables.last_mut()
                {
                    t.cell = Some(String::new());
                    t.span = 1;
                    t.vmerge = VMerge::None;
                } else if is_property(n)
                    && let Some(t) = tables.last_mut()
                {
                    t.property(n, &e);
                }
            }
            Event::Empty(e) => {
                let name = e.name();
                let n = name.as_ref();
                if skip > 0 || !in_body {
                } else if in_run > 0 && is(n, "w:tab") {
                    para.push('\t');
                } else if in_run > 0 && (is(n, "w:br") || is(n, "w:cr")) {
                    para.push('\n');
                } else if in_run > 0 && is(n, "w:noBreakHyphen") {
                    para.push('-');
                } else if is_property(n)
                    && let Some(t) = tables.last_mut()
                {
                    t.property(n, &e);
                } else if is(n, "w:p") && para_depth == 0 {
                    end_paragraph(&mut b, &mut tables, String::new());
                }
            }
            Event::Text(t) if skip == 0 && in_t => para.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if skip == 0 && in_t => {
                if let Some(c) = resolve_entity(&r) {
                    para.push(c);
                }
            }
            Event::CData(t) if skip == 0 && in_t => para.push_str(&t),
            Event::End(e) => {
                let name = e.name();
                let n = name.as_ref();
                if skip > 0 {
                    skip -= 1;
                } else if is(n, "w:body") {
                    in_body = false;
                } else if !in_body {
                } else if is(n, "w:t") {
                    in_t = false;
                } else if is(n, "w:r") {
                    in_run = in_run.saturating_sub(1);
                } else if is(n, "w:p") {
                    para_depth = para_depth.saturating_sub(1);
                    if para_depth == 0 {
                        let content = std::mem::take(&mut para);
                        end_paragraph(&mut b, &mut tables, content);
                    }
                } else if is(n, "w:tc") {
                    if let Some(t) = tables.last_mut() {
                        t.end_cell();
                    }
                } else if is(n, "w:tr") {
                    if let Some(t) = tables.last_mut() {
                        let mut row = std::mem::take(&mut t.row);
                        row.extend((0..t.pad_after).map(|_| Slot::Gap));
                        t.pad_after = 0;
                        t.rows.push(row);
                    }
                } else if is(n, "w:tbl")
                    && let Some(t) = tables.pop()
                {
                    if let Some(outer) = tables.last_mut().and_then(|o| o.cell.as_mut()) {
                        // Nested table: its cells become lines of the outer cell.
                        for c in t.cell_texts().filter(|c| !c.is_empty()) {
                            if !outer.is_empty() {
                                outer.push('\n');
                            }
                            outer.push_str(&c);
                        }
                    } else if para_depth > 0 {
                        for c in t.cell_texts() {
                            para.push_str(&c);
                            para.push('\n');
                        }
                    } else {
                        b.table(t.rows);
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(Ingested {
        format: Format::Docx,
        text: b.text,
        blocks: b.blocks,
        low_confidence: false,
        encoding: None,
        ocr: None,
    })
}

/// A finished paragraph goes to the open table cell, or else to the body.
fn end_paragraph(b: &mut Builder, tables: &mut [TableState], content: String) {
    if let Some(cell) = tables.last_mut().and_then(|t| t.cell.as_mut()) {
        // Paragraphs inside one cell stay one cell, a line each.
        if !cell.is_empty() || !content.is_empty() {
            if !cell.is_empty() {
                cell.push('\n');
            }
            cell.push_str(&content);
        }
    } else {
        b.paragraph(&content);
    }
}

/// A character or predefined entity reference (`&amp;`, `&#x4E00;`): quick-xml reports
/// them apart from the text around them.
pub(super) fn resolve_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                num.parse().ok()?
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Ingested {
        let xml = format!(
            r#"<?xml version="1.0"?><w:document xmlns:w="w" xmlns:mc="mc"><w:body>{body}</w:body></w:document>"#
        );
        parse_document_xml(xml.as_bytes()).unwrap()
    }

    #[test]
    fn runs_tabs_breaks_and_skipped_parts() {
        let doc = parse(concat!(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr>"#,
            r#"<w:r><w:t xml:space="preserve">秀洲区 </w:t></w:r><w:r><w:t>2021</w:t><w:tab/><w:t>年</w:t><w:br/><w:t>A&amp;B</w:t></w:r>"#,
            r#"<w:r><w:instrText> PAGE </w:instrText></w:r><w:del><w:r><w:delText>删</w:delText></w:r></w:del>"#,
            r#"<mc:AlternateContent><mc:Choice><w:r><w:t>框</w:t></w:r></mc:Choice><mc:Fallback><w:r><w:t>框</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"#,
            r#"<w:p/><w:p><w:r><w:t>二</w:t></w:r></w:p>"#
        ));
        assert_eq!(doc.text, "秀洲区 2021\t年\nA&B框\n\n二");
        assert_eq!(doc.blocks.len(), 2);
        assert_eq!(
            doc.blocks[1],
            Block::Paragraph {
                start: 17,
                end: 18,
                provenance: Provenance::DocxParagraph { paragraph: 2 }
            }
        );
    }

    /// Every cell's text is its slice of the document text.
    fn assert_offsets(doc: &Ingested, table: &Table) {
        let chars: Vec<char> = doc.text.chars().collect();
        for row in &table.rows {
            for c in row {
                assert_eq!(chars[c.start..c.end].iter().collect::<String>(), c.text);
            }
        }
    }

    #[test]
    fn tables_are_blocks_and_one_cell_a_line() {
        let doc = parse(concat!(
            r#"<w:p><w:r><w:t>表</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc>"#,
            r#"<w:tc><w:p><w:r><w:t>金额</w:t></w:r></w:p></w:tc></w:tr>"#,
            r#"<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>合计</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
            r#"<w:p><w:r><w:t>完</w:t></w:r></w:p>"#
        ));
        assert_eq!(doc.text, "表\n序号\n金额\n合计\n完");
        let Block::Table { table, provenance } = &doc.blocks[1] else {
            panic!("no table");
        };
        assert_offsets(&doc, table);
        // The padding of the span is a covered cell at the origin's start.
        assert_eq!(table.rows[1].len(), 2);
        assert_eq!((table.rows[1][1].start, table.rows[1][1].end), (8, 8));
        assert_eq!(table.rows[1][1].text, "");
        assert_eq!(
            provenance[1][0],
            Provenance::DocxCell {
                table: 0,
                row: 1,
                cell: 0
            }
        );
        assert_eq!(
            doc.blocks[2],
            Block::Paragraph {
                start: 11,
                end: 12,
                provenance: Provenance::DocxParagraph { paragraph: 1 }
            }
        );

        let skipped = parse(concat!(
            r#"<w:tbl><w:tr><w:trPr><w:gridBefore w:val="1"/><w:gridAfter w:val="1"/></w:trPr>"#,
            r#"<w:tc><w:p><w:r><w:t>合计</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#
        ));
        assert_eq!(skipped.text, "合计\n");
        let Block::Table { table, .. } = &skipped.blocks[0] else {
            panic!("no table");
        };
        let texts: Vec<&str> = table.rows[0].iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["", "合计", ""]);
    }

    #[test]
    fn vertical_merges_and_cell_paragraphs() {
        let tc = |props: &str, paras: &[&str]| {
            let ps: String = paras
                .iter()
                .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
                .collect();
            format!("<w:tc><w:tcPr>{props}</w:tcPr>{ps}</w:tc>")
        };
        let body = format!(
            "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr><w:tr>{}{}{}</w:tr></w:tbl>",
            tc(
                r#"<w:gridSpan w:val="2"/><w:vMerge w:val="restart"/>"#,
                &["项目资金", "（万元）"]
            ),
            tc("", &["A"]),
            // A continuation keeps stale text in some files; it is never shown.
            tc(r#"<w:gridSpan w:val="2"/><w:vMerge/>"#, &["旧"]),
            tc("", &["B"]),
            tc("", &["x"]),
            tc(r#"<w:vMerge w:val="continue"/>"#, &[""]),
            tc("", &["z"]),
        );
        let doc = parse(&body);
        assert_eq!(doc.text, "项目资金\n（万元）\nA\nB\nx\nz\n");
        let Block::Table { table, .. } = &doc.blocks[0] else {
            panic!("no table");
        };
        assert_offsets(&doc, table);
        assert_eq!(table.rows[0][0].text, "项目资金\n（万元）");
        for c in 0..2 {
            let cell = &table.rows[1][c];
            assert_eq!((cell.start, cell.end, cell.text.as_str()), (0, 0, ""));
        }
        assert_eq!(table.rows[1][2].text, "B");
        // Row 2's middle cell continues the merge above it: column 1 is covered by row 0's origin.
        assert_eq!(table.rows[2].len(), 3);
        assert_eq!((table.rows[2][1].start, table.rows[2][1].end), (0, 0));
        assert_eq!(table.rows[2][2].text, "z");
    }

    #[test]
    fn short_rows_are_filled_to_the_grid() {
        let doc = parse(concat!(
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc>"#,
            r#"<w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr>"#,
            r#"<w:tr><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#
        ));
        assert_eq!(doc.text, "a\nb\nc\n");
        let Block::Table { table, provenance } = &doc.blocks[0] else {
            panic!("no table");
        };
        assert_eq!(table.rows[1].len(), 2);
        assert_eq!(provenance[1].len(), 2);
        assert_eq!((table.rows[1][1].start, table.rows[1][1].end), (6, 6));
    }
}
