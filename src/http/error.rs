//! The one error type of the API: every failure becomes `{"error": {"code", "message",
//! "details"}}` with a fitting status. Internal causes are logged, never sent.

use crate::store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    Forbidden,
    NotFound,
    /// The fact moved on: the client's version is stale.
    Conflict {
        current_version: i64,
    },
    /// The request is well-formed but its content is not acceptable.
    Validation {
        message: String,
        details: Value,
    },
    BadRequest(String),
    PayloadTooLarge {
        limit: usize,
    },
    /// The caller's token made too many requests; try again after this many seconds.
    RateLimited {
        retry_after: u64,
    },
    /// The database has no room for the write; nothing was saved.
    StorageFull,
    /// This process cannot serve now (`/api/ready`): the database does not answer or its
    /// schema is not the one this binary was built for. The reason is an operator's sentence.
    NotReady(String),
    /// A refusal the HTTP layer makes before any handler (405, 431 …), by its status.
    Http(StatusCode),
    Internal,
}

impl ApiError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Http(status) => *status,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Http(status) => match *status {
                StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
                StatusCode::NOT_FOUND => "not_found",
                StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                StatusCode::REQUEST_TIMEOUT => "timeout",
                StatusCode::TOO_MANY_REQUESTS => "rate_limited",
                s if s.is_server_error() => "internal",
                _ => "bad_request",
            },
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Conflict { .. } => "version_conflict",
            ApiError::Validation { .. } => "invalid",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::StorageFull => "storage_full",
            ApiError::NotReady(_) => "not_ready",
            ApiError::Internal => "internal",
        }
    }

    fn message_and_details(&self) -> (String, Value) {
        match self {
            ApiError::Unauthorized => (
                "send a token: Authorization: Bearer <token>".into(),
                Value::Null,
            ),
            ApiError::Forbidden => ("your role may not do this".into(), Value::Null),
            ApiError::NotFound => ("no such resource".into(), Value::Null),
            ApiError::Conflict { current_version } => (
                "the fact was changed since you read it; reload and decide again".into(),
                json!({ "current_version": current_version }),
            ),
            ApiError::Validation { message, details } => (message.clone(), details.clone()),
            ApiError::BadRequest(m) => (m.clone(), Value::Null),
            ApiError::PayloadTooLarge { limit } => (
                format!("the upload is larger than {limit} bytes"),
                json!({ "limit_bytes": limit }),
            ),
            ApiError::RateLimited { retry_after } => (
                format!("too many requests with this token; try again in {retry_after} s"),
                json!({ "retry_after": retry_after }),
            ),
            ApiError::StorageFull => (
                "the database has no room to store this; nothing was saved. Try again once \
                 space is freed"
                    .into(),
                Value::Null,
            ),
            ApiError::NotReady(reason) => (reason.clone(), Value::Null),
            ApiError::Http(status) => (
                match *status {
                    StatusCode::METHOD_NOT_ALLOWED => {
                        "this resource does not answer that method (cross-origin requests \
                         are not served)"
                            .into()
                    }
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                        "the request's headers are too large".into()
                    }
                    s => s
                        .canonical_reason()
                        .unwrap_or("request refused")
                        .to_lowercase(),
                },
                Value::Null,
            ),
            ApiError::Internal => ("internal error".into(), Value::Null),
        }
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::Validation {
            message: message.into(),
            details: Value::Null,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (message, details) = self.message_and_details();
        let body =
            json!({ "error": { "code": self.code(), "message": message, "details": details } });
        let mut res = (self.status_code(), Json(body)).into_response();
        if let ApiError::RateLimited { retry_after } = self {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict { current } => ApiError::Conflict {
                current_version: current,
            },
            StoreError::Invalid(m) => ApiError::invalid(m),
            e if e.is_storage_full() => {
                tracing::error!(error = %e, "database full");
                ApiError::StorageFull
            }
            e @ (StoreError::Db(_)
            | StoreError::Migrate(_)
            | StoreError::Schema(_)
            | StoreError::Closed) => {
                tracing::error!(error = %e, "database error");
                ApiError::Internal
            }
        }
    }
}
