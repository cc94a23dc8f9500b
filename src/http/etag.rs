//! Entity tags on single resources (`GET /api/facts/{id}`, `GET /api/documents/{id}`): the tag
//! is a hash of the body as sent, so it changes exactly when the answer does — a decision, a
//! check counted again, a document's processing moving on — and a client that sends it back
//! in `If-None-Match` gets 304 with no body while nothing changed.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The strong tag of a body: the first 128 bits of its SHA-256, quoted.
pub fn tag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` header value names `tag` (or is `*`).
pub fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag))
}

/// `body` as JSON with its `ETag`, or 304 if the request already holds that tag.
pub fn respond(request_headers: &HeaderMap, body: Value) -> Response {
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let tag = tag_of(&bytes);
    let fresh = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches(v, &tag));
    let tag_header = HeaderValue::from_str(&tag).expect("hex in quotes is a header value");
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(body).into_response()
    };
    res.headers_mut().insert(header::ETAG, tag_header);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_matches_itself_in_a_list_weak_or_strong_and_star() {
        let t = tag_of(b"{}");
        assert!(t.starts_with('"') && t.ends_with('"') && t.len() == 34);
        assert!(matches(&t, &t));
        assert!(matches(&format!("\"x\", W/{t}"), &t));
        assert!(matches("*", &t));
        assert!(!matches("\"x\"", &t));
        assert_ne!(tag_of(b"{}"), tag_of(b"[]"));
    }
}
