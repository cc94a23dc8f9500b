//! Bulk actions: every pending fact a filter selects confirmed as one audited action (one
//! `bulk_actions` row that each fact's log entry points at), and such an action undone as one
//! — every fact it confirmed that nobody has decided since goes back to where it stood.

use super::decisions::{LogEntry, Write, conflict, read_facts, read_undo_targets, write_all};
use super::facts::{Actor, FACT_COLUMNS, FactFilter, FactRow};
use super::{Backend, Binds, Result, Store, StoreError, now_ms};
use crate::review::ReviewStatus;
use std::collections::HashSet;

/// What undoing a bulk action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkUndone {
    /// The undo's own bulk action.
    pub bulk_id: i64,
    /// Facts put back as they were before the action.
    pub undone: Vec<i64>,
    /// Facts the action confirmed that were decided again since: their later decision stands.
    pub skipped: Vec<i64>,
}

impl Store {
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
        if self.backend == Backend::Postgres {
            // Locked in id order, as the decision writer locks them: no waiting in a cycle.
            sql += " FOR UPDATE OF f";
        }
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
        let writes: Vec<Write> = facts
            .iter()
            .map(|fact| {
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
                Write {
                    fact_id: fact.id,
                    version: fact.version,
                    after,
                    entry,
                }
            })
            .collect();
        let stored: HashSet<i64> = write_all(&mut tx, &writes)
            .await?
            .iter()
            .map(|f| f.id)
            .collect();
        // All or nothing: one fact changed since it was selected fails the whole action.
        if let Some(moved) = facts.iter().find(|f| !stored.contains(&f.id)) {
            return Err(conflict(&mut tx, moved.id).await);
        }
        tx.commit().await?;
        Ok((bulk_id, facts.iter().map(|f| f.id).collect()))
    }

    /// Undoes bulk action `bulk_id` as one action of its own: each fact whose newest decision
    /// is still that action's confirm returns to its state before it (logged as an undo of
    /// that entry); facts decided since are left as they are and reported as skipped.
    pub async fn bulk_undo(&self, bulk_id: i64, actor: &Actor) -> Result<BulkUndone> {
        let mut tx = self.begin_write().await?;
        let action: Option<String> =
            sqlx::query_scalar("SELECT action FROM bulk_actions WHERE id = $1")
                .bind(bulk_id)
                .fetch_optional(&mut *tx)
                .await?;
        match action.as_deref() {
            None => return Err(StoreError::NotFound),
            Some("confirm") => {}
            Some(_) => {
                return Err(StoreError::Invalid(
                    "only a bulk confirm can be undone".into(),
                ));
            }
        }
        let entries: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, fact_id FROM review_log WHERE bulk_id = $1 AND action = 'confirm' \
             ORDER BY fact_id",
        )
        .bind(bulk_id)
        .fetch_all(&mut *tx)
        .await?;
        let ids: Vec<i64> = entries.iter().map(|&(_, fact)| fact).collect();
        let facts = read_facts(&mut tx, self.backend, &ids).await?;
        let targets = read_undo_targets(&mut tx, &ids).await?;
        let now = now_ms();
        let undo_id: i64 = sqlx::query_scalar(
            "INSERT INTO bulk_actions (action, filter, fact_count, user_id, actor, at)
             VALUES ('undo', $1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(serde_json::json!({ "undoes_bulk": bulk_id }).to_string())
        .bind(0i64)
        .bind(actor.user_id)
        .bind(actor.name.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let mut writes = Vec::new();
        let mut skipped = Vec::new();
        for &(entry_id, fact_id) in &entries {
            let (Some(fact), Some((target, before))) = (facts.get(&fact_id), targets.get(&fact_id))
            else {
                skipped.push(fact_id);
                continue;
            };
            if *target != entry_id {
                skipped.push(fact_id);
                continue;
            }
            let after = serde_json::from_str(before)
                .map_err(|e| StoreError::Invalid(format!("unreadable log entry: {e}")))?;
            writes.push(Write {
                fact_id,
                version: fact.version,
                after,
                entry: LogEntry {
                    action: "undo",
                    reason: None,
                    note: None,
                    actor,
                    at: now,
                    bulk_id: Some(undo_id),
                    undoes: Some(entry_id),
                },
            });
        }
        if writes.is_empty() {
            return Err(StoreError::Invalid(
                "every fact of this bulk action was decided again since; nothing to undo".into(),
            ));
        }
        let stored: HashSet<i64> = write_all(&mut tx, &writes)
            .await?
            .iter()
            .map(|f| f.id)
            .collect();
        if let Some(moved) = writes.iter().find(|w| !stored.contains(&w.fact_id)) {
            return Err(conflict(&mut tx, moved.fact_id).await);
        }
        let undone: Vec<i64> = writes.iter().map(|w| w.fact_id).collect();
        sqlx::query("UPDATE bulk_actions SET fact_count = $1 WHERE id = $2")
            .bind(undone.len() as i64)
            .bind(undo_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(BulkUndone {
            bulk_id: undo_id,
            undone,
            skipped,
        })
    }
}
