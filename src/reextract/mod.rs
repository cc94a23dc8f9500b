//! Re-extraction: runs the current extractor over stored documents and stores what it reads
//! without losing what assessors decided (`store::reextract` holds the matching's outcome to
//! the database, `matching` decides which new fact is which old one). Behind `jixiao
//! reextract` and `POST /api/admin/reextract`.
//!
//! A run takes the documents asked for, skips those whose facts already come from this
//! extractor version (so a run stopped part-way is resumed by running it again, and a second
//! run finds nothing to do) unless forced, reads each one's stored bytes again as a worker
//! does — ingestion, then extraction and the checks (`analyze`) — a few at once on blocking
//! threads, and stores each document in a transaction of its own. A document read by OCR is
//! not sent to OCR again: its stored text is extracted instead.

pub mod matching;

use crate::store::reextract::{Applied, ApplyOptions, FactCounts, Reread, StoredDocument};
use crate::store::{Actor, EXTRACTOR_VERSION, Store, StoreError};
use crate::{Deadline, Extractor, IngestError};
use serde::Serialize;
use std::sync::Arc;

/// Which documents a run takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    All,
    Documents(Vec<i64>),
}

/// Reads a stored document again: what the extractor makes of it now.
pub type Reader = Arc<dyn Fn(&StoredDocument) -> Result<Reread, IngestError> + Send + Sync>;

/// Told after each document: documents done, documents to do.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How a run goes.
#[derive(Clone)]
pub struct Options {
    pub selection: Selection,
    /// Compute and report the counts; write nothing.
    pub dry_run: bool,
    /// Also documents already at this extractor version.
    pub force: bool,
    /// Who runs it, for the audit.
    pub actor: Actor,
    /// The version the facts will carry: [`EXTRACTOR_VERSION`] unless a test says otherwise.
    pub version: String,
    /// How the documents are read: [`current_extractor`] unless a test feeds its own facts.
    pub reader: Reader,
    /// Documents read at once.
    pub jobs: usize,
    /// Make the n-th document stored (1-based) stop before its commit, and the run with it,
    /// as a crash would.
    #[doc(hidden)]
    pub crash_at: Option<usize>,
}

impl Options {
    /// A run of the current extractor by `actor`.
    pub fn new(selection: Selection, actor: Actor) -> Options {
        Options {
            selection,
            dry_run: false,
            force: false,
            actor,
            version: EXTRACTOR_VERSION.to_string(),
            reader: current_extractor(),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            crash_at: None,
        }
    }
}

/// A document that could not be read again; it keeps its facts as they were.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub document_id: i64,
    pub error: String,
}

/// What a run did (or, dry, would do).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The audited run; none for a dry run.
    pub run_id: Option<i64>,
    pub dry_run: bool,
    /// The extractor version the facts now come from.
    pub extractor_version: String,
    /// Documents selected.
    pub documents: i64,
    /// Documents re-extracted (or, dry, that would be).
    pub reextracted: i64,
    /// Documents already at the version, or not extracted yet (queued, failed).
    pub skipped: i64,
    pub failed: Vec<Failure>,
    #[serde(flatten)]
    pub facts: FactCounts,
    pub seconds: f64,
}

impl Summary {
    /// One paragraph for a terminal.
    pub fn describe(&self) -> String {
        let rate = if self.seconds > 0.0 {
            self.reextracted as f64 / self.seconds
        } else {
            0.0
        };
        format!(
            "{}{} documents: {} re-extracted, {} skipped (already at {} or not extracted), {} failed\n\
             facts: {} kept, {} new, {} changed, {} orphaned, {} removed (pending)\n\
             {:.1} s, {:.1} documents/s",
            if self.dry_run {
                "dry run (nothing written): "
            } else {
                ""
            },
            self.documents,
            self.reextracted,
            self.skipped,
            self.extractor_version,
            self.failed.len(),
            self.facts.kept,
            self.facts.new,
            self.facts.changed,
            self.facts.orphaned,
            self.facts.removed_pending,
            self.seconds,
            rate,
        )
    }
}

/// The current extractor over a stored document, as a worker runs it: ingestion of the stored
/// bytes (without OCR: a document read by OCR, or a scan, has its stored text extracted),
/// then `analyze`, within the time limit per document.
pub fn current_extractor() -> Reader {
    Arc::new(|stored: &StoredDocument| {
        let extractor = Extractor::shared();
        if !stored.ocr {
            let deadline = Deadline::from_env();
            match crate::ingest::ingest_within(&stored.content, &deadline) {
                Ok(doc) => {
                    let extraction = crate::analyze_within(&extractor, &doc, &deadline)?;
                    return Ok(Reread {
                        tables: crate::store::documents::table_layout_json(&doc.blocks),
                        text: doc.text,
                        extraction,
                    });
                }
                Err(IngestError::NeedsOcr) => {}
                Err(e) => return Err(e),
            }
        }
        let text = stored.text.clone().unwrap_or_default();
        let extraction = crate::analyze_text(&extractor, &text);
        Ok(Reread {
            text,
            tables: None,
            extraction,
        })
    })
}

/// Runs a re-extraction (see the module's note). A database error stops the run: documents
/// stored before it stay stored, and running again takes up the rest.
pub async fn run(
    store: &Store,
    options: &Options,
    progress: Option<Progress>,
) -> Result<Summary, StoreError> {
    let started = std::time::Instant::now();
    let ids = match &options.selection {
        Selection::All => None,
        Selection::Documents(ids) => Some(ids.as_slice()),
    };
    let candidates = store.reextract_candidates(ids).await?;
    let mut summary = Summary {
        run_id: None,
        dry_run: options.dry_run,
        extractor_version: options.version.clone(),
        documents: candidates.len() as i64,
        reextracted: 0,
        skipped: 0,
        failed: Vec::new(),
        facts: FactCounts::default(),
        seconds: 0.0,
    };
    let todo: Vec<i64> = candidates
        .iter()
        .filter(|c| {
            c.status == "done"
                && (options.force || c.extractor_version.as_deref() != Some(&options.version))
        })
        .map(|c| c.id)
        .collect();
    summary.skipped = summary.documents - todo.len() as i64;
    let total = todo.len() as u64;
    if let Some(p) = &progress {
        p(0, total);
    }
    if !options.dry_run && !todo.is_empty() {
        summary.run_id = Some(
            store
                .begin_reextract_run(&options.actor, &options.version)
                .await?,
        );
    }
    let mut done = 0u64;
    let mut stored = 0usize;
    for batch in todo.chunks(options.jobs.max(1)) {
        // Read a few at once (CPU-bound, off the async threads); store them in order.
        let mut reads = Vec::with_capacity(batch.len());
        for &id in batch {
            let document = store.stored_document(id).await?;
            let reader = options.reader.clone();
            reads.push((id, tokio::task::spawn_blocking(move || reader(&document))));
        }
        for (id, read) in reads {
            let reread = match read.await {
                Ok(Ok(reread)) => reread,
                Ok(Err(e)) => {
                    summary.failed.push(Failure {
                        document_id: id,
                        error: e.to_string(),
                    });
                    done += 1;
                    continue;
                }
                Err(e) => {
                    tracing::error!(document = id, error = %e, "re-extraction panicked");
                    summary.failed.push(Failure {
                        document_id: id,
                        error: "the extractor failed on this document".into(),
                    });
                    done += 1;
                    continue;
                }
            };
            stored += 1;
            let apply = ApplyOptions {
                version: &options.version,
                force: options.force,
                dry_run: options.dry_run,
                run: summary.run_id,
                actor: &options.actor,
                crash_before_commit: options.crash_at == Some(stored),
            };
            match store.apply_reextraction(id, &reread, &apply).await? {
                Applied::Stored(counts) => {
                    summary.reextracted += 1;
                    summary.facts += counts;
                }
                Applied::Skipped => summary.skipped += 1,
            }
            done += 1;
            if let Some(p) = &progress {
                p(done, total);
            }
        }
    }
    if let Some(run) = summary.run_id {
        store
            .finish_reextract_run(run, summary.reextracted, &summary.facts)
            .await?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
