//! Legacy Word `.doc` and Kingsoft WPS `.wps` files (OLE containers with a `WordDocument`
//! stream): converted to DOCX by LibreOffice headless (`soffice --convert-to docx`) in a
//! private temporary folder with its own throw-away profile, under a time limit after which
//! the converter and its children are killed, then read by the DOCX reader. Without
//! LibreOffice installed the error says what to install.

use super::{Format, IngestError, Ingested};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Time a conversion may take.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

fn not_installed() -> IngestError {
    IngestError::Unsupported {
        found: "legacy Word .doc / WPS .wps file; install LibreOffice (Debian: apt-get install \
                libreoffice-writer-nogui) to read it here, or save it as .docx or PDF"
            .into(),
    }
}

/// The LibreOffice command, when installed: `JIXIAO_SOFFICE` or `soffice` on the PATH.
fn soffice() -> Option<String> {
    let command = std::env::var("JIXIAO_SOFFICE").unwrap_or_else(|_| "soffice".into());
    let found = if command.contains('/') {
        std::path::Path::new(&command).exists()
    } else {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join(&command).exists())
        })
    };
    found.then_some(command)
}

/// Converts and reads a `.doc` or `.wps`, within `limit`.
pub fn ingest_doc(bytes: &[u8], limit: Duration) -> Result<Ingested, IngestError> {
    let command = soffice().ok_or_else(not_installed)?;
    let dir = super::ocr::TempDir::new().map_err(IngestError::Malformed)?;
    let input = dir.0.join("upload.doc");
    std::fs::write(&input, bytes).map_err(|e| IngestError::Malformed(e.to_string()))?;
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.0.display());
    let mut child = Command::new(&command)
        .arg(profile)
        .args(["--headless", "--norestore", "--nolockcheck", "--nodefault"])
        .args(["--convert-to", "docx", "--outdir"])
        .arg(&dir.0)
        .arg(&input)
        .env("HOME", &dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so that the whole of LibreOffice (a launcher and
        // soffice.bin) is killed at the time limit.
        .process_group(0)
        .spawn()
        .map_err(|e| IngestError::Malformed(format!("LibreOffice could not start: {e}")))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                // SAFETY: kill(2) on the process group this child leads; no memory involved.
                unsafe {
                    libc::kill(-(child.id() as i32), libc::SIGKILL);
                }
                let _ = child.wait();
                return Err(IngestError::Limit(format!(
                    "converting the .doc took longer than {} s",
                    limit.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(IngestError::Malformed(format!("LibreOffice: {e}"))),
        }
    };
    let output = dir.0.join("upload.docx");
    let docx = std::fs::read(&output).map_err(|_| {
        IngestError::Malformed(format!(
            "LibreOffice could not convert the file (exit status {status}); it may be damaged"
        ))
    })?;
    let mut doc = super::docx::ingest_docx(&docx)?;
    doc.format = Format::Doc;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::sheet::{OleKind, ole_kind};

    #[test]
    fn without_libreoffice_the_error_names_the_package() {
        let m = not_installed().to_string();
        assert!(
            m.contains("libreoffice-writer-nogui") && m.contains(".docx"),
            "{m}"
        );
    }

    /// An OLE file with a WordDocument stream is a .doc (or .wps), not an XLS.
    #[test]
    fn word_stream_is_a_doc() {
        let mut cf = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        cf.create_stream("/WordDocument").unwrap();
        let bytes = cf.into_inner().into_inner();
        assert!(matches!(ole_kind(&bytes), OleKind::Doc));
    }
}
