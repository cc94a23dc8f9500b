//! What text the API accepts from a caller. Everything a person types and the service stores
//! or searches by — file names, notes, subjects, names, filters — is plain text: no control
//! characters (NUL above all: PostgreSQL refuses it, SQLite would keep it) and no bidi
//! controls (U+202A–U+202E, U+2066–U+2069), which make a name read differently from what
//! it is. Only a note may span lines, so only a note may hold tab, CR and LF.
//!
//! One check, [`plain_text`], and one layer, [`reject_unsafe_text`], that runs it over every
//! request's query string, its `X-Filename` header and every string of a JSON body before
//! any handler sees them; the upload handler runs it over a multipart file name itself.
//! A refusal is 422 with the field and the character in `details`.

use super::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// JSON fields that are free text over several lines.
const MULTI_LINE_FIELDS: &[&str] = &["note"];

/// A JSON body larger than this is left to the handler's own limit.
const MAX_INSPECTED_BODY: usize = 2 * 1024 * 1024;

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses `value` for `field` if it holds a control or bidi character; tab, CR and LF pass
/// when the field may span lines.
pub fn plain_text(field: &str, value: &str, multi_line: bool) -> Result<(), ApiError> {
    let bad = value.chars().find(|&c| {
        is_bidi_control(c) || (c.is_control() && !(multi_line && matches!(c, '\t' | '\n' | '\r')))
    });
    match bad {
        None => Ok(()),
        Some(c) => Err(ApiError::Validation {
            message: format!(
                "{field} holds the character U+{:04X}; control and text-direction characters \
                 are not accepted",
                c as u32
            ),
            details: json!({ "field": field, "character": format!("U+{:04X}", c as u32) }),
        }),
    }
}

/// Every string in a JSON value, keys included, named by the field that holds it.
fn check_json(field: &str, v: &Value) -> Result<(), ApiError> {
    match v {
        Value::String(s) => plain_text(field, s, MULTI_LINE_FIELDS.contains(&field)),
        Value::Array(items) => items.iter().try_for_each(|i| check_json(field, i)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            plain_text("a field name", k, false)?;
            check_json(k, v)
        }),
        _ => Ok(()),
    }
}

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The layer: checks the query string, `X-Filename` and a JSON body, then passes the
/// request on unchanged.
pub async fn reject_unsafe_text(req: Request, next: Next) -> Response {
    match checked(req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn checked(req: Request) -> Result<Request, ApiError> {
    if let Some(query) = req.uri().query() {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            plain_text("a query parameter name", &name, false)?;
            plain_text(&name, &value, false)?;
        }
    }
    if let Some(name) = req.headers().get("x-filename")
        && let Ok(name) = name.to_str()
    {
        plain_text("file_name", name, false)?;
    }
    if !is_json(&req) {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_INSPECTED_BODY)
        .await
        .map_err(|_| ApiError::PayloadTooLarge {
            limit: MAX_INSPECTED_BODY,
        })?;
    // Malformed JSON is the handler's to refuse, with its own message.
    if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
        check_json("body", &v)?;
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_refuses_controls_and_bidi() {
        assert!(plain_text("f", "秀洲区 2023年.txt", false).is_ok());
        assert!(plain_text("f", "a\u{0}b", false).is_err());
        assert!(plain_text("f", "a\u{7f}", false).is_err());
        assert!(plain_text("f", "a\u{85}", true).is_err());
        assert!(plain_text("f", "report\u{202E}txt.exe", false).is_err());
        assert!(plain_text("f", "\u{2066}x\u{2069}", true).is_err());
        assert!(plain_text("note", "第一行\r\n第二行\t完", true).is_ok());
        assert!(plain_text("subject", "第一行\n第二行", false).is_err());
        // Marks that only set a direction, not override it, stay.
        assert!(plain_text("f", "a\u{200F}b", false).is_ok());
    }

    #[test]
    fn json_fields_are_checked_by_name() {
        let ok = json!({"version": 1, "note": "a\nb", "filter": {"kind": "amount"}});
        assert!(check_json("body", &ok).is_ok());
        let nested = json!({"filter": {"subject": "a\u{0}"}});
        let e = check_json("body", &nested).unwrap_err();
        assert!(matches!(e, ApiError::Validation { details, .. } if details["field"] == "subject"));
        assert!(check_json("body", &json!({"subject": "a\nb"})).is_err());
        assert!(check_json("body", &json!({"a\u{0}": 1})).is_err());
    }
}
