//! The shapes of webhooks: a subscription, its deliveries and how they stand.

use super::Time;
use utoipa::ToSchema;

/// What a webhook may subscribe to: `decision` (a fact confirmed, corrected, rejected, or a
/// decision undone) and `document` (a document finished: done, failed or needs_ocr).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum WebhookEvent {
    Decision,
    Document,
}

/// How a webhook's deliveries stand.
#[derive(ToSchema)]
pub struct WebhookDeliveries {
    pending: i64,
    delivered: i64,
    /// Given up after the last try.
    failed: i64,
    #[schema(required = true)]
    last_delivered_at: Option<Time>,
    /// The error of the newest delivery tried, if its last try failed.
    #[schema(required = true)]
    last_error: Option<String>,
}

/// A registered webhook (its secret is shown once, on registration).
#[derive(ToSchema)]
pub struct Webhook {
    id: i64,
    url: String,
    events: Vec<WebhookEvent>,
    created_at: Time,
    deliveries: WebhookDeliveries,
}

/// A new webhook, with the secret its deliveries are signed with: shown this once.
#[derive(ToSchema)]
pub struct NewWebhook {
    #[serde(flatten)]
    webhook: Webhook,
    secret: String,
}

/// `GET /api/webhooks`.
#[derive(ToSchema)]
pub struct WebhookList {
    webhooks: Vec<Webhook>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

/// One event sent (or to send) to one webhook.
#[derive(ToSchema)]
pub struct Delivery {
    /// The event id, sent as `X-Jixiao-Event-Id` and as `id` in the body.
    id: i64,
    event: WebhookEvent,
    /// What it is about, `fact:12` or `document:3`; one subject's events go in order.
    subject: String,
    state: DeliveryState,
    /// Tries made so far.
    attempts: i64,
    created_at: Time,
    /// When it is tried next; null unless pending.
    #[schema(required = true)]
    next_attempt_at: Option<Time>,
    /// The HTTP status of the last try; null when no answer came.
    #[schema(required = true)]
    last_status: Option<i64>,
    #[schema(required = true)]
    last_error: Option<String>,
    #[schema(required = true)]
    delivered_at: Option<Time>,
}

/// `GET /api/webhooks/{id}/deliveries`.
#[derive(ToSchema)]
pub struct DeliveryList {
    deliveries: Vec<Delivery>,
}
