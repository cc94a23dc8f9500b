//! OFD uploads (GB/T 33190, the national fixed-layout format): a ZIP of XML parts. `OFD.xml`
//! names the document root (`Doc_0/Document.xml`), which lists the pages
//! (`Pages/Page_N/Content.xml`) and the default page box; a page draws text objects — a
//! boundary box, a size, and text codes at positions with the advance of each character — and
//! path objects, whose straight strokes are table rules. Everything is read into the same
//! glyphs and rules the PDF reader collects and laid out by the same geometry, so lines,
//! wrapped paragraphs and tables come back as from a PDF. OFD measures in millimetres, y
//! down; glyphs are kept in points for the layout, and provenance boxes are given back in the
//! document's millimetres. A document with images and no text is a scan: `NeedsOcr`.

use super::docx::{attr_val, local, resolve_entity};
use super::ocr::OcrRun;
use super::pdf::{Glyph, Page, Rule};
use super::zipsafe::{self, LIMIT_HIT, LimitedReader};
use super::{Block, Format, IngestError, Ingested, Provenance};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::io::{Cursor, Read};

/// Points per millimetre.
const PT: f64 = 72.0 / 25.4;
/// Largest XML part read.
const MAX_PART: u64 = 64 * 1024 * 1024;
/// Pages read at most.
const MAX_PAGES: usize = 1_000;
/// Characters read at most, as for a PDF.
const MAX_GLYPHS: usize = 3_000_000;

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Reads an OFD from its bytes, its scanned pages with `ocr` when given.
pub fn ingest_ofd(bytes: &[u8], ocr: Option<&OcrRun>) -> Result<Ingested, IngestError> {
    let mut archive = zipsafe::open(bytes, "OFD")?;
    let root = doc_root(&read_part(&mut archive, "OFD.xml")?)?;
    let document = read_part(&mut archive, &root)?;
    let base = dir_of(&root);
    let (default_box, page_locs) = pages_of(&document);
    if page_locs.is_empty() {
        return Err(IngestError::Malformed(
            "the OFD document has no pages".into(),
        ));
    }
    if page_locs.len() > MAX_PAGES {
        return Err(IngestError::Limit(format!(
            "the OFD has {} pages; at most {MAX_PAGES} are read",
            page_locs.len()
        )));
    }
    let mut pages = Vec::new();
    let mut images: Vec<Option<ImageRef>> = Vec::new();
    let mut glyphs = 0usize;
    for (i, loc) in page_locs.iter().enumerate() {
        let path = resolve(&base, loc);
        let xml = read_part(&mut archive, &path)?;
        let (page, page_images) = read_page(i as u32 + 1, &xml, default_box)?;
        images.push(
            page_images
                .into_iter()
                .max_by(|a, b| a.area.total_cmp(&b.area)),
        );
        glyphs += page.glyphs.len();
        if glyphs > MAX_GLYPHS {
            return Err(IngestError::Limit(format!(
                "the OFD draws more than {MAX_GLYPHS} characters"
            )));
        }
        pages.push(page);
    }
    let visible = pages
        .iter()
        .flat_map(|p| &p.glyphs)
        .filter(|g| !g.text.trim().is_empty())
        .count();
    if visible == 0 {
        if images.iter().all(Option::is_none) {
            return Err(IngestError::NotText("the OFD's pages draw no text".into()));
        }
        let Some(run) = ocr else {
            return Err(IngestError::NeedsOcr);
        };
        let media = media_files(&mut archive, &document, &base);
        let mut files = Vec::new();
        for (page, image) in pages.iter().zip(&images) {
            let Some(path) = image.as_ref().and_then(|i| media.get(&i.resource)) else {
                continue;
            };
            files.push((page.number, read_bytes(&mut archive, path)?, page.width));
        }
        let refs: Vec<(u32, &[u8], Option<f64>)> = files
            .iter()
            .map(|(n, b, w)| (*n, b.as_slice(), Some(*w)))
            .collect();
        let mut ingested = super::ocr::read_images(&refs, Some(run))?;
        ingested.format = Format::Ofd;
        return Ok(ingested);
    }
    let mut ingested = super::pdf::layout_of(&pages);
    ingested.format = Format::Ofd;
    for block in &mut ingested.blocks {
        match block {
            Block::Paragraph { provenance, .. } => to_ofd(provenance, &pages),
            Block::Table { provenance, .. } => provenance
                .iter_mut()
                .flatten()
                .for_each(|p| to_ofd(p, &pages)),
        }
    }
    Ok(ingested)
}

/// A PDF-style provenance (points, y up) as the OFD page's millimetres, y down.
fn to_ofd(p: &mut Provenance, pages: &[Page]) {
    if let Provenance::PdfPage { page, bbox } = p {
        let height = pages
            .iter()
            .find(|x| x.number == *page)
            .map_or(0.0, |x| x.height);
        let mm = |v: f64| ((v / PT * 10.0).round() / 10.0) as f32;
        let bbox = bbox.map(|[x0, y0, x1, y1]| {
            let (x0, y0, x1, y1) = (x0 as f64, y0 as f64, x1 as f64, y1 as f64);
            [mm(x0), mm(height - y1), mm(x1), mm(height - y0)]
        });
        *p = Provenance::OfdPage { page: *page, bbox };
    }
}

/// An image a page draws: its resource id and the area of its boundary.
struct ImageRef {
    resource: String,
    area: f64,
}

/// Media files of the document's resources: id → path in the package. `Document.xml` names
/// the resource files (`PublicRes`, `DocumentRes`); each gives a folder (`BaseLoc`) and its
/// `MultiMedia` entries a `MediaFile` in it.
fn media_files(
    archive: &mut Archive,
    document: &str,
    base: &str,
) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let res_files: Vec<String> = ["PublicRes", "DocumentRes"]
        .iter()
        .flat_map(|n| element_texts(document, n))
        .collect();
    for res in res_files {
        let path = resolve(base, &res);
        let Ok(xml) = read_part(archive, &path) else {
            continue;
        };
        let mut folder = dir_of(&path);
        let mut reader = Reader::from_str(&xml);
        let mut id: Option<String> = None;
        let mut in_file = false;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => match local(e.name().as_ref()) {
                    "Res" => {
                        if let Some(loc) = attr_val(&e, "BaseLoc") {
                            folder =
                                format!("{}/", resolve(&dir_of(&path), &loc).trim_end_matches('/'));
                        }
                    }
                    "MultiMedia" => id = attr_val(&e, "ID"),
                    "MediaFile" => in_file = true,
                    _ => {}
                },
                Ok(Event::Text(t)) if in_file => {
                    if let Some(id) = &id {
                        out.insert(id.clone(), resolve(&folder, t.xml10_content().trim()));
                    }
                }
                Ok(Event::End(e)) if local(e.name().as_ref()) == "MediaFile" => in_file = false,
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
    }
    out
}

fn read_bytes(archive: &mut Archive, name: &str) -> Result<Vec<u8>, IngestError> {
    let entry = archive
        .by_name(name)
        .map_err(|e| IngestError::Malformed(format!("{name} cannot be read: {e}")))?;
    let mut limited = LimitedReader {
        inner: entry,
        left: MAX_PART,
    };
    let mut bytes = Vec::new();
    limited.read_to_end(&mut bytes).map_err(|e| {
        if e.to_string().contains(LIMIT_HIT) {
            IngestError::Limit(format!("{name} unpacks to more than {MAX_PART} bytes"))
        } else {
            IngestError::Malformed(format!("{name} cannot be inflated: {e}"))
        }
    })?;
    Ok(bytes)
}

fn read_part(archive: &mut Archive, name: &str) -> Result<String, IngestError> {
    let bytes = read_bytes(archive, name).map_err(|e| match e {
        IngestError::Malformed(m) if m.contains("not found") || m.contains("FileNotFound") => {
            IngestError::Malformed(format!("the OFD has no part {name}"))
        }
        e => e,
    })?;
    String::from_utf8(bytes).map_err(|_| IngestError::Malformed(format!("{name} is not UTF-8 XML")))
}

/// The folder of a part ("Doc_0/" for "Doc_0/Document.xml").
fn dir_of(path: &str) -> String {
    path.rfind('/')
        .map_or(String::new(), |i| path[..=i].to_string())
}

/// A location inside the package: absolute from the root, else relative to `base`.
fn resolve(base: &str, loc: &str) -> String {
    let loc = loc.trim();
    match loc.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => format!("{base}{loc}"),
    }
}

/// Texts of elements named `name` (local name), in order.
fn element_texts(xml: &str, name: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut inside = false;
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == name => {
                inside = true;
                text.clear();
            }
            Ok(Event::Text(t)) if inside => text.push_str(&t.xml10_content()),
            Ok(Event::End(e)) if inside && local(e.name().as_ref()) == name => {
                inside = false;
                out.push(text.trim().to_string());
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

fn doc_root(ofd: &str) -> Result<String, IngestError> {
    element_texts(ofd, "DocRoot")
        .into_iter()
        .next()
        .filter(|r| !r.is_empty())
        .map(|r| r.trim_start_matches('/').to_string())
        .ok_or_else(|| IngestError::Malformed("OFD.xml names no document root".into()))
}

/// The default page box (mm: x, y, width, height) and each page's content location.
fn pages_of(document: &str) -> ([f64; 4], Vec<String>) {
    let default_box = element_texts(document, "PhysicalBox")
        .first()
        .and_then(|b| four(b))
        .unwrap_or([0.0, 0.0, 210.0, 297.0]);
    let mut reader = Reader::from_str(document);
    let mut locs = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if local(e.name().as_ref()) == "Page" => {
                if let Some(loc) = attr_val(&e, "BaseLoc") {
                    locs.push(loc);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    (default_box, locs)
}

fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

fn four(s: &str) -> Option<[f64; 4]> {
    numbers(s).try_into().ok()
}

/// DeltaX/DeltaY: numbers, where "g N d" stands for N copies of d.
fn deltas(s: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut it = s.split_whitespace();
    while let Some(t) = it.next() {
        if t == "g" {
            let n: usize = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            let d: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
            out.extend(std::iter::repeat_n(d, n.min(100_000)));
        } else if let Ok(v) = t.parse() {
            out.push(v);
        }
    }
    out
}

/// The text object being read: its boundary origin, size and transform.
struct TextObject {
    origin: (f64, f64),
    size: f64,
    /// a b c d e f, applied to positions inside the boundary.
    ctm: [f64; 6],
}

impl TextObject {
    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.ctm;
        (
            self.origin.0 + a * x + c * y + e,
            self.origin.1 + b * x + d * y + f,
        )
    }
}

/// One page: glyphs and rules in points (y down), and the images it draws.
fn read_page(
    number: u32,
    xml: &str,
    default_box: [f64; 4],
) -> Result<(Page, Vec<ImageRef>), IngestError> {
    let page_box = element_texts(xml, "PhysicalBox")
        .first()
        .and_then(|b| four(b))
        .unwrap_or(default_box);
    let mut page = Page {
        number,
        width: page_box[2] * PT,
        height: page_box[3] * PT,
        glyphs: Vec::new(),
        rules: Vec::new(),
    };
    let mut images = Vec::new();
    let mut reader = Reader::from_str(xml);
    let mut object: Option<TextObject> = None;
    let mut code: Option<(f64, f64, Vec<f64>, String)> = None;
    let mut path: Option<((f64, f64), String)> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| IngestError::Malformed(format!("page {number} of the OFD: {e}")))?;
        match event {
            Event::Start(e) => match local(e.name().as_ref()) {
                "TextObject" => object = Some(text_object(&e)),
                "TextCode" => {
                    let x = attr_val(&e, "X")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0.0);
                    let y = attr_val(&e, "Y")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0.0);
                    let dx = attr_val(&e, "DeltaX")
                        .map(|v| deltas(&v))
                        .unwrap_or_default();
                    code = Some((x, y, dx, String::new()));
                }
                "PathObject" => {
                    let b = attr_val(&e, "Boundary").and_then(|b| four(&b));
                    path = Some((b.map_or((0.0, 0.0), |b| (b[0], b[1])), String::new()));
                }
                "ImageObject" => images.extend(image_ref(&e)),
                _ => {}
            },
            Event::Empty(e) if local(e.name().as_ref()) == "ImageObject" => {
                images.extend(image_ref(&e))
            }
            Event::Text(t) => {
                let t = t.xml10_content();
                if let Some((_, _, _, s)) = &mut code {
                    s.push_str(&t);
                } else if let Some((_, s)) = &mut path {
                    s.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                if let (Some((_, _, _, s)), Some(c)) = (&mut code, resolve_entity(&r)) {
                    s.push(c);
                }
            }
            Event::End(e) => match local(e.name().as_ref()) {
                "TextCode" => {
                    if let (Some((x, y, dx, text)), Some(obj)) = (code.take(), &object) {
                        place(&mut page, obj, x, y, &dx, &text);
                    }
                }
                "TextObject" => object = None,
                "PathObject" => {
                    if let Some((origin, data)) = path.take() {
                        strokes(&mut page, origin, &data);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((page, images))
}

fn image_ref(e: &BytesStart) -> Option<ImageRef> {
    let b = attr_val(e, "Boundary").and_then(|b| four(&b))?;
    Some(ImageRef {
        resource: attr_val(e, "ResourceID")?,
        area: b[2] * b[3],
    })
}

fn text_object(e: &BytesStart) -> TextObject {
    let boundary = attr_val(e, "Boundary")
        .and_then(|b| four(&b))
        .unwrap_or([0.0; 4]);
    let size = attr_val(e, "Size")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.5);
    let ctm = attr_val(e, "CTM")
        .and_then(|v| numbers(&v).try_into().ok())
        .unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    TextObject {
        origin: (boundary[0], boundary[1]),
        size,
        ctm,
    }
}

/// Glyphs of one text code: the first at (x, y) on the baseline, each next one its advance on.
fn place(page: &mut Page, obj: &TextObject, x: f64, y: f64, dx: &[f64], text: &str) {
    let scale = (obj.ctm[0] * obj.ctm[3] - obj.ctm[1] * obj.ctm[2])
        .abs()
        .sqrt()
        .max(1e-6);
    let size = obj.size * scale;
    let mut at = x;
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let own = if c.is_ascii() {
            0.5 * obj.size
        } else {
            obj.size
        };
        let advance = dx.get(i).copied().unwrap_or(own);
        // The last character has no advance of its own: its width is what it would take.
        let width = if i + 1 < chars.len() { advance } else { own };
        let (px, py) = obj.apply(at, y);
        page.glyphs.push(Glyph {
            x: px * PT,
            y: py * PT,
            width: width * scale * PT,
            size: size * PT,
            text: c.to_string(),
        });
        at += advance;
    }
}

/// Straight strokes of a path's abbreviated data (M x y, L x y, Z) as rules.
fn strokes(page: &mut Page, origin: (f64, f64), data: &str) {
    let mut tokens = data.split_whitespace();
    let mut current: Option<(f64, f64)> = None;
    let mut start: Option<(f64, f64)> = None;
    let point = |t: &mut std::str::SplitWhitespace| -> Option<(f64, f64)> {
        let x: f64 = t.next()?.parse().ok()?;
        let y: f64 = t.next()?.parse().ok()?;
        Some((origin.0 + x, origin.1 + y))
    };
    while let Some(op) = tokens.next() {
        match op {
            "M" | "S" => {
                current = point(&mut tokens);
                start = current;
            }
            "L" => {
                let next = point(&mut tokens);
                if let (Some(a), Some(b)) = (current, next) {
                    page.rules.push(Rule {
                        x0: a.0 * PT,
                        y0: a.1 * PT,
                        x1: b.0 * PT,
                        y1: b.1 * PT,
                    });
                }
                current = next;
            }
            "C" => {
                if let (Some(a), Some(b)) = (current, start) {
                    page.rules.push(Rule {
                        x0: a.0 * PT,
                        y0: a.1 * PT,
                        x1: b.0 * PT,
                        y1: b.1 * PT,
                    });
                }
                current = start;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_advances() {
        assert_eq!(deltas("g 3 3.5 2"), vec![3.5, 3.5, 3.5, 2.0]);
        assert_eq!(deltas("1 2"), vec![1.0, 2.0]);
    }

    #[test]
    fn locations_resolve_from_their_part() {
        assert_eq!(
            resolve("Doc_0/", "Pages/Page_0/Content.xml"),
            "Doc_0/Pages/Page_0/Content.xml"
        );
        assert_eq!(resolve("Doc_0/", "/Doc_0/Pages/P.xml"), "Doc_0/Pages/P.xml");
        assert_eq!(dir_of("Doc_0/Document.xml"), "Doc_0/");
    }

    #[test]
    fn a_page_of_text_codes_and_rules() {
        let xml = r#"<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>
            <ofd:TextObject ID="1" Boundary="20 30 100 6" Font="2" Size="4">
              <ofd:TextCode X="0" Y="4" DeltaX="4 4 2 2">预算2O&amp;</ofd:TextCode>
            </ofd:TextObject>
            <ofd:PathObject ID="3" Boundary="10 50 100 1"><ofd:AbbreviatedData>M 0 0 L 100 0</ofd:AbbreviatedData></ofd:PathObject>
            <ofd:ImageObject ID="4" ResourceID="9" Boundary="0 0 10 10"/>
        </ofd:Layer></ofd:Content></ofd:Page>"#;
        let (page, images) = read_page(1, xml, [0.0, 0.0, 210.0, 297.0]).unwrap();
        let text: String = page.glyphs.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(text, "预算2O&");
        assert!((page.glyphs[1].x - 24.0 * PT).abs() < 1e-9);
        assert!((page.glyphs[0].y - 34.0 * PT).abs() < 1e-9);
        assert_eq!(page.rules.len(), 1);
        assert!(page.rules[0].horizontal());
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].resource, "9");
    }
}
