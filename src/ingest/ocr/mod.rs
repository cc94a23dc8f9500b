//! OCR: scanned PDF pages and photographed or scanned images read by Tesseract
//! (`tesseract`), page by page under a time limit per page and per document, with progress
//! reported as pages are done. Pages are turned upright first when the engine's orientation
//! detection says so (only for pages that read badly as they are, so an upright page costs
//! one pass), the ruled lines of a form are taken out of the image and kept as the table's
//! rules (`rules`), skew is taken out of the word boxes, and the words become glyphs for the same
//! layout that reads printed PDFs (`geometry`). What the engine misreads in this genre is
//! put right character for character (`fix`). Every block of an OCR'd page gets
//! `ocr_page` provenance with the mean confidence of the words in its box, and the document
//! records the engine and how many pages it read.

mod fix;
mod geometry;
mod images;
mod rules;
mod tesseract;

pub use geometry::OcrPage;
pub use images::{RENDER_DPI, TempDir};
pub use tesseract::{INSTALL_HINT, Tesseract};

use super::{Block, Format, IngestError, Ingested, Provenance};
use pdf_extract::Document;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Time one page may take (recognition, and a second pass when it is turned upright).
pub const PAGE_TIME_LIMIT: Duration = Duration::from_secs(60);
/// Time OCR of one document may take.
pub const DOCUMENT_TIME_LIMIT: Duration = Duration::from_secs(15 * 60);
/// Pages OCR'd at most in one document.
pub const MAX_PAGES: usize = 200;
/// Mean word confidence under which a page is tried turned the way OSD says.
const TRY_TURNING_BELOW: f32 = 0.6;

/// Called with (pages done, pages) as OCR goes.
pub type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;

/// How a document is OCR'd: the engine, the limits and who hears of progress.
#[derive(Clone)]
pub struct OcrRun {
    pub engine: Tesseract,
    pub page_limit: Duration,
    pub document_limit: Duration,
    pub progress: Option<Progress>,
    /// Read no page: once the pages to OCR are known (and within `MAX_PAGES`), stop with
    /// `IngestError::OcrDeferred`. Workers of the text queue read a document this way, so a
    /// scan costs them the parse that finds it out and goes to the OCR workers.
    pub defer: bool,
}

impl OcrRun {
    /// The installed engine with the default limits; `None` without it.
    pub fn installed() -> Option<OcrRun> {
        engine().map(|engine| OcrRun {
            engine: engine.clone(),
            page_limit: PAGE_TIME_LIMIT,
            document_limit: DOCUMENT_TIME_LIMIT,
            progress: None,
            defer: false,
        })
    }

    pub fn with_progress(mut self, progress: Progress) -> OcrRun {
        self.progress = Some(progress);
        self
    }

    /// This run, reading no page (see `defer`).
    pub fn deferring(mut self) -> OcrRun {
        self.defer = true;
        self
    }
}

/// The installed engine, looked for once: `JIXIAO_TESSERACT` names the command (default
/// `tesseract`; `off` turns OCR off).
pub fn engine() -> Option<&'static Tesseract> {
    static ENGINE: OnceLock<Option<Tesseract>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let command = std::env::var("JIXIAO_TESSERACT").unwrap_or_else(|_| "tesseract".into());
            if command == "off" {
                return None;
            }
            Tesseract::find(&command)
        })
        .as_ref()
}

/// What the document records of its OCR.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OcrInfo {
    /// The engine and its version ("tesseract 5.3.0").
    pub engine: String,
    /// Pages read by OCR.
    pub pages: u32,
    /// Mean confidence (0–1) of the recognized characters.
    pub confidence: f32,
}

fn limit_error(m: String) -> IngestError {
    IngestError::Limit(m)
}

/// OCR of the given PDF pages (1-based), in order.
pub(super) fn pdf_pages(
    bytes: &[u8],
    doc: &Document,
    pages: &[u32],
    run: &OcrRun,
) -> Result<Vec<OcrPage>, IngestError> {
    within_page_limit(pages.len(), run)?;
    let dir = images::TempDir::new().map_err(IngestError::Malformed)?;
    let started = Instant::now();
    let mut out = Vec::new();
    report(run, 0, pages.len());
    // One page at a time: images are taken out (or rendered) just before they are read, so
    // a long scan holds one page image on disk beside the finished ones.
    for (i, &page) in pages.iter().enumerate() {
        let image =
            images::pdf_pages(bytes, doc, &[page], &dir.0).map_err(IngestError::Malformed)?;
        for image in image {
            out.push(recognize(&image, run, started)?);
            let _ = std::fs::remove_file(&image.path);
        }
        report(run, i + 1, pages.len());
    }
    Ok(out)
}

/// A scan of more pages than OCR reads is refused before any is read; a deferring run
/// stops here with the number of pages to read.
fn within_page_limit(pages: usize, run: &OcrRun) -> Result<(), IngestError> {
    if pages > MAX_PAGES {
        return Err(limit_error(format!(
            "{pages} scanned pages; OCR reads at most {MAX_PAGES}"
        )));
    }
    if run.defer {
        return Err(IngestError::OcrDeferred { pages });
    }
    Ok(())
}

fn report(run: &OcrRun, done: usize, total: usize) {
    if let Some(p) = &run.progress {
        p(done, total);
    }
}

/// Reads an uploaded PNG, JPEG or TIFF.
pub(super) fn ingest_image(bytes: &[u8], run: Option<&OcrRun>) -> Result<Ingested, IngestError> {
    let mut doc = read_images(&[(1, bytes, None)], run)?;
    doc.format = Format::Image;
    Ok(doc)
}

/// Reads page images: (1-based page, image file bytes, page width in points when known).
pub(super) fn read_images(
    pages: &[(u32, &[u8], Option<f64>)],
    run: Option<&OcrRun>,
) -> Result<Ingested, IngestError> {
    let Some(run) = run else {
        return Err(IngestError::NeedsOcr);
    };
    within_page_limit(pages.len(), run)?;
    let dir = images::TempDir::new().map_err(IngestError::Malformed)?;
    let started = Instant::now();
    report(run, 0, pages.len());
    let mut read = Vec::new();
    for (i, (page, bytes, width)) in pages.iter().enumerate() {
        let mut image = images::upload(bytes, &dir.0)
            .map_err(IngestError::Malformed)?
            .remove(0);
        image.page = *page;
        if let Some(width) = width {
            image.points_per_pixel *= width / images::A4_WIDTH;
        }
        read.push(recognize(&image, run, started)?);
        report(run, i + 1, pages.len());
    }
    let glyphs: Vec<_> = read.iter().map(|p| p.page.clone()).collect();
    let mut ingested = super::pdf::layout_of(&glyphs);
    finish(&mut ingested, &read, &run.engine);
    if ingested.text.trim().is_empty() {
        return Err(IngestError::NotText(
            "OCR found no text in the image".into(),
        ));
    }
    Ok(ingested)
}

/// One page: recognized as it is, and again turned upright when it reads badly and the
/// engine's orientation detection says it lies on its side or upside down.
fn recognize(
    image: &images::PageImage,
    run: &OcrRun,
    started: Instant,
) -> Result<OcrPage, IngestError> {
    let left = run.document_limit.saturating_sub(started.elapsed());
    if left.is_zero() {
        return Err(limit_error(format!(
            "OCR took longer than the document's limit of {} s",
            run.document_limit.as_secs()
        )));
    }
    let page_started = Instant::now();
    let limit = run.page_limit.min(left);
    let remaining = || limit.saturating_sub(page_started.elapsed());
    let failed = |m: String| {
        if m.contains("longer than") {
            limit_error(format!("page {}: {m}", image.page))
        } else {
            IngestError::Malformed(format!("page {}: {m}", image.page))
        }
    };
    // The ruled lines of a form are read as the table's cells, not as characters.
    let rules::Cleaned {
        image,
        rules: ruled,
        size: (w, h),
    } = rules::clean(image).map_err(IngestError::Malformed)?;
    let image = &image;
    let first = run
        .engine
        .recognize(&image.path, limit, !ruled.is_empty())
        .map_err(failed)?;
    let mut best = geometry::page_of(image.page, &first, image.points_per_pixel, &ruled);
    if mean_confidence(&best) < TRY_TURNING_BELOW
        && let Some((degrees, _)) = run.engine.orientation(&image.path, remaining())
        && degrees != 0
    {
        let turned = images::rotated(image, degrees).map_err(IngestError::Malformed)?;
        let second = run
            .engine
            .recognize(&turned.path, remaining(), !ruled.is_empty())
            .map_err(failed)?;
        let ruled: Vec<_> = ruled.iter().map(|r| r.turned(degrees, w, h)).collect();
        let other = geometry::page_of(image.page, &second, image.points_per_pixel, &ruled);
        if weight(&other) > weight(&best) {
            best = other;
        }
    }
    Ok(best)
}

/// Characters times confidence: what a reading of a page is worth.
fn weight(page: &OcrPage) -> f32 {
    page.words
        .iter()
        .map(|w| w.confidence * w.chars as f32)
        .sum()
}

fn mean_confidence(page: &OcrPage) -> f32 {
    let chars: usize = page.words.iter().map(|w| w.chars).sum();
    if chars == 0 {
        0.0
    } else {
        weight(page) / chars as f32
    }
}

/// Gives the blocks of OCR'd pages `ocr_page` provenance with their confidence and records
/// the OCR on the document.
pub(super) fn finish(ingested: &mut Ingested, pages: &[OcrPage], engine: &Tesseract) {
    let convert = |p: &mut Provenance| {
        let Provenance::PdfPage { page, bbox } = p else {
            return;
        };
        let Some(ocr) = pages.iter().find(|o| o.page.number == *page) else {
            return;
        };
        let confidence = bbox.map_or_else(|| mean_confidence(ocr), |b| confidence_in(ocr, b));
        *p = Provenance::OcrPage {
            page: *page,
            bbox: *bbox,
            // Two decimals, exact in JSON.
            confidence: (f64::from(confidence) * 100.0).round() / 100.0,
        };
    };
    for block in &mut ingested.blocks {
        match block {
            Block::Paragraph { provenance, .. } => convert(provenance),
            Block::Table { provenance, .. } => provenance.iter_mut().flatten().for_each(convert),
        }
    }
    let chars: usize = pages.iter().flat_map(|p| &p.words).map(|w| w.chars).sum();
    let weight: f32 = pages.iter().map(weight).sum();
    ingested.ocr = Some(OcrInfo {
        engine: engine.version.clone(),
        pages: pages.len() as u32,
        confidence: if chars == 0 {
            0.0
        } else {
            weight / chars as f32
        },
    });
    ingested.low_confidence = true;
}

/// Mean confidence of the characters of the words whose centre lies in `bbox` (PDF points,
/// y up, as provenance gives it).
fn confidence_in(page: &OcrPage, bbox: [f32; 4]) -> f32 {
    let h = page.page.height;
    let [x0, y0, x1, y1] = bbox.map(f64::from);
    let (top, bottom) = (h - y1.max(y0), h - y0.min(y1));
    let (mut sum, mut n) = (0.0f32, 0usize);
    for w in &page.words {
        let cx = (w.bbox[0] + w.bbox[2]) / 2.0;
        let cy = (w.bbox[1] + w.bbox[3]) / 2.0;
        let slack = 0.5 * (w.bbox[3] - w.bbox[1]);
        if cx >= x0 - slack && cx <= x1 + slack && cy >= top - slack && cy <= bottom + slack {
            sum += w.confidence * w.chars as f32;
            n += w.chars;
        }
    }
    if n == 0 {
        mean_confidence(page)
    } else {
        sum / n as f32
    }
}
