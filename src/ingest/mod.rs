//! Ingestion: bytes of an upload in, the document's text out, with its blocks (paragraphs,
//! tables as rows × cells) and where each block came from. Everything downstream works on
//! `Ingested::text`; every offset here is in Unicode code points of that text.

mod docx;
mod legacy;
pub mod ocr;
mod ofd;
mod pdf;
mod sheet;
mod txt;
mod zipsafe;

pub use txt::decode_text;

use serde::Serialize;

/// Upper bound on an upload the service will read at all.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Txt,
    Docx,
    Pdf,
    Xlsx,
    Xls,
    Ods,
    /// A PNG, JPEG or TIFF image, read by OCR.
    Image,
    /// OFD (GB/T 33190), the national fixed-layout format.
    Ofd,
    /// A legacy Word .doc or WPS .wps file, read through LibreOffice's conversion to DOCX.
    Doc,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Image => "image",
            Format::Ofd => "ofd",
            Format::Doc => "doc",
        }
    }
}

/// Where a piece of the text came from in the uploaded file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Provenance {
    /// A text file: 1-based line and column (code points) of the span's start.
    Text { line: u32, column: u32 },
    /// A DOCX paragraph (0-based index among body paragraphs).
    DocxParagraph { paragraph: u32 },
    /// A DOCX table cell (0-based table, row and cell).
    DocxCell { table: u32, row: u32, cell: u32 },
    /// A PDF page (1-based) and, where known, the line's box in PDF points.
    PdfPage {
        page: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        bbox: Option<[f32; 4]>,
    },
    /// A page read by OCR (1-based), the line's box in PDF points (for an image upload, in
    /// points of the image scaled to A4 width) and the mean confidence (0–1) of its words.
    OcrPage {
        page: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        bbox: Option<[f32; 4]>,
        confidence: f64,
    },
    /// An OFD page (1-based) and the line's box in the page's millimetres, y down, as OFD
    /// measures.
    OfdPage {
        page: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        bbox: Option<[f32; 4]>,
    },
    /// A spreadsheet cell: its sheet, 0-based row and column, and, when the cell is the
    /// origin of a merged range or covered by one, that range as
    /// [first_row, first_col, last_row, last_col].
    SheetCell {
        sheet: String,
        row: u32,
        column: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        merged: Option<[u32; 4]>,
    },
}

impl Provenance {
    /// The OCR engine's confidence (0–1) in what it read here; `None` where nothing was OCR'd.
    pub fn confidence(&self) -> Option<f64> {
        match self {
            Provenance::OcrPage { confidence, .. } => Some(*confidence),
            _ => None,
        }
    }
}

/// One cell of a table: its text is `Ingested::text[start..end]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A table as rows of cells; the first row that names columns (序号, 项目名称 …) is found by
/// the extractor, so ingestion only reports the grid.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
}

/// A block of the document in reading order.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Paragraph {
        start: usize,
        end: usize,
        provenance: Provenance,
    },
    Table {
        table: Table,
        /// Provenance of each cell, in the same shape as `table.rows`.
        provenance: Vec<Vec<Provenance>>,
    },
}

/// The outcome of reading an upload.
#[derive(Clone, Debug)]
pub struct Ingested {
    pub format: Format,
    pub text: String,
    pub blocks: Vec<Block>,
    /// Set when the text could only be read by a fallback that may lose detail.
    pub low_confidence: bool,
    /// Encoding the text was decoded from (TXT only).
    pub encoding: Option<&'static str>,
    /// Set when some pages were read by OCR.
    pub ocr: Option<ocr::OcrInfo>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IngestError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("this does not look like text: {0}")]
    NotText(String),
    #[error(
        "unsupported format: {found}; accepted are TXT (UTF-8, UTF-16, GBK), DOCX, PDF, \
         XLSX, XLS, ODS, OFD, DOC/WPS (with LibreOffice) and PNG, JPEG or TIFF scans"
    )]
    Unsupported { found: String },
    #[error("the file could not be read: {0}")]
    Malformed(String),
    #[error(
        "no text layer: the file holds only images (needs OCR; to read scans here, install \
         tesseract-ocr, tesseract-ocr-chi-sim, tesseract-ocr-osd and poppler-utils)"
    )]
    NeedsOcr,
    /// OCR was asked to stop before reading anything (see `OcrRun::defer`): the document's
    /// scanned pages are work for the OCR workers.
    #[error("{pages} scanned pages wait for an OCR worker")]
    OcrDeferred { pages: usize },
    #[error("the file exceeds a limit: {0}")]
    Limit(String),
}

/// Reads an upload's text layer: detects the format from its bytes, not its name. Scans are
/// `NeedsOcr`; `ingest_with` reads them too.
pub fn ingest(bytes: &[u8]) -> Result<Ingested, IngestError> {
    ingest_within(bytes, &crate::Deadline::none())
}

/// `ingest`, giving up with a limit error once `deadline` has passed: the PDF reader gets
/// the time left as its own limit, and every format's result is refused when it came late.
pub fn ingest_within(bytes: &[u8], deadline: &crate::Deadline) -> Result<Ingested, IngestError> {
    ingest_with(bytes, deadline, None)
}

/// `ingest_within`, reading scanned pages and images with `ocr` when given. OCR has limits
/// of its own (per page and per document, in `ocr`), so a document read by OCR is not held to
/// `deadline` once its pages are read.
pub fn ingest_with(
    bytes: &[u8],
    deadline: &crate::Deadline,
    ocr: Option<&ocr::OcrRun>,
) -> Result<Ingested, IngestError> {
    deadline.check()?;
    match read_format(bytes, deadline, ocr) {
        Ok(doc) if doc.ocr.is_some() => Ok(doc),
        // The PDF reader's own limit was the time left: say which limit it was.
        Err(IngestError::Limit(m)) if !m.contains("OCR") => {
            Err(deadline.check().err().unwrap_or(IngestError::Limit(m)))
        }
        Err(e) => Err(e),
        Ok(doc) => deadline.check().map(|()| doc),
    }
}

/// Whether reading `bytes` may need OCR (a PDF, an image, an OFD package): a caller asks
/// for the engine only then, since looking for it runs the engine twice.
pub fn may_need_ocr(bytes: &[u8]) -> bool {
    match sniff(bytes) {
        Sniffed::Pdf | Sniffed::Image => true,
        Sniffed::Zip => matches!(zipsafe::package_kind(bytes), zipsafe::Package::Ofd),
        _ => false,
    }
}

fn read_format(
    bytes: &[u8],
    deadline: &crate::Deadline,
    ocr: Option<&ocr::OcrRun>,
) -> Result<Ingested, IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(IngestError::TooLarge {
            size: bytes.len(),
            limit: MAX_UPLOAD_BYTES,
        });
    }
    match sniff(bytes) {
        Sniffed::Text => txt::ingest_text(bytes),
        Sniffed::Pdf => match deadline.remaining() {
            Some(left) if left < pdf::TIME_LIMIT => pdf::ingest_pdf_within(bytes, left, ocr),
            _ => pdf::ingest_pdf_within(bytes, pdf::TIME_LIMIT, ocr),
        },
        Sniffed::Image => ocr::ingest_image(bytes, ocr),
        Sniffed::Zip => match zipsafe::package_kind(bytes) {
            zipsafe::Package::Docx => docx::ingest_docx(bytes),
            zipsafe::Package::Xlsx => sheet::ingest_xlsx(bytes),
            zipsafe::Package::Ods => sheet::ingest_ods(bytes),
            zipsafe::Package::Ofd => ofd::ingest_ofd(bytes, ocr),
            zipsafe::Package::Other(found) => Err(IngestError::Unsupported {
                found: found.to_string(),
            }),
        },
        Sniffed::Ole => match sheet::ole_kind(bytes) {
            sheet::OleKind::Xls => sheet::ingest_xls(bytes),
            sheet::OleKind::Doc => legacy::ingest_doc(
                bytes,
                deadline
                    .remaining()
                    .map_or(legacy::TIME_LIMIT, |left| left.min(legacy::TIME_LIMIT)),
            ),
            sheet::OleKind::Other(found) => Err(IngestError::Unsupported {
                found: found.to_string(),
            }),
        },
        Sniffed::Other(found) => Err(IngestError::Unsupported {
            found: found.to_string(),
        }),
    }
}

enum Sniffed {
    Text,
    Pdf,
    Zip,
    /// An OLE compound file: an XLS workbook, a legacy .doc, or an encrypted Office file.
    Ole,
    /// PNG, JPEG or TIFF: a photo or scan, read by OCR.
    Image,
    Other(&'static str),
}

fn sniff(bytes: &[u8]) -> Sniffed {
    // Some producers put a few bytes of junk before the PDF header; readers accept it within
    // the first KiB.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        Sniffed::Pdf
    } else if bytes.starts_with(b"PK\x03\x04") {
        Sniffed::Zip
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Sniffed::Ole
    } else if [&b"\x89PNG"[..], b"\xFF\xD8\xFF", b"II*\0", b"MM\0*"]
        .iter()
        .any(|m| bytes.starts_with(m))
    {
        Sniffed::Image
    } else if let Some(name) = binary_format(bytes) {
        Sniffed::Other(name)
    } else {
        Sniffed::Text
    }
}

/// Line starts of a text, for turning code-point offsets into 1-based line and column.
pub struct LineIndex {
    /// Code-point offset where each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        for (i, c) in text.chars().enumerate() {
            if c == '\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// 1-based line and column (code points) of a code-point offset.
    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let column = offset - self.starts[line - 1] + 1;
        (line as u32, column as u32)
    }
}

/// Common binary formats people upload by mistake, so the error can name them.
fn binary_format(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"GIF8", "GIF image; save it as PNG or JPEG"),
        (b"{\\rtf", "RTF document; save it as .docx or PDF"),
        (b"\x1F\x8B", "gzip archive"),
        (b"Rar!", "RAR archive"),
        (b"7z\xBC\xAF", "7-Zip archive"),
        (b"PK\x05\x06", "empty ZIP archive"),
        (b"<?xml", "XML file (a Word 2003 XML or flat ODF document?)"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_columns() {
        let idx = LineIndex::new("ab\n预算\n\nx");
        assert_eq!(idx.line_column(0), (1, 1));
        assert_eq!(idx.line_column(1), (1, 2));
        assert_eq!(idx.line_column(3), (2, 1));
        assert_eq!(idx.line_column(4), (2, 2));
        assert_eq!(idx.line_column(7), (4, 1));
    }

    #[test]
    fn only_pdfs_images_and_ofd_may_need_ocr() {
        assert!(may_need_ocr(b"%PDF-1.7 ..."));
        assert!(may_need_ocr(b"\x89PNG\r\n\x1a\n...."));
        assert!(!may_need_ocr("预算绩效管理情况".as_bytes()));
        let docx = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/000_af58de54e7000d7e.docx"
        );
        assert!(!may_need_ocr(&std::fs::read(docx).unwrap()));
    }

    #[test]
    fn format_is_sniffed_from_bytes() {
        // A PDF header goes to the PDF reader, which finds this one truncated.
        assert!(matches!(
            ingest(b"%PDF-1.7 rest"),
            Err(IngestError::Malformed(_))
        ));
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        let err = ingest(&ole).unwrap_err().to_string();
        assert!(err.contains(".doc"), "{err}");
        assert_eq!(ingest(b"").unwrap_err(), IngestError::Empty);
    }
}
