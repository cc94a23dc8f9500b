//! The shapes of review statistics (by kind and by extraction rule, with a rule's test
//! cases) and of exports in JSON.

use super::{
    AnyFactValue, CheckKind, ExtractedFact, FactKind, Provenance, Qualifier, ReviewStatus,
    Severity, Time,
};
use utoipa::ToSchema;

/// Review counts of one kind (or of `all`) and the precision they imply.
#[derive(ToSchema)]
pub struct KindStats {
    /// A fact kind, or `all`.
    kind: String,
    total: i64,
    pending: i64,
    confirmed: i64,
    corrected: i64,
    rejected: i64,
    decided: i64,
    /// confirmed / decided, to four places; null before any decision.
    #[schema(required = true)]
    precision: Option<f64>,
    /// (confirmed + corrected) / decided.
    #[schema(required = true)]
    precision_found: Option<f64>,
}

/// `GET /api/stats`.
#[derive(ToSchema)]
pub struct Stats {
    kinds: Vec<KindStats>,
    all: KindStats,
}

/// What `GET /api/stats` counts by.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum StatsBy {
    Kind,
    Rule,
}

/// `GET /api/stats`: per kind, or with `by=rule` per extraction rule.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum StatsAnswer {
    Kinds(Stats),
    Rules(RuleStatsList),
}

/// `GET /api/stats?by=rule`.
#[derive(ToSchema)]
pub struct RuleStatsList {
    /// Always `rule`.
    by: String,
    rules: Vec<RuleStats>,
}

/// One extraction rule's review record. Precision is confirmed / (confirmed + corrected +
/// rejected) over decided facts, with its 95 % Wilson score interval.
#[derive(ToSchema)]
#[schema(example = json!({"rule": "amount.inline", "total": 12, "pending": 2, "confirmed": 8,
    "corrected": 1, "rejected": 1, "decided": 10, "corrected_fields": {"value": 1},
    "rejected_reasons": {"not_a_fact": 1}, "precision": 0.8, "interval": [0.4902, 0.9433],
    "worst_documents": [{"document_id": 3, "file_name": "002.txt", "corrected": 1, "rejected": 1}]}))]
pub struct RuleStats {
    /// The rule's id; null for facts stored before rules were recorded (未记录).
    #[schema(required = true)]
    rule: Option<String>,
    total: i64,
    pending: i64,
    confirmed: i64,
    corrected: i64,
    rejected: i64,
    decided: i64,
    /// Corrected facts by the field corrected (value, unit, qualifier, subject, span); a
    /// fact corrected in two fields counts in both.
    corrected_fields: std::collections::BTreeMap<String, i64>,
    /// Rejected facts by reject reason (`unspecified` where none was given).
    rejected_reasons: std::collections::BTreeMap<String, i64>,
    /// confirmed / decided; null when nothing is decided.
    #[schema(required = true)]
    precision: Option<f64>,
    /// `[low, high]`, the 95 % Wilson score interval of `precision`; null when nothing is
    /// decided.
    #[schema(required = true, min_items = 2, max_items = 2)]
    interval: Option<Vec<f64>>,
    /// Up to five documents with the most corrected and rejected facts of the rule.
    worst_documents: Vec<RuleDocument>,
}

/// A document where a rule failed.
#[derive(ToSchema)]
pub struct RuleDocument {
    document_id: i64,
    #[schema(required = true)]
    file_name: Option<String>,
    corrected: i64,
    rejected: i64,
}

/// One line of `GET /api/stats/rules/{rule}/cases`: a corrected or rejected fact of the rule
/// as material for a unit test.
#[derive(ToSchema)]
pub struct RuleCase {
    rule: String,
    document_id: i64,
    #[schema(required = true)]
    file_name: Option<String>,
    fact_id: i64,
    kind: FactKind,
    /// corrected or rejected.
    status: ReviewStatus,
    window: CaseWindow,
    /// The fact as the extractor gave it (the extraction JSON's fact).
    extracted: ExtractedFact,
    /// For a corrected fact, the fact as the reviewer left it; null for a rejected one.
    #[schema(required = true)]
    correction: Option<CaseCorrection>,
    /// The reject reason (or a correction's), where given.
    #[schema(required = true)]
    reason: Option<String>,
    #[schema(required = true)]
    note: Option<String>,
    extractor_version: String,
}

/// A corrected fact as the reviewer left it.
#[derive(ToSchema)]
pub struct CaseCorrection {
    text: String,
    start: i64,
    end: i64,
    value: AnyFactValue,
    #[schema(required = true)]
    unit: Option<String>,
    qualifier: Qualifier,
    #[schema(required = true)]
    subject: Option<String>,
}

/// The document text around a case's fact.
#[derive(ToSchema)]
pub struct CaseWindow {
    /// Up to 80 characters either side of the fact.
    text: String,
    /// Where the window starts in the document's text (code points).
    start: i64,
    /// The fact's span inside `text` (code points, end exclusive).
    fact_start: i64,
    fact_end: i64,
}

/// One exported fact (`format=json`).
#[derive(ToSchema)]
pub struct ExportFact {
    document_sha256: String,
    #[schema(required = true)]
    file_name: Option<String>,
    fact_id: i64,
    kind: FactKind,
    status: ReviewStatus,
    start: i64,
    end: i64,
    original_text: String,
    text: String,
    /// As in [`Fact`]: a decimal string, an integer, a grade or a document reference.
    value: AnyFactValue,
    #[schema(required = true)]
    unit: Option<String>,
    qualifier: Qualifier,
    #[schema(required = true)]
    subject: Option<String>,
    #[schema(required = true)]
    provenance: Option<Provenance>,
    #[schema(required = true)]
    reviewer: Option<String>,
    #[schema(required = true)]
    decided_at: Option<Time>,
    extractor_version: String,
    /// The extractor's rule; null for facts stored before rules were recorded.
    #[schema(required = true)]
    rule: Option<String>,
}

/// A fact a finding covers.
#[derive(ToSchema)]
pub struct FindingFact {
    id: i64,
    text: String,
}

/// One exported finding (`format=json&what=findings`).
#[derive(ToSchema)]
pub struct ExportFinding {
    document_sha256: String,
    #[schema(required = true)]
    file_name: Option<String>,
    check_id: i64,
    kind: CheckKind,
    severity: Severity,
    stated: String,
    computed: String,
    message: String,
    facts: Vec<FindingFact>,
}

/// `GET /api/export?format=json`: `facts`, or with `what=findings` `findings`.
#[derive(ToSchema)]
pub struct ExportJson {
    facts: Option<Vec<ExportFact>>,
    findings: Option<Vec<ExportFinding>>,
}
