//! DOCX uploads: the ZIP container is opened with limits (entry count, declared and actual
//! uncompressed size) so a zip bomb fails fast, then `word/document.xml` is streamed through
//! quick-xml. Body paragraphs become lines of the text, in order; real `w:tbl` tables become
//! table blocks and are also written into the text in the flattened form TXT reports use
//! (each cell on its own line after a tab, a blank line after each row), so the prose
//! scanners read the same text whatever the source. Headers and footers live in other parts
//! and are never read; field codes (`w:instrText`), tracked deletions (`w:delText`, and the
//! source of a tracked move, `w:moveFrom`) and compatibility fallbacks (`mc:Fallback`, a
//! second copy of text-box text) are skipped.

use super::{Block, Cell, Format, IngestError, Ingested, Provenance, Table};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Read, Seek};

/// More entries than any real Word document has; a bomb made of many small entries stops here.
pub const MAX_ENTRIES: usize = 10_000;
/// Upper bound on the declared uncompressed size of all entries together.
pub const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
/// Upper bound on `word/document.xml` itself, enforced while inflating (declared sizes lie).
pub const MAX_DOCUMENT_XML: u64 = 64 * 1024 * 1024;

/// Reads a DOCX from its bytes.
pub fn ingest_docx(bytes: &[u8]) -> Result<Ingested, IngestError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| IngestError::Malformed(format!("not a readable ZIP container: {e}")))?;
    check_limits(&mut archive)?;
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

fn check_limits<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<(), IngestError> {
    if archive.len() > MAX_ENTRIES {
        return Err(IngestError::Limit(format!(
            "the DOCX holds {} ZIP entries; at most {MAX_ENTRIES} are accepted",
            archive.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map_err(|e| IngestError::Malformed(format!("broken ZIP entry {i}: {e}")))?
            .size();
        total = total.saturating_add(size);
        if total > MAX_UNCOMPRESSED {
            return Err(IngestError::Limit(format!(
                "the DOCX unpacks to more than {MAX_UNCOMPRESSED} bytes"
            )));
        }
    }
    Ok(())
}

/// Stops inflating at a byte budget, whatever the entry's header claims.
struct LimitedReader<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more than allowed tells a full budget from an exact fit.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(LIMIT_HIT)),
            };
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

const LIMIT_HIT: &str = "uncompressed size limit reached";

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

    /// Writes a table as flattened lines and records its cells.
    fn table(&mut self, rows: Vec<Vec<String>>) {
        let t = self.table;
        self.table += 1;
        let mut table = Table::default();
        let mut provenance = Vec::new();
        for (r, row) in rows.into_iter().enumerate() {
            let mut cells = Vec::new();
            let mut provs = Vec::new();
            for (c, content) in row.into_iter().enumerate() {
                self.separator();
                self.push_str("\t");
                let start = self.chars;
                self.push_str(&content);
                cells.push(Cell {
                    start,
                    end: self.chars,
                    text: content,
                });
                provs.push(Provenance::DocxCell {
                    table: t,
                    row: r as u32,
                    cell: c as u32,
                });
            }
            // A blank line closes the row, as in flattened text.
            self.separator();
            table.rows.push(cells);
            provenance.push(provs);
        }
        self.blocks.push(Block::Table { table, provenance });
    }
}

/// One table being read; tables nested in a cell are flattened into that cell's text.
#[derive(Default)]
struct TableState {
    rows: Vec<Vec<String>>,
    row: Vec<String>,
    cell: Option<String>,
    /// Grid columns the current cell spans (merged cells keep later columns aligned).
    span: usize,
    /// Grid columns the current row leaves empty after its last cell.
    pad_after: usize,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn is(e: &str, prefixed: &str) -> bool {
    e == prefixed
}

fn attr_val(e: &BytesStart, key: &str) -> Option<String> {
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
                {
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
                } else if (is(n, "w:gridBefore") || is(n, "w:gridAfter"))
                    && let Some(t) = tables.last_mut()
                    && t.cell.is_none()
                {
                    // Grid columns a row skips before its first (or after its last) cell.
                    let skip = attr_val(&e, "val")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0usize)
                        .min(64);
                    if is(n, "w:gridBefore") {
                        t.row.extend(std::iter::repeat_n(String::new(), skip));
                    } else {
                        t.pad_after = skip;
                    }
                } else if is(n, "w:gridSpan")
                    && let Some(t) = tables.last_mut()
                {
                    t.span = attr_val(&e, "val")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1)
                        .clamp(1, 64);
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
                    if let Some(t) = tables.last_mut()
                        && let Some(cell) = t.cell.take()
                    {
                        t.row.push(cell);
                        for _ in 1..t.span {
                            t.row.push(String::new());
                        }
                    }
                } else if is(n, "w:tr") {
                    if let Some(t) = tables.last_mut() {
                        let mut row = std::mem::take(&mut t.row);
                        row.extend(std::iter::repeat_n(String::new(), t.pad_after));
                        t.pad_after = 0;
                        t.rows.push(row);
                    }
                } else if is(n, "w:tbl")
                    && let Some(t) = tables.pop()
                {
                    if let Some(outer) = tables.last_mut().and_then(|o| o.cell.as_mut()) {
                        // Nested table: its cells become lines of the outer cell.
                        for row in t.rows {
                            for c in row.into_iter().filter(|c| !c.is_empty()) {
                                if !outer.is_empty() {
                                    outer.push('\n');
                                }
                                outer.push_str(&c);
                            }
                        }
                    } else if para_depth > 0 {
                        for row in t.rows {
                            for c in row {
                                para.push_str(&c);
                                para.push('\n');
                            }
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

fn resolve_entity(name: &str) -> Option<char> {
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

    #[test]
    fn tables_are_blocks_and_flattened_text() {
        let doc = parse(concat!(
            r#"<w:p><w:r><w:t>表</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc>"#,
            r#"<w:tc><w:p><w:r><w:t>金额</w:t></w:r></w:p></w:tc></w:tr>"#,
            r#"<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>合计</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
            r#"<w:p><w:r><w:t>完</w:t></w:r></w:p>"#
        ));
        assert_eq!(doc.text, "表\n\t序号\n\t金额\n\n\t合计\n\t\n\n完");
        let Block::Table { table, provenance } = &doc.blocks[1] else {
            panic!("no table");
        };
        let chars: Vec<char> = doc.text.chars().collect();
        for row in &table.rows {
            for c in row {
                assert_eq!(chars[c.start..c.end].iter().collect::<String>(), c.text);
            }
        }
        assert_eq!(table.rows[1].len(), 2);
        let skipped = parse(concat!(
            r#"<w:tbl><w:tr><w:trPr><w:gridBefore w:val="1"/><w:gridAfter w:val="1"/></w:trPr>"#,
            r#"<w:tc><w:p><w:r><w:t>合计</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#
        ));
        let Block::Table { table, .. } = &skipped.blocks[0] else {
            panic!("no table");
        };
        let texts: Vec<&str> = table.rows[0].iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["", "合计", ""]);
        assert_eq!(
            provenance[1][0],
            Provenance::DocxCell {
                table: 0,
                row: 1,
                cell: 0
            }
        );
    }
}
