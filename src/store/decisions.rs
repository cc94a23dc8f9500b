//! Applying review decisions to stored facts, a group at a time. Each decision is a
//! compare-and-set on the fact's `version` (a stale version is a conflict, never a lost
//! update); the `facts_log` trigger (migration 0002) appends the review-log row with the
//! states before and after in the same statement as the change.
//!
//! A group is applied in rounds that hold each fact at most once, in arrival order. A round
//! is a handful of statements whatever its size: one read of its facts (locked, on
//! PostgreSQL, in id order), one read of the undo targets and of document texts when some
//! decision needs them, then one UPDATE writing every change. What each decision makes of its
//! fact is decided in between, in memory ([`decide`]).

use super::facts::{Actor, FACT_COLUMNS, FactRow, FactState};
use super::{Backend, Result, StoreError, now_ms};
use crate::review::{Correction, Decision, ReviewStatus};
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

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

/// A decision as applied: the fact as it now stands, and whether the decision changed
/// anything a check reads (value, unit, qualifier, subject, span) — a confirmation or a
/// rejection does not; a correction, or the undo of one, does.
#[derive(Debug)]
pub struct Decided {
    pub fact: FactRow,
    pub changed: bool,
}

/// Who decided what and why; the trigger adds the states before and after.
pub(super) struct LogEntry<'a> {
    pub action: &'a str,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub actor: &'a Actor,
    pub at: i64,
    pub bulk_id: Option<i64>,
    pub undoes: Option<i64>,
}

impl LogEntry<'_> {
    /// The entry as the `facts_log` trigger reads it.
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

/// One change to write: the fact at the version it was read, its state after, and why.
pub(super) struct Write<'a> {
    pub fact_id: i64,
    pub version: i64,
    pub after: FactState,
    pub entry: LogEntry<'a>,
}

/// Applies `pendings` on `conn` (inside the caller's transaction) and returns each one's
/// outcome, in order. A stale version, a missing fact or an invalid correction is an outcome
/// and leaves the transaction usable; an `Err` is a database error and the transaction must
/// be abandoned.
pub(crate) async fn apply_group(
    conn: &mut AnyConnection,
    backend: Backend,
    pendings: &[&Pending],
) -> Result<Vec<Result<Decided>>> {
    let mut outcomes: Vec<Option<Result<Decided>>> = pendings.iter().map(|_| None).collect();
    // The n-th decision on a fact goes into round n, so each round sees the fact as the
    // decisions before it left it.
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for (i, p) in pendings.iter().enumerate() {
        let n = seen.entry(p.fact_id).or_insert(0);
        if *n == rounds.len() {
            rounds.push(Vec::new());
        }
        rounds[*n].push(i);
        *n += 1;
    }
    for round in rounds {
        let items: Vec<(usize, &Pending)> = round.iter().map(|&i| (i, pendings[i])).collect();
        for (i, outcome) in apply_round(conn, backend, &items).await? {
            outcomes[i] = Some(outcome);
        }
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Err(StoreError::NotFound)))
        .collect())
}

/// One round: every fact at most once.
async fn apply_round(
    conn: &mut AnyConnection,
    backend: Backend,
    items: &[(usize, &Pending)],
) -> Result<Vec<(usize, Result<Decided>)>> {
    let ids: Vec<i64> = items.iter().map(|(_, p)| p.fact_id).collect();
    let facts = read_facts(conn, backend, &ids).await?;
    let now = now_ms();
    let mut outcomes = Vec::with_capacity(items.len());
    let mut ready = Vec::with_capacity(items.len());
    for &(i, p) in items {
        match facts.get(&p.fact_id) {
            None => outcomes.push((i, Err(StoreError::NotFound))),
            Some(f) if f.version != p.version => {
                let current = f.version;
                outcomes.push((i, Err(StoreError::Conflict { current })));
            }
            Some(f) => ready.push((i, p, f)),
        }
    }
    let undo_ids: Vec<i64> = ready
        .iter()
        .filter(|(_, p, _)| matches!(p.change, Change::Undo))
        .map(|(_, p, _)| p.fact_id)
        .collect();
    let undo_targets = read_undo_targets(conn, &undo_ids).await?;
    let text_ids: Vec<i64> = ready
        .iter()
        .filter(|(_, p, _)| {
            matches!(&p.change, Change::Decide(Decision::Correct { correction, .. })
                if correction.span.is_some())
        })
        .map(|(_, _, f)| f.document_id)
        .collect();
    let texts = read_texts(conn, &text_ids).await?;

    let mut writes = Vec::with_capacity(ready.len());
    let mut written = Vec::with_capacity(ready.len());
    for (i, p, f) in ready {
        let context = Context {
            undo_target: undo_targets.get(&f.id),
            document_text: texts.get(&f.document_id).map(String::as_str),
            now,
        };
        match decide(f, p, &context) {
            Ok(w) => {
                written.push((i, f.id, checked_fields_differ(&f.state(), &w.after)));
                writes.push(w);
            }
            Err(e) => outcomes.push((i, Err(e))),
        }
    }
    let mut stored: HashMap<i64, FactRow> = write_all(&mut *conn, &writes)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    for (i, id, changed) in written {
        let outcome = match stored.remove(&id) {
            Some(fact) => Ok(Decided { fact, changed }),
            None => Err(conflict(&mut *conn, id).await),
        };
        outcomes.push((i, outcome));
    }
    Ok(outcomes)
}

/// What a decision may need besides its fact.
pub(super) struct Context<'a> {
    /// For an undo: the newest decision not undone yet (its log id and the state before it).
    pub undo_target: Option<&'a (i64, String)>,
    /// For a correction of the span: the document's text.
    pub document_text: Option<&'a str>,
    pub now: i64,
}

/// What a decision makes of a fact that is at the decision's version: the state after it and
/// the log entry, or why it cannot apply.
pub(super) fn decide<'a>(
    fact: &FactRow,
    p: &'a Pending,
    context: &Context<'_>,
) -> Result<Write<'a>> {
    let mut after = fact.state();
    let mut entry = LogEntry {
        action: "",
        reason: None,
        note: None,
        actor: &p.actor,
        at: context.now,
        bulk_id: None,
        undoes: None,
    };
    match &p.change {
        Change::Decide(decision) => {
            entry.action = decision.action();
            after.reviewed_by = Some(p.actor.name.clone());
            after.reviewed_at = Some(context.now);
            match decision {
                Decision::Confirm { note } => {
                    after.status = ReviewStatus::Confirmed.as_str().into();
                    entry.note = note.as_deref();
                }
                Decision::Reject { reason, note } => {
                    after.status = ReviewStatus::Rejected.as_str().into();
                    entry.reason = Some(reason.as_str());
                    entry.note = note.as_deref();
                }
                Decision::Correct { correction, note } => {
                    after.status = ReviewStatus::Corrected.as_str().into();
                    apply_correction(correction, context.document_text, &mut after)?;
                    entry.note = note.as_deref();
                }
            }
        }
        Change::Undo => {
            let Some((target_id, before)) = context.undo_target else {
                return Err(StoreError::Invalid("there is no decision to undo".into()));
            };
            after = serde_json::from_str(before)
                .map_err(|e| StoreError::Invalid(format!("unreadable log entry: {e}")))?;
            entry.action = "undo";
            entry.undoes = Some(*target_id);
        }
    }
    Ok(Write {
        fact_id: fact.id,
        version: fact.version,
        after,
        entry,
    })
}

/// Whether two states of a fact differ in anything a check reads.
fn checked_fields_differ(a: &FactState, b: &FactState) -> bool {
    (&a.value, &a.unit, &a.qualifier, &a.subject, a.start, a.end)
        != (&b.value, &b.unit, &b.qualifier, &b.subject, b.start, b.end)
}

fn apply_correction(
    c: &Correction,
    document_text: Option<&str>,
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
        let text = document_text.unwrap_or_default();
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

/// How many values a statement is written for: `n` rounded up to a power of two. Each
/// distinct SQL text is a prepared statement the connection parses, plans and caches, so
/// group sizes from 1 to 64 would make 64 versions of every statement; rounded, 7. The
/// places beyond `n` get values that match nothing.
fn slots(n: usize) -> usize {
    n.next_power_of_two()
}

/// The `i`-th value (from 1) of a statement: a bare `?` on SQLite (`bare`, see
/// [`super::bare_placeholders`]; a group's UPDATE has 13 values a fact, and the lookup of named
/// ones was 4 % of a decision's server CPU). Every value below appears once in its statement,
/// in bind order, so both forms mean the same.
fn param(bare: bool, i: usize) -> String {
    if bare {
        "?".to_string()
    } else {
        format!("${i}")
    }
}

/// `$1, $2, …` (or `?, ?, …`) for `n` values.
fn placeholders(bare: bool, n: usize) -> String {
    (1..=n)
        .map(|i| param(bare, i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An id no row has: fills the unused places of an id list.
const NO_ID: i64 = -1;

/// Binds `ids` to a query written for `slots(ids.len())` of them.
fn bind_ids<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments>,
    ids: &[i64],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments> {
    for i in 0..slots(ids.len()) {
        q = q.bind(ids.get(i).copied().unwrap_or(NO_ID));
    }
    q
}

/// The facts by id. On PostgreSQL they are locked, in id order, until the transaction ends:
/// other servers deciding on them wait, and two groups can never wait on each other in a
/// cycle. On SQLite the writer's transaction already holds the database's write lock.
pub(super) async fn read_facts(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<HashMap<i64, FactRow>> {
    let mut sql = format!(
        "SELECT {FACT_COLUMNS} FROM facts f WHERE f.id IN ({}) ORDER BY f.id",
        placeholders(super::bare_placeholders(conn), slots(ids.len()))
    );
    if backend == Backend::Postgres {
        sql += " FOR UPDATE";
    }
    let q = sqlx::query_as::<_, FactRow>(sqlx::AssertSqlSafe(sql));
    Ok(bind_ids(q, ids)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect())
}

/// For each fact, its newest decision that is not an undo and that no undo points at: the
/// log id and the state before it.
pub(super) async fn read_undo_targets(
    conn: &mut AnyConnection,
    fact_ids: &[i64],
) -> Result<HashMap<i64, (i64, String)>> {
    if fact_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // Written as scalar subqueries, which can only be evaluated fact by fact through the
    // indexes: as a join, PostgreSQL's generic plan for this prepared statement hashed the
    // whole review log on every call.
    let sql = format!(
        "SELECT x.fact_id, x.target, (SELECT r.before FROM review_log r WHERE r.id = x.target)
         FROM (SELECT f.id AS fact_id,
                      (SELECT t.id FROM review_log t
                       WHERE t.fact_id = f.id AND t.action <> 'undo'
                         AND NOT EXISTS (SELECT 1 FROM review_log u WHERE u.undoes = t.id)
                       ORDER BY t.id DESC LIMIT 1) AS target
               FROM facts f WHERE f.id IN ({})) x",
        placeholders(super::bare_placeholders(conn), slots(fact_ids.len()))
    );
    let q = sqlx::query_as::<_, (i64, Option<i64>, Option<String>)>(sqlx::AssertSqlSafe(sql));
    Ok(bind_ids(q, fact_ids)
        .fetch_all(conn)
        .await?
        .into_iter()
        .filter_map(|(fact, id, before)| Some((fact, (id?, before?))))
        .collect())
}

async fn read_texts(
    conn: &mut AnyConnection,
    document_ids: &[i64],
) -> Result<HashMap<i64, String>> {
    let ids: Vec<i64> = document_ids
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT id, text FROM documents WHERE id IN ({})",
        placeholders(super::bare_placeholders(conn), slots(ids.len()))
    );
    let q = sqlx::query_as::<_, (i64, Option<String>)>(sqlx::AssertSqlSafe(sql));
    Ok(bind_ids(q, &ids)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|(id, text)| (id, text.unwrap_or_default()))
        .collect())
}

/// Columns of one write in the multi-row UPDATE, in bind order.
const WRITE_COLUMNS: [(&str, &str); 13] = [
    ("d_id", "BIGINT"),
    ("d_version", "BIGINT"),
    ("d_status", "TEXT"),
    ("d_value", "TEXT"),
    ("d_unit", "TEXT"),
    ("d_qualifier", "TEXT"),
    ("d_subject", "TEXT"),
    ("d_start", "BIGINT"),
    ("d_end", "BIGINT"),
    ("d_text", "TEXT"),
    ("d_reviewed_by", "TEXT"),
    ("d_reviewed_at", "BIGINT"),
    ("d_log_entry", "TEXT"),
];

/// Writes every change whose fact is still at its version, in one UPDATE; the trigger
/// appends a log row for each. Returns the facts as they now stand; a write missing from
/// the result found its fact moved on.
pub(super) async fn write_all(
    conn: &mut AnyConnection,
    writes: &[Write<'_>],
) -> Result<Vec<FactRow>> {
    let mut stored = Vec::with_capacity(writes.len());
    // Bind parameters are limited (SQLite 32,766, PostgreSQL 65,535): large bulk actions
    // are written a slice at a time.
    for chunk in writes.chunks(WRITES_PER_STATEMENT) {
        stored.extend(write_chunk(&mut *conn, chunk).await?);
    }
    Ok(stored)
}

/// At most this many rows in one UPDATE.
const WRITES_PER_STATEMENT: usize = 512;

async fn write_chunk(conn: &mut AnyConnection, writes: &[Write<'_>]) -> Result<Vec<FactRow>> {
    let width = WRITE_COLUMNS.len();
    let bare = super::bare_placeholders(conn);
    // Casts give PostgreSQL the parameter types a VALUES list cannot infer; SQLite takes
    // them as no-ops on values already of that type.
    let rows: Vec<String> = (0..slots(writes.len()))
        .map(|r| {
            let cells: Vec<String> = WRITE_COLUMNS
                .iter()
                .enumerate()
                .map(|(c, (_, ty))| format!("CAST({} AS {ty})", param(bare, r * width + c + 1)))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let names: Vec<&str> = WRITE_COLUMNS.iter().map(|(n, _)| *n).collect();
    let sql = format!(
        "WITH d ({}) AS (VALUES {})
         UPDATE facts SET status = d_status, value = d_value, unit = d_unit,
                qualifier = d_qualifier, subject = d_subject, span_start = d_start,
                span_end = d_end, text = d_text, reviewed_by = d_reviewed_by,
                reviewed_at = d_reviewed_at, log_entry = d_log_entry, version = version + 1
         FROM d WHERE id = d_id AND version = d_version
         RETURNING {}",
        names.join(", "),
        rows.join(", "),
        FACT_COLUMNS.replace("f.", "")
    );
    let mut q = sqlx::query_as::<_, FactRow>(sqlx::AssertSqlSafe(sql));
    for w in writes {
        let s = &w.after;
        q = q
            .bind(w.fact_id)
            .bind(w.version)
            .bind(s.status.clone())
            .bind(s.value.clone())
            .bind(s.unit.clone())
            .bind(s.qualifier.clone())
            .bind(s.subject.clone())
            .bind(s.start)
            .bind(s.end)
            .bind(s.text.clone())
            .bind(s.reviewed_by.clone())
            .bind(s.reviewed_at)
            .bind(w.entry.to_json());
    }
    for _ in writes.len()..slots(writes.len()) {
        // Nulls of each column's own type: a prepared statement's parameter types are fixed.
        for (name, ty) in WRITE_COLUMNS {
            q = match (name, ty) {
                ("d_id" | "d_version", _) => q.bind(NO_ID),
                (_, "BIGINT") => q.bind(None::<i64>),
                _ => q.bind(None::<String>),
            };
        }
    }
    Ok(q.fetch_all(conn).await?)
}

/// The error for a write that found its fact moved on (or gone).
pub(super) async fn conflict(conn: &mut AnyConnection, fact_id: i64) -> StoreError {
    let current: Result<Option<i64>, sqlx::Error> =
        sqlx::query_scalar("SELECT version FROM facts WHERE id = $1")
            .bind(fact_id)
            .fetch_optional(conn)
            .await;
    match current {
        Ok(Some(current)) => StoreError::Conflict { current },
        Ok(None) => StoreError::NotFound,
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Qualifier;
    use crate::review::RejectReason;

    fn fact() -> FactRow {
        FactRow {
            id: 7,
            document_id: 3,
            seq: 0,
            kind: "amount".into(),
            start: 2,
            end: 6,
            text: "12万元".into(),
            value: "120000".into(),
            unit: Some("万元".into()),
            qualifier: "exact".into(),
            subject: Some("资金".into()),
            row: None,
            table: None,
            provenance: None,
            extra: None,
            original: "{}".into(),
            extractor_version: "test".into(),
            failed_checks: 0,
            status: "pending".into(),
            version: 4,
            reviewed_by: None,
            reviewed_at: None,
            rule: None,
            orphaned_at: None,
            confidence: None,
        }
    }

    fn pending(change: Change) -> Pending {
        Pending {
            fact_id: 7,
            version: 4,
            change,
            actor: Actor {
                user_id: Some(1),
                name: "王芳".into(),
            },
        }
    }

    fn context<'a>(target: Option<&'a (i64, String)>, text: Option<&'a str>) -> Context<'a> {
        Context {
            undo_target: target,
            document_text: text,
            now: 1_700_000_000_000,
        }
    }

    #[test]
    fn confirm_and_reject_change_status_and_reviewer_only() {
        let p = pending(Change::Decide(Decision::Confirm { note: None }));
        let w = decide(&fact(), &p, &context(None, None)).unwrap();
        assert_eq!((w.fact_id, w.version), (7, 4));
        assert_eq!(w.after.status, "confirmed");
        assert_eq!(w.after.reviewed_by.as_deref(), Some("王芳"));
        assert_eq!(w.after.value, "120000");
        assert_eq!(w.entry.action, "confirm");

        let p = pending(Change::Decide(Decision::Reject {
            reason: RejectReason::WrongUnit,
            note: Some("单位应为元".into()),
        }));
        let w = decide(&fact(), &p, &context(None, None)).unwrap();
        assert_eq!(w.after.status, "rejected");
        let entry: serde_json::Value = serde_json::from_str(&w.entry.to_json()).unwrap();
        assert_eq!(entry["reason"], "wrong_unit");
        assert_eq!(entry["note"], "单位应为元");
        assert_eq!(entry["user_id"], 1);
    }

    #[test]
    fn a_correction_of_the_span_takes_the_text_from_the_document() {
        let correction = Correction {
            span: Some((1, 4)),
            qualifier: Some(Qualifier::Approx),
            ..Correction::default()
        };
        let p = pending(Change::Decide(Decision::Correct {
            correction,
            note: None,
        }));
        let w = decide(&fact(), &p, &context(None, Some("约12万元"))).unwrap();
        assert_eq!(w.after.status, "corrected");
        assert_eq!((w.after.start, w.after.end), (1, 4));
        assert_eq!(w.after.text, "12万");
        assert_eq!(w.after.qualifier, "approx");

        let e = decide(&fact(), &p, &context(None, Some("12")))
            .err()
            .unwrap();
        assert!(matches!(e, StoreError::Invalid(m) if m.contains("past the document's end")));
    }

    #[test]
    fn undo_restores_the_logged_state_before() {
        let mut before = fact().state();
        before.status = "confirmed".into();
        before.reviewed_by = Some("李明".into());
        let target = (42, serde_json::to_string(&before).unwrap());
        let p = pending(Change::Undo);
        let w = decide(&fact(), &p, &context(Some(&target), None)).unwrap();
        assert_eq!(w.after, before);
        assert_eq!((w.entry.action, w.entry.undoes), ("undo", Some(42)));

        let e = decide(&fact(), &p, &context(None, None)).err().unwrap();
        assert!(matches!(e, StoreError::Invalid(m) if m.contains("no decision to undo")));
    }

    #[test]
    fn only_a_change_of_what_checks_read_counts_as_one() {
        let confirm = pending(Change::Decide(Decision::Confirm { note: None }));
        let w = decide(&fact(), &confirm, &context(None, None)).unwrap();
        assert!(!checked_fields_differ(&fact().state(), &w.after));
        let correction = Correction {
            value: Some("100000".into()),
            ..Correction::default()
        };
        let correct = pending(Change::Decide(Decision::Correct {
            correction,
            note: None,
        }));
        let w = decide(&fact(), &correct, &context(None, None)).unwrap();
        assert!(checked_fields_differ(&fact().state(), &w.after));
    }

    #[test]
    fn statements_are_written_for_power_of_two_sizes() {
        assert_eq!([1, 2, 3, 5, 64].map(slots), [1, 2, 4, 8, 64]);
        assert_eq!(placeholders(false, 3), "$1, $2, $3");
        assert_eq!(placeholders(true, 3), "?, ?, ?");
    }
}
