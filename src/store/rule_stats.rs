//! Review by extraction rule: facts counted per rule and status, the facts review found
//! wrong (corrected, with the fact as extracted from the review log's first entry; rejected,
//! with the reason of the decision they stand at), and for one rule those facts as test
//! cases with the text around them. The arithmetic over these rows is `crate::precision`'s.

use super::facts::{FACT_COLUMNS, FactRow};
use super::{Binds, Result, Store, StoreError};
use crate::precision::{Failure, Outcome, StatusCounts, changed_fields};
use serde_json::{Value, json};
use sqlx::Row;

/// How much document text a case carries on each side of its fact (code points).
pub const CASE_CONTEXT_CHARS: i64 = 80;

/// A corrected or rejected fact of one rule, for turning into a unit test.
#[derive(Clone, Debug)]
pub struct RuleCase {
    pub fact: FactRow,
    pub file_name: Option<String>,
    /// The document text around the fact, and where in the document it starts.
    pub window: String,
    pub window_start: i64,
    /// The reason and note of the decision the fact stands at.
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// The reviewable fields of a fact as the review log writes them.
fn state_json(f: &FactRow) -> Value {
    json!({
        "value": f.value, "unit": f.unit, "qualifier": f.qualifier, "subject": f.subject,
        "start": f.start, "end": f.end,
    })
}

/// The subquery for a column of the newest log entry of fact `f`: the decision it stands at.
fn last_log(column: &str) -> String {
    format!(
        "(SELECT r.{column} FROM review_log r WHERE r.fact_id = f.id ORDER BY r.id DESC LIMIT 1)"
    )
}

/// The corrected fields of a corrected fact: the first log entry's state before is the fact
/// as extracted.
fn outcome_of(f: &FactRow, first_before: Option<&str>, reason: Option<String>) -> Outcome {
    if f.status == "rejected" {
        return Outcome::Rejected { reason };
    }
    let before = first_before
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .unwrap_or(Value::Null);
    Outcome::Corrected {
        fields: changed_fields(&before, &state_json(f)),
    }
}

impl Store {
    /// Facts per rule (`None`: stored before rules were recorded) and review status.
    pub async fn rule_counts(&self) -> Result<Vec<(Option<String>, StatusCounts)>> {
        let rows: Vec<(Option<String>, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT rule,
                    COUNT(CASE WHEN status = 'pending' THEN 1 END),
                    COUNT(CASE WHEN status = 'confirmed' THEN 1 END),
                    COUNT(CASE WHEN status = 'corrected' THEN 1 END),
                    COUNT(CASE WHEN status = 'rejected' THEN 1 END)
             FROM facts GROUP BY rule",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(|(rule, pending, confirmed, corrected, rejected)| {
                (
                    rule,
                    StatusCounts {
                        pending: count(pending),
                        confirmed: count(confirmed),
                        corrected: count(corrected),
                        rejected: count(rejected),
                    },
                )
            })
            .collect())
    }

    /// Every corrected and rejected fact, with what review changed or why it refused it.
    pub async fn rule_failures(&self) -> Result<Vec<Failure>> {
        let sql = format!(
            "SELECT {FACT_COLUMNS}, d.file_name, {}, \
             (SELECT r.before FROM review_log r WHERE r.fact_id = f.id ORDER BY r.id LIMIT 1) \
             FROM facts f JOIN documents d ON d.id = f.document_id \
             WHERE f.status IN ('corrected', 'rejected') ORDER BY f.id",
            last_log("reason")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter()
            .map(|r| {
                let f = <FactRow as sqlx::FromRow<_>>::from_row(r)?;
                // The columns after FACT_COLUMNS (25 of them).
                let file_name: Option<String> = r.try_get(25)?;
                let reason: Option<String> = r.try_get(26)?;
                let first_before: Option<String> = r.try_get(27)?;
                Ok(Failure {
                    outcome: outcome_of(&f, first_before.as_deref(), reason),
                    rule: f.rule,
                    document_id: f.document_id,
                    file_name,
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()
            .map_err(StoreError::from)
    }

    /// The corrected and rejected facts of `rule`, oldest first, each with the document text
    /// around it.
    pub async fn rule_cases(&self, rule: &str) -> Result<Vec<RuleCase>> {
        let mut b = Binds::default();
        let rule_bind = b.text(rule);
        // substr counts code points from 1 on both backends, as the spans do from 0.
        let from = format!(
            "CASE WHEN f.span_start > {CASE_CONTEXT_CHARS} \
             THEN f.span_start - {CASE_CONTEXT_CHARS} ELSE 0 END"
        );
        let sql = format!(
            "SELECT {FACT_COLUMNS}, d.file_name, \
             substr(d.text, CAST({from} + 1 AS INTEGER), \
                    CAST(f.span_end + {CASE_CONTEXT_CHARS} - ({from}) AS INTEGER)), \
             CAST({from} AS BIGINT), {}, {} \
             FROM facts f JOIN documents d ON d.id = f.document_id \
             WHERE f.rule = {rule_bind} AND f.status IN ('corrected', 'rejected') \
             ORDER BY f.document_id, f.span_start, f.id",
            last_log("reason"),
            last_log("note")
        );
        let q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let rows = b.apply_query(q).fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|r| {
                Ok(RuleCase {
                    fact: <FactRow as sqlx::FromRow<_>>::from_row(r)?,
                    file_name: r.try_get(25)?,
                    window: r.try_get::<Option<String>, _>(26)?.unwrap_or_default(),
                    window_start: r.try_get(27)?,
                    reason: r.try_get(28)?,
                    note: r.try_get(29)?,
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()
            .map_err(StoreError::from)
    }
}

impl RuleCase {
    /// The case as one line of the cases file: the text around the fact (with the fact's
    /// place in it), the fact as extracted, and what review made of it.
    pub fn to_json(&self) -> Value {
        let f = &self.fact;
        let value = match f.kind.as_str() {
            "count" => f
                .value
                .parse::<u64>()
                .map_or_else(|_| json!(f.value), Value::from),
            "document" => serde_json::from_str(&f.value).unwrap_or_else(|_| json!(f.value)),
            _ => json!(f.value),
        };
        let corrected = f.status == "corrected";
        json!({
            "rule": f.rule,
            "document_id": f.document_id,
            "file_name": self.file_name,
            "fact_id": f.id,
            "kind": f.kind,
            "status": f.status,
            "window": {
                "text": self.window,
                "start": self.window_start,
                "fact_start": f.start - self.window_start,
                "fact_end": f.end - self.window_start,
            },
            "extracted": serde_json::from_str::<Value>(&f.original).unwrap_or(Value::Null),
            "correction": corrected.then(|| json!({
                "text": f.text, "start": f.start, "end": f.end, "value": value,
                "unit": f.unit, "qualifier": f.qualifier, "subject": f.subject,
            })),
            "reason": self.reason,
            "note": self.note,
            "extractor_version": f.extractor_version,
        })
    }
}
