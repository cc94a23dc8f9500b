//! The review log read as a stream of decisions, for pages that show other assessors'
//! decisions as they happen. Every server reads the same log, so a decision taken through
//! any server reaches the pages of all of them.

use super::{Result, Store};
use serde::Serialize;

/// One decision, as a page needs it to update the fact it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEvent {
    /// The log row's id.
    pub id: i64,
    pub fact_id: i64,
    pub document_id: i64,
    /// confirm, correct, reject or undo.
    pub action: String,
    /// The fact's version after the decision.
    pub version: i64,
    /// The fact's status after the decision.
    pub status: String,
    pub actor: String,
    pub at: i64,
}

/// A log row as read: id, fact, document, action, version, state after, actor, time.
type LogRow = (i64, i64, i64, String, i64, String, String, i64);

impl Store {
    /// Log rows with an id above `after`, oldest first, at most `limit`.
    pub async fn log_events_after(&self, after: i64, limit: i64) -> Result<Vec<LogEvent>> {
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT id, fact_id, document_id, action, version, after, actor, at
             FROM review_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, fact_id, document_id, action, version, after, actor, at)| LogEvent {
                    id,
                    fact_id,
                    document_id,
                    action,
                    version,
                    status: serde_json::from_str::<serde_json::Value>(&after)
                        .ok()
                        .and_then(|v| v["status"].as_str().map(str::to_string))
                        .unwrap_or_default(),
                    actor,
                    at,
                },
            )
            .collect())
    }

    /// The newest log row's id (0 for an empty log).
    pub async fn last_log_id(&self) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM review_log")
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(id.unwrap_or(0))
    }
}
