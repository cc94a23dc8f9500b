//! The shapes of the API's JSON, named for the OpenAPI document. Handlers write their bodies
//! with `json!` from the stored rows (`documents::document_json`, `facts::fact_json` …); the
//! types here are never built: they describe exactly those bodies, field for field, so a
//! generated client gets real types. `tests/api_contract.rs` holds every main route's real
//! answers against these schemas, so the two cannot drift apart unnoticed.
#![allow(dead_code)]

use utoipa::ToSchema;

mod extraction;
mod form;
mod links;
mod queue;
mod reports;
mod webhooks;
pub use extraction::*;
pub use form::*;
pub use links::*;
pub use queue::*;
pub use reports::*;
pub use webhooks::*;

/// A decimal written as a string, so nothing is lost: `"102000000"`, `"11.49"`, `"-3.5"`.
#[derive(ToSchema)]
#[schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$", example = "102000000")]
pub struct Decimal(String);

/// A time in RFC 3339, UTC, to the millisecond: `2026-01-31T08:00:00.000Z`.
#[derive(ToSchema)]
#[schema(value_type = String, format = DateTime, example = "2026-01-31T08:00:00.000Z")]
pub struct Time(String);

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum FactKind {
    Amount,
    Count,
    Percent,
    Score,
    Rating,
    Document,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Confirmed,
    Corrected,
    Rejected,
}

/// How exact the figure is: 余/约 are `approx`, 以上/不低于 `at_least`, 以下/不超过 `at_most`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Qualifier {
    Exact,
    Approx,
    AtLeast,
    AtMost,
}

/// One of the four grades.
#[derive(ToSchema)]
pub enum Grade {
    #[schema(rename = "优")]
    Excellent,
    #[schema(rename = "良")]
    Good,
    #[schema(rename = "中")]
    Fair,
    #[schema(rename = "差")]
    Poor,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DocumentStatus {
    Queued,
    Processing,
    Done,
    NeedsOcr,
    Failed,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ReviewProgress {
    Unreviewed,
    InProgress,
    Reviewed,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum CheckKind {
    TableTotal,
    Split,
    Difference,
    Share,
    ScoreCap,
    WeightsTotal,
    ScoreTotal,
    ExecutionRate,
    ExecutionScore,
    FundsTotal,
    TargetScore,
    TargetMetDocked,
    GradeBand,
    TextTable,
    CrossDocument,
}

/// How much a failed check matters.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Role {
    Uploader,
    Assessor,
    Reader,
    Admin,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RejectReason {
    NotAFact,
    WrongValue,
    WrongUnit,
    WrongSpan,
    WrongSubject,
    Duplicate,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Json,
}

/// The order of a list of facts: `reading` (the default: by document, then where each stands
/// in the text) or `confidence` (least OCR confidence first; facts not OCR'd last).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum FactSort {
    Reading,
    Confidence,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ExportWhat {
    Facts,
    Findings,
}

/// The error codes, one per kind of refusal.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    NotFound,
    VersionConflict,
    Invalid,
    BadRequest,
    PayloadTooLarge,
    StorageFull,
    MethodNotAllowed,
    HeadersTooLarge,
    UnsupportedMediaType,
    Timeout,
    RateLimited,
    Internal,
}

/// Every refusal: `{"error": {"code", "message", "details"}}`.
#[derive(ToSchema)]
#[schema(example = json!({"error": {"code": "version_conflict",
    "message": "the fact was changed since you read it; reload and decide again",
    "details": {"current_version": 3}}}))]
pub struct Error {
    error: ErrorBody,
}

#[derive(ToSchema)]
pub struct ErrorBody {
    code: ErrorCode,
    /// For people; may change between versions. Go by `code`.
    message: String,
    /// Machine-readable specifics (`current_version` of a conflict, `fields` of an invalid
    /// correction, `limit_bytes` of an upload too large), or null.
    #[schema(value_type = Value)]
    details: (),
}

/// `{"status": "ok"}`.
#[derive(ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: String,
}

/// A document's facts by review state.
#[derive(ToSchema)]
pub struct ReviewCounts {
    facts: i64,
    pending: i64,
    decided: i64,
}

/// A document's failed checks by severity.
#[derive(ToSchema)]
pub struct FindingCounts {
    error: i64,
    warning: i64,
}

/// An uploaded report and where its processing stands.
#[derive(ToSchema)]
#[schema(example = json!({"id": 1, "sha256": "9f2c…", "file_name": "秀洲区绩效报告.docx",
    "format": "docx", "size_bytes": 48213, "status": "done", "error": null,
    "title": "秀洲区 2021 年度预算绩效管理情况说明", "region": "秀洲区", "year": 2021,
    "doc_number": null, "text_chars": 3560, "encoding": null,
    "extractor_version": "jixiao 0.1.0", "uploaded_by": 2,
    "uploaded_at": "2026-01-31T08:00:00.000Z", "processed_at": "2026-01-31T08:00:01.250Z",
    "attempts": 1, "assignee": {"id": 3, "name": "王芳"}, "review": {"facts": 82, "pending": 80, "decided": 2}, "checks_failed": 1,
    "findings": {"error": 1, "warning": 0}}))]
pub struct Document {
    id: i64,
    /// SHA-256 of the file's bytes, hex.
    sha256: String,
    #[schema(required = true)]
    file_name: Option<String>,
    /// txt, docx, pdf, xlsx, xls, html …, once read.
    #[schema(required = true)]
    format: Option<String>,
    size_bytes: i64,
    status: DocumentStatus,
    /// Why processing failed (or needs OCR).
    #[schema(required = true)]
    error: Option<String>,
    #[schema(required = true)]
    title: Option<String>,
    #[schema(required = true)]
    region: Option<String>,
    #[schema(required = true)]
    year: Option<i64>,
    #[schema(required = true)]
    doc_number: Option<String>,
    #[schema(required = true)]
    text_chars: Option<i64>,
    #[schema(required = true)]
    encoding: Option<String>,
    #[schema(required = true)]
    extractor_version: Option<String>,
    #[schema(required = true)]
    uploaded_by: Option<i64>,
    uploaded_at: Time,
    #[schema(required = true)]
    processed_at: Option<Time>,
    attempts: i64,
    /// The assessor working on it; null when nobody is assigned.
    #[schema(required = true)]
    assignee: Option<Assignee>,
    review: ReviewCounts,
    checks_failed: i64,
    findings: FindingCounts,
}

/// The answer to an upload: the document, and whether you had uploaded these bytes before.
#[derive(ToSchema)]
pub struct UploadedDocument {
    #[serde(flatten)]
    document: Document,
    duplicate: bool,
}

/// One document with its text, facts, checks, forms and table layout.
#[derive(ToSchema)]
pub struct DocumentDetail {
    #[serde(flatten)]
    document: Document,
    #[schema(required = true)]
    text: Option<String>,
    /// The first page of its facts, in reading order.
    facts: Vec<Fact>,
    /// Cursor of the next page of facts (`GET /api/documents/{id}/facts?after=…`), or null.
    #[schema(required = true)]
    facts_next: Option<String>,
    checks: Vec<Check>,
    forms: Vec<Form>,
    /// Per table, per row, each cell's `[start, end]` in the text (code points).
    #[schema(value_type = Vec<Vec<Vec<Vec<i64>>>>)]
    tables: (),
}

/// `GET /api/documents`: a page, newest first.
#[derive(ToSchema)]
pub struct DocumentList {
    documents: Vec<Document>,
    /// `offset` of the next page, or null on the last.
    #[schema(required = true)]
    next_offset: Option<i64>,
}

/// `GET /api/documents?cursor=…`: documents changed since the cursor, oldest change first.
#[derive(ToSchema)]
pub struct DocumentChanges {
    documents: Vec<Document>,
    /// Keep it and send it as `cursor` next time; opaque.
    next_cursor: String,
    /// Whether more changes wait: pull again at once.
    has_more: bool,
}

/// `{"title", "number"}` of an issued document (发文字号 normalized as `ISSUER〔YEAR〕N号`).
#[derive(ToSchema)]
pub struct DocumentRef {
    #[schema(required = true)]
    title: Option<String>,
    #[schema(required = true)]
    number: Option<String>,
}

/// A fact's kind and its value, which takes the kind's type: a decimal string (yuan for
/// amounts), an integer count, a grade, or a document reference.
#[derive(ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FactValue {
    Amount { value: Decimal },
    Count { value: u64 },
    Percent { value: Decimal },
    Score { value: Decimal },
    Rating { value: Grade },
    Document { value: DocumentRef },
}

/// One fact as stored and reviewed.
#[derive(ToSchema)]
#[schema(example = json!({"id": 17, "document_id": 1, "kind": "amount", "text": "1.02 亿元",
    "start": 1234, "end": 1241, "value": "102000000", "unit": "亿元", "qualifier": "exact",
    "subject": "压减预算资金", "row": null, "table": null, "provenance": null, "extra": null,
    "failed_checks": 0, "status": "confirmed", "version": 2, "reviewed_by": "甲",
    "reviewed_at": "2026-01-31T09:12:00.000Z", "extractor_version": "jixiao 0.1.0",
    "rule": "amount.inline",
    "original": {"id": 3, "kind": "amount", "value": "102000000", "unit": "亿元",
                 "qualifier": "exact", "subject": "压减预算资金", "start": 1234, "end": 1241,
                 "text": "1.02 亿元", "rule": "amount.inline"},
    "orphaned": false, "orphaned_at": null, "confidence": null, "low_confidence": false}))]
pub struct Fact {
    #[serde(flatten)]
    value: FactValue,
    #[serde(flatten)]
    fields: FactFields,
}

/// What every stored fact has beside its kind and value.
#[derive(ToSchema)]
pub struct FactFields {
    id: i64,
    document_id: i64,
    /// Exactly the text at `[start, end)`.
    text: String,
    /// Offsets in code points into the document's text; `end` exclusive.
    start: i64,
    end: i64,
    #[schema(required = true)]
    unit: Option<String>,
    qualifier: Qualifier,
    #[schema(required = true)]
    subject: Option<String>,
    /// The row's 序号 for a fact read from a table row.
    #[schema(required = true)]
    row: Option<i64>,
    /// Index of the table the fact stands in.
    #[schema(required = true)]
    table: Option<i64>,
    /// Where in the file the fact was read (a table cell, a page), when known.
    #[schema(required = true)]
    provenance: Option<Provenance>,
    /// Kind-specific extras (a rating's count, a document's issuer and year).
    #[schema(required = true)]
    extra: Option<FactExtra>,
    /// Failed checks the fact is part of.
    failed_checks: i64,
    status: ReviewStatus,
    /// Send it with every decision; a stale one is refused with 409.
    version: i64,
    #[schema(required = true)]
    reviewed_by: Option<String>,
    #[schema(required = true)]
    reviewed_at: Option<Time>,
    extractor_version: String,
    /// The extractor's rule that produced the fact (`amount.inline`, `table.money_column`
    /// …); null for facts stored before rules were recorded.
    #[schema(required = true)]
    rule: Option<String>,
    /// The fact as extracted, before any correction.
    original: ExtractedFact,
    /// A re-extraction no longer produced this fact; it is kept because someone decided it
    /// (the page marks it 已失效（新版抽取未再产生）).
    orphaned: bool,
    /// When a re-extraction last failed to produce it.
    #[schema(required = true)]
    orphaned_at: Option<Time>,
    /// The OCR engine's confidence (0–1) in the line the fact was read from; null when it was
    /// not read by OCR. The same as `provenance.confidence`.
    #[schema(required = true)]
    confidence: Option<f64>,
    /// The confidence is under 0.80: the characters may be misread (the page marks it
    /// 识别存疑).
    low_confidence: bool,
}

/// A fact after a decision; after a correction (or the undo of one) with
/// `document_findings`, the document's failed checks computed again.
#[derive(ToSchema)]
pub struct DecidedFact {
    #[serde(flatten)]
    value: FactValue,
    #[serde(flatten)]
    fields: FactFields,
    /// Only after a correction, or the undo of one.
    document_findings: Option<Vec<Check>>,
}

/// `GET /api/facts`: a page in document and reading order.
#[derive(ToSchema)]
pub struct FactList {
    facts: Vec<Fact>,
    /// `offset` of the next page, or null on the last.
    #[schema(required = true)]
    next_offset: Option<i64>,
}

/// `GET /api/facts?cursor=…`: the facts changed since the cursor, oldest change first.
#[derive(ToSchema)]
#[schema(example = json!({"facts": [], "removed": [41],
    "next_cursor": "c1.3f2.29", "has_more": false}))]
pub struct FactChanges {
    /// Changed facts that the filter (and your role) admits, as they now stand.
    facts: Vec<Fact>,
    /// Ids of changed facts that no longer have a status the filter or your role admits
    /// (a confirmation undone, say): drop them from your copy.
    removed: Vec<i64>,
    /// Keep it and send it as `cursor` next time; opaque.
    next_cursor: String,
    /// Whether more changes wait: pull again at once.
    has_more: bool,
}

/// `GET /api/documents/{id}/facts`: a further page of a document's facts.
#[derive(ToSchema)]
pub struct FactPage {
    facts: Vec<Fact>,
    /// Cursor of the next page (`after=`), or null on the last.
    #[schema(required = true)]
    next: Option<String>,
}

/// An arithmetic cross-check of a document: stated against computed.
#[derive(ToSchema)]
pub struct Check {
    id: i64,
    kind: CheckKind,
    ok: bool,
    severity: Severity,
    /// Ids of the facts the check covers, the stated whole first.
    facts: Vec<i64>,
    stated: String,
    computed: String,
    message: String,
    /// For a `cross_document` check: the id of the other report it compares with.
    related_document: Option<i64>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum HistoryAction {
    Confirm,
    Correct,
    Reject,
    Undo,
    /// A re-extraction read a different value: the fact went back to pending.
    Reextract,
}

/// A fact's reviewable state, before or after a decision.
#[derive(ToSchema)]
pub struct FactState {
    status: ReviewStatus,
    /// The stored value: a decimal or integer as text, a grade, or a document as JSON text.
    value: String,
    #[schema(required = true)]
    unit: Option<String>,
    qualifier: Qualifier,
    #[schema(required = true)]
    subject: Option<String>,
    start: i64,
    end: i64,
    text: String,
    #[schema(required = true)]
    reviewed_by: Option<String>,
    /// Unix milliseconds.
    #[schema(required = true)]
    reviewed_at: Option<i64>,
}

/// One decision on a fact, from the append-only review log.
#[derive(ToSchema)]
pub struct HistoryEntry {
    id: i64,
    action: HistoryAction,
    #[schema(required = true)]
    reason: Option<RejectReason>,
    #[schema(required = true)]
    note: Option<String>,
    before: FactState,
    after: FactState,
    /// The fact's version after this decision.
    version: i64,
    #[schema(required = true)]
    user_id: Option<i64>,
    actor: String,
    at: Time,
    /// The bulk action this decision was part of.
    #[schema(required = true)]
    bulk_id: Option<i64>,
    /// The decision this one undid.
    #[schema(required = true)]
    undoes: Option<i64>,
}

/// A document a re-extraction could not read again; it keeps its facts as they were.
#[derive(ToSchema)]
pub struct ReextractFailure {
    document_id: i64,
    error: String,
}

/// `POST /api/admin/reextract`: what the run did (or, dry, would do).
#[derive(ToSchema)]
#[schema(example = json!({"run_id": 3, "dry_run": false, "extractor_version": "jixiao 0.1.0+3f2a9c01d4e7",
    "documents": 12, "reextracted": 10, "skipped": 2, "failed": [], "kept": 812, "new": 9,
    "changed": 2, "orphaned": 1, "removed_pending": 4, "seconds": 1.8}))]
pub struct ReextractSummary {
    /// The audited run; null for a dry run or when there was nothing to do.
    #[schema(required = true)]
    run_id: Option<i64>,
    dry_run: bool,
    /// The extractor version the facts now come from.
    extractor_version: String,
    /// Documents selected.
    documents: i64,
    reextracted: i64,
    /// Already at this version (unless forced), or not extracted yet.
    skipped: i64,
    failed: Vec<ReextractFailure>,
    /// Facts that matched a stored one and kept its row and decision.
    kept: i64,
    /// Facts inserted pending.
    new: i64,
    /// Facts read with another value at the same place: decided ones are pending again.
    changed: i64,
    /// Decided facts no longer produced: kept, marked orphaned.
    orphaned: i64,
    /// Pending facts nobody decided, no longer produced: deleted.
    removed_pending: i64,
    seconds: f64,
}

/// `GET /api/facts/{id}/history`.
#[derive(ToSchema)]
pub struct History {
    fact_id: i64,
    history: Vec<HistoryEntry>,
}

/// `POST /api/facts/bulk-confirm`.
#[derive(ToSchema)]
pub struct BulkResult {
    bulk_id: i64,
    confirmed: i64,
    fact_ids: Vec<i64>,
}

/// A token holder (never the token).
#[derive(ToSchema)]
pub struct Token {
    id: i64,
    name: String,
    role: Role,
    created_at: Time,
    revoked: bool,
}

/// A new token: shown this once.
#[derive(ToSchema)]
pub struct NewToken {
    #[serde(flatten)]
    user: Token,
    token: String,
}

/// `GET /api/tokens`.
#[derive(ToSchema)]
pub struct TokenList {
    tokens: Vec<Token>,
}

/// `GET /api/facts` answers a page of the listing, or with `cursor`/`updated_since` a page
/// of changes.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum FactListOrChanges {
    List(FactList),
    Changes(FactChanges),
}

/// `GET /api/documents` answers a page of the listing, or with `cursor`/`updated_since` a
/// page of changes.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum DocumentListOrChanges {
    List(DocumentList),
    Changes(DocumentChanges),
}

/// `POST /api/facts/bulk-confirm/{id}/undo`.
#[derive(ToSchema)]
pub struct BulkUndo {
    /// The undo's own bulk action.
    bulk_id: i64,
    /// The bulk confirm it undoes.
    undoes: i64,
    undone: i64,
    /// The facts put back to where they stood.
    fact_ids: Vec<i64>,
    /// Facts of the confirm decided since, left as they are.
    skipped: Vec<i64>,
}

/// `GET /api/ready`: the database answers and its schema is this binary's.
#[derive(ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    status: String,
    /// The newest migration applied.
    schema_version: i64,
}
