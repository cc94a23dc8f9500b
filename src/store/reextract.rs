//! Storing a newer extraction of a stored document without losing what assessors decided, in
//! ONE transaction per document (a crash leaves the document as it was or as re-extracted,
//! never between), and the audit of re-extraction runs.
//!
//! The new facts are matched to the stored ones by what the extractor read
//! (`reextract::matching`). A matched fact keeps its row — id, status, decision, version and
//! history — and gets the new extraction's position and extractor columns; a decided fact
//! whose value changed goes back to pending through the review log (action `reextract`); an
//! old fact nobody decided and no extraction produces any more is deleted; one somebody
//! decided (or whose history is not empty: the log references it) is kept and marked
//! orphaned, numbered after the others so the checks, which find facts by their sequence
//! number, never see it. New facts are inserted pending. The checks are then computed again
//! from the stored facts as they now stand.

use super::documents::{extractor_columns, insert_facts, reviewable_columns};
use super::facts::{Actor, FACT_COLUMNS, FactRow};
use super::{Backend, Bind, Binds, Result, Store, StoreError, now_ms};
use crate::extract::Extraction;
use crate::reextract::matching::{How, Reading, match_facts};
use serde::Serialize;
use sqlx::Row;

/// A document as a newer extractor read it.
pub struct Reread {
    /// The text it read (the stored text is replaced by it).
    pub text: String,
    /// Where its tables stand in the text (`documents::table_layout_json`).
    pub tables: Option<String>,
    pub extraction: Extraction,
}

/// What became of a document's facts (or of a run's, summed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FactCounts {
    /// Matched a stored fact, which keeps its row and decision.
    pub kept: i64,
    /// Facts no stored one matched, inserted pending.
    pub new: i64,
    /// Matched at the same span with another value: the value is the new one, and a
    /// decided fact is pending again.
    pub changed: i64,
    /// Decided facts no longer produced, kept and marked orphaned.
    pub orphaned: i64,
    /// Pending facts nobody decided, no longer produced: deleted.
    pub removed_pending: i64,
}

impl std::ops::AddAssign for FactCounts {
    fn add_assign(&mut self, o: FactCounts) {
        self.kept += o.kept;
        self.new += o.new;
        self.changed += o.changed;
        self.orphaned += o.orphaned;
        self.removed_pending += o.removed_pending;
    }
}

/// A stored document as a re-extraction reads it.
#[derive(Clone, Debug)]
pub struct StoredDocument {
    pub id: i64,
    pub content: Vec<u8>,
    pub text: Option<String>,
    /// Its text was read by OCR.
    pub ocr: bool,
}

/// A document a re-extraction may take.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub id: i64,
    pub status: String,
    pub extractor_version: Option<String>,
}

/// How one document's re-extraction is stored.
pub struct ApplyOptions<'a> {
    /// The extractor version the new facts come from.
    pub version: &'a str,
    /// Re-extract even a document already at `version`.
    pub force: bool,
    /// Compute the counts, write nothing.
    pub dry_run: bool,
    /// The run this belongs to (audited) and who runs it.
    pub run: Option<i64>,
    pub actor: &'a Actor,
    /// Do everything but commit, as a process killed at that moment would (tests of a
    /// crash mid-run).
    pub crash_before_commit: bool,
}

/// What storing one document's re-extraction did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The document is not done, or already at the version (and not forced).
    Skipped,
    Stored(FactCounts),
}

/// A stored fact with what matching needs.
struct Old {
    row: FactRow,
    reading: Reading,
    /// Rows in the review log: a fact with history cannot be deleted (the log is
    /// append-only and references it).
    history: i64,
}

impl Old {
    fn decided(&self) -> bool {
        self.row.status != "pending" || self.history > 0
    }
}

/// One UPDATE of a fact: the columns to set.
#[derive(Default)]
struct Update {
    columns: Vec<(&'static str, Bind)>,
    /// Raw SQL assignments (`version = version + 1`).
    raw: Vec<&'static str>,
}

impl Update {
    fn set(&mut self, column: &'static str, value: Bind) {
        self.columns.push((column, value));
    }
}

impl Store {
    /// The documents a re-extraction would take: every one, or those of `ids` (each must
    /// exist: an unknown id is `Invalid`, naming it), by id.
    pub async fn reextract_candidates(&self, ids: Option<&[i64]>) -> Result<Vec<Candidate>> {
        let mut conn = self.conn().await?;
        let rows: Vec<(i64, String, Option<String>)> = match ids {
            None => {
                sqlx::query_as("SELECT id, status, extractor_version FROM documents ORDER BY id")
                    .fetch_all(&mut *conn)
                    .await?
            }
            Some(ids) => {
                let mut rows = Vec::with_capacity(ids.len());
                for &id in ids {
                    let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
                        "SELECT id, status, extractor_version FROM documents WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                    rows.push(row.ok_or_else(|| {
                        StoreError::Invalid(format!("there is no document {id}"))
                    })?);
                }
                rows.sort_by_key(|r| r.0);
                rows.dedup_by_key(|r| r.0);
                rows
            }
        };
        Ok(rows
            .into_iter()
            .map(|(id, status, extractor_version)| Candidate {
                id,
                status,
                extractor_version,
            })
            .collect())
    }

    /// A document's stored bytes and text.
    pub async fn stored_document(&self, id: i64) -> Result<StoredDocument> {
        let row: Option<(Vec<u8>, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT content, text, ocr FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        let (content, text, ocr) = row.ok_or(StoreError::NotFound)?;
        Ok(StoredDocument {
            id,
            content,
            text,
            ocr: ocr.is_some(),
        })
    }

    /// Records the start of a re-extraction run; returns its id.
    pub async fn begin_reextract_run(&self, actor: &Actor, version: &str) -> Result<i64> {
        let mut conn = self.conn().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reextract_runs (user_id, actor, to_version, started_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(version)
        .bind(now_ms())
        .fetch_one(&mut *conn)
        .await?;
        conn.finish().await?;
        Ok(id)
    }

    /// Records the end of a run with its totals.
    pub async fn finish_reextract_run(
        &self,
        run: i64,
        documents: i64,
        counts: &FactCounts,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        sqlx::query(
            "UPDATE reextract_runs SET finished_at = $1, documents = $2, kept = $3,
                    new_facts = $4, changed = $5, orphaned = $6, removed = $7
             WHERE id = $8",
        )
        .bind(now_ms())
        .bind(documents)
        .bind(counts.kept)
        .bind(counts.new)
        .bind(counts.changed)
        .bind(counts.orphaned)
        .bind(counts.removed_pending)
        .bind(run)
        .execute(&mut *conn)
        .await?;
        conn.finish().await
    }

    /// Stores a document's re-extraction in one transaction (see the module's note).
    pub async fn apply_reextraction(
        &self,
        document_id: i64,
        reread: &Reread,
        options: &ApplyOptions<'_>,
    ) -> Result<Applied> {
        let mut tx = self.begin_write().await?;
        // First, before any row lock: the cross-document checks of the links index read and
        // write other reports' figures (see `links::lock`).
        super::links::lock(&mut tx, self.backend).await?;
        // Decisions on the document's facts wait until this is stored (PostgreSQL; SQLite's
        // write transaction holds the whole database). NO KEY UPDATE for the reason `recheck`
        // gives.
        let (doc_lock, fact_lock) = match self.backend {
            Backend::Postgres => (" FOR NO KEY UPDATE", " FOR UPDATE"),
            Backend::Sqlite => ("", ""),
        };
        let sql =
            format!("SELECT status, extractor_version FROM documents WHERE id = $1{doc_lock}");
        let doc: Option<(String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(document_id)
            .fetch_optional(&mut *tx)
            .await?;
        let (status, from_version) = doc.ok_or(StoreError::NotFound)?;
        if status != "done" || (!options.force && from_version.as_deref() == Some(options.version))
        {
            return Ok(Applied::Skipped);
        }
        let sql = format!(
            "SELECT {FACT_COLUMNS}, (SELECT COUNT(*) FROM review_log r WHERE r.fact_id = f.id)
                    AS history
             FROM facts f WHERE f.document_id = $1 ORDER BY f.id{fact_lock}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(document_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut old = Vec::with_capacity(rows.len());
        for r in &rows {
            let row = <FactRow as sqlx::FromRow<_>>::from_row(r)?;
            let history: i64 = r.try_get("history")?;
            let reading = serde_json::from_str(&row.original)
                .ok()
                .as_ref()
                .and_then(Reading::from_json)
                .unwrap_or_else(|| Reading {
                    kind: row.kind.clone(),
                    value: serde_json::Value::String(row.value.clone()),
                    start: row.start,
                    end: row.end,
                    text: row.text.clone(),
                });
            old.push(Old {
                row,
                reading,
                history,
            });
        }
        let facts = &reread.extraction.facts;
        let new: Vec<Reading> = facts
            .iter()
            .map(|f| {
                serde_json::to_value(f)
                    .ok()
                    .as_ref()
                    .and_then(Reading::from_json)
                    .ok_or_else(|| StoreError::Invalid("a fact did not serialize".into()))
            })
            .collect::<Result<_>>()?;
        let old_readings: Vec<Reading> = old.iter().map(|o| o.reading.clone()).collect();
        let matching = match_facts(&old_readings, &new);

        let mut counts = FactCounts {
            new: matching.fresh.len() as i64,
            ..FactCounts::default()
        };
        for m in &matching.matches {
            match m.how {
                How::Same | How::Moved => counts.kept += 1,
                How::Changed => counts.changed += 1,
            }
        }
        let (orphans, removed): (Vec<usize>, Vec<usize>) =
            matching.gone.iter().partition(|&&i| old[i].decided());
        counts.removed_pending = removed.len() as i64;
        counts.orphaned = orphans
            .iter()
            .filter(|&&i| old[i].row.orphaned_at.is_none())
            .count() as i64;
        if options.dry_run {
            return Ok(Applied::Stored(counts));
        }

        let now = now_ms();
        // Where each stored fact goes: matched ones take their new fact's number, orphans
        // follow the new facts.
        let mut updates: Vec<(usize, i64, Update)> = Vec::new();
        for m in &matching.matches {
            let o = &old[m.old];
            let f = &facts[m.new];
            let mut u = Update::default();
            u.columns.extend(extractor_columns(f, options.version));
            if m.how == How::Changed {
                // The extractor reads another value here: whatever was decided was decided
                // on the old one.
                u.columns.extend(reviewable_columns(f));
                u.set("status", Bind::Text(Some("pending".into())));
                u.set("reviewed_by", Bind::Text(None));
                u.set("reviewed_at", Bind::Int(None));
                let entry = serde_json::json!({
                    "action": "reextract",
                    "reason": null,
                    "note": format!(
                        "新版抽取读出的数值不同：{} → {}（{} → {}）",
                        o.reading.value, new[m.new].value,
                        from_version.as_deref().unwrap_or("?"), options.version
                    ),
                    "user_id": options.actor.user_id,
                    "actor": "reextract",
                    "at": now,
                    "bulk_id": null,
                    "undoes": null,
                });
                u.set("log_entry", Bind::Text(Some(entry.to_string())));
                u.raw.push("version = version + 1");
            } else if o.row.status == "pending" {
                u.columns.extend(reviewable_columns(f));
            } else {
                // A decision stands on the value, unit, qualifier and subject it decided;
                // only where the text stands follows the new reading.
                let as_read = o.row.start == o.reading.start && o.row.end == o.reading.end;
                let (start, end) = if as_read {
                    (f.start as i64, f.end as i64)
                } else {
                    let shift = f.start as i64 - o.reading.start;
                    (o.row.start + shift, o.row.end + shift)
                };
                u.set("span_start", Bind::Int(Some(start)));
                u.set("span_end", Bind::Int(Some(end)));
                if as_read {
                    u.set("text", Bind::Text(Some(f.text.clone())));
                }
            }
            if o.row.orphaned_at.is_some() {
                u.set("orphaned_at", Bind::Int(None));
            }
            updates.push((m.old, m.new as i64, u));
        }
        for (next, &i) in (facts.len() as i64..).zip(orphans.iter()) {
            let mut u = Update::default();
            if old[i].row.orphaned_at.is_none() {
                u.set("orphaned_at", Bind::Int(Some(now)));
            }
            u.set("failed_checks", Bind::Int(Some(0)));
            updates.push((i, next, u));
        }

        let removed_ids: Vec<i64> = removed.iter().map(|&i| old[i].row.id).collect();
        for chunk in removed_ids.chunks(500) {
            exec_ids(&mut tx, "DELETE FROM facts WHERE id IN", chunk).await?;
        }
        // Sequence numbers are unique per document: those that move go out of the way first.
        let moving: Vec<i64> = updates
            .iter()
            .filter(|(i, seq, _)| old[*i].row.seq != *seq)
            .map(|(i, _, _)| old[*i].row.id)
            .collect();
        for chunk in moving.chunks(500) {
            exec_ids(
                &mut tx,
                "UPDATE facts SET seq = -1 - seq WHERE id IN",
                chunk,
            )
            .await?;
        }
        for (i, seq, mut u) in updates {
            let o = &old[i];
            if o.row.seq != seq {
                u.set("seq", Bind::Int(Some(seq)));
            }
            if !u.raw.is_empty() || differs(&o.row, &u) {
                write_update(&mut tx, o.row.id, u).await?;
            }
        }
        let fresh: Vec<(i64, &crate::Fact, i64)> = matching
            .fresh
            .iter()
            .map(|&n| (n as i64, &facts[n], 0))
            .collect();
        insert_facts(&mut tx, document_id, &fresh, options.version).await?;

        let m = &reread.extraction.document;
        let forms = super::findings::forms_json(&reread.extraction.forms);
        sqlx::query(
            "UPDATE documents SET title = $1, region = $2, year = $3, doc_number = $4,
                    text = $5, text_chars = $6, extractor_version = $7, forms = $8,
                    tables = $9, error = $10
             WHERE id = $11",
        )
        .bind(m.title.as_deref())
        .bind(m.region.as_deref())
        .bind(m.year.map(i64::from))
        .bind(m.doc_number.as_deref())
        .bind(reread.text.as_str())
        .bind(m.text_chars as i64)
        .bind(options.version)
        .bind(forms.as_deref())
        .bind(reread.tables.as_deref())
        .bind(
            reread
                .extraction
                .truncated
                .as_ref()
                .map(|t| t.message.as_str()),
        )
        .bind(document_id)
        .execute(&mut *tx)
        .await?;
        // The new extraction's checks first (a table total's check says which rows it
        // covers), then computed again over the stored facts, corrections included.
        sqlx::query("DELETE FROM checks WHERE document_id = $1 AND kind <> 'cross_document'")
            .bind(document_id)
            .execute(&mut *tx)
            .await?;
        super::findings::insert_checks(&mut tx, document_id, &reread.extraction.checks).await?;
        let meta = crate::links::Meta {
            title: m.title.as_deref(),
            doc_number: m.doc_number.as_deref(),
            region: m.region.as_deref(),
        };
        super::findings::recheck_in(
            &mut tx,
            document_id,
            Some(reread.text.as_str()),
            forms.as_deref(),
            meta,
        )
        .await?;
        if let Some(run) = options.run {
            sqlx::query(
                "INSERT INTO reextract_documents (run_id, document_id, from_version, to_version,
                        kept, new_facts, changed, orphaned, removed, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(run)
            .bind(document_id)
            .bind(from_version.as_deref())
            .bind(options.version)
            .bind(counts.kept)
            .bind(counts.new)
            .bind(counts.changed)
            .bind(counts.orphaned)
            .bind(counts.removed_pending)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if options.crash_before_commit {
            drop(tx);
            return Err(StoreError::Invalid(format!(
                "stopped before storing document {document_id}"
            )));
        }
        tx.commit().await?;
        Ok(Applied::Stored(counts))
    }
}

/// Runs `sql (ids…)` for a list of ids.
async fn exec_ids(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sql: &str,
    ids: &[i64],
) -> Result<()> {
    let mut b = Binds::in_order(tx);
    let list: Vec<String> = ids.iter().map(|&id| b.int(id)).collect();
    let sql = format!("{sql} ({})", list.join(", "));
    b.apply_query(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Whether an update would change anything of the stored row.
fn differs(row: &FactRow, u: &Update) -> bool {
    let text = |s: &Option<String>| Bind::Text(s.clone());
    let int = |i: Option<i64>| Bind::Int(i);
    u.columns.iter().any(|(name, value)| {
        let current = match *name {
            "kind" => Bind::Text(Some(row.kind.clone())),
            "seq" => int(Some(row.seq)),
            "span_start" => int(Some(row.start)),
            "span_end" => int(Some(row.end)),
            "text" => Bind::Text(Some(row.text.clone())),
            "value" => Bind::Text(Some(row.value.clone())),
            "unit" => text(&row.unit),
            "qualifier" => Bind::Text(Some(row.qualifier.clone())),
            "subject" => text(&row.subject),
            "row_no" => int(row.row),
            "table_no" => int(row.table),
            "provenance" => text(&row.provenance),
            "extra" => text(&row.extra),
            "original" => Bind::Text(Some(row.original.clone())),
            "extractor_version" => Bind::Text(Some(row.extractor_version.clone())),
            "failed_checks" => int(Some(row.failed_checks)),
            "orphaned_at" => int(row.orphaned_at),
            "confidence" => int(row.confidence),
            // A column this comparison does not know is taken as changed.
            _ => return true,
        };
        !same(&current, value)
    })
}

fn same(a: &Bind, b: &Bind) -> bool {
    match (a, b) {
        (Bind::Int(x), Bind::Int(y)) => x == y,
        (Bind::Text(x), Bind::Text(y)) => x == y,
        _ => false,
    }
}

async fn write_update(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    u: Update,
) -> Result<()> {
    let mut b = Binds::default();
    let mut sets: Vec<String> = u.raw.iter().map(|s| s.to_string()).collect();
    for (name, value) in u.columns {
        sets.push(format!("{name} = {}", b.push(value)));
    }
    let sql = format!(
        "UPDATE facts SET {} WHERE id = {}",
        sets.join(", "),
        b.int(id)
    );
    b.apply_query(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
