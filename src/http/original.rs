//! `/api/documents/{id}/original`: the file as it was uploaded, so the review page can show a
//! PDF's or a scan's page beside the facts read from it, and a client can keep the source of
//! what it exports. Its media type is told from the bytes (as ingestion tells the format), its
//! name is the uploader's own.

use super::AppState;
use super::auth::Auth;
use super::documents::uploads_seen_by;
use super::error::ApiError;
use super::extract::Id;
use super::schema;
use crate::store::Role;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/documents/{id}/original", get(original))
}

/// The bytes of an upload, with the media type they are and the file name they were uploaded
/// under (`filename*` in UTF-8 for a Chinese name, RFC 5987; an ASCII `filename` beside it).
/// An uploader gets only their own documents, under the name they gave.
#[utoipa::path(get, path = "/api/documents/{id}/original", operation_id = "getDocumentOriginal",
    tag = "documents",
    params(("id" = i64, Path, description = "document id")),
    responses(
        (status = 200, description = "the uploaded file; `Content-Disposition` carries its name",
            headers(("Content-Disposition" = String, description = "`attachment` with the upload's file name")),
            content(
                (Vec<u8> = "application/pdf"),
                (Vec<u8> = "image/png"),
                (Vec<u8> = "image/jpeg"),
                (Vec<u8> = "image/tiff"),
                (String = "text/plain"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (Vec<u8> = "application/vnd.oasis.opendocument.spreadsheet"),
                (Vec<u8> = "application/vnd.ms-excel"),
                (Vec<u8> = "application/msword"),
                (Vec<u8> = "application/ofd"),
                (Vec<u8> = "application/octet-stream"),
            )),
        (status = 404, description = "no such document (or not yours)", body = schema::Error),
    ),
    security(("bearer" = [])))]
pub(super) async fn original(
    axum::extract::State(st): axum::extract::State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Uploader, Role::Assessor, Role::Reader])?;
    let doc = st
        .store
        .document_seen_by(id, uploads_seen_by(&auth))
        .await?;
    let bytes = st.store.document_content(id).await?;
    let media = media_type(&bytes, doc.format.as_deref(), doc.encoding.as_deref());
    let name = doc
        .file_name
        .clone()
        .unwrap_or_else(|| format!("document-{id}{}", media.extension));
    let fallback = ascii_name(&name, id, media.extension);
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&media.content_type()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&super::sheet::attachment(&name, &fallback)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // Uploads are anyone's bytes: never a page of this origin, and the browser keeps no copy
    // of a report a shared computer's next user could find.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// A media type and the file extension that goes with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Media {
    pub mime: &'static str,
    pub charset: Option<&'static str>,
    pub extension: &'static str,
}

const fn media(mime: &'static str, extension: &'static str) -> Media {
    Media {
        mime,
        charset: None,
        extension,
    }
}

impl Media {
    fn content_type(&self) -> String {
        match self.charset {
            Some(c) => format!("{}; charset={c}", self.mime),
            None => self.mime.to_string(),
        }
    }
}

/// What the bytes are. Images and PDFs are told from their magic numbers (ingestion reads
/// them by the same); the packages and OLE files by the format ingestion recorded, since the
/// magic number of a zip or an OLE file does not say which; text in the encoding it was
/// decoded from.
pub(super) fn media_type(bytes: &[u8], format: Option<&str>, encoding: Option<&str>) -> Media {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return media("application/pdf", ".pdf");
    }
    if bytes.starts_with(b"\x89PNG") {
        return media("image/png", ".png");
    }
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        return media("image/jpeg", ".jpg");
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return media("image/tiff", ".tif");
    }
    match (format, encoding) {
        // The charset it was decoded from, by its WHATWG name (UTF-8, GBK, UTF-16LE …).
        (Some("txt"), e) => Media {
            mime: "text/plain",
            charset: e
                .and_then(|e| encoding_rs::Encoding::for_label(e.as_bytes()))
                .map(|e| e.name())
                .or(Some("UTF-8")),
            extension: ".txt",
        },
        (Some("docx"), _) => media(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
        (Some("xlsx"), _) => media(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
        ),
        (Some("ods"), _) => media("application/vnd.oasis.opendocument.spreadsheet", ".ods"),
        (Some("xls"), _) => media("application/vnd.ms-excel", ".xls"),
        (Some("doc"), _) => media("application/msword", ".doc"),
        (Some("ofd"), _) => media("application/ofd", ".ofd"),
        _ => media("application/octet-stream", ""),
    }
}

/// The name for clients that read only `filename`: the upload's name where it is plain ASCII,
/// else `document-{id}` with the extension.
fn ascii_name(name: &str, id: i64, extension: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ');
    if plain && !name.is_empty() {
        name.to_string()
    } else {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| {
                !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric())
            })
            .map(|e| format!(".{e}"))
            .unwrap_or_else(|| extension.to_string());
        format!("document-{id}{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_from_bytes_and_format() {
        assert_eq!(
            media_type(b"%PDF-1.7 x", None, None).mime,
            "application/pdf"
        );
        assert_eq!(
            media_type(b"\x89PNG\r\n", Some("image"), None).mime,
            "image/png"
        );
        assert_eq!(
            media_type(b"\xFF\xD8\xFF\xE0", Some("image"), None).mime,
            "image/jpeg"
        );
        assert_eq!(
            media_type("预算".as_bytes(), Some("txt"), Some("UTF-8")).content_type(),
            "text/plain; charset=UTF-8"
        );
        assert_eq!(
            media_type(b"\xd4\xa4", Some("txt"), Some("GBK")).content_type(),
            "text/plain; charset=GBK"
        );
        assert_eq!(
            media_type(b"PK\x03\x04", Some("docx"), None).extension,
            ".docx"
        );
        assert_eq!(
            media_type(b"??", None, None).mime,
            "application/octet-stream"
        );
    }

    #[test]
    fn ascii_fallback_names() {
        assert_eq!(ascii_name("report 2022.pdf", 3, ".pdf"), "report 2022.pdf");
        assert_eq!(ascii_name("相山区绩效.pdf", 3, ".pdf"), "document-3.pdf");
        assert_eq!(ascii_name("a\"b", 4, ".txt"), "document-4.txt");
    }
}
