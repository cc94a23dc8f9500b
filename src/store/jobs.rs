//! The job queue over the documents table: claiming a job under a lease (in a lane: scans
//! handed to OCR workers are theirs, see [`Lane`]), renewing and releasing the lease, handing
//! a scan to the OCR lane, recording OCR progress, and putting back the jobs of workers that
//! are gone. Storing a job's outcome is `documents`' part.

use super::documents::{Job, MAX_ATTEMPTS};
use super::{Backend, Binds, Result, Store, now_ms};

/// Which jobs a worker takes. Scans (documents with pages to OCR) take seconds a page, so
/// that a long one does not hold up the text documents behind it, the text lane hands them
/// to OCR workers of their own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lane {
    /// Every job, scans read by the worker that finds them (no separate OCR workers).
    #[default]
    All,
    /// Every job but the scans handed to OCR; a scan found is handed over unread.
    Text,
    /// The scans handed over first, then any job.
    Ocr,
}

impl Store {
    /// Claims the oldest queued job, or one whose lease ran out (its worker died). A job
    /// out of attempts is failed here rather than claimed again.
    pub async fn claim_job(&self, worker: &str, lease_ms: i64) -> Result<Option<Job>> {
        self.claim_job_in(worker, lease_ms, Lane::All).await
    }

    /// `claim_job` for a worker of `lane`: the text lane leaves the scans handed to OCR
    /// workers alone, the OCR lane takes them first.
    pub async fn claim_job_in(
        &self,
        worker: &str,
        lease_ms: i64,
        lane: Lane,
    ) -> Result<Option<Job>> {
        let now = now_ms();
        let claimable = "(status = 'queued' OR (status = 'processing' AND lease_until < $1))";
        // A document being OCR'd, or handed over for OCR, has its pages to read recorded.
        let (only, order) = match lane {
            Lane::All => ("", "id"),
            Lane::Text => (" AND ocr_pages IS NULL", "id"),
            Lane::Ocr => ("", "CASE WHEN ocr_pages IS NULL THEN 1 ELSE 0 END, id"),
        };
        let pick = match self.backend {
            // Several servers may share the database: skip rows another one holds.
            Backend::Postgres => {
                format!(
                    "SELECT id FROM documents WHERE {claimable}{only} ORDER BY {order} LIMIT 1 FOR UPDATE SKIP LOCKED"
                )
            }
            // One writer at a time on SQLite, so the pick and the update cannot interleave.
            Backend::Sqlite => {
                format!("SELECT id FROM documents WHERE {claimable}{only} ORDER BY {order} LIMIT 1")
            }
        };
        let sql = format!(
            "UPDATE documents SET status = 'processing', claimed_by = $2, lease_until = $3,
                    attempts = attempts + 1
             WHERE id = ({pick}) RETURNING id, content, attempts"
        );
        let give_up = format!(
            "UPDATE documents SET status = 'failed', claimed_by = NULL, lease_until = NULL,
                    processed_at = $1,
                    error = COALESCE(error, 'processing did not finish in ' || $2 || ' attempts')
             WHERE attempts >= $3 AND {}",
            claimable.replace("$1", "$4")
        );
        let mut tx = self.begin_write().await?;
        let given_up = sqlx::query(sqlx::AssertSqlSafe(give_up))
            .bind(now)
            .bind(MAX_ATTEMPTS.to_string())
            .bind(MAX_ATTEMPTS)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if given_up > 0 {
            tracing::warn!(documents = given_up, "documents failed: out of attempts");
        }
        let row: Option<(i64, Vec<u8>, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(worker)
            .bind(now + lease_ms)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.map(|(document_id, content, attempts)| Job {
            document_id,
            content,
            attempts,
            worker: worker.to_string(),
        }))
    }

    /// Changes a claimed job's document only while this job's worker still holds it and it
    /// is being processed — the guard every step of a claimed job shares; `set` writes the
    /// SET clause with its binds. Returns whether the job was still this worker's.
    async fn update_claimed(
        &self,
        job: &Job,
        set: impl FnOnce(&mut Binds) -> String,
    ) -> Result<bool> {
        let mut b = Binds::default();
        let set = set(&mut b);
        let sql = format!(
            "UPDATE documents SET {set} WHERE id = {} AND claimed_by = {} AND status = 'processing'",
            b.int(job.document_id),
            b.text(job.worker.as_str())
        );
        let mut conn = self.conn().await?;
        let updated = b
            .apply_query(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .execute(&mut *conn)
            .await?;
        conn.finish().await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Puts a claimed job back in the queue as work for the OCR workers: a scan of `pages`
    /// pages found by a worker of the text lane, which read none of them. The attempt is
    /// not counted, and the list shows the pages waiting (0 of `pages` done).
    pub async fn hand_to_ocr(&self, job: &Job, pages: i64) -> Result<bool> {
        self.update_claimed(job, |b| {
            format!(
                "status = 'queued', claimed_by = NULL, lease_until = NULL, \
                 attempts = attempts - 1, ocr_pages_done = 0, ocr_pages = {}",
                b.int(pages)
            )
        })
        .await
    }

    /// Records how far OCR of a claimed document is.
    pub async fn set_ocr_progress(&self, job: &Job, done: i64, pages: i64) -> Result<bool> {
        self.update_claimed(job, |b| {
            format!(
                "ocr_pages_done = {}, ocr_pages = {}",
                b.int(done),
                b.int(pages)
            )
        })
        .await
    }

    /// Extends a claimed job's lease; false when the job is no longer this worker's.
    pub async fn renew_lease(&self, job: &Job, lease_ms: i64) -> Result<bool> {
        self.update_claimed(job, |b| {
            format!("lease_until = {}", b.int(now_ms() + lease_ms))
        })
        .await
    }

    /// Puts a claimed job back in the queue (shutting down before it was processed). The
    /// attempt is not counted: the document did nothing wrong.
    pub async fn release_job(&self, job: &Job) -> Result<()> {
        self.update_claimed(job, |_| {
            "status = 'queued', claimed_by = NULL, lease_until = NULL, attempts = attempts - 1"
                .to_string()
        })
        .await
        .map(|_| ())
    }

    /// Records why an attempt at a job failed without an outcome (the database refused its
    /// result); the job stays claimed until its lease runs out and is tried again, and the
    /// message is what remains if it runs out of attempts.
    pub async fn note_job_error(&self, job: &Job, message: &str) -> Result<()> {
        self.update_claimed(job, |b| format!("error = {}", b.text(message)))
            .await
            .map(|_| ())
    }

    /// Puts back in the queue the jobs held by workers of `host` whose process is gone
    /// (`alive(pid)` false), without waiting for their leases: run when workers start, so
    /// a server restarted after kill -9 takes its jobs up again at once. Worker names are
    /// `host:pid:n` (see `worker::worker_name`). Returns how many were released.
    pub async fn release_stale_leases(
        &self,
        host: &str,
        alive: impl Fn(u32) -> bool,
    ) -> Result<u64> {
        let prefix = format!("{host}:");
        let mut conn = self.conn().await?;
        let held: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, claimed_by FROM documents
             WHERE status = 'processing' AND claimed_by IS NOT NULL",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut released = 0;
        for (id, holder) in held {
            let pid = holder
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split(':').next())
                .and_then(|pid| pid.parse::<u32>().ok());
            let Some(pid) = pid else { continue };
            if alive(pid) {
                continue;
            }
            released += sqlx::query(
                "UPDATE documents SET status = 'queued', claimed_by = NULL, lease_until = NULL
                 WHERE id = $1 AND claimed_by = $2 AND status = 'processing'",
            )
            .bind(id)
            .bind(&holder)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        }
        conn.finish().await?;
        Ok(released)
    }

    /// Counts of documents per status (for the worker's idle check and tests).
    pub async fn queued_jobs(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM documents WHERE status IN ('queued', 'processing')",
        )
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }
}
