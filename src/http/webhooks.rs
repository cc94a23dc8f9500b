//! `/api/webhooks`: an admin registers the URLs that hear of every decision and every
//! finished document, lists them with how their deliveries stand, reads a webhook's recent
//! deliveries and deletes one. The secret deliveries are signed with is in the answer to
//! the registration only; the sending itself is `crate::webhook`'s.

use super::AppState;
use super::auth::Auth;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Id};
use super::schema;
use crate::store::format_time;
use crate::store::webhooks::{DeliveryRow, WebhookRow};
use crate::webhook::{EventKind, EventSet, Secret, WebhookUrl};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list).post(create))
        .route("/webhooks/{id}", delete(remove))
        .route("/webhooks/{id}/deliveries", get(deliveries))
}

fn webhook_json(w: &WebhookRow) -> Value {
    json!({
        "id": w.id,
        "url": w.url,
        "events": w.events.names(),
        "created_at": format_time(w.created_at),
        "deliveries": {
            "pending": w.counts.pending,
            "delivered": w.counts.delivered,
            "failed": w.counts.failed,
            "last_delivered_at": w.counts.last_delivered_at.map(format_time),
            "last_error": w.counts.last_error,
        },
    })
}

fn delivery_json(d: &DeliveryRow) -> Value {
    json!({
        "id": d.id,
        "event": d.event,
        "subject": d.subject,
        "state": d.state,
        "attempts": d.attempts,
        "created_at": format_time(d.created_at),
        "next_attempt_at": (d.state == "pending").then(|| format_time(d.next_attempt_at)),
        "last_status": d.last_status,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at.map(format_time),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct CreateBody {
    /// Where events are POSTed: an http or https URL.
    url: String,
    /// The events to send: `decision`, `document` (both unless given).
    #[schema(value_type = Option<Vec<schema::WebhookEvent>>)]
    events: Option<Vec<String>>,
    /// The signing key, 16 to 256 visible ASCII characters; one is made when none is given.
    secret: Option<String>,
}

/// Register a webhook; the answer holds its secret, the only time it is shown.
#[utoipa::path(post, path = "/api/webhooks", operation_id = "createWebhook", tag = "webhooks", request_body = CreateBody,
    responses((status = 201, description = "the webhook and its secret", body = schema::NewWebhook),
              (status = 422, description = "not an http(s) URL, an unknown event, a secret too short", body = schema::Error)),
    security(("bearer" = [])))]
pub(super) async fn create(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    auth.require(&[])?;
    let url = WebhookUrl::parse(&b.url).map_err(ApiError::invalid)?;
    let events = match &b.events {
        None => EventSet::all(),
        Some(names) => {
            let kinds = names
                .iter()
                .map(|n| {
                    EventKind::parse(n).ok_or_else(|| {
                        ApiError::invalid(format!("unknown event {n:?}: decision or document"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            EventSet::new(&kinds).map_err(ApiError::invalid)?
        }
    };
    let secret = match &b.secret {
        Some(s) => Secret::parse(s).map_err(ApiError::invalid)?,
        None => Secret::generate(),
    };
    let hook = st
        .store
        .create_webhook(&url, &events, &secret, auth.0.id)
        .await?;
    let mut body = webhook_json(&hook);
    body["secret"] = json!(secret.expose());
    Ok((StatusCode::CREATED, Json(body)))
}

/// Every webhook with how its deliveries stand (never the secrets).
#[utoipa::path(get, path = "/api/webhooks", operation_id = "listWebhooks", tag = "webhooks",
    responses((status = 200, description = "every webhook", body = schema::WebhookList)),
    security(("bearer" = [])))]
pub(super) async fn list(State(st): State<AppState>, auth: Auth) -> Result<Json<Value>, ApiError> {
    auth.require(&[])?;
    let hooks = st.store.list_webhooks().await?;
    Ok(Json(
        json!({ "webhooks": hooks.iter().map(webhook_json).collect::<Vec<_>>() }),
    ))
}

/// Delete a webhook and its deliveries: nothing more is sent to it.
#[utoipa::path(delete, path = "/api/webhooks/{id}", operation_id = "deleteWebhook", tag = "webhooks",
    params(("id" = i64, Path, description = "webhook id")),
    responses((status = 204, description = "deleted")),
    security(("bearer" = [])))]
pub(super) async fn remove(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    auth.require(&[])?;
    st.store.delete_webhook(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DeliveriesQuery {
    /// Deliveries to list, newest first: 50 unless given, 1 to 500.
    limit: Option<i64>,
}

/// A webhook's recent deliveries, newest first: state, tries, the last error, the next try.
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "webhook id"), DeliveriesQuery),
    responses((status = 200, description = "its latest deliveries", body = schema::DeliveryList)),
    security(("bearer" = [])))]
pub(super) async fn deliveries(
    State(st): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> Result<Json<Value>, ApiError> {
    auth.require(&[])?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let rows = st.store.webhook_deliveries(id, limit).await?;
    Ok(Json(
        json!({ "deliveries": rows.iter().map(delivery_json).collect::<Vec<_>>() }),
    ))
}
