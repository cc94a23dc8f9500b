//! ZIP containers (DOCX, XLSX, ODS) opened with limits, so a zip bomb fails fast: the entry
//! count, the declared uncompressed size of all entries, and, because declared sizes lie, a
//! byte budget enforced while inflating. Also tells the kind of Office package from its entry
//! names, for the format sniffing in `ingest`.

use super::IngestError;
use std::io::{Cursor, Read, Seek};

/// More entries than any real Office document has; a bomb made of many small entries stops here.
pub const MAX_ENTRIES: usize = 10_000;
/// Upper bound on the declared uncompressed size of all entries together, and on what all
/// entries of a spreadsheet actually inflate to.
pub const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;

/// Error text a `LimitedReader` returns when its budget is spent, so callers can tell it apart.
pub const LIMIT_HIT: &str = "uncompressed size limit reached";

/// Opens a ZIP container and checks its entry count and declared sizes. `what` names the
/// format in messages ("DOCX", "XLSX").
pub fn open<'a>(
    bytes: &'a [u8],
    what: &str,
) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>, IngestError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| IngestError::Malformed(format!("not a readable ZIP container: {e}")))?;
    check_limits(&mut archive, what)?;
    Ok(archive)
}

fn check_limits<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    what: &str,
) -> Result<(), IngestError> {
    if archive.len() > MAX_ENTRIES {
        return Err(IngestError::Limit(format!(
            "the {what} holds {} ZIP entries; at most {MAX_ENTRIES} are accepted",
            archive.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let size = archive
            .by_index_raw(i)
            .map_err(|e| IngestError::Malformed(format!("broken ZIP entry {i}: {e}")))?
            .size();
        total = total.saturating_add(size);
        if total > MAX_UNCOMPRESSED {
            return Err(IngestError::Limit(format!(
                "the {what} unpacks to more than {MAX_UNCOMPRESSED} bytes"
            )));
        }
    }
    Ok(())
}

/// Inflates every entry once against one budget for all of them. Used where a library
/// (calamine) reads the parts itself and cannot be handed a `LimitedReader`: after this pass
/// no entry can inflate to more than its share, whatever its header declared.
pub fn check_inflated<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    what: &str,
) -> Result<(), IngestError> {
    let mut left = MAX_UNCOMPRESSED;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| IngestError::Malformed(format!("broken ZIP entry {i}: {e}")))?;
        let mut limited = LimitedReader { inner: entry, left };
        let n = std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| {
            if e.to_string().contains(LIMIT_HIT) {
                IngestError::Limit(format!(
                    "the {what} unpacks to more than {MAX_UNCOMPRESSED} bytes"
                ))
            } else {
                IngestError::Malformed(format!("ZIP entry {i} cannot be inflated: {e}"))
            }
        })?;
        left = left.saturating_sub(n);
    }
    Ok(())
}

/// Stops inflating at a byte budget, whatever the entry's header claims.
pub struct LimitedReader<R> {
    pub inner: R,
    pub left: u64,
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more than allowed tells a full budget from an exact fit.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(LIMIT_HIT)),
            };
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// What an Office ZIP package holds, from its entry names.
#[derive(Debug, PartialEq, Eq)]
pub enum Package {
    Docx,
    Xlsx,
    Ods,
    /// OFD (GB/T 33190): `OFD.xml` at the root.
    Ofd,
    /// Another package this reader names in its error.
    Other(&'static str),
}

/// Tells XLSX, ODS, OFD and DOCX apart. Anything unknown (or unreadable) goes to the DOCX reader,
/// which also finds a main part through the package relationships and says what is wrong.
pub fn package_kind(bytes: &[u8]) -> Package {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Package::Docx;
    };
    if archive.index_for_name("word/document.xml").is_some() {
        return Package::Docx;
    }
    if archive.index_for_name("OFD.xml").is_some() {
        return Package::Ofd;
    }
    if archive.index_for_name("xl/workbook.xml").is_some() {
        return Package::Xlsx;
    }
    if archive.index_for_name("xl/workbook.bin").is_some() {
        return Package::Other("XLSB workbook; save it as .xlsx");
    }
    if archive.index_for_name("content.xml").is_some() {
        let mut mime = String::new();
        if let Ok(entry) = archive.by_name("mimetype") {
            // The mimetype entry is one short line; more is not a mimetype.
            let _ = entry.take(256).read_to_string(&mut mime);
        }
        match mime.trim() {
            "application/vnd.oasis.opendocument.spreadsheet" => return Package::Ods,
            "application/vnd.oasis.opendocument.text" => {
                return Package::Other("OpenDocument text (.odt); save it as .docx or PDF");
            }
            _ => {}
        }
    }
    Package::Docx
}
