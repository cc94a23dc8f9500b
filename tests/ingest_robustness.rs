//! Uploads that are not readable reports must fail with a clear error, fast, without a panic:
//! a scan (needs OCR), a truncated PDF, an encrypted PDF, a PDF over the page limit, zip
//! bombs (too many entries, a document.xml that inflates past the limit), a legacy `.doc`, a
//! ZIP that is not a Word file, random bytes. Every file is generated here. Also: every number
//! of each report's `.txt` comes out of each of its PDFs unbroken, and the fallback reader is
//! marked low confidence.

use jixiao::ingest::{IngestError, ingest};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(samples().join(name)).unwrap()
}

/// Ingests and checks the call neither panics nor takes long.
fn ingest_timed(bytes: &[u8]) -> Result<jixiao::Ingested, IngestError> {
    let t = Instant::now();
    let r = std::panic::catch_unwind(|| ingest(bytes)).expect("ingest panicked");
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "took {:?}",
        t.elapsed()
    );
    r
}

/// A PDF from object bodies (numbered from 1), with a correct cross-reference table.
fn pdf(objects: &[String], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1).unwrap();
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for o in offsets {
        writeln!(out, "{o:010} 00000 n ").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    out
}

/// A one-page PDF showing `text` in Helvetica.
fn text_pdf(text: &str, trailer_extra: &str, extra_objects: &[String]) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    objects.extend_from_slice(extra_objects);
    pdf(&objects, trailer_extra)
}

#[test]
fn a_generated_pdf_is_read() {
    let doc = ingest_timed(&text_pdf("Budget 2021 total 14.62 million", "", &[])).unwrap();
    assert!(doc.text.contains("14.62"), "{:?}", doc.text);
}

#[test]
fn a_pdf_with_text_and_an_image_is_read_normally() {
    // A 2×2 grey image drawn before the text, as a letterhead logo would be.
    let stream =
        "q 100 0 0 50 72 760 cm /Im1 Do Q BT /F1 12 Tf 72 720 Td (Total 14.62 million) Tj ET";
    let objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        // Bytes that are not a content stream: an unbalanced string and a stray operator.
        "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length 12 >>\nstream\n((( ] Tj ) }\nendstream".to_string(),
    ];
    let doc = ingest_timed(&pdf(&objects, "")).unwrap();
    assert!(doc.text.contains("14.62"), "{:?}", doc.text);
    assert!(!doc.low_confidence);
}

#[test]
fn scanned_pdf_needs_ocr() {
    let err = ingest_timed(&read("scanned-000.pdf")).unwrap_err();
    assert_eq!(err, IngestError::NeedsOcr);
    assert!(err.to_string().contains("OCR"));
}

#[test]
fn truncated_pdf_is_a_clear_error() {
    for name in ["000_af58de54e7000d7e.pdf", "003_aa47c7ce85badae6-cid.pdf"] {
        let bytes = read(name);
        for cut in [bytes.len() / 3, bytes.len() * 2 / 3, bytes.len() - 200] {
            match ingest_timed(&bytes[..cut]) {
                Err(IngestError::Malformed(m)) => assert!(m.contains("PDF"), "{m}"),
                // lopdf can rebuild a damaged cross-reference table; then the readable pages
                // are read, which is fine as long as it is not a panic.
                Ok(doc) => assert!(!doc.text.is_empty()),
                Err(e) => panic!("{name} cut at {cut}: unexpected {e}"),
            }
        }
    }
    let err = ingest_timed(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog").unwrap_err();
    assert!(matches!(err, IngestError::Malformed(_)), "{err}");
}

#[test]
fn encrypted_pdf_is_a_clear_error() {
    let encrypt = format!(
        "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <{}> /U <{}> >>",
        "8f".repeat(32),
        "3c".repeat(32)
    );
    let bytes = text_pdf(
        "secret",
        "/Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]",
        &[encrypt],
    );
    let err = ingest_timed(&bytes).unwrap_err();
    assert!(
        err.to_string().contains("encrypted") || err.to_string().contains("password"),
        "{err}"
    );
}

#[test]
fn too_many_pages_is_a_clear_error() {
    let n = 1_001;
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n} >>",
            (0..n)
                .map(|i| format!("{} 0 R", i + 3))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ];
    for _ in 0..n {
        objects.push("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string());
    }
    let err = ingest_timed(&pdf(&objects, "")).unwrap_err();
    assert!(matches!(err, IngestError::Limit(_)), "{err}");
    assert!(err.to_string().contains("pages"), "{err}");
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, data) in entries {
        z.start_file(*name, options).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap();
    buf.into_inner()
}

#[test]
fn zip_bomb_by_size_is_a_clear_error() {
    let mut xml = b"<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>".to_vec();
    xml.resize(xml.len() + 65 * 1024 * 1024, b'a');
    let bytes = zip_of(&[("word/document.xml", &xml)]);
    drop(xml);
    assert!(
        bytes.len() < 1024 * 1024,
        "a bomb is small: {}",
        bytes.len()
    );
    let err = ingest_timed(&bytes).unwrap_err();
    assert!(matches!(err, IngestError::Limit(_)), "{err}");
}

#[test]
fn zip_bomb_by_entries_is_a_clear_error() {
    let names: Vec<String> = (0..10_001).map(|i| format!("x/{i}.xml")).collect();
    let mut entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    entries.push(("word/document.xml", b"<w:document/>"));
    let err = ingest_timed(&zip_of(&entries)).unwrap_err();
    assert!(matches!(err, IngestError::Limit(_)), "{err}");
    assert!(err.to_string().contains("entries"), "{err}");
}

#[test]
fn zip_that_is_not_word_is_unsupported() {
    let err = ingest_timed(&zip_of(&[("content.xml", b"<x/>")])).unwrap_err();
    assert!(matches!(err, IngestError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("DOCX"), "{err}");
}

#[test]
fn docx_main_part_is_found_through_the_package_relationships() {
    let rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/main.xml"/></Relationships>"#;
    let body = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>涉及资金1.80亿元</w:t></w:r></w:p></w:body></w:document>"#;
    let doc = ingest_timed(&zip_of(&[
        ("_rels/.rels", rels),
        ("word/main.xml", body.as_bytes()),
    ]))
    .unwrap();
    assert_eq!(doc.text, "涉及资金1.80亿元");
}

#[test]
fn broken_docx_xml_is_malformed() {
    let err = ingest_timed(&zip_of(&[(
        "word/document.xml",
        b"<w:document><w:body></w:p>",
    )]))
    .unwrap_err();
    assert!(matches!(err, IngestError::Malformed(_)), "{err}");
}

#[test]
fn legacy_doc_is_unsupported_with_a_hint() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(4096, 0);
    let err = ingest_timed(&bytes).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, IngestError::Unsupported { .. }), "{msg}");
    assert!(
        msg.contains(".doc") && msg.contains("DOCX") && msg.contains("PDF"),
        "{msg}"
    );
}

#[test]
fn random_bytes_are_a_clear_error() {
    // A small linear congruential generator: the same bytes on every run.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut bytes = Vec::with_capacity(65_536);
    for _ in 0..65_536 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        bytes.push((x >> 56) as u8);
    }
    let err = ingest_timed(&bytes).unwrap_err();
    assert!(matches!(err, IngestError::NotText(_)), "{err}");
    // The same garbage behind a PDF or ZIP header.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(&bytes);
    assert!(matches!(
        ingest_timed(&pdf).unwrap_err(),
        IngestError::Malformed(_)
    ));
    let mut z = b"PK\x03\x04".to_vec();
    z.extend_from_slice(&bytes);
    assert!(matches!(
        ingest_timed(&z).unwrap_err(),
        IngestError::Malformed(_)
    ));
}

#[test]
fn numbers_come_out_of_every_pdf_unbroken() {
    let number = regex::Regex::new(r"\d+(?:\.\d+)?").unwrap();
    let mut failures = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(samples())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pdf") && !n.starts_with("scanned"))
        .collect();
    names.sort();
    assert!(names.len() >= 8);
    for name in names {
        let txt = String::from_utf8(read(&format!("{}.txt", &name[..20]))).unwrap();
        let doc = ingest_timed(&read(&name)).unwrap();
        let numbers: Vec<&str> = number.find_iter(&txt).map(|m| m.as_str()).collect();
        let missing: Vec<&str> = numbers
            .iter()
            .copied()
            .filter(|n| !doc.text.contains(n))
            .collect();
        println!(
            "{name:40} {} numbers, {} not found unbroken",
            numbers.len(),
            missing.len()
        );
        if !missing.is_empty() {
            println!("    {missing:?}");
            failures.push(name);
        }
    }
    assert!(failures.is_empty(), "numbers broken in {failures:?}");
}

#[test]
fn fallback_reader_is_low_confidence() {
    let doc = ingest_timed(&read("004_354e2257854ed30b-unigb.pdf")).unwrap();
    assert!(doc.low_confidence);
    assert!(doc.text.contains("海林市"));
    let doc = ingest_timed(&read("004_354e2257854ed30b.pdf")).unwrap();
    assert!(!doc.low_confidence);
}

fn text_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(samples())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| (n.ends_with(".pdf") || n.ends_with(".docx")) && !n.starts_with("scanned"))
        .collect();
    names.sort();
    names
}

#[test]
fn block_offsets_point_into_the_text() {
    use jixiao::ingest::Block;
    for name in text_files() {
        let doc = ingest_timed(&read(&name)).unwrap();
        let chars: Vec<char> = doc.text.chars().collect();
        let mut tables = 0;
        for b in &doc.blocks {
            match b {
                Block::Paragraph { start, end, .. } => {
                    assert!(
                        start <= end && *end <= chars.len(),
                        "{name}: {start}..{end}"
                    );
                }
                Block::Table { table, provenance } => {
                    tables += 1;
                    assert_eq!(table.rows.len(), provenance.len(), "{name}");
                    for (row, provs) in table.rows.iter().zip(provenance) {
                        assert_eq!(row.len(), provs.len(), "{name}");
                        for c in row {
                            let slice: String = chars[c.start..c.end].iter().collect();
                            assert_eq!(slice, c.text, "{name}");
                        }
                    }
                }
            }
        }
        let want_tables = if name.starts_with("002") && !name.ends_with("002_c76de0c36188412a.docx")
        {
            2
        } else {
            0
        };
        assert_eq!(tables, want_tables, "{name}: tables");
    }
}

#[test]
fn every_fact_has_provenance_of_its_format() {
    use jixiao::ingest::Provenance;
    for name in text_files() {
        let bytes = read(&name);
        let e = jixiao::extract_bytes(&bytes).unwrap();
        assert!(!e.facts.is_empty(), "{name}");
        for f in &e.facts {
            match (&f.provenance, name.ends_with(".pdf")) {
                (
                    Some(Provenance::PdfPage {
                        page,
                        bbox: Some(b),
                    }),
                    true,
                ) => {
                    assert!(*page >= 1 && b[0] <= b[2] && b[1] <= b[3], "{name}: {b:?}");
                }
                (Some(Provenance::DocxParagraph { .. } | Provenance::DocxCell { .. }), false) => {}
                (p, _) => panic!("{name}: fact {:?} has provenance {p:?}", f.text),
            }
        }
        // Row facts of the ruled tables sit on the table pages (8–14) of the PDF.
        if name == "002_c76de0c36188412a-table.pdf" {
            for f in e.facts.iter().filter(|f| f.row.is_some()) {
                let Some(Provenance::PdfPage { page, .. }) = f.provenance else {
                    unreachable!()
                };
                assert!(
                    (8..=14).contains(&page),
                    "row fact {:?} on page {page}",
                    f.text
                );
            }
        }
    }
}

#[test]
fn odd_pdfs_give_an_answer_not_a_panic() {
    let catalog = "<< /Type /Catalog /Pages 2 0 R >>".to_string();
    // A page tree that contains itself.
    let cyclic = pdf(
        &[
            catalog.clone(),
            "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".into(),
        ],
        "",
    );
    // Content that is not a content stream; a page without a MediaBox.
    let garbage = "BT /F1 12 Tf ((((( Tj ] ] >> << ET q q Q Q Q Q 1 0 0 cm cm /X Do";
    let broken = pdf(
        &[
            catalog.clone(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".into(),
            format!("<< /Length {} >>\nstream\n{garbage}\nendstream", garbage.len()),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
        ],
        "",
    );
    for bytes in [cyclic, broken] {
        match ingest_timed(&bytes) {
            Ok(_) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn repeated_table_headers_and_page_numbers_are_dropped() {
    let footer = regex::Regex::new(r"—\s*\d+\s*—").unwrap();
    for name in ["002_c76de0c36188412a-table.pdf", "002_c76de0c36188412a.pdf"] {
        let doc = ingest_timed(&read(name)).unwrap();
        assert_eq!(doc.text.matches("序号").count(), 2, "{name}");
    }
    for name in [
        "002_c76de0c36188412a-table.pdf",
        "003_aa47c7ce85badae6-cid.pdf",
        "004_354e2257854ed30b-unigb.pdf",
    ] {
        let doc = ingest_timed(&read(name)).unwrap();
        assert!(!footer.is_match(&doc.text), "{name}: a page number is left");
    }
}
