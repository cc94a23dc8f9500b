//! Workers: claim a queued document, ingest and extract it off the async threads, and store
//! the outcome in one transaction. `jixiao serve` runs a few in-process; `jixiao worker` runs
//! them alone against the same database.
//!
//! Scans go to OCR workers of their own when a process runs some (`--ocr-workers`): the
//! ordinary workers take the text lane, and a scan they find is handed over unread, so a
//! twenty-page scan holds one OCR worker while text documents keep flowing past it (see
//! [`Lane`]).
//!
//! A claim is a short lease ([`LEASE_MS`]) that the worker renews while it works, so a
//! worker killed mid-document holds its job up for seconds; workers starting on a host put
//! back at once the jobs of that host's processes that are gone. On shutdown a worker stops
//! waiting for the document in hand and puts it back in the queue, so stopping takes moments
//! whatever the document.

use crate::ingest::{self, IngestError};
use crate::store::documents::LEASE_MS;
use crate::store::{Job, JobOutcome, Lane, Store, StoreError};
use crate::{Extraction, Extractor, Ingested};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tracing::Instrument;

/// How often an idle worker looks for jobs other processes queued.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// How long a claim holds without renewal: [`LEASE_MS`] unless `serve`/`worker` are told
/// otherwise (`--lease-secs`; tests of killed workers use a short one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease(Duration);

impl Lease {
    /// A lease of `secs` seconds, at least a tenth of a second.
    pub fn from_secs(secs: f64) -> Lease {
        let secs = if secs.is_finite() {
            secs.max(0.1)
        } else {
            LEASE_MS as f64 / 1000.0
        };
        Lease(Duration::from_secs_f64(secs))
    }

    fn ms(self) -> i64 {
        self.0.as_millis() as i64
    }

    /// How often a working worker renews: a few times per lease, so one slow renewal does
    /// not lose it.
    fn renew_every(self) -> Duration {
        self.0 / 3
    }
}

impl Default for Lease {
    fn default() -> Self {
        Lease(Duration::from_millis(LEASE_MS as u64))
    }
}

/// Reads and extracts a job's bytes (CPU-bound: runs on a blocking thread). Scanned pages are
/// read by OCR when tesseract is installed, each page reported on `progress` as it is done;
/// in the text lane they are not read (`IngestError::OcrDeferred`).
async fn extract(
    job: &Job,
    progress: watch::Sender<(usize, usize)>,
    lane: Lane,
) -> Result<(Ingested, Extraction), IngestError> {
    let bytes = job.content.clone();
    match tokio::task::spawn_blocking(move || {
        let deadline = crate::Deadline::from_env();
        let ocr = ingest::ocr::OcrRun::installed().map(|run| {
            let run = run.with_progress(Arc::new(move |done, total| {
                let _ = progress.send((done, total));
            }));
            if lane == Lane::Text {
                run.deferring()
            } else {
                run
            }
        });
        let doc = ingest::ingest_with(&bytes, &deadline, ocr.as_ref())?;
        // OCR has limits of its own per page and document; extraction after it gets the
        // document's limit afresh.
        let deadline = match doc.ocr {
            Some(_) => crate::Deadline::from_env(),
            None => deadline,
        };
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

/// Resolves when `shutdown` turns true; never, if its sender is gone without saying so.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Extracts a claimed job, renewing its lease meanwhile; `None` when shutdown came first.
async fn extract_renewing(
    store: &Store,
    job: &Job,
    shutdown: &mut watch::Receiver<bool>,
    lease: Lease,
    lane: Lane,
) -> Option<Result<(Ingested, Extraction), IngestError>> {
    let (progress_tx, mut progress) = watch::channel((0usize, 0usize));
    let work = extract(job, progress_tx, lane);
    tokio::pin!(work);
    let mut reporting = true;
    let mut renew = tokio::time::interval(lease.renew_every());
    renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    renew.tick().await;
    loop {
        tokio::select! {
            biased;
            _ = stopped(shutdown) => return None,
            result = &mut work => return Some(result),
            changed = progress.changed(), if reporting => match changed {
                Ok(()) => {
                    let (done, pages) = *progress.borrow_and_update();
                    if let Err(e) = store.set_ocr_progress(job, done as i64, pages as i64).await {
                        tracing::warn!(error = %e, "OCR progress not recorded");
                    }
                }
                Err(_) => reporting = false,
            },
            _ = renew.tick() => match store.renew_lease(job, lease.ms()).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!("lease lost while working; another worker has the document"),
                Err(e) => tracing::warn!(error = %e, "lease not renewed"),
            },
        }
    }
}

/// Processes one job if there is one; returns whether there was.
pub async fn process_one(store: &Store, worker: &str) -> Result<bool, StoreError> {
    // Nobody stops this one: the sender is dropped, which `stopped` takes as never.
    let (_, mut never) = watch::channel(false);
    process_one_until(store, worker, &mut never, Lease::default()).await
}

/// Processes one job if there is one, unless `shutdown` turns true first: then the job is
/// put back in the queue. Returns whether there was a job.
pub async fn process_one_until(
    store: &Store,
    worker: &str,
    shutdown: &mut watch::Receiver<bool>,
    lease: Lease,
) -> Result<bool, StoreError> {
    process_one_in(store, worker, shutdown, lease, Lane::All).await
}

/// `process_one_until` for a worker of `lane`.
pub async fn process_one_in(
    store: &Store,
    worker: &str,
    shutdown: &mut watch::Receiver<bool>,
    lease: Lease,
    lane: Lane,
) -> Result<bool, StoreError> {
    let Some(job) = store.claim_job_in(worker, lease.ms(), lane).await? else {
        return Ok(false);
    };
    let span = tracing::info_span!("job", document = job.document_id, attempt = job.attempts);
    async {
        let started = std::time::Instant::now();
        let Some(result) = extract_renewing(store, &job, shutdown, lease, lane).await else {
            store.release_job(&job).await?;
            tracing::info!("shutting down: document put back in the queue");
            return Ok(true);
        };
        if let Err(IngestError::OcrDeferred { pages }) = result {
            if store.hand_to_ocr(&job, pages as i64).await? {
                tracing::info!(pages, "scan handed to the OCR workers");
            }
            return Ok(true);
        }
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
        match store.finish_job(&job, outcome).await {
            Ok(true) => tracing::info!(
                facts,
                ms = started.elapsed().as_millis() as u64,
                "document processed"
            ),
            Ok(false) => {
                tracing::warn!("lease lost before commit; another worker has the document")
            }
            Err(e) => {
                // Kept for the record; the job is tried again when its lease runs out.
                let message = if e.is_storage_full() {
                    "the database was full when the result was stored".to_string()
                } else {
                    "the result could not be stored".to_string()
                };
                let _ = store.note_job_error(&job, &message).await;
                return Err(e);
            }
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

/// The lanes of a process's workers: `workers` ordinary ones and `ocr_workers` for scans.
/// Without OCR workers the ordinary ones take every job; a process without ordinary workers
/// (`serve --workers 0`) runs none at all.
pub fn lanes(workers: usize, ocr_workers: usize) -> Vec<Lane> {
    if workers == 0 {
        return Vec::new();
    }
    if ocr_workers == 0 {
        return vec![Lane::All; workers];
    }
    let mut lanes = vec![Lane::Text; workers];
    lanes.extend(std::iter::repeat_n(Lane::Ocr, ocr_workers));
    lanes
}

/// A worker loop: wakes on `notify` (an upload in this process) or every `IDLE_POLL`, and
/// stops when `shutdown` turns true.
pub async fn run(
    store: Store,
    name: String,
    notify: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
    lease: Lease,
    lane: Lane,
) {
    // Load the dictionaries now rather than on the first upload.
    let _ = tokio::task::spawn_blocking(Extractor::shared).await;
    tracing::info!(worker = %name, ?lane, "worker started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        match process_one_in(&store, &name, &mut shutdown, lease, lane).await {
            Ok(true) => continue,
            Ok(false) => {
                tokio::select! {
                    _ = notify.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stopped(&mut shutdown) => {}
                }
            }
            Err(e) => {
                tracing::error!(worker = %name, error = %e, "worker could not reach the database");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stopped(&mut shutdown) => {}
                }
            }
        }
    }
    tracing::info!(worker = %name, "worker stopped");
}

/// This machine's name, as worker names carry it.
pub fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && !h.contains(':'))
        .unwrap_or_else(|| "local".into())
}

/// A name unique to this process for each worker, so a lease names its holder:
/// `host:pid:n`.
pub fn worker_name(i: usize) -> String {
    format!("{}:{}:{i}", host_name(), std::process::id())
}

/// Whether a process of this host is running. Without /proc it cannot be told, and every
/// process counts as running (its jobs then wait for their leases).
fn process_alive(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self").exists() {
        return true;
    }
    pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Puts back in the queue the jobs of this host's workers that are gone: run before
/// workers start.
pub async fn release_stale_leases(store: &Store) -> Result<u64, StoreError> {
    let released = store
        .release_stale_leases(&host_name(), process_alive)
        .await?;
    if released > 0 {
        tracing::info!(
            documents = released,
            "jobs of stopped workers on this host put back in the queue"
        );
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_renewed_three_times_over() {
        let lease = Lease::from_secs(2.0);
        assert_eq!(lease.ms(), 2000);
        assert_eq!(lease.renew_every().as_millis(), 666);
        assert_eq!(Lease::default().ms(), LEASE_MS);
    }

    #[test]
    fn a_lease_is_never_zero_nor_endless() {
        assert_eq!(Lease::from_secs(0.0).ms(), 100);
        assert_eq!(Lease::from_secs(-5.0).ms(), 100);
        assert_eq!(Lease::from_secs(f64::NAN), Lease::default());
        assert_eq!(Lease::from_secs(f64::INFINITY), Lease::default());
    }

    #[test]
    fn ocr_workers_give_the_others_the_text_lane() {
        use Lane::*;
        assert_eq!(lanes(2, 0), vec![All, All]);
        assert_eq!(lanes(2, 1), vec![Text, Text, Ocr]);
        assert_eq!(lanes(1, 2), vec![Text, Ocr, Ocr]);
        // A server whose workers run elsewhere runs no OCR worker either.
        assert_eq!(lanes(0, 1), vec![]);
    }
}
