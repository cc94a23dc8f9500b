//! Webhooks and their outbox: registration, the deliveries the database's triggers queue
//! for every decision and every finished document (migrations `*_webhooks.sql`), and the
//! claim, under a lease, that lets several servers on one PostgreSQL send them without ever
//! sending one event twice at once. A subject's (a fact's, a document's) deliveries are
//! claimed one at a time in order: a later one waits until the earlier one is delivered or
//! given up.

use super::{Backend, Binds, Result, Store, StoreError, now_ms};
use crate::webhook::{EventSet, Secret, WebhookUrl};

/// A registered webhook, without its secret.
#[derive(Clone, Debug)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub events: EventSet,
    pub created_at: i64,
    pub counts: DeliveryCounts,
}

/// How a webhook's deliveries stand.
#[derive(Clone, Debug, Default)]
pub struct DeliveryCounts {
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    /// The last successful delivery (Unix ms).
    pub last_delivered_at: Option<i64>,
    /// The error of the newest delivery tried, if its last try failed.
    pub last_error: Option<String>,
}

/// One delivery as an admin sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

/// A delivery claimed for sending: where to, with what key, and what the event is.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: i64,
    pub url: String,
    pub secret: Secret,
    pub event: String,
    pub log_id: Option<i64>,
    pub document_id: i64,
    pub doc_status: Option<String>,
    pub doc_error: Option<String>,
    pub created_at: i64,
    /// Tries before this one.
    pub attempts: i64,
}

/// How a try ended.
#[derive(Clone, Debug)]
pub enum Attempt {
    Delivered {
        status: u16,
    },
    /// Failed; tried again at `retry_at` (Unix ms), or given up when `None`.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<i64>,
    },
}

/// The columns of [`Claimed`] as read.
type ClaimedTuple = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

/// A webhook as listed: id, url, events, created, pending, delivered, failed, last delivered,
/// last error.
type WebhookTuple = (
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
);

const DELIVERY_COLUMNS: &str = "id, event, subject, state, attempts, created_at, next_attempt_at, \
                                last_status, last_error, delivered_at";

impl Store {
    /// Registers a webhook; it hears of the events from now on.
    pub async fn create_webhook(
        &self,
        url: &WebhookUrl,
        events: &EventSet,
        secret: &Secret,
        created_by: i64,
    ) -> Result<WebhookRow> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (url, events, secret, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(url.as_str())
        .bind(events.to_stored())
        .bind(secret.expose())
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        conn.finish().await?;
        Ok(WebhookRow {
            id,
            url: url.as_str().to_string(),
            events: events.clone(),
            created_at: now,
            counts: DeliveryCounts::default(),
        })
    }

    /// Every webhook with how its deliveries stand, oldest first.
    pub async fn list_webhooks(&self) -> Result<Vec<WebhookRow>> {
        let rows: Vec<WebhookTuple> = sqlx::query_as(
            "SELECT w.id, w.url, w.events, w.created_at,
                    (SELECT COUNT(*) FROM webhook_deliveries d
                      WHERE d.webhook_id = w.id AND d.state = 'pending'),
                    (SELECT COUNT(*) FROM webhook_deliveries d
                      WHERE d.webhook_id = w.id AND d.state = 'delivered'),
                    (SELECT COUNT(*) FROM webhook_deliveries d
                      WHERE d.webhook_id = w.id AND d.state = 'failed'),
                    (SELECT MAX(d.delivered_at) FROM webhook_deliveries d
                      WHERE d.webhook_id = w.id),
                    (SELECT d.last_error FROM webhook_deliveries d
                      WHERE d.webhook_id = w.id AND d.attempts > 0
                      ORDER BY d.id DESC LIMIT 1)
                 FROM webhooks w ORDER BY w.id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, url, events, created_at, pending, delivered, failed, last, error)| {
                    WebhookRow {
                        id,
                        url,
                        events: EventSet::from_stored(&events),
                        created_at,
                        counts: DeliveryCounts {
                            pending,
                            delivered,
                            failed,
                            last_delivered_at: last,
                            last_error: error,
                        },
                    }
                },
            )
            .collect())
    }

    /// Deletes a webhook and its deliveries; a delivery being sent right now still ends.
    pub async fn delete_webhook(&self, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A webhook's latest deliveries, newest first; `NotFound` for an unknown webhook.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>> {
        let mut conn = self.conn().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM webhooks WHERE id = $1")
            .bind(webhook_id)
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1
             ORDER BY id DESC LIMIT $2"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(webhook_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?)
    }

    /// Claims up to `limit` deliveries that are due, for `owner` until `lease_ms` from now:
    /// the first pending delivery of each subject whose earlier ones are all settled, oldest
    /// first. A delivery whose sender died is claimed again once its lease runs out.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Claimed>> {
        let now = now_ms();
        let lock = match self.backend {
            // Several servers may share the database: skip rows another one is claiming.
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            // One writer at a time on SQLite: the pick and the update cannot interleave.
            Backend::Sqlite => "",
        };
        let pick = format!(
            "SELECT d.id FROM webhook_deliveries d
              WHERE d.state = 'pending' AND d.next_attempt_at <= $1
                AND (d.lease_until IS NULL OR d.lease_until < $1)
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                 WHERE e.webhook_id = d.webhook_id AND e.subject = d.subject
                                   AND e.state = 'pending' AND e.id < d.id)
              ORDER BY d.id LIMIT $2{lock}"
        );
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "UPDATE webhook_deliveries SET claimed_by = $3, lease_until = $4
              WHERE id IN ({pick}) RETURNING id"
        )))
        .bind(now)
        .bind(limit)
        .bind(owner)
        .bind(now + lease_ms)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let mut b = Binds::default();
        let list: Vec<String> = ids.iter().map(|&id| b.int(id)).collect();
        let sql = format!(
            "SELECT d.id, w.url, w.secret, d.event, d.log_id, d.document_id, d.doc_status,
                    d.doc_error, d.created_at, d.attempts
               FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
              WHERE d.id IN ({}) ORDER BY d.id",
            list.join(", ")
        );
        let rows: Vec<ClaimedTuple> = b
            .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(
                    id,
                    url,
                    secret,
                    event,
                    log_id,
                    document_id,
                    doc_status,
                    doc_error,
                    created_at,
                    attempts,
                )| {
                    // A secret stored by hand that is not one is refused here rather than
                    // signing with it; the delivery stays pending and shows no progress.
                    let secret = Secret::parse(&secret).ok()?;
                    Some(Claimed {
                        id,
                        url,
                        secret,
                        event,
                        log_id,
                        document_id,
                        doc_status,
                        doc_error,
                        created_at,
                        attempts,
                    })
                },
            )
            .collect())
    }

    /// Records how a try of a claimed delivery ended. Nothing changes if `owner` no longer
    /// holds it (its lease ran out and another server took it).
    pub async fn record_attempt(&self, id: i64, owner: &str, attempt: &Attempt) -> Result<()> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let q = match attempt {
            Attempt::Delivered { status } => sqlx::query(
                "UPDATE webhook_deliveries
                    SET state = 'delivered', attempts = attempts + 1, delivered_at = $3,
                        last_status = $4, last_error = NULL, claimed_by = NULL, lease_until = NULL
                  WHERE id = $1 AND claimed_by = $2 AND state = 'pending'",
            )
            .bind(id)
            .bind(owner)
            .bind(now)
            .bind(i64::from(*status)),
            Attempt::Failed {
                status,
                error,
                retry_at,
            } => sqlx::query(
                "UPDATE webhook_deliveries
                    SET state = $3, attempts = attempts + 1, next_attempt_at = $4,
                        last_status = $5, last_error = $6, claimed_by = NULL, lease_until = NULL
                  WHERE id = $1 AND claimed_by = $2 AND state = 'pending'",
            )
            .bind(id)
            .bind(owner)
            .bind(if retry_at.is_some() {
                "pending"
            } else {
                "failed"
            })
            .bind(retry_at.unwrap_or(now))
            .bind(status.map(i64::from))
            .bind(error.clone()),
        };
        q.execute(&mut *conn).await?;
        conn.finish().await?;
        Ok(())
    }

    /// Lets go of the deliveries `owner` claimed and did not try (a server stopping).
    pub async fn release_deliveries(&self, owner: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET claimed_by = NULL, lease_until = NULL
              WHERE claimed_by = $1 AND state = 'pending'",
        )
        .bind(owner)
        .execute(&mut *conn)
        .await?;
        conn.finish().await?;
        Ok(())
    }

    /// A decision event's contents: the review log row, as it was written.
    pub async fn decision_event(&self, log_id: i64) -> Result<serde_json::Value> {
        type Row = (
            i64,
            i64,
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            i64,
            String,
            i64,
            Option<i64>,
            Option<i64>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, fact_id, document_id, action, reason, note, before, after, version,
                    actor, at, bulk_id, undoes
               FROM review_log WHERE id = $1",
        )
        .bind(log_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let (
            id,
            fact_id,
            document_id,
            action,
            reason,
            note,
            before,
            after,
            version,
            actor,
            at,
            bulk_id,
            undoes,
        ) = row.ok_or(StoreError::NotFound)?;
        let before: serde_json::Value = serde_json::from_str(&before).unwrap_or_default();
        let after: serde_json::Value = serde_json::from_str(&after).unwrap_or_default();
        Ok(serde_json::json!({
            "log_id": id,
            "fact_id": fact_id,
            "document_id": document_id,
            "action": action,
            "status": after["status"],
            "version": version,
            "reason": reason,
            "note": note,
            "before": before,
            "after": after,
            "actor": actor,
            "at": super::format_time(at),
            "bulk_id": bulk_id,
            "undoes": undoes,
        }))
    }

    /// What a document event says of the document besides its status: its name and
    /// metadata as they are now (null where the document is gone).
    pub async fn document_event(&self, document_id: i64) -> Result<serde_json::Value> {
        type Row = (
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            i64,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT d.file_name, d.sha256, d.title, d.region, d.year,
                    (SELECT COUNT(*) FROM facts f WHERE f.document_id = d.id)
               FROM documents d WHERE d.id = $1",
        )
        .bind(document_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(match row {
            Some((file_name, sha256, title, region, year, facts)) => serde_json::json!({
                "file_name": file_name,
                "sha256": sha256,
                "title": title,
                "region": region,
                "year": year,
                "facts": facts,
            }),
            None => serde_json::json!({
                "file_name": null, "sha256": null, "title": null, "region": null,
                "year": null, "facts": 0,
            }),
        })
    }
}
