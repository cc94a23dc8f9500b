//! PDF uploads. pdf-extract interprets each page's content stream and hands every glyph and
//! every stroked or filled path to our `OutputDev` (`glyphs`); `layout` rebuilds lines,
//! paragraphs and tables from that geometry alone. pdf-extract panics on some inputs (fonts
//! with predefined CMaps such as UniGB-UCS2-H, unusual graphics state), so it runs under
//! `catch_unwind` on its own thread with a time limit; when it fails the page text comes from
//! `fallback` (lopdf's content parser, which pdf-extract re-exports), marked low confidence.
//! Before any of that: encrypted, truncated and image-only (scanned) files are told apart
//! and reported as such.

mod fallback;
mod glyphs;
mod layout;
mod lines;
mod streams;
mod table;

pub(super) use glyphs::{Glyph, Page, Rule};

use super::ocr::{OcrPage, OcrRun};
use super::{IngestError, Ingested};
use pdf_extract::Document;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Most pages read from one PDF.
pub const MAX_PAGES: usize = 1_000;
/// Wall-clock budget for one file; a file that takes longer is rejected, and its reading
/// stops (the reader checks the time as it goes).
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
/// How much longer than `TIME_LIMIT` the caller waits for the reader to notice its deadline.
const GRACE: Duration = Duration::from_secs(5);
/// Characters read at most (beyond this a file is not a report; each costs memory).
pub const MAX_GLYPHS: usize = 3_000_000;
/// A page with fewer visible characters than this and an image on it is a scanned page.
const MIN_CHARS_PER_PAGE: usize = 10;

/// Lines, paragraphs and tables of pages of glyphs (OCR'd pages are read the same way).
pub(super) fn layout_of(pages: &[Page]) -> Ingested {
    layout::build(pages)
}

/// Reads a PDF, giving up once `limit` has passed; scanned pages are read by `ocr` when
/// given, which has its own limit on top of `limit`.
pub(super) fn ingest_pdf_within(
    bytes: &[u8],
    limit: Duration,
    ocr: Option<&OcrRun>,
) -> Result<Ingested, IngestError> {
    quiet_reader_panics();
    let owned = bytes.to_vec();
    let deadline = Instant::now() + limit;
    let ocr = ocr.cloned();
    let wait = limit + ocr.as_ref().map_or(Duration::ZERO, |o| o.document_limit);
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(READER_THREAD.into())
        .spawn(move || {
            let result =
                std::panic::catch_unwind(AssertUnwindSafe(|| read(&owned, deadline, ocr.as_ref())))
                    .unwrap_or_else(|_| {
                        Err(IngestError::Malformed(
                            "the PDF reader failed on this file".into(),
                        ))
                    });
            // The receiver may have given up already; nothing left to do then.
            let _ = tx.send(result);
        })
        .map_err(|e| IngestError::Malformed(format!("cannot start the PDF reader: {e}")))?;
    match rx.recv_timeout(wait + GRACE) {
        Ok(result) => {
            let _ = worker.join();
            result
        }
        // The reader missed its own deadline by more than the grace period (stuck where it
        // does not look at the clock): it cannot be killed, so it is left to finish on its own
        // and its result dropped.
        Err(mpsc::RecvTimeoutError::Timeout) => {
            tracing::warn!("a PDF reader overran its time limit and was abandoned");
            Err(too_slow())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(IngestError::Malformed(
            "the PDF reader stopped without a result".into(),
        )),
    }
}

/// A panic inside pdf-extract is expected and handled (the fallback reads the file); the
/// default hook would still print it with a backtrace on every such file. Panics on the
/// reader's threads are therefore not printed; all others go to the previous hook.
fn quiet_reader_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(READER_THREAD) {
                previous(info);
            }
        }));
    });
}

const READER_THREAD: &str = "pdf-ingest";

/// The error for a file whose reading took longer than the time limit.
fn too_slow() -> IngestError {
    IngestError::Limit(format!(
        "reading the PDF took longer than {} s",
        TIME_LIMIT.as_secs()
    ))
}

fn read(bytes: &[u8], deadline: Instant, ocr: Option<&OcrRun>) -> Result<Ingested, IngestError> {
    streams::check_inflated_sizes(bytes, deadline)?;
    let mut doc = load(bytes)?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(IngestError::Malformed("the PDF has no pages".into()));
    }
    if pages.len() > MAX_PAGES {
        return Err(IngestError::Limit(format!(
            "the PDF has {} pages; at most {MAX_PAGES} are read",
            pages.len()
        )));
    }
    let scan = page_kinds(&doc);
    let only_scans = scan.iter().all(|k| *k != PageKind::Text) && scan.contains(&PageKind::Image);
    let scanned: Vec<u32> = pages
        .keys()
        .zip(&scan)
        .filter(|(_, k)| **k == PageKind::Image)
        .map(|(n, _)| *n)
        .collect();
    let ocr_started = Instant::now();
    let ocr_pages = match ocr {
        Some(run) if !scanned.is_empty() => {
            Some(super::ocr::pdf_pages(bytes, &doc, &scanned, run)?)
        }
        _ => None,
    };
    // OCR has limits of its own: the text layer's reading gets its full time after it.
    let deadline = deadline + ocr_started.elapsed();
    if let (Some(read), Some(run)) = (&ocr_pages, ocr)
        && only_scans
    {
        let glyphs: Vec<Page> = read.iter().map(|p| p.page.clone()).collect();
        let mut ingested = layout::build(&glyphs);
        super::ocr::finish(&mut ingested, read, &run.engine);
        return Ok(ingested);
    }
    if only_scans {
        return Err(IngestError::NeedsOcr);
    }

    skip_redundant_font_programs(&mut doc);
    blank_out_images(&mut doc);
    let mut collector = glyphs::Collector::new(MAX_GLYPHS, deadline);
    let drawn = std::panic::catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::output_doc(&doc, &mut collector)
    }));
    if collector.overflow {
        return Err(too_many_glyphs());
    }
    if collector.timed_out {
        return Err(too_slow());
    }
    let pages_read = doc.get_pages().len();
    let primary = match drawn {
        Ok(Ok(())) => Some(layout::build(&spliced(
            collector.pages,
            ocr_pages.as_deref(),
        ))),
        _ => None,
    };
    let mut ingested = match primary {
        Some(ingested) if readable(&ingested.text) => ingested,
        // pdf-extract gave up (a panic or an error it reports), or decoded nothing usable:
        // rebuild the glyphs from lopdf's own decoding of the content streams.
        primary => {
            let second = fallback::pages(&doc, deadline).map(|pages| {
                let mut ingested = layout::build(&spliced(pages, ocr_pages.as_deref()));
                ingested.low_confidence = true;
                ingested
            });
            match (primary, second) {
                (_, Err(IngestError::Limit(m))) => return Err(IngestError::Limit(m)),
                (_, Ok(second)) if readable(&second.text) => second,
                (Some(primary), _) => primary,
                (None, second) => second?,
            }
        }
    };
    if let (Some(read), Some(run)) = (&ocr_pages, ocr) {
        super::ocr::finish(&mut ingested, read, &run.engine);
        return Ok(ingested);
    }
    let visible = visible_chars(&ingested.text);
    if visible < MIN_CHARS_PER_PAGE * pages_read.max(1) && scan.contains(&PageKind::Image) {
        return Err(IngestError::NeedsOcr);
    }
    if visible == 0 {
        // Nothing drawn as text and no images either: empty pages.
        return Err(IngestError::NotText(
            "the PDF's pages draw no text and no images".into(),
        ));
    }
    if !readable(&ingested.text) {
        // Fonts without a usable ToUnicode map, so that the "text" is glyph ids: only the
        // rendered page can be read, as with a scan.
        return Err(IngestError::NeedsOcr);
    }
    if scan.contains(&PageKind::Image) {
        // Some pages are scans: their text is missing from what was read.
        ingested.low_confidence = true;
    }
    ingested.encoding = None;
    Ok(ingested)
}

/// The pages read from the text layer with the scanned ones replaced by their OCR.
fn spliced(mut pages: Vec<Page>, ocr: Option<&[OcrPage]>) -> Vec<Page> {
    for o in ocr.unwrap_or_default() {
        match pages.iter().position(|p| p.number >= o.page.number) {
            Some(i) if pages[i].number == o.page.number => pages[i] = o.page.clone(),
            Some(i) => pages.insert(i, o.page.clone()),
            None => pages.push(o.page.clone()),
        }
    }
    pages
}

fn too_many_glyphs() -> IngestError {
    IngestError::Limit(format!("the PDF draws more than {MAX_GLYPHS} characters"))
}

fn visible_chars(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Some visible text, and not mostly replacement, private-use or control characters.
fn readable(text: &str) -> bool {
    let visible = visible_chars(text);
    let unreadable = text
        .chars()
        .filter(|c| {
            *c == '\u{FFFD}'
                || ('\u{E000}'..='\u{F8FF}').contains(c)
                || c.is_control() && !c.is_whitespace()
        })
        .count();
    visible > 0 && unreadable * 3 <= visible
}

/// pdf-extract builds every font again on every page, and for an embedded Type 1 font that
/// means parsing the whole font program just to learn its built-in encoding — most of the
/// time spent on a LibreOffice PDF. Where the font has a ToUnicode map, which pdf-extract
/// prefers for decoding anyway, the program is not needed: it is dropped from the font
/// descriptor (of this in-memory copy only). Descriptors shared with a font that has no
/// ToUnicode map keep their program.
fn skip_redundant_font_programs(doc: &mut Document) {
    use pdf_extract::Object;
    let mut with_map = std::collections::BTreeSet::new();
    let mut without_map = std::collections::BTreeSet::new();
    for object in doc.objects.values() {
        let Ok(font) = object.as_dict() else { continue };
        if !font.has_type(b"Font") {
            continue;
        }
        let simple = font
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|s| s == b"Type1" || s == b"MMType1");
        let Ok(descriptor) = font.get(b"FontDescriptor").and_then(Object::as_reference) else {
            continue;
        };
        if simple && font.get(b"ToUnicode").is_ok() {
            with_map.insert(descriptor);
        } else {
            without_map.insert(descriptor);
        }
    }
    for id in with_map.difference(&without_map) {
        if let Ok(Object::Dictionary(d)) = doc.get_object_mut(*id) {
            d.remove(b"FontFile");
            d.remove(b"FontFile3");
        }
    }
}

/// pdf-extract runs every XObject named by `Do` as if it were a content stream, images
/// included: a logo on a page would be decoded as drawing operators and usually make it
/// fail. Images carry no text, so in this in-memory copy each image becomes an empty form.
fn blank_out_images(doc: &mut Document) {
    use pdf_extract::{Dictionary, Object, Stream};
    let images: Vec<pdf_extract::ObjectId> = doc
        .objects
        .iter()
        .filter_map(|(id, o)| match o {
            Object::Stream(s)
                if s.dict
                    .get(b"Subtype")
                    .and_then(Object::as_name)
                    .is_ok_and(|n| n == b"Image") =>
            {
                Some(*id)
            }
            _ => None,
        })
        .collect();
    for id in images {
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Form".to_vec()));
        dict.set(
            "BBox",
            Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
        );
        doc.objects
            .insert(id, Object::Stream(Stream::new(dict, Vec::new())));
    }
}

fn load(bytes: &[u8]) -> Result<Document, IngestError> {
    let doc = Document::load_mem(bytes).map_err(|e| {
        let msg = e.to_string();
        if is_encryption_error(&msg) {
            encrypted()
        } else {
            IngestError::Malformed(format!("the PDF is damaged or truncated ({msg})"))
        }
    })?;
    if doc.is_encrypted() {
        return Err(encrypted());
    }
    Ok(doc)
}

fn is_encryption_error(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("encrypt") || m.contains("decrypt") || m.contains("password")
}

fn encrypted() -> IngestError {
    IngestError::Unsupported {
        found: "password-protected (encrypted) PDF; remove the password and upload it again".into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PageKind {
    /// The page uses fonts: it has a text layer.
    Text,
    /// No fonts, but images: a scanned page.
    Image,
    Empty,
}

/// Classifies pages from their resources without running the content streams.
fn page_kinds(doc: &Document) -> Vec<PageKind> {
    doc.get_pages()
        .values()
        .map(|&id| {
            let fonts = doc.get_page_fonts(id).map(|f| f.len()).unwrap_or(0);
            if fonts > 0 {
                return PageKind::Text;
            }
            let images = doc.get_page_images(id).map(|i| i.len()).unwrap_or(0);
            if images > 0 || has_image_xobject(doc, id) {
                PageKind::Image
            } else {
                PageKind::Empty
            }
        })
        .collect()
}

fn has_image_xobject(doc: &Document, page: pdf_extract::ObjectId) -> bool {
    let Ok((resources, ids)) = doc.get_page_resources(page) else {
        return false;
    };
    let dicts = resources
        .into_iter()
        .chain(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
    for res in dicts {
        let Ok(xobjects) = res.get(b"XObject") else {
            continue;
        };
        let xobjects = match xobjects {
            pdf_extract::Object::Reference(id) => doc.get_dictionary(*id).ok(),
            pdf_extract::Object::Dictionary(d) => Some(d),
            _ => None,
        };
        for (_, v) in xobjects.into_iter().flat_map(|d| d.iter()) {
            let stream = match v {
                pdf_extract::Object::Reference(id) => doc.get_object(*id).ok(),
                other => Some(other),
            };
            if let Some(pdf_extract::Object::Stream(s)) = stream
                && s.dict
                    .get(b"Subtype")
                    .and_then(|o| o.as_name())
                    .is_ok_and(|n| n == b"Image")
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader past its deadline stops by itself: both pdf-extract's pass (through the
    /// collector) and the fallback give up with a limit error instead of reading on.
    #[test]
    fn reading_stops_at_the_deadline() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let bytes = std::fs::read(dir.join("002_c76de0c36188412a-table.pdf")).unwrap();
        assert!(ingest_pdf_within(&bytes, TIME_LIMIT, None).is_ok());
        let started = Instant::now();
        match ingest_pdf_within(&bytes, Duration::ZERO, None) {
            Err(IngestError::Limit(m)) => assert!(m.contains("longer than"), "{m}"),
            other => panic!(
                "expected the time limit, got {:?}",
                other.map(|i| i.text.len())
            ),
        }
        assert!(
            started.elapsed() < GRACE,
            "the reader noticed its own deadline"
        );

        let doc = load(&bytes).unwrap();
        let past = Instant::now();
        assert!(matches!(
            fallback::pages(&doc, past),
            Err(IngestError::Limit(_))
        ));
        let mut collector = glyphs::Collector::new(MAX_GLYPHS, past);
        assert!(pdf_extract::output_doc(&doc, &mut collector).is_err());
        assert!(collector.timed_out);
    }

    /// The fallback reader alone, on files pdf-extract reads too: it must get the same text
    /// out of them, numbers whole, so that falling back loses little.
    #[test]
    fn fallback_reads_every_sample_pdf() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let number = regex::Regex::new(r"\d+(?:\.\d+)?").unwrap();
        for name in [
            "000_af58de54e7000d7e.pdf",
            "002_c76de0c36188412a-table.pdf",
            "003_aa47c7ce85badae6-cid.pdf",
            "004_354e2257854ed30b.pdf",
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let txt = std::fs::read_to_string(dir.join(format!("{}.txt", &name[..20]))).unwrap();
            let doc = load(&bytes).unwrap();
            let far = Instant::now() + TIME_LIMIT;
            let ingested = layout::build(&fallback::pages(&doc, far).unwrap());
            let missing: Vec<&str> = number
                .find_iter(&txt)
                .map(|m| m.as_str())
                .filter(|n| !ingested.text.contains(n))
                .collect();
            assert!(missing.is_empty(), "{name}: {missing:?}\n{}", ingested.text);
            // And the same facts.
            let key = |e: crate::Extraction| {
                let mut k: Vec<String> = e
                    .facts
                    .iter()
                    .map(|f| {
                        let subject: String = f
                            .subject
                            .as_deref()
                            .unwrap_or("")
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .collect();
                        format!(
                            "{} {} {subject} {:?}",
                            f.kind.as_str(),
                            f.value.display(),
                            f.row
                        )
                    })
                    .collect();
                k.sort();
                k
            };
            let extractor = crate::Extractor::shared();
            let want = key(extractor.extract_text(&txt));
            let got = key(extractor.extract(&ingested));
            let only_want: Vec<&String> = want.iter().filter(|k| !got.contains(k)).collect();
            let only_got: Vec<&String> = got.iter().filter(|k| !want.contains(k)).collect();
            assert!(
                only_want.is_empty() && only_got.is_empty(),
                "{name}: missing {only_want:?} extra {only_got:?}"
            );
        }
    }
}
