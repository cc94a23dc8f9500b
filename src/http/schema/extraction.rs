//! The extractor's own reading as the API shows it: `POST /api/extract`'s answer (what
//! FACTS.md describes), and the parts of a stored fact that keep it — where the fact was read
//! (`provenance`), its kind-specific extras and the fact as extracted (`original`).

use super::{CheckKind, Decimal, DocumentRef, FactValue, Form, Grade, Qualifier, Severity};
use utoipa::ToSchema;

/// A box on a page: `[x0, y0, x1, y1]`. PDF and OCR pages in PDF points (for an image upload,
/// points of the image scaled to A4 width); OFD pages in millimetres, y down.
#[derive(ToSchema)]
#[schema(value_type = Vec<f64>, min_items = 4, max_items = 4, example = json!([72.0, 96.5, 523.3, 110.2]))]
pub struct BoundingBox(());

/// Where in the uploaded file a fact was read, told apart by `source`.
#[derive(ToSchema)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Provenance {
    /// A text file: 1-based line and column (code points) of the span's start.
    Text { line: u32, column: u32 },
    /// A DOCX paragraph (0-based among the body's paragraphs).
    DocxParagraph { paragraph: u32 },
    /// A DOCX table cell (0-based table, row and cell).
    DocxCell { table: u32, row: u32, cell: u32 },
    /// A PDF page (1-based) and, where known, the line's box.
    PdfPage {
        page: u32,
        #[schema(nullable = false)]
        bbox: Option<BoundingBox>,
    },
    /// A page read by OCR (1-based), the line's box and the mean confidence (0–1) of the
    /// words in it.
    OcrPage {
        page: u32,
        #[schema(nullable = false)]
        bbox: Option<BoundingBox>,
        #[schema(minimum = 0, maximum = 1)]
        confidence: f64,
    },
    /// An OFD page (1-based) and the line's box.
    OfdPage {
        page: u32,
        #[schema(nullable = false)]
        bbox: Option<BoundingBox>,
    },
    /// A spreadsheet cell (0-based row and column); for a merged range, the range as
    /// `[first_row, first_col, last_row, last_col]`.
    SheetCell {
        sheet: String,
        row: u32,
        column: u32,
        #[schema(nullable = false, value_type = Option<Vec<u32>>, min_items = 4, max_items = 4)]
        merged: Option<()>,
    },
}

/// What the extractor recorded beside a stored fact's value.
#[derive(ToSchema)]
pub struct FactExtra {
    /// A rating's count: how many items got the grade, where the text says.
    #[schema(required = true)]
    count: Option<u64>,
    /// A document's issuer (the 发文字号's prefix).
    #[schema(required = true)]
    issuer: Option<String>,
    /// A document's year (the 发文字号's 〔year〕).
    #[schema(required = true)]
    doc_year: Option<u16>,
    /// A document's sequence number (the 发文字号's N号).
    #[schema(required = true)]
    seq: Option<u32>,
}

/// A form's cell a fact was read from: the table (0-based), its grid row and the header of
/// its column.
#[derive(ToSchema)]
pub struct CellRef {
    table: u32,
    row: u32,
    column: String,
}

/// One fact as the extractor gives it (FACTS.md): in `POST /api/extract`, in `original` of
/// a stored fact, in a rule's test cases. `id` is the fact's place among the document's facts.
#[derive(ToSchema)]
#[schema(example = json!({"id": 0, "kind": "amount", "text": "1.02 亿元", "start": 1234,
    "end": 1241, "value": "102000000", "unit": "亿元", "qualifier": "exact",
    "subject": "压减预算资金", "provenance": {"source": "text", "line": 12, "column": 8},
    "rule": "amount.inline"}))]
pub struct ExtractedFact {
    #[serde(flatten)]
    value: FactValue,
    id: u32,
    /// Exactly the text at `[start, end)`.
    text: String,
    /// Offsets in code points into the document's text; `end` exclusive.
    start: u32,
    end: u32,
    /// As written: 元, 万元, 亿元, 个, 项, %, 分 …; absent for ratings and documents.
    #[schema(nullable = false)]
    unit: Option<String>,
    qualifier: Qualifier,
    /// What is counted or measured, as written; null where the text does not say.
    #[schema(required = true)]
    subject: Option<String>,
    /// A rating's count: how many items got the grade.
    #[schema(nullable = false)]
    count: Option<u64>,
    /// The table row's 序号, for a fact read from a table row.
    #[schema(nullable = false)]
    row: Option<u32>,
    /// The table (0-based) the fact stands in.
    #[schema(nullable = false)]
    table: Option<u32>,
    /// A document's issuer, year and sequence number (from its 发文字号).
    #[schema(nullable = false)]
    issuer: Option<String>,
    #[schema(nullable = false)]
    doc_year: Option<u16>,
    #[schema(nullable = false)]
    seq: Option<u32>,
    #[schema(nullable = false)]
    provenance: Option<Provenance>,
    /// For a form's cell: where it stands, so a consumer can rebuild the form.
    #[schema(nullable = false)]
    cell: Option<CellRef>,
    /// The rule that produced the fact (`amount.inline`, `table.money_column` …).
    #[schema(nullable = false)]
    rule: Option<String>,
}

/// One check as the extractor gives it: `facts` are places in the answer's `facts`.
#[derive(ToSchema)]
pub struct ExtractedCheck {
    kind: CheckKind,
    ok: bool,
    severity: Severity,
    /// The stated whole (or share) first.
    facts: Vec<u32>,
    /// The value the text states.
    stated: String,
    /// The value its parts give.
    computed: String,
    message: String,
}

/// The document as extraction read it.
#[derive(ToSchema)]
pub struct ExtractedDocument {
    #[schema(required = true)]
    title: Option<String>,
    #[schema(required = true)]
    region: Option<String>,
    #[schema(required = true)]
    year: Option<i64>,
    #[schema(required = true)]
    doc_number: Option<String>,
    text_chars: i64,
}

/// `POST /api/extract`: what FACTS.md describes. Facts and checks here refer to each other
/// by `id`, their place in `facts` (nothing is stored, so there are no database ids).
#[derive(ToSchema)]
pub struct Extraction {
    document: ExtractedDocument,
    facts: Vec<ExtractedFact>,
    checks: Vec<ExtractedCheck>,
    /// The self-evaluation forms, their cells given as fact ids (places in `facts`).
    forms: Vec<Form>,
    /// The file name, when one was given (absent otherwise).
    #[schema(nullable = false)]
    source: Option<String>,
}

/// A fact's value on its own, its kind said elsewhere: a decimal string (yuan for amounts),
/// an integer count, a grade or a document reference.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum AnyFactValue {
    Decimal(Decimal),
    Count(u64),
    Rating(Grade),
    Document(DocumentRef),
}
