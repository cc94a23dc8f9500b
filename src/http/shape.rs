//! What every response carries, whoever made it: errors in the API's one JSON shape, and
//! the security headers. Handlers answer errors through [`ApiError`] already; these layers
//! cover what the framework answers on its own before any handler runs — an unknown path, a
//! method a route does not take (a CORS preflight among them: no cross-origin access is
//! offered), a body over the limit — and refuse oversized headers themselves.

use super::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Headers beyond these are refused with 431 (hyper's own parser stops at 100 headers and
/// about 400 KB, with an empty body; these limits answer first, in the API's shape).
const MAX_HEADERS: usize = 64;
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// For JSON and files from the API: nothing may load or frame them.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/// For Swagger UI (`/api/docs`): its own scripts and styles only; it styles elements inline.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' \
    'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; frame-ancestors 'none'";

/// Refuses a request whose headers are too many or too large.
pub async fn limit_headers(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return ApiError::Http(axum::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
            .into_response();
    }
    next.run(req).await
}

/// Turns an error the framework answered with plain text or nothing into the JSON shape,
/// keeping its status and headers (`Allow` on a 405).
pub async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let json = ApiError::Http(status).into_response();
    let (json_parts, body) = json.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, body)
}

/// nosniff, no framing, no referrer, and a content security policy on every response that
/// has none of its own (the review page sets its own).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = if docs { DOCS_CSP } else { API_CSP };
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, csp),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    res
}
