//! jixiao (绩效): turns Chinese budget-performance reports into facts a person can confirm.
//!
//! Data flows one way: [`ingest`] (bytes → text, blocks, provenance) → [`text`] (normalized
//! view with an offset map back) → [`extract`] (one scanner per fact kind, tables, subjects,
//! metadata) → [`check`] (arithmetic cross-checks) → [`links`] (the keys that tie a document to
//! others) → [`report`] (JSON and tables for people).
//! As a service: [`store`] (documents, facts, review log, tokens in SQLite or PostgreSQL) →
//! [`worker`] (the job queue) → [`http`] (the REST API); [`review`] holds the rules a
//! decision on a fact follows.

pub mod bench;
pub mod check;
pub mod deadline;
pub mod domain;
pub mod extract;
pub mod http;
pub mod ingest;
pub mod links;
pub mod parallel;
pub mod precision;
pub mod reextract;
pub mod report;
pub mod review;
pub mod service;
pub mod store;
pub mod text;
pub mod webhook;
pub mod worker;

pub use deadline::Deadline;
pub use extract::{Extraction, Extractor, Fact, FactKind, FactValue};
pub use ingest::{IngestError, Ingested};

/// Reads an upload, extracts its facts with the process-wide extractor and checks them, within
/// the configured time limit per document.
pub fn extract_bytes(bytes: &[u8]) -> Result<Extraction, IngestError> {
    extract_bytes_within(bytes, &Deadline::from_env())
}

/// `extract_bytes`, giving up with a limit error once `deadline` has passed.
pub fn extract_bytes_within(bytes: &[u8], deadline: &Deadline) -> Result<Extraction, IngestError> {
    let doc = ingest::ingest_within(bytes, deadline)?;
    analyze_within(&Extractor::shared(), &doc, deadline)
}

/// The stages after ingestion, in order: extraction, then the checks over what it found.
pub fn analyze(extractor: &Extractor, doc: &Ingested) -> Extraction {
    analyze_within(extractor, doc, &Deadline::none()).expect("no deadline to miss")
}

/// `analyze`, giving up with a limit error once `deadline` has passed.
pub fn analyze_within(
    extractor: &Extractor,
    doc: &Ingested,
    deadline: &Deadline,
) -> Result<Extraction, IngestError> {
    let mut extraction = extractor.extract_within(doc, deadline)?;
    deadline.check()?;
    extraction.checks = check::run(&extraction, &doc.text);
    Ok(extraction)
}

/// `analyze` for plain text, as if it were an uploaded TXT file.
pub fn analyze_text(extractor: &Extractor, text: &str) -> Extraction {
    let mut extraction = extractor.extract_text(text);
    extraction.checks = check::run(&extraction, text);
    extraction
}
