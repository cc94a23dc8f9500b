//! Sending the outbox: a background task of `serve` claims due deliveries under a lease,
//! POSTs each event signed to its webhook with a time limit, and records the outcome — the
//! next try after a back-off, or given up after the last one. Leases keep two servers on
//! one PostgreSQL from sending one event at once; a server that stops finishes the tries in
//! hand first, and one that dies lets its claims run out for another to take. Delivery is
//! at least once: a server killed between a receiver's answer and its record sends that
//! event again, with the same event id.

use super::{EVENT_HEADER, EVENT_ID_HEADER, RetryPolicy, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::store::webhooks::{Attempt, Claimed};
use crate::store::{Store, format_time, now_ms};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How deliveries are sent.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryOptions {
    /// How often an idle sender looks for due deliveries.
    pub poll: Duration,
    /// The limit on one HTTP call, connecting included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Deliveries claimed (and sent concurrently) at a time.
    pub batch: i64,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            poll: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            batch: 32,
        }
    }
}

impl DeliveryOptions {
    /// How long a claim holds: well past the time limit of the call, so a live sender never
    /// loses a delivery it is still sending.
    fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(10)
    }
}

/// The running sender; [`Dispatcher::stop`] (or dropping it) ends it after the tries in hand.
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Dispatcher {
    /// Starts sending as `owner` (a name unique to this process, as for workers).
    pub fn start(store: Store, owner: String, options: DeliveryOptions) -> Dispatcher {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(store, owner, options, stopped));
        Dispatcher {
            stop,
            task: Some(task),
        }
    }

    /// Stops taking deliveries and returns once the tries in hand are recorded.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The sender's loop, until `stop` turns true (or its sender is gone).
pub async fn run(
    store: Store,
    owner: String,
    options: DeliveryOptions,
    mut stop: watch::Receiver<bool>,
) {
    let client = match reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        // A receiver answers where it stands; a redirect is an answer that failed.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("jixiao-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhooks: no HTTP client; nothing will be delivered");
            return;
        }
    };
    let lease_ms = options.lease().as_millis() as i64;
    loop {
        if *stop.borrow() {
            break;
        }
        let claimed = match store
            .claim_deliveries(&owner, lease_ms, options.batch)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks: claiming deliveries failed");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(options.poll) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
            continue;
        }
        let mut tries = JoinSet::new();
        for delivery in claimed {
            tries.spawn(attempt(
                store.clone(),
                client.clone(),
                owner.clone(),
                options.retry,
                delivery,
            ));
        }
        while tries.join_next().await.is_some() {}
    }
    if let Err(e) = store.release_deliveries(&owner).await {
        tracing::warn!(error = %e, "webhooks: claims not released; they run out by themselves");
    }
}

/// One try of one delivery, recorded.
async fn attempt(
    store: Store,
    client: reqwest::Client,
    owner: String,
    retry: RetryPolicy,
    delivery: Claimed,
) {
    let payload = match payload(&store, &delivery).await {
        Ok(p) => p,
        Err(e) => {
            // Left claimed: tried again when the lease runs out.
            tracing::warn!(error = %e, delivery = delivery.id, "webhooks: event not readable");
            return;
        }
    };
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let timestamp = now_ms() / 1000;
    let signature = delivery.secret.sign(timestamp, &body);
    let sent = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_ID_HEADER, delivery.id.to_string())
        .header(EVENT_HEADER, delivery.event.as_str())
        .body(body)
        .send()
        .await;
    let tries = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
    let failed = |status: Option<u16>, error: String| Attempt::Failed {
        status,
        error,
        retry_at: retry
            .after_failure(tries)
            .map(|wait| now_ms() + wait.as_millis() as i64),
    };
    let outcome = match sent {
        Ok(r) if r.status().is_success() => Attempt::Delivered {
            status: r.status().as_u16(),
        },
        Ok(r) => failed(Some(r.status().as_u16()), format!("HTTP {}", r.status())),
        Err(e) => failed(None, describe(e)),
    };
    if let Attempt::Failed {
        error, retry_at, ..
    } = &outcome
    {
        tracing::info!(
            delivery = delivery.id,
            tries,
            error,
            given_up = retry_at.is_none(),
            "webhooks: delivery failed"
        );
    }
    if let Err(e) = store.record_attempt(delivery.id, &owner, &outcome).await {
        tracing::warn!(error = %e, delivery = delivery.id, "webhooks: outcome not recorded; the delivery will be sent again");
    }
}

/// A failed call in a line: what went wrong, without the URL (the admin knows it).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(&e);
    let mut text = what;
    while let Some(s) = source {
        text += &format!(": {s}");
        source = s.source();
    }
    text.chars().take(500).collect()
}

/// The JSON sent for a delivery (README, "Webhooks").
async fn payload(store: &Store, d: &Claimed) -> crate::store::Result<Value> {
    let mut event = json!({
        "id": d.id,
        "type": d.event,
        "created_at": format_time(d.created_at),
    });
    match (d.event.as_str(), d.log_id) {
        ("decision", Some(log_id)) => event["decision"] = store.decision_event(log_id).await?,
        _ => {
            let mut document = json!({
                "id": d.document_id,
                "status": d.doc_status,
                "error": d.doc_error,
            });
            let now = store.document_event(d.document_id).await?;
            for (k, v) in now.as_object().into_iter().flatten() {
                document[k] = v.clone();
            }
            event["document"] = document;
        }
    }
    Ok(event)
}
