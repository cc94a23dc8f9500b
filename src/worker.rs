//! Workers: claim a queued document, ingest and extract it off the async threads, and store
//! the outcome in one transaction. `jixiao serve` runs a few in-process; `jixiao worker` runs
//! them alone against the same database. On shutdown a worker finishes the document in hand
//! and stops; a worker killed mid-document leaves its job to be claimed again when the lease
//! runs out.

use crate::ingest::{self, IngestError};
use crate::store::documents::DEFAULT_LEASE_MS;
use crate::store::{Job, JobOutcome, Store, StoreError};
use crate::{Extraction, Extractor, Ingested};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tracing::Instrument;

/// How often an idle worker looks for jobs other processes queued.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Reads and extracts a job's bytes (CPU-bound: runs on a blocking thread).
async fn extract(job: &Job) -> Result<(Ingested, Extraction), IngestError> {
    let bytes = job.content.clone();
    match tokio::task::spawn_blocking(move || {
        let deadline = crate::Deadline::from_env();
        let doc = ingest::ingest_within(&bytes, &deadline)?;
        let extraction = crate::analyze_within(&Extractor::shared(), &doc, &deadline)?;
        Ok((doc, extraction))
    })
    .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(document = job.document_id, error = %e, "extraction panicked");
            Err(IngestError::Malformed(
                "the extractor failed on this file".into(),
            ))
        }
    }
}

/// Processes one job if there is one; returns whether there was.
pub async fn process_one(store: &Store, worker: &str) -> Result<bool, StoreError> {
    let Some(job) = store.claim_job(worker, DEFAULT_LEASE_MS).await? else {
        return Ok(false);
    };
    let span = tracing::info_span!("job", document = job.document_id, attempt = job.attempts);
    async {
        let started = std::time::Instant::now();
        let result = extract(&job).await;
        if let Ok((
            _,
            Extraction {
                truncated: Some(t), ..
            },
        )) = &result
        {
            tracing::warn!(limit = t.limit, at = t.at, "{}", t.message);
        }
        let (outcome, facts) = match &result {
            Ok((doc, extraction)) => (JobOutcome::Done { doc, extraction }, extraction.facts.len()),
            Err(e @ IngestError::NeedsOcr) => (JobOutcome::NeedsOcr(e.to_string()), 0),
            Err(e) => (JobOutcome::Failed(e.to_string()), 0),
        };
        if store.finish_job(&job, outcome).await? {
            tracing::info!(
                facts,
                ms = started.elapsed().as_millis() as u64,
                "document processed"
            );
        } else {
            tracing::warn!("lease lost before commit; another worker has the document");
        }
        Ok(true)
    }
    .instrument(span)
    .await
}

/// Processes jobs until none is left (tests, `jixiao import --process`).
pub async fn run_until_idle(store: &Store, worker: &str) -> Result<usize, StoreError> {
    let mut n = 0;
    while process_one(store, worker).await? {
        n += 1;
    }
    Ok(n)
}

/// A worker loop: wakes on `notify` (an upload in this process) or every `IDLE_POLL`, and
/// stops when `shutdown` turns true.
pub async fn run(
    store: Store,
    name: String,
    notify: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Load the dictionaries now rather than on the first upload.
    let _ = tokio::task::spawn_blocking(Extractor::shared).await;
    tracing::info!(worker = %name, "worker started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        match process_one(&store, &name).await {
            Ok(true) => continue,
            Ok(false) => {
                tokio::select! {
                    _ = notify.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                tracing::error!(worker = %name, error = %e, "worker could not reach the database");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
    tracing::info!(worker = %name, "worker stopped");
}

/// A name unique to this process for each worker, so a lease names its holder.
pub fn worker_name(i: usize) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    format!("{host}:{}:{i}", std::process::id())
}
