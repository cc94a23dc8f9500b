//! Legacy Word files through LibreOffice: a sample DOCX saved as .doc by LibreOffice itself
//! must give the facts of the DOCX. Skipped, with the reason printed, where LibreOffice
//! (`soffice`) is not installed; there the .doc is refused with a message naming the package.

use jixiao::ingest::{Format, ingest};
use jixiao::{Extraction, Extractor, IngestError};
use std::process::Command;

fn key(e: &Extraction) -> Vec<String> {
    let mut k: Vec<String> = e
        .facts
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {:?}",
                f.kind.as_str(),
                f.value.display(),
                f.subject,
                f.row
            )
        })
        .collect();
    k.sort();
    k
}

#[test]
fn doc_gives_the_facts_of_its_docx() {
    let dir = tempfile::tempdir().unwrap();
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let name = "000_af58de54e7000d7e";
    let converted = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}/profile",
            dir.path().display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "doc",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(samples.join(format!("{name}.docx")))
        .output();
    let Ok(out) = converted else {
        eprintln!("skipped: LibreOffice (soffice) is not installed");
        return;
    };
    assert!(out.status.success(), "{out:?}");
    let doc_bytes = std::fs::read(dir.path().join(format!("{name}.doc"))).unwrap();
    let extractor = Extractor::shared();
    let doc = match ingest(&doc_bytes) {
        Ok(doc) => doc,
        Err(e @ IngestError::Unsupported { .. }) => panic!("soffice is installed: {e}"),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(doc.format, Format::Doc);
    let docx = ingest(&std::fs::read(samples.join(format!("{name}.docx"))).unwrap()).unwrap();
    let want = key(&jixiao::analyze(&extractor, &docx));
    assert!(want.len() > 10);
    assert_eq!(key(&jixiao::analyze(&extractor, &doc)), want);
}
