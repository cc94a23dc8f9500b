//! Stored facts and their review: every decision is a compare-and-set on the fact's
//! `version` (a stale version is a conflict, never a lost update) plus a row in the
//! append-only review log holding the fact's state before and after, so history is complete
//! and undo restores exactly what was there.

use super::{Binds, Result, Store, StoreError, like_pattern, now_ms};
use crate::review::{Correction, Decision, ReviewStatus};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
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
}

const FACT_COLUMNS: &str = "f.id, f.document_id, f.seq, f.kind, f.span_start, f.span_end, \
    f.text, f.value, f.unit, f.qualifier, f.subject, f.row_no, f.table_no, f.provenance, \
    f.extra, f.original, f.extractor_version, f.failed_checks, f.status, f.version, \
    f.reviewed_by, f.reviewed_at";

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
}

impl FactFilter {
    fn where_clause(&self, b: &mut Binds) -> String {
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
        if let Some(t) = self.table {
            sql += &format!(" AND f.table_no = {}", b.int(t));
        }
        if let Some(r) = &self.region {
            sql += &format!(
                " AND EXISTS (SELECT 1 FROM documents d2 WHERE d2.id = f.document_id \
                 AND d2.region = {})",
                b.text(r.as_str())
            );
        }
        if let Some(y) = self.year {
            sql += &format!(
                " AND EXISTS (SELECT 1 FROM documents d2 WHERE d2.id = f.document_id \
                 AND d2.year = {})",
                b.int(y)
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

/// Who decided what and why; the trigger adds the states before and after.
struct LogEntry<'a> {
    action: &'a str,
    reason: Option<&'a str>,
    note: Option<&'a str>,
    actor: &'a Actor,
    at: i64,
    bulk_id: Option<i64>,
    undoes: Option<i64>,
}

impl LogEntry<'_> {
    /// The entry as the `facts_log` trigger reads it (migration 0002).
    fn to_json(&self) -> String {
        serde_json::json!({
            "action": self.action,
            "reason": self.reason,
            "note": self.note,
            "user_id": self.actor.user_id,
            "actor": self.actor.name,
            "at": self.at,
            "bulk_id": self.bulk_id,
            "undoes": self.undoes,
        })
        .to_string()
    }
}

/// Writes the decision if the fact is still at `version`: one UPDATE, whose trigger appends
/// the log row. Returns the fact as it now stands, or None when the version moved on.
async fn compare_and_set<'c, E>(
    exec: E,
    fact_id: i64,
    version: i64,
    s: &FactState,
    e: &LogEntry<'_>,
) -> Result<Option<FactRow>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = format!(
        "UPDATE facts SET status = $1, value = $2, unit = $3, qualifier = $4, subject = $5,
                span_start = $6, span_end = $7, text = $8, reviewed_by = $9, reviewed_at = $10,
                log_entry = $11, version = version + 1
         WHERE id = $12 AND version = $13
         RETURNING {}",
        FACT_COLUMNS.replace("f.", "")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(s.status.as_str())
        .bind(s.value.as_str())
        .bind(s.unit.as_deref())
        .bind(s.qualifier.as_str())
        .bind(s.subject.as_deref())
        .bind(s.start)
        .bind(s.end)
        .bind(s.text.as_str())
        .bind(s.reviewed_by.as_deref())
        .bind(s.reviewed_at)
        .bind(e.to_json())
        .bind(fact_id)
        .bind(version)
        .fetch_optional(exec)
        .await?)
}

/// The error for a compare-and-set that found the fact moved on (or gone).
async fn conflict<'c, E>(exec: E, fact_id: i64) -> StoreError
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let current: Result<Option<i64>, sqlx::Error> =
        sqlx::query_scalar("SELECT version FROM facts WHERE id = $1")
            .bind(fact_id)
            .fetch_optional(exec)
            .await;
    match current {
        Ok(Some(current)) => StoreError::Conflict { current },
        Ok(None) => StoreError::NotFound,
        Err(e) => e.into(),
    }
}

/// A decision waiting for the writer: what to do to which fact, at which version, by whom.
#[derive(Debug)]
pub(crate) struct Pending {
    pub fact_id: i64,
    pub version: i64,
    pub change: Change,
    pub actor: Actor,
}

#[derive(Debug)]
pub(crate) enum Change {
    Decide(Decision),
    Undo,
}

/// Applies one decision on `conn`, inside the writer's transaction. A stale version, a
/// missing fact or an invalid correction is an error that leaves the transaction usable;
/// only `StoreError::Db` means the transaction may be broken.
pub(crate) async fn apply(conn: &mut AnyConnection, p: &Pending) -> Result<FactRow> {
    let now = now_ms();
    match &p.change {
        Change::Decide(Decision::Confirm { note }) => {
            set_status(conn, p, ReviewStatus::Confirmed, None, note.as_deref(), now).await
        }
        Change::Decide(Decision::Reject { reason, note }) => {
            let reason = Some(reason.as_str());
            set_status(
                conn,
                p,
                ReviewStatus::Rejected,
                reason,
                note.as_deref(),
                now,
            )
            .await
        }
        Change::Decide(Decision::Correct { correction, note }) => {
            correct(conn, p, correction, note.as_deref(), now).await
        }
        Change::Undo => undo(conn, p, now).await,
    }
}

async fn fetch_fact(conn: &mut AnyConnection, id: i64) -> Result<FactRow> {
    let sql = format!("SELECT {FACT_COLUMNS} FROM facts f WHERE f.id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The fact at the version the decision was made on, or why not.
async fn fact_at_version(conn: &mut AnyConnection, p: &Pending) -> Result<FactRow> {
    let fact = fetch_fact(conn, p.fact_id).await?;
    if fact.version != p.version {
        return Err(StoreError::Conflict {
            current: fact.version,
        });
    }
    Ok(fact)
}

/// Confirm and reject change only the status: one statement, no read first.
async fn set_status(
    conn: &mut AnyConnection,
    p: &Pending,
    status: ReviewStatus,
    reason: Option<&str>,
    note: Option<&str>,
    now: i64,
) -> Result<FactRow> {
    let entry = LogEntry {
        action: if status == ReviewStatus::Rejected {
            "reject"
        } else {
            "confirm"
        },
        reason,
        note,
        actor: &p.actor,
        at: now,
        bulk_id: None,
        undoes: None,
    };
    let sql = format!(
        "UPDATE facts SET status = $1, reviewed_by = $2, reviewed_at = $3, log_entry = $4,
                version = version + 1
         WHERE id = $5 AND version = $6
         RETURNING {}",
        FACT_COLUMNS.replace("f.", "")
    );
    let row: Option<FactRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(status.as_str())
        .bind(p.actor.name.as_str())
        .bind(now)
        .bind(entry.to_json())
        .bind(p.fact_id)
        .bind(p.version)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(f) => Ok(f),
        None => Err(conflict(conn, p.fact_id).await),
    }
}

/// A correction: the fact's kind and text decide what the new values mean, so it is read
/// first, in the same transaction as its compare-and-set.
async fn correct(
    conn: &mut AnyConnection,
    p: &Pending,
    correction: &Correction,
    note: Option<&str>,
    now: i64,
) -> Result<FactRow> {
    let fact = fact_at_version(conn, p).await?;
    let mut after = fact.state();
    after.reviewed_by = Some(p.actor.name.clone());
    after.reviewed_at = Some(now);
    after.status = ReviewStatus::Corrected.as_str().into();
    apply_correction(conn, &fact, correction, &mut after).await?;
    let entry = LogEntry {
        action: "correct",
        reason: None,
        note,
        actor: &p.actor,
        at: now,
        bulk_id: None,
        undoes: None,
    };
    match compare_and_set(&mut *conn, fact.id, fact.version, &after, &entry).await? {
        Some(f) => Ok(f),
        None => Err(conflict(conn, fact.id).await),
    }
}

async fn apply_correction(
    conn: &mut AnyConnection,
    fact: &FactRow,
    c: &Correction,
    after: &mut FactState,
) -> Result<()> {
    if let Some(v) = &c.value {
        after.value = v.clone();
    }
    if let Some(u) = &c.unit {
        after.unit = u.clone();
    }
    if let Some(s) = &c.subject {
        after.subject = s.clone();
    }
    if let Some(q) = c.qualifier {
        after.qualifier = q.as_str().into();
    }
    if let Some((start, end)) = c.span {
        let text: Option<String> = sqlx::query_scalar("SELECT text FROM documents WHERE id = $1")
            .bind(fact.document_id)
            .fetch_one(conn)
            .await?;
        let text = text.unwrap_or_default();
        let chars = text.chars().count();
        if end > chars {
            return Err(StoreError::Invalid(format!(
                "span end {end} is past the document's end ({chars} characters)"
            )));
        }
        after.start = start as i64;
        after.end = end as i64;
        after.text = text.chars().skip(start).take(end - start).collect();
    }
    Ok(())
}

/// Restores the state before the fact's last decision that is not undone yet. The log is
/// read without reading the fact first: if the fact moved on, the compare-and-set fails.
async fn undo(conn: &mut AnyConnection, p: &Pending, now: i64) -> Result<FactRow> {
    let target: Option<(i64, String)> = sqlx::query_as(
        "SELECT r.id, r.before FROM review_log r
         WHERE r.fact_id = $1 AND r.action <> 'undo'
           AND NOT EXISTS (SELECT 1 FROM review_log u WHERE u.undoes = r.id)
         ORDER BY r.id DESC LIMIT 1",
    )
    .bind(p.fact_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((target_id, before)) = target else {
        // A stale version or a missing fact says more than "nothing to undo".
        fact_at_version(conn, p).await?;
        return Err(StoreError::Invalid("there is no decision to undo".into()));
    };
    let after: FactState = serde_json::from_str(&before)
        .map_err(|e| StoreError::Invalid(format!("unreadable log entry: {e}")))?;
    let entry = LogEntry {
        action: "undo",
        reason: None,
        note: None,
        actor: &p.actor,
        at: now,
        bulk_id: None,
        undoes: Some(target_id),
    };
    match compare_and_set(&mut *conn, p.fact_id, p.version, &after, &entry).await? {
        Some(f) => Ok(f),
        None => Err(conflict(conn, p.fact_id).await),
    }
}

impl Store {
    pub async fn fact(&self, id: i64) -> Result<FactRow> {
        let sql = format!("SELECT {FACT_COLUMNS} FROM facts f WHERE f.id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn list_facts(
        &self,
        f: &FactFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<FactRow>> {
        let mut b = Binds::default();
        let mut sql = format!("SELECT {FACT_COLUMNS} FROM facts f");
        sql += &f.where_clause(&mut b);
        sql += &format!(
            " ORDER BY f.document_id, f.span_start, f.id LIMIT {} OFFSET {}",
            b.int(limit),
            b.int(offset)
        );
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        Ok(b.apply(q).fetch_all(self.reader()).await?)
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
        self.decisions
            .submit(Pending {
                fact_id,
                version,
                change: Change::Decide(decision.clone()),
                actor: actor.clone(),
            })
            .await
    }

    /// Undoes the fact's last decision not yet undone: restores the state before it.
    pub async fn undo(&self, fact_id: i64, version: i64, actor: &Actor) -> Result<FactRow> {
        self.decisions
            .submit(Pending {
                fact_id,
                version,
                change: Change::Undo,
                actor: actor.clone(),
            })
            .await
    }

    /// Confirms every pending fact the filter selects, as one audited action (one
    /// `bulk_actions` row; each fact's log entry points at it). Returns its id and the count.
    pub async fn bulk_confirm(
        &self,
        filter: &FactFilter,
        note: Option<&str>,
        actor: &Actor,
        max: i64,
    ) -> Result<(i64, Vec<i64>)> {
        let mut filter = filter.clone();
        filter.statuses = vec![ReviewStatus::Pending.as_str().into()];
        let mut tx = self.begin_write().await?;
        let mut b = Binds::default();
        let mut sql = format!("SELECT {FACT_COLUMNS} FROM facts f");
        sql += &filter.where_clause(&mut b);
        sql += &format!(" ORDER BY f.id LIMIT {}", b.int(max + 1));
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        let facts: Vec<FactRow> = b.apply(q).fetch_all(&mut *tx).await?;
        if facts.len() as i64 > max {
            return Err(StoreError::Invalid(format!(
                "the filter selects more than {max} facts; narrow it"
            )));
        }
        let now = now_ms();
        let bulk_id: i64 = sqlx::query_scalar(
            "INSERT INTO bulk_actions (action, filter, fact_count, user_id, actor, at)
             VALUES ('confirm', $1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(serde_json::to_string(&filter).unwrap_or_default())
        .bind(facts.len() as i64)
        .bind(actor.user_id)
        .bind(actor.name.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let mut ids = Vec::with_capacity(facts.len());
        for fact in &facts {
            let mut after = fact.state();
            after.status = ReviewStatus::Confirmed.as_str().into();
            after.reviewed_by = Some(actor.name.clone());
            after.reviewed_at = Some(now);
            let entry = LogEntry {
                action: "confirm",
                reason: None,
                note,
                actor,
                at: now,
                bulk_id: Some(bulk_id),
                undoes: None,
            };
            let done = compare_and_set(&mut *tx, fact.id, fact.version, &after, &entry).await?;
            if done.is_none() {
                return Err(conflict(&mut *tx, fact.id).await);
            }
            ids.push(fact.id);
        }
        tx.commit().await?;
        Ok((bulk_id, ids))
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
        .fetch_all(self.reader())
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
        let decided = [ReviewStatus::Confirmed, ReviewStatus::Corrected];
        filter
            .statuses
            .retain(|s| decided.iter().any(|d| d.as_str() == s));
        if filter.statuses.is_empty() {
            filter.statuses = decided.iter().map(|d| d.as_str().to_string()).collect();
        }
        let mut b = Binds::default();
        let mut sql = format!(
            "SELECT {FACT_COLUMNS}, d.sha256, d.file_name FROM facts f \
             JOIN documents d ON d.id = f.document_id"
        );
        sql += &filter.where_clause(&mut b);
        sql += " ORDER BY f.document_id, f.span_start, f.id";
        let q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let rows = b.apply_query(q).fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(ExportRow {
                    fact: <FactRow as sqlx::FromRow<_>>::from_row(r)?,
                    sha256: r.try_get(22)?,
                    file_name: r.try_get(23)?,
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
        .fetch_all(self.reader())
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
