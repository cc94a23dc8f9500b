//! Documents and the job queue they form: an upload is a row with status `queued`; a worker
//! claims it (`processing`, with a lease), and stores its text, facts, checks and forms in ONE
//! transaction that also sets `done` — so a crash mid-document leaves nothing half-written,
//! and the expired lease lets another worker take the job again, up to [`MAX_ATTEMPTS`].
//! Claims and leases are `queue`'s part.

use super::{Bind, Binds, Result, Store, StoreError, now_ms};
use crate::check::Check;
use crate::extract::{Extraction, Fact, FactValue};
use crate::ingest::Ingested;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How long a claim holds a job before another worker may take it again. Short, so a
/// worker that died (kill -9, a lost machine) holds its job up for seconds, not minutes; a
/// live worker renews it while it works (see `worker`).
pub const LEASE_MS: i64 = 30 * 1000;

/// Claims a document may take. One that never finishes (its worker killed each time, say
/// by running out of memory on it) is then failed, with the last error kept, instead of
/// taking down one worker after another for ever.
pub const MAX_ATTEMPTS: i64 = 3;

#[derive(Clone, Debug, Serialize)]
pub struct DocumentRow {
    pub id: i64,
    pub sha256: String,
    pub file_name: Option<String>,
    pub format: Option<String>,
    pub size_bytes: i64,
    pub status: String,
    pub error: Option<String>,
    pub title: Option<String>,
    pub region: Option<String>,
    pub year: Option<i64>,
    pub doc_number: Option<String>,
    pub text_chars: Option<i64>,
    pub encoding: Option<String>,
    pub extractor_version: Option<String>,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: i64,
    pub processed_at: Option<i64>,
    pub attempts: i64,
    pub facts_total: i64,
    pub facts_pending: i64,
    /// Arithmetic checks of the document that did not add up.
    pub checks_failed: i64,
    /// Of those, the errors and the warnings (points to look at).
    pub findings_error: i64,
    pub findings_warning: i64,
    /// How the document was OCR'd ({"engine", "pages", "confidence"}); absent when its text
    /// layer was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr: Option<Value>,
    /// While OCR runs, or the document waits for an OCR worker: pages done and pages to read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr_progress: Option<OcrProgress>,
    /// The assessor the document is assigned to, if any.
    pub assignee: Option<Assignee>,
}

/// Who a document is assigned to.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Assignee {
    pub id: i64,
    pub name: String,
}

/// Pages OCR'd so far of a document being read.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct OcrProgress {
    pub done: i64,
    pub pages: i64,
}

/// A document's columns. Seen by one uploader (`as_uploader`), the file name, uploader and
/// time are those of their own upload (`u`, joined by [`uploader_join`]), not the first one's.
pub(super) fn document_columns(as_uploader: bool) -> String {
    let (name, by, at) = if as_uploader {
        ("u.file_name", "u.user_id", "u.uploaded_at")
    } else {
        ("d.file_name", "d.uploaded_by", "d.uploaded_at")
    };
    // A document's counts as the triggers keep them (migration `…_document_counts`): one row
    // read by key, where counting read every fact and check of the document. Every failed
    // check is an error or a warning.
    let facts = |e: &str| {
        format!("COALESCE((SELECT {e} FROM document_fact_counts k WHERE k.document_id = d.id), 0)")
    };
    let findings = |e: &str| {
        format!(
            "COALESCE((SELECT {e} FROM document_finding_counts k WHERE k.document_id = d.id), 0)"
        )
    };
    format!(
        "d.id, d.sha256, {name}, d.format, d.size_bytes, d.status, \
    d.error, d.title, d.region, d.year, d.doc_number, d.text_chars, d.encoding, \
    d.extractor_version, {by}, {at}, d.processed_at, d.attempts, \
    {} AS facts_total, {} AS facts_pending, {} AS checks_failed, {} AS findings_error, \
    {} AS findings_warning, d.ocr, d.ocr_pages_done, d.ocr_pages, \
    d.assigned_to, (SELECT a.name FROM users a WHERE a.id = d.assigned_to) AS assignee_name",
        facts("facts_total"),
        facts("facts_total - facts_decided"),
        findings("findings_error + findings_warning"),
        findings("findings_error"),
        findings("findings_warning"),
    )
}

/// Whether the row is in the queue (waiting for or in the hands of a worker), where OCR
/// progress means something.
fn status_is_in_queue(r: &sqlx::any::AnyRow) -> sqlx::Result<bool> {
    use sqlx::Row;
    let status = r.try_get::<String, _>(5)?;
    Ok(status == "processing" || status == "queued")
}

/// Joins the upload record of the user bound at `user` (a placeholder): only documents that
/// user uploaded remain.
pub(super) fn uploader_join(user: &str) -> String {
    format!(" JOIN document_uploads u ON u.document_id = d.id AND u.user_id = {user}")
}

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for DocumentRow {
    fn from_row(r: &'r sqlx::any::AnyRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(DocumentRow {
            id: r.try_get(0)?,
            sha256: r.try_get(1)?,
            file_name: r.try_get(2)?,
            format: r.try_get(3)?,
            size_bytes: r.try_get(4)?,
            status: r.try_get(5)?,
            error: r.try_get(6)?,
            title: r.try_get(7)?,
            region: r.try_get(8)?,
            year: r.try_get(9)?,
            doc_number: r.try_get(10)?,
            text_chars: r.try_get(11)?,
            encoding: r.try_get(12)?,
            extractor_version: r.try_get(13)?,
            uploaded_by: r.try_get(14)?,
            uploaded_at: r.try_get(15)?,
            processed_at: r.try_get(16)?,
            attempts: r.try_get(17)?,
            facts_total: r.try_get(18)?,
            facts_pending: r.try_get(19)?,
            checks_failed: r.try_get(20)?,
            findings_error: r.try_get(21)?,
            findings_warning: r.try_get(22)?,
            ocr: r
                .try_get::<Option<String>, _>(23)?
                .and_then(|j| serde_json::from_str(&j).ok()),
            ocr_progress: match (
                r.try_get::<Option<i64>, _>(24)?,
                r.try_get::<Option<i64>, _>(25)?,
            ) {
                (Some(done), Some(pages)) if status_is_in_queue(r)? => {
                    Some(OcrProgress { done, pages })
                }
                _ => None,
            },
            assignee: match (
                r.try_get::<Option<i64>, _>(26)?,
                r.try_get::<Option<String>, _>(27)?,
            ) {
                (Some(id), Some(name)) => Some(Assignee { id, name }),
                _ => None,
            },
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckRow {
    pub id: i64,
    pub kind: String,
    pub ok: bool,
    /// `error` or `warning`: how much a failure matters.
    pub severity: String,
    /// Ids of the stored facts the check covers, the stated whole first.
    pub facts: Vec<i64>,
    pub stated: String,
    pub computed: String,
    pub message: String,
    /// For a `cross_document` check: the other report it compares with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_document: Option<i64>,
}

/// What storing an upload did.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The document, as the uploader sees it (their own file name and time).
    pub document: DocumentRow,
    /// These bytes were new: a document was made and queued.
    pub created: bool,
    /// This uploader had not uploaded these bytes before: their record of it was made.
    pub recorded: bool,
}

/// A claimed job: the bytes to process.
#[derive(Clone, Debug)]
pub struct Job {
    pub document_id: i64,
    pub content: Vec<u8>,
    pub attempts: i64,
    pub worker: String,
}

/// How processing a document ended.
pub enum JobOutcome<'a> {
    Done {
        doc: &'a Ingested,
        extraction: &'a Extraction,
    },
    /// A scan without a text layer, with the message to show.
    NeedsOcr(String),
    Failed(String),
}

/// The format an upload looks like from its first bytes, until ingestion says for sure.
fn sniff_format(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"%PDF-") {
        "pdf"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "docx"
    } else {
        "txt"
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    super::users::hex(&Sha256::digest(bytes))
}

impl Store {
    /// Stores an upload as a queued job; bytes stored before are not stored again. Each
    /// uploader gets their own record of the document either way, so what one uploader
    /// sees never depends on what others uploaded.
    pub async fn upload(
        &self,
        bytes: &[u8],
        file_name: Option<&str>,
        uploaded_by: Option<i64>,
    ) -> Result<Upload> {
        match self.upload_once(bytes, file_name, uploaded_by).await {
            // Two uploads of the same new bytes at once (PostgreSQL, where writes do not
            // queue): the second insert meets the first's sha256; again, it finds it.
            Err(StoreError::Db(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                self.upload_once(bytes, file_name, uploaded_by).await
            }
            r => r,
        }
    }

    async fn upload_once(
        &self,
        bytes: &[u8],
        file_name: Option<&str>,
        uploaded_by: Option<i64>,
    ) -> Result<Upload> {
        let sha = sha256_hex(bytes);
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM documents WHERE sha256 = $1")
                .bind(&sha)
                .fetch_optional(&mut *tx)
                .await?;
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO documents (sha256, file_name, format, size_bytes, content,
                                            uploaded_by, uploaded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&sha)
                .bind(file_name)
                .bind(sniff_format(bytes))
                .bind(bytes.len() as i64)
                .bind(bytes.to_vec())
                .bind(uploaded_by)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                (id, true)
            }
        };
        let recorded = match uploaded_by {
            Some(user) => sqlx::query_scalar::<_, i64>(
                "INSERT INTO document_uploads (document_id, user_id, file_name, uploaded_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (document_id, user_id) DO NOTHING RETURNING document_id",
            )
            .bind(id)
            .bind(user)
            .bind(file_name)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
            .is_some(),
            None => created,
        };
        tx.commit().await?;
        let document = self.document_seen_by(id, uploaded_by).await?;
        Ok(Upload {
            document,
            created,
            recorded,
        })
    }

    /// A document as `uploader` sees it: their own upload of it, or not found when they
    /// have none. `None` is everyone else, who see every document as first uploaded.
    pub async fn document_seen_by(&self, id: i64, uploader: Option<i64>) -> Result<DocumentRow> {
        let Some(user) = uploader else {
            return self.document(id).await;
        };
        let sql = format!(
            "SELECT {} FROM documents d{} WHERE d.id = $2",
            document_columns(true),
            uploader_join("$1")
        );
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user)
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn document(&self, id: i64) -> Result<DocumentRow> {
        let sql = format!(
            "SELECT {} FROM documents d WHERE d.id = $1",
            document_columns(false)
        );
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn document_text(&self, id: i64) -> Result<Option<String>> {
        let text: Option<Option<String>> =
            sqlx::query_scalar("SELECT text FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        text.ok_or(StoreError::NotFound)
    }

    /// The bytes of a document's upload, as they were sent.
    pub async fn document_content(&self, id: i64) -> Result<Vec<u8>> {
        let content: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT content FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        content.ok_or(StoreError::NotFound)
    }

    pub async fn checks(&self, document_id: i64) -> Result<Vec<CheckRow>> {
        let mut conn = self.conn().await?;
        super::findings::read_checks(&mut conn, document_id).await
    }

    /// Stores the outcome of a job in one transaction. Returns false when the job was no
    /// longer this worker's (its lease ran out and another worker took it): nothing is written.
    pub async fn finish_job(&self, job: &Job, outcome: JobOutcome<'_>) -> Result<bool> {
        self.finish_job_inner(job, outcome, true).await
    }

    /// Does everything `finish_job` does except commit, then drops the transaction as a
    /// process killed at that moment would. Exists so tests can show that a crash between
    /// claim and commit leaves no partial facts and the job is done again.
    #[doc(hidden)]
    pub async fn finish_job_but_crash_before_commit(
        &self,
        job: &Job,
        outcome: JobOutcome<'_>,
    ) -> Result<bool> {
        self.finish_job_inner(job, outcome, false).await
    }

    /// Where a document's tables stand in its text (see `table_layout_json`); empty when
    /// ingestion found none.
    pub async fn table_layout(&self, document_id: i64) -> Result<Value> {
        let json: Option<Option<String>> =
            sqlx::query_scalar("SELECT tables FROM documents WHERE id = $1")
                .bind(document_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        let json = json.ok_or(StoreError::NotFound)?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_else(|| Value::Array(Vec::new())))
    }

    async fn finish_job_inner(
        &self,
        job: &Job,
        outcome: JobOutcome<'_>,
        commit: bool,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let still_mine: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM documents WHERE id = $1 AND claimed_by = $2 AND status = 'processing'",
        )
        .bind(job.document_id)
        .bind(&job.worker)
        .fetch_optional(&mut *tx)
        .await?;
        if still_mine.is_none() {
            return Ok(false);
        }
        let now = now_ms();
        match outcome {
            JobOutcome::Done { doc, extraction } => {
                let m = &extraction.document;
                let meta = crate::links::Meta {
                    title: m.title.as_deref(),
                    doc_number: m.doc_number.as_deref(),
                    region: m.region.as_deref(),
                };
                let links =
                    crate::links::document_links(meta, &extraction.facts, &extraction.forms);
                // Figures of a project are compared with other reports' under the links
                // lock, taken before anything is written; a document without any (now or
                // from an earlier extraction) does not wait for it.
                let has_figures = links
                    .iter()
                    .any(|l| l.kind == crate::links::LinkKind::Project && l.label.is_some());
                let before = super::links::partners_of(&mut tx, job.document_id).await?;
                if has_figures || !before.is_empty() {
                    super::links::lock(&mut tx, self.backend).await?;
                }
                write_extraction(&mut tx, job.document_id, extraction).await?;
                sqlx::query(
                    "UPDATE documents SET status = 'done', error = $14, title = $1, region = $2,
                            year = $3, doc_number = $4, text = $5, text_chars = $6,
                            encoding = $7, format = $8, extractor_version = $9,
                            processed_at = $10, lease_until = NULL, forms = $12, tables = $13,
                            ocr = $15, ocr_pages_done = NULL, ocr_pages = NULL
                     WHERE id = $11",
                )
                .bind(m.title.as_deref())
                .bind(m.region.as_deref())
                .bind(m.year.map(i64::from))
                .bind(m.doc_number.as_deref())
                .bind(doc.text.as_str())
                .bind(m.text_chars as i64)
                .bind(doc.encoding)
                .bind(doc.format.as_str())
                .bind(super::EXTRACTOR_VERSION)
                .bind(now)
                .bind(job.document_id)
                .bind(super::findings::forms_json(&extraction.forms))
                .bind(table_layout_json(&doc.blocks))
                // A document with more facts than the cap is done, with a note of where
                // reading stopped: the list and the page show it.
                .bind(extraction.truncated.as_ref().map(|t| t.message.as_str()))
                .bind(
                    doc.ocr
                        .as_ref()
                        .map(|o| serde_json::to_string(o).unwrap_or_default()),
                )
                .execute(&mut *tx)
                .await?;
                super::links::write_links(&mut tx, job.document_id, &links).await?;
                super::links::refresh_cross(&mut tx, job.document_id, true, &before).await?;
            }
            JobOutcome::NeedsOcr(_) | JobOutcome::Failed(_) => {
                let (status, error) = match outcome {
                    JobOutcome::NeedsOcr(message) => ("needs_ocr", Some(message)),
                    JobOutcome::Failed(message) => ("failed", Some(message)),
                    JobOutcome::Done { .. } => unreachable!("matched above"),
                };
                sqlx::query(
                    "UPDATE documents SET status = $1, error = $2, processed_at = $3,
                            lease_until = NULL, ocr_pages_done = NULL, ocr_pages = NULL
                     WHERE id = $4",
                )
                .bind(status)
                .bind(error)
                .bind(now)
                .bind(job.document_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        if commit {
            tx.commit().await?;
        } else {
            drop(tx);
        }
        Ok(true)
    }
}

/// Writes a document's facts and checks inside the caller's transaction.
async fn write_extraction(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    document_id: i64,
    extraction: &Extraction,
) -> Result<()> {
    let failed: Vec<&Check> = extraction.checks.iter().filter(|c| !c.ok).collect();
    let rows: Vec<(i64, &Fact, i64)> = extraction
        .facts
        .iter()
        .map(|f| {
            let failed_checks = failed.iter().filter(|c| c.facts.contains(&f.id)).count() as i64;
            (f.id as i64, f, failed_checks)
        })
        .collect();
    insert_facts(tx, document_id, &rows, super::EXTRACTOR_VERSION).await?;
    super::findings::insert_checks(tx, document_id, &extraction.checks).await
}

/// A fact's value as stored: a decimal or integer as text, a grade, a document as JSON.
pub(super) fn stored_value(value: &FactValue) -> String {
    match value {
        FactValue::Decimal(d) => crate::review::decimal_text(*d),
        FactValue::Integer(n) => n.to_string(),
        FactValue::Rating(r) => r.as_str().to_string(),
        FactValue::Document { title, number } => {
            serde_json::json!({ "title": title, "number": number }).to_string()
        }
    }
}

/// The columns of a stored fact that the extractor alone writes, never a reviewer: where it
/// was read and what the extractor made of it. A re-extraction refreshes them on every fact it
/// keeps, so a column added here is carried over by re-extraction as well as written on insert.
pub(super) fn extractor_columns(f: &Fact, version: &str) -> Vec<(&'static str, Bind)> {
    let extra = serde_json::json!({
        "count": f.count, "issuer": f.issuer, "doc_year": f.doc_year, "seq": f.seq,
    });
    let provenance = f
        .provenance
        .as_ref()
        .map(|p| serde_json::to_string(p).unwrap_or_default());
    vec![
        ("kind", Bind::Text(Some(f.kind.as_str().to_string()))),
        ("row_no", Bind::Int(f.row.map(i64::from))),
        ("table_no", Bind::Int(f.table.map(i64::from))),
        ("provenance", Bind::Text(provenance)),
        ("extra", Bind::Text(Some(extra.to_string()))),
        (
            "original",
            Bind::Text(Some(serde_json::to_string(f).unwrap_or_default())),
        ),
        ("extractor_version", Bind::Text(Some(version.to_string()))),
        ("rule", Bind::Text(f.rule.map(|r| r.as_str().to_string()))),
        ("confidence", Bind::Int(confidence_of(f))),
    ]
}

/// A fact's OCR confidence in hundredths, as the `confidence` column keeps it.
fn confidence_of(f: &Fact) -> Option<i64> {
    let c = f.provenance.as_ref()?.confidence()?;
    Some((c * 100.0).round().clamp(0.0, 100.0) as i64)
}

/// The columns of a stored fact a reviewer may change (a correction), as the extractor
/// read them.
pub(super) fn reviewable_columns(f: &Fact) -> Vec<(&'static str, Bind)> {
    vec![
        ("span_start", Bind::Int(Some(f.start as i64))),
        ("span_end", Bind::Int(Some(f.end as i64))),
        ("text", Bind::Text(Some(f.text.clone()))),
        ("value", Bind::Text(Some(stored_value(&f.value)))),
        ("unit", Bind::Text(f.unit.clone())),
        (
            "qualifier",
            Bind::Text(Some(f.qualifier.as_str().to_string())),
        ),
        ("subject", Bind::Text(f.subject.clone())),
    ]
}

/// Inserts facts as (sequence number, fact, failed checks) inside the caller's transaction.
pub(super) async fn insert_facts(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    document_id: i64,
    facts: &[(i64, &Fact, i64)],
    version: &str,
) -> Result<()> {
    // Many rows per statement: one round trip per chunk instead of one per fact. 200 rows
    // × 19 values stays under both backends' limits on bound parameters.
    for chunk in facts.chunks(200) {
        let mut b = Binds::in_order(tx);
        let mut rows = Vec::with_capacity(chunk.len());
        let mut names: Vec<&str> = Vec::new();
        for (seq, f, failed_checks) in chunk {
            let mut columns = vec![
                ("document_id", Bind::Int(Some(document_id))),
                ("seq", Bind::Int(Some(*seq))),
                ("failed_checks", Bind::Int(Some(*failed_checks))),
            ];
            columns.extend(reviewable_columns(f));
            columns.extend(extractor_columns(f, version));
            names = columns.iter().map(|(n, _)| *n).collect();
            let values: Vec<String> = columns.into_iter().map(|(_, v)| b.push(v)).collect();
            rows.push(format!("({})", values.join(", ")));
        }
        let sql = format!(
            "INSERT INTO facts ({}) VALUES {}",
            names.join(", "),
            rows.join(", ")
        );
        b.apply_query(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The tables ingestion found (DOCX, PDF, spreadsheet), as the code-point span of every cell
/// by table and row: `[[[start, end], …], …]`. `None` when there are none.
pub(crate) fn table_layout_json(blocks: &[crate::ingest::Block]) -> Option<String> {
    let tables: Vec<Vec<Vec<[usize; 2]>>> = blocks
        .iter()
        .filter_map(|b| match b {
            crate::ingest::Block::Table { table, .. } => Some(
                table
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|c| [c.start, c.end]).collect())
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    (!tables.is_empty()).then(|| serde_json::to_string(&tables).unwrap_or_default())
}
