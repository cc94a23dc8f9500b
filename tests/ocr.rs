//! OCR end to end: pages rendered from a sample PDF by `pdftoppm` (upright at 150 and 300 dpi,
//! turned 90°, skewed 3°, JPEG-compressed) and the scan of sample 000 must give the
//! facts the text layer gives. Skipped, with the reason printed, where tesseract with its
//! Chinese model or pdftoppm is not installed.

#[path = "ocr/form_image.rs"]
mod form_image;

use jixiao::ingest::ocr::OcrRun;
use jixiao::ingest::{Block, Format, IngestError, Provenance, ingest_with};
use jixiao::{Deadline, Extractor, Ingested};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLE: &str = "000_af58de54e7000d7e.pdf";

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn engine() -> Option<OcrRun> {
    let run = OcrRun::installed();
    if run.is_none() {
        eprintln!("skipped: tesseract with chi_sim is not installed");
        return None;
    }
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        eprintln!("skipped: pdftoppm (poppler-utils) is not installed");
        return None;
    }
    // These tests are about what is read, not how fast: on a machine busy with other work a
    // turned page's two passes can outlast the service's per-page limit.
    run.map(|mut run| {
        run.page_limit = run.document_limit;
        run
    })
}

/// Page 1 of the sample PDF as a grey image at `dpi`.
fn render(dpi: u32) -> image::GrayImage {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
        ])
        .arg(samples().join(SAMPLE))
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    image::open(out.with_extension("png")).unwrap().to_luma8()
}

fn png(img: &image::GrayImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    bytes
}

fn jpeg(img: &image::GrayImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    img.write_with_encoder(enc).unwrap();
    bytes
}

/// The image turned by `degrees` about its centre (bilinear), white where nothing was.
fn skewed(img: &image::GrayImage, degrees: f64) -> image::GrayImage {
    let (w, h) = img.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    image::GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f64 - cx, y as f64 - cy);
        let sx = cx + dx * cos + dy * sin;
        let sy = cy - dx * sin + dy * cos;
        let (x0, y0) = (sx.floor(), sy.floor());
        let px = |x: f64, y: f64| {
            if x < 0.0 || y < 0.0 || x >= w as f64 || y >= h as f64 {
                255.0
            } else {
                img.get_pixel(x as u32, y as u32)[0] as f64
            }
        };
        let (fx, fy) = (sx - x0, sy - y0);
        let v = px(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + px(x0 + 1.0, y0) * fx * (1.0 - fy)
            + px(x0, y0 + 1.0) * (1.0 - fx) * fy
            + px(x0 + 1.0, y0 + 1.0) * fx * fy;
        image::Luma([v.round() as u8])
    })
}

/// Facts as (kind, value), the part OCR must get exactly right.
fn facts(doc: &Ingested) -> BTreeSet<String> {
    jixiao::analyze(&Extractor::shared(), doc)
        .facts
        .iter()
        .map(|f| format!("{} {}", f.kind.as_str(), f.value.display()))
        .collect()
}

/// Facts of the sample's text layer on page 1.
fn page_one_facts() -> BTreeSet<String> {
    let bytes = std::fs::read(samples().join(SAMPLE)).unwrap();
    let doc = jixiao::ingest::ingest(&bytes).unwrap();
    let extraction = jixiao::analyze(&Extractor::shared(), &doc);
    extraction
        .facts
        .iter()
        .filter(|f| matches!(f.provenance, Some(Provenance::PdfPage { page: 1, .. })))
        .map(|f| format!("{} {}", f.kind.as_str(), f.value.display()))
        .collect()
}

fn f1(got: &BTreeSet<String>, want: &BTreeSet<String>) -> f64 {
    let hit = got.intersection(want).count() as f64;
    if got.is_empty() || want.is_empty() {
        return 0.0;
    }
    let (p, r) = (hit / got.len() as f64, hit / want.len() as f64);
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn read_image(bytes: &[u8], run: &OcrRun) -> Ingested {
    let doc = ingest_with(bytes, &Deadline::none(), Some(run)).unwrap();
    assert_eq!(doc.format, Format::Image);
    let info = doc.ocr.as_ref().expect("recorded as OCR'd");
    assert!(info.engine.starts_with("tesseract"), "{info:?}");
    doc
}

fn assert_reads(name: &str, bytes: &[u8], run: &OcrRun, want: &BTreeSet<String>) {
    let got = facts(&read_image(bytes, run));
    let score = f1(&got, want);
    assert!(
        score >= 0.9,
        "{name}: F1 {score:.2}\nmissing {:?}\nextra {:?}",
        want.difference(&got).collect::<Vec<_>>(),
        got.difference(want).collect::<Vec<_>>()
    );
}

#[test]
fn rendered_pages_give_their_facts() {
    let Some(run) = engine() else { return };
    let want = page_one_facts();
    assert!(want.len() >= 5, "{want:?}");
    let page150 = render(150);
    assert_reads("150 dpi PNG", &png(&page150), &run, &want);
    assert_reads("300 dpi JPEG", &jpeg(&render(300), 60), &run, &want);
    assert_reads(
        "turned 90°",
        &png(&image::imageops::rotate90(&page150)),
        &run,
        &want,
    );
    assert_reads(
        "upside down",
        &jpeg(&image::imageops::rotate180(&page150), 75),
        &run,
        &want,
    );
    assert_reads("skewed 3°", &jpeg(&skewed(&page150, 3.0), 80), &run, &want);
}

/// Every fact of an OCR'd image points at its page, a box and a confidence.
#[test]
fn ocr_provenance_has_page_box_and_confidence() {
    let Some(run) = engine() else { return };
    let doc = read_image(&png(&render(150)), &run);
    let extraction = jixiao::analyze(&Extractor::shared(), &doc);
    assert!(!extraction.facts.is_empty());
    for f in &extraction.facts {
        match &f.provenance {
            Some(Provenance::OcrPage {
                page: 1,
                bbox: Some(b),
                confidence,
            }) => {
                assert!(b[0] < b[2] && b[1] < b[3], "{b:?}");
                assert!((0.0..=1.0).contains(confidence) && *confidence > 0.5);
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The scan of sample 000 (two JPEG pages, no text layer) reads like its text layer: the facts of
/// the TXT of the same report, nearly all.
#[test]
fn scanned_pdf_is_read_by_ocr() {
    let Some(run) = engine() else { return };
    let bytes = std::fs::read(samples().join("scanned-000.pdf")).unwrap();
    // Without OCR it is what it was: a scan that needs OCR.
    assert_eq!(
        jixiao::ingest::ingest(&bytes).unwrap_err(),
        IngestError::NeedsOcr
    );
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let run = run.with_progress(std::sync::Arc::new(move |done, total| {
        log.lock().unwrap().push((done, total))
    }));
    let doc = ingest_with(&bytes, &Deadline::none(), Some(&run)).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![(0, 2), (1, 2), (2, 2)]);
    assert_eq!(doc.ocr.as_ref().map(|o| o.pages), Some(2));
    let txt = std::fs::read_to_string(samples().join("000_af58de54e7000d7e.txt")).unwrap();
    let want: BTreeSet<String> = jixiao::analyze_text(&Extractor::shared(), &txt)
        .facts
        .iter()
        .map(|f| format!("{} {}", f.kind.as_str(), f.value.display()))
        .collect();
    let got = facts(&doc);
    let score = f1(&got, &want);
    assert!(
        score >= 0.9,
        "F1 {score:.2}\nmissing {:?}\nextra {:?}",
        want.difference(&got).collect::<Vec<_>>(),
        got.difference(&want).collect::<Vec<_>>()
    );
}

/// An OFD whose page is a scanned image (found through its DocumentRes.xml) goes to OCR.
#[test]
fn ofd_of_a_scanned_page_is_read_by_ocr() {
    use std::io::Write;
    let Some(run) = engine() else { return };
    let image = jpeg(&render(150), 85);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let ns = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;
    let mut part = |name: &str, body: &[u8]| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body).unwrap();
    };
    part(
        "OFD.xml",
        format!(r#"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>/Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#).as_bytes(),
    );
    part(
        "Doc_0/Document.xml",
        format!(r#"<ofd:Document {ns}><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>"#).as_bytes(),
    );
    part(
        "Doc_0/DocumentRes.xml",
        format!(r#"<ofd:Res {ns} BaseLoc="Res"><ofd:MultiMedias><ofd:MultiMedia ID="7" Type="Image"><ofd:MediaFile>scan_7.jpg</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"#).as_bytes(),
    );
    part("Doc_0/Res/scan_7.jpg", &image);
    part(
        "Doc_0/Pages/Page_0/Content.xml",
        format!(r#"<ofd:Page {ns}><ofd:Content><ofd:Layer ID="2"><ofd:ImageObject ID="3" ResourceID="7" Boundary="0 0 210 297" CTM="210 0 0 297 0 0"/></ofd:Layer></ofd:Content></ofd:Page>"#).as_bytes(),
    );
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(
        jixiao::ingest::ingest(&bytes).unwrap_err(),
        IngestError::NeedsOcr
    );
    let doc = ingest_with(&bytes, &Deadline::none(), Some(&run)).unwrap();
    assert_eq!(doc.format, Format::Ofd);
    assert_eq!(doc.ocr.as_ref().map(|o| o.pages), Some(1));
    let got = facts(&doc);
    let want = page_one_facts();
    let score = f1(&got, &want);
    assert!(score >= 0.9, "F1 {score:.2}: {got:?}");
}

/// A mixed PDF — page 1 with its text layer, page 2 a scan — reads its text layer where it
/// has one and OCRs only the scanned page.
#[test]
fn mixed_pdf_ocrs_only_the_scanned_page() {
    let Some(run) = engine() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = |src: &str, n: &str, out: &str| {
        let status = Command::new("pdfseparate")
            .args(["-f", n, "-l", n])
            .arg(samples().join(src))
            .arg(dir.path().join(out))
            .status()
            .unwrap();
        assert!(status.success());
    };
    page(SAMPLE, "1", "text.pdf");
    page("scanned-000.pdf", "2", "scan.pdf");
    let mixed = dir.path().join("mixed.pdf");
    let status = Command::new("pdfunite")
        .arg(dir.path().join("text.pdf"))
        .arg(dir.path().join("scan.pdf"))
        .arg(&mixed)
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&mixed).unwrap();
    let pages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = pages.clone();
    let run = run.with_progress(std::sync::Arc::new(move |done, total| {
        log.lock().unwrap().push((done, total))
    }));
    let doc = ingest_with(&bytes, &Deadline::none(), Some(&run)).unwrap();
    assert_eq!(
        *pages.lock().unwrap(),
        vec![(0, 1), (1, 1)],
        "one page OCR'd"
    );
    assert_eq!(doc.ocr.as_ref().map(|o| o.pages), Some(1));
    let extraction = jixiao::analyze(&Extractor::shared(), &doc);
    let on = |p: u32| {
        extraction
            .facts
            .iter()
            .filter(|f| match &f.provenance {
                Some(Provenance::PdfPage { page, .. }) => *page == p && p == 1,
                Some(Provenance::OcrPage { page, .. }) => *page == p && p == 2,
                _ => false,
            })
            .count()
    };
    assert!(
        on(1) >= 5 && on(2) >= 5,
        "page 1: {}, page 2: {}",
        on(1),
        on(2)
    );
    let txt = std::fs::read_to_string(samples().join("000_af58de54e7000d7e.txt")).unwrap();
    let want: BTreeSet<String> = jixiao::analyze_text(&Extractor::shared(), &txt)
        .facts
        .iter()
        .map(|f| format!("{} {}", f.kind.as_str(), f.value.display()))
        .collect();
    let score = f1(&facts(&doc), &want);
    assert!(score >= 0.9, "F1 {score:.2}");
}

/// A CJK font of the system (fontconfig's first for simplified Chinese), for drawing forms.
fn cjk_font() -> Option<Vec<u8>> {
    let out = Command::new("fc-list")
        .args([":lang=zh-cn", "file"])
        .output()
        .ok()?;
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut files: Vec<&str> = list
        .lines()
        .map(|l| l.trim().trim_end_matches(':'))
        .filter(|f| f.ends_with(".ttf") || f.ends_with(".ttc") || f.ends_with(".otf"))
        .collect();
    files.sort();
    std::fs::read(files.first()?).ok()
}

/// A self-evaluation form drawn as a ruled table (150 and 300 dpi, turned 90°, JPEG noise)
/// gives the facts of the form's text, read as a table from the OCR layout with each cell's
/// box and confidence.
#[test]
fn rendered_self_evaluation_form_gives_its_facts() {
    let Some(run) = engine() else { return };
    let Some(font) = cjk_font() else {
        eprintln!("skipped: no font for simplified Chinese (fonts-wqy-microhei)");
        return;
    };
    let face = ttf_parser::Face::parse(&font, 0).unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/links/selfeval_2022.txt"),
    )
    .unwrap();
    let want: BTreeSet<String> = jixiao::analyze_text(&Extractor::shared(), &text)
        .facts
        .iter()
        .map(|f| format!("{} {}", f.kind.as_str(), f.value.display()))
        .collect();
    assert!(want.len() >= 20, "{want:?}");
    let page150 = form_image::page(&face, 150.0);
    let cases = [
        ("150 dpi PNG", png(&page150)),
        ("300 dpi JPEG", jpeg(&form_image::page(&face, 300.0), 70)),
        (
            "turned 90°, JPEG",
            jpeg(&image::imageops::rotate90(&page150), 75),
        ),
    ];
    for (name, bytes) in cases {
        let doc = read_image(&bytes, &run);
        let table = doc.blocks.iter().find_map(|b| match b {
            Block::Table { table, provenance } if table.rows.len() >= 10 => Some(provenance),
            _ => None,
        });
        let Some(provenance) = table else {
            panic!("{name}: no table read\n{}", doc.text);
        };
        assert!(
            provenance
                .iter()
                .flatten()
                .all(|p| matches!(p, Provenance::OcrPage { bbox: Some(_), .. })),
            "{name}: cells without OCR provenance"
        );
        let got = facts(&doc);
        let score = f1(&got, &want);
        eprintln!(
            "{name}: F1 {score:.2} ({} facts of {})",
            got.len(),
            want.len()
        );
        assert!(
            score >= 0.85,
            "{name}: F1 {score:.2}\nmissing {:?}\nextra {:?}\n{}",
            want.difference(&got).collect::<Vec<_>>(),
            got.difference(&want).collect::<Vec<_>>(),
            doc.text
        );
    }
}
