//! Glyphs for files pdf-extract cannot read.
use super::glyphs::Page;
use crate::ingest::IngestError;
use pdf_extract::Document;

pub fn pages(_doc: &Document) -> Result<Vec<Page>, IngestError> {
    Err(IngestError::Malformed("todo".into()))
}
