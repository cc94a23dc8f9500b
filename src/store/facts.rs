//! Stored facts and their review: reading and filtering facts, submitting decisions (applied
//! by `decisions` through the group-commit `writer`), bulk confirm, history, exports and
//! statistics. Every decision is a compare-and-set on the fact's `version` (a stale version
//! is a conflict, never a lost update) plus a row in the append-only review log holding the
//! fact's state before and after, so history is complete and undo restores exactly what was
//! there.

use super::decisions::{Change, Decided, Pending};
use super::{Binds, Result, Store, StoreError, like_pattern};
use crate::review::{Decision, ReviewStatus};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Who acts: recorded with every decision.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FactRow {
    pub id: i64,
    pub document_id: i64,
    pub seq: i64,
    pub kind: String,
    pub start: i64,
    pub end: i64,
    pub text: String,
    /// Stored form: a decimal or integer as text, a grade, or a document as JSON.
    pub value: String,
    pub unit: Option<String>,
    pub qualifier: String,
    pub subject: Option<String>,
    pub row: Option<i64>,
    pub table: Option<i64>,
    pub provenance: Option<String>,
    pub extra: Option<String>,
    pub original: String,
    pub extractor_version: String,
    pub failed_checks: i64,
    pub status: String,
    pub version: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    /// The extractor's rule (`amount.inline` …); `None` for facts stored before rules were
    /// recorded.
    pub rule: Option<String>,
    /// When a re-extraction last failed to produce this decided fact (Unix ms): the newer
    /// extractor no longer finds it, and it is kept for review instead of deleted.
    pub orphaned_at: Option<i64>,
    /// OCR confidence of where the fact was read, in hundredths; `None` when not OCR'd.
    pub confidence: Option<i64>,
}

pub(super) const FACT_COLUMNS: &str = "f.id, f.document_id, f.seq, f.kind, f.span_start, f.span_end, \
    f.text, f.value, f.unit, f.qualifier, f.subject, f.row_no, f.table_no, f.provenance, \
    f.extra, f.original, f.extractor_version, f.failed_checks, f.status, f.version, \
    f.reviewed_by, f.reviewed_at, f.rule, f.orphaned_at, f.confidence";

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for FactRow {
    fn from_row(r: &'r sqlx::any::AnyRow) -> sqlx::Result<Self> {
        Ok(FactRow {
            id: r.try_get(0)?,
            document_id: r.try_get(1)?,
            seq: r.try_get(2)?,
            kind: r.try_get(3)?,
            start: r.try_get(4)?,
            end: r.try_get(5)?,
            text: r.try_get(6)?,
            value: r.try_get(7)?,
            unit: r.try_get(8)?,
            qualifier: r.try_get(9)?,
            subject: r.try_get(10)?,
            row: r.try_get(11)?,
            table: r.try_get(12)?,
            provenance: r.try_get(13)?,
            extra: r.try_get(14)?,
            original: r.try_get(15)?,
            extractor_version: r.try_get(16)?,
            failed_checks: r.try_get(17)?,
            status: r.try_get(18)?,
            version: r.try_get(19)?,
            reviewed_by: r.try_get(20)?,
            reviewed_at: r.try_get(21)?,
            rule: r.try_get(22)?,
            orphaned_at: r.try_get(23)?,
            confidence: r.try_get(24)?,
        })
    }
}

/// The reviewable part of a fact: what the log records before and after each decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactState {
    pub status: String,
    pub value: String,
    pub unit: Option<String>,
    pub qualifier: String,
    pub subject: Option<String>,
    pub start: i64,
    pub end: i64,
    pub text: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
}

impl FactRow {
    pub fn state(&self) -> FactState {
        FactState {
            status: self.status.clone(),
            value: self.value.clone(),
            unit: self.unit.clone(),
            qualifier: self.qualifier.clone(),
            subject: self.subject.clone(),
            start: self.start,
            end: self.end,
            text: self.text.clone(),
            reviewed_by: self.reviewed_by.clone(),
            reviewed_at: self.reviewed_at,
        }
    }

    /// The text the extractor saw, before any correction of the span.
    pub fn original_text(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.original)
            .ok()
            .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_else(|| self.text.clone())
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FactFilter {
    pub document_id: Option<i64>,
    pub kind: Option<String>,
    /// Any of these statuses (empty: all).
    #[serde(default)]
    pub statuses: Vec<String>,
    /// true: only facts in a failed check; false: only facts in none.
    pub failed_checks: Option<bool>,
    /// Substring of the subject.
    pub subject: Option<String>,
    pub table: Option<i64>,
    pub region: Option<String>,
    pub year: Option<i64>,
    /// Only facts involved in a failed check of this kind (`score_cap` …) and/or severity.
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    /// true: only facts a re-extraction no longer produced; false: only the others.
    #[serde(default)]
    pub orphaned: Option<bool>,
    /// true: only facts whose OCR confidence is under `review::LOW_CONFIDENCE_BELOW`; false:
    /// only the others (facts not OCR'd among them).
    #[serde(default)]
    pub low_confidence: Option<bool>,
}

/// Which page of a document's facts: `Store::document_facts`.
#[derive(Clone, Debug, Default)]
pub struct DocumentFactsPage {
    /// Any of these statuses (empty: all).
    pub statuses: Vec<String>,
    /// Only facts under the confidence threshold.
    pub low_confidence: bool,
    pub order: FactOrder,
    /// The last fact of the page before.
    pub after: Option<FactCursor>,
    pub limit: i64,
}

/// Where a page of a document's facts ended: the last fact's span start and id, and by
/// confidence its confidence (`None`: not OCR'd).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FactCursor {
    pub confidence: Option<i64>,
    pub start: i64,
    pub id: i64,
}

/// The order of a list of facts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FactOrder {
    /// By document, then reading order.
    #[default]
    Reading,
    /// Least OCR confidence first, facts not OCR'd last; then by document and reading order.
    Confidence,
}

impl FactFilter {
    pub(super) fn where_clause(&self, b: &mut Binds) -> String {
        let mut sql = String::from(" WHERE 1 = 1");
        if let Some(d) = self.document_id {
            sql += &format!(" AND f.document_id = {}", b.int(d));
        }
        if let Some(k) = &self.kind {
            sql += &format!(" AND f.kind = {}", b.text(k.as_str()));
        }
        if !self.statuses.is_empty() {
            let list: Vec<String> = self.statuses.iter().map(|s| b.text(s.as_str())).collect();
            sql += &format!(" AND f.status IN ({})", list.join(", "));
        }
        match self.failed_checks {
            Some(true) => sql += " AND f.failed_checks > 0",
            Some(false) => sql += " AND f.failed_checks = 0",
            None => {}
        }
        if let Some(s) = &self.subject {
            sql += &format!(
                " AND f.subject LIKE {} ESCAPE '\\'",
                b.text(like_pattern(s))
            );
        }
        match self.orphaned {
            Some(true) => sql += " AND f.orphaned_at IS NOT NULL",
            Some(false) => sql += " AND f.orphaned_at IS NULL",
            None => {}
        }
        match self.low_confidence {
            Some(true) => {
                sql += &format!(
                    " AND f.confidence < {}",
                    b.int(crate::review::LOW_CONFIDENCE_BELOW)
                )
            }
            Some(false) => {
                sql += &format!(
                    " AND (f.confidence IS NULL OR f.confidence >= {})",
                    b.int(crate::review::LOW_CONFIDENCE_BELOW)
                )
            }
            None => {}
        }
        if let Some(t) = self.table {
            sql += &format!(" AND f.table_no = {}", b.int(t));
        }
        // A part of the region, as the document list matches it, so an export made from a
        // filtered list holds the facts of the documents it shows.
        if let Some(r) = self
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            sql += &format!(
                " AND EXISTS (SELECT 1 FROM documents d2 WHERE d2.id = f.document_id \
                 AND {})",
                super::queue::contains(b, "d2.region", r)
            );
        }
        if let Some(y) = self.year {
            sql += &format!(
                " AND EXISTS (SELECT 1 FROM documents d2 WHERE d2.id = f.document_id \
                 AND d2.year = {})",
                b.int(y)
            );
        }
        if self.check.is_some() || self.severity.is_some() {
            let failed = super::findings::failed_check_clause(b, &self.check, &self.severity);
            sql += &format!(
                " AND EXISTS (SELECT 1 FROM checks c WHERE c.document_id = f.document_id \
                 AND {failed} AND {})",
                super::findings::FACT_IN_CHECK
            );
        }
        sql
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub action: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    /// The fact's version after this decision.
    pub version: i64,
    pub user_id: Option<i64>,
    pub actor: String,
    pub at: i64,
    pub bulk_id: Option<i64>,
    pub undoes: Option<i64>,
}

/// One confirmed or corrected fact with what an export row needs.
#[derive(Clone, Debug)]
pub struct ExportRow {
    pub fact: FactRow,
    pub sha256: String,
    pub file_name: Option<String>,
    /// The document's own metadata, as extraction found it.
    pub title: Option<String>,
    pub region: Option<String>,
    pub year: Option<i64>,
    pub doc_number: Option<String>,
    /// The reason and note of the decision the fact stands at.
    pub reason: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct KindStats {
    pub kind: String,
    pub total: i64,
    pub pending: i64,
    pub confirmed: i64,
    pub corrected: i64,
    pub rejected: i64,
}

impl Store {
    pub async fn fact(&self, id: i64) -> Result<FactRow> {
        let sql = format!("SELECT {FACT_COLUMNS} FROM facts f WHERE f.id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn list_facts(
        &self,
        f: &FactFilter,
        order: FactOrder,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<FactRow>> {
        let mut b = Binds::default();
        let mut sql = format!("SELECT {FACT_COLUMNS} FROM facts f");
        sql += &f.where_clause(&mut b);
        if order == FactOrder::Confidence {
            // NULL sorts first on SQLite and last on PostgreSQL: said outright for both.
            sql += " ORDER BY CASE WHEN f.confidence IS NULL THEN 1 ELSE 0 END, f.confidence,";
        } else {
            sql += " ORDER BY";
        }
        sql += &format!(
            " f.document_id, f.span_start, f.id LIMIT {} OFFSET {}",
            b.int(limit),
            b.int(offset)
        );
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        Ok(b.apply(q).fetch_all(&mut *self.conn().await?).await?)
    }

    /// A page of one document's facts in reading order (by span start, then id) or least
    /// confident first, after the fact at `page.after`, of the given statuses (empty: all).
    /// Keyed on the last fact seen rather than an offset, so each page costs the same however
    /// far into a long document it is.
    pub async fn document_facts(
        &self,
        document_id: i64,
        page: &DocumentFactsPage,
    ) -> Result<Vec<FactRow>> {
        let mut b = Binds::default();
        let mut sql = format!(
            "SELECT {FACT_COLUMNS} FROM facts f WHERE f.document_id = {}",
            b.int(document_id)
        );
        if !page.statuses.is_empty() {
            let list: Vec<String> = page.statuses.iter().map(|s| b.text(s.as_str())).collect();
            sql += &format!(" AND f.status IN ({})", list.join(", "));
        }
        if page.low_confidence {
            sql += &format!(
                " AND f.confidence < {}",
                b.int(crate::review::LOW_CONFIDENCE_BELOW)
            );
        }
        // The key of the order: by confidence, a fact not OCR'd counts as 101 (after all).
        let key = match page.order {
            FactOrder::Reading => None,
            FactOrder::Confidence => Some("COALESCE(f.confidence, 101)"),
        };
        if let Some(after) = page.after {
            let (s1, s2, i) = (b.int(after.start), b.int(after.start), b.int(after.id));
            let within = format!("(f.span_start > {s1} OR (f.span_start = {s2} AND f.id > {i}))");
            match key {
                None => sql += &format!(" AND {within}"),
                Some(key) => {
                    let c = after.confidence.unwrap_or(101);
                    let (c1, c2) = (b.int(c), b.int(c));
                    sql += &format!(" AND ({key} > {c1} OR ({key} = {c2} AND {within}))");
                }
            }
        }
        let order = key.map_or(String::new(), |k| format!("{k}, "));
        sql += &format!(
            " ORDER BY {order}f.span_start, f.id LIMIT {}",
            b.int(page.limit)
        );
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        Ok(b.apply(q).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Applies one decision to a fact at `version`. Decisions from every request go through
    /// one writer that commits them in groups (see `store::writer`); within a group each is
    /// still its own compare-and-set, and the review log gets its row from the `facts_log`
    /// trigger in the same statement as the change.
    pub async fn review(
        &self,
        fact_id: i64,
        version: i64,
        decision: &Decision,
        actor: &Actor,
    ) -> Result<FactRow> {
        let decided = self
            .decisions
            .submit(Pending {
                fact_id,
                version,
                change: Change::Decide(decision.clone()),
                actor: actor.clone(),
            })
            .await?;
        Ok(decided.fact)
    }

    /// Undoes the fact's last decision not yet undone: restores the state before it.
    pub async fn undo(&self, fact_id: i64, version: i64, actor: &Actor) -> Result<FactRow> {
        Ok(self
            .undo_telling_change(fact_id, version, actor)
            .await?
            .fact)
    }

    /// `undo`, telling also whether it put back anything a check reads (it undid a
    /// correction) — when it did, the document's checks are due to be computed again.
    pub async fn undo_telling_change(
        &self,
        fact_id: i64,
        version: i64,
        actor: &Actor,
    ) -> Result<Decided> {
        self.decisions
            .submit(Pending {
                fact_id,
                version,
                change: Change::Undo,
                actor: actor.clone(),
            })
            .await
    }

    /// Every decision on a fact, oldest first.
    pub async fn history(&self, fact_id: i64) -> Result<Vec<HistoryEntry>> {
        self.fact(fact_id).await?;
        let rows = sqlx::query(
            "SELECT id, action, reason, note, before, after, version, user_id, actor, at,
                    bulk_id, undoes
             FROM review_log WHERE fact_id = $1 ORDER BY id",
        )
        .bind(fact_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let json = |s: String| serde_json::from_str(&s).unwrap_or(serde_json::Value::Null);
        rows.into_iter()
            .map(|r| {
                Ok(HistoryEntry {
                    id: r.try_get(0)?,
                    action: r.try_get(1)?,
                    reason: r.try_get(2)?,
                    note: r.try_get(3)?,
                    before: json(r.try_get(4)?),
                    after: json(r.try_get(5)?),
                    version: r.try_get(6)?,
                    user_id: r.try_get(7)?,
                    actor: r.try_get(8)?,
                    at: r.try_get(9)?,
                    bulk_id: r.try_get(10)?,
                    undoes: r.try_get(11)?,
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()
            .map_err(StoreError::from)
    }

    /// Confirmed and corrected facts for export, with their document's hash and name.
    pub async fn export_rows(&self, filter: &FactFilter) -> Result<Vec<ExportRow>> {
        let mut filter = filter.clone();
        // Decided facts only: settled ones unless rejected ones are asked for by name.
        let decided = [
            ReviewStatus::Confirmed,
            ReviewStatus::Corrected,
            ReviewStatus::Rejected,
        ];
        filter
            .statuses
            .retain(|s| decided.iter().any(|d| d.as_str() == s));
        if filter.statuses.is_empty() {
            filter.statuses = decided[..2]
                .iter()
                .map(|d| d.as_str().to_string())
                .collect();
        }
        let mut b = Binds::default();
        // The newest log row of a fact is the decision it stands at (an undo returns it to
        // pending, which no export holds).
        let last = |column: &str| {
            format!(
                "(SELECT r.{column} FROM review_log r WHERE r.fact_id = f.id ORDER BY r.id DESC LIMIT 1)"
            )
        };
        let mut sql = format!(
            "SELECT {FACT_COLUMNS}, d.sha256, d.file_name, d.title, d.region, d.year, d.doc_number, \
             {}, {} FROM facts f JOIN documents d ON d.id = f.document_id",
            last("reason"),
            last("note")
        );
        sql += &filter.where_clause(&mut b);
        sql += " ORDER BY f.document_id, f.span_start, f.id";
        let q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let rows = b.apply_query(q).fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|r| {
                Ok(ExportRow {
                    fact: <FactRow as sqlx::FromRow<_>>::from_row(r)?,
                    // The columns after FACT_COLUMNS (25 of them).
                    sha256: r.try_get(25)?,
                    file_name: r.try_get(26)?,
                    title: r.try_get(27)?,
                    region: r.try_get(28)?,
                    year: r.try_get(29)?,
                    doc_number: r.try_get(30)?,
                    reason: r.try_get(31)?,
                    note: r.try_get(32)?,
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()
            .map_err(StoreError::from)
    }

    /// Review counts per fact kind.
    pub async fn stats(&self) -> Result<Vec<KindStats>> {
        let rows: Vec<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT kind, COUNT(*),
                    COUNT(CASE WHEN status = 'pending' THEN 1 END),
                    COUNT(CASE WHEN status = 'confirmed' THEN 1 END),
                    COUNT(CASE WHEN status = 'corrected' THEN 1 END),
                    COUNT(CASE WHEN status = 'rejected' THEN 1 END)
             FROM facts GROUP BY kind ORDER BY kind",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(kind, total, pending, confirmed, corrected, rejected)| KindStats {
                    kind,
                    total,
                    pending,
                    confirmed,
                    corrected,
                    rejected,
                },
            )
            .collect())
    }
}
