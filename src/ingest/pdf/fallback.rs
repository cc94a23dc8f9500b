//! Glyphs for files pdf-extract cannot read (it panics on fonts with a predefined CMap such
//! as UniGB-UCS2-H, common in PDFs from iText/Java systems). lopdf, which pdf-extract
//! re-exports, parses the content streams and decodes those encodings; this module walks the
//! text operators itself to place each character, so the same geometric layout runs on the
//! result. lopdf's own `extract_text` would lose the positions and split digit runs
//! ("14.6 2"). Widths of non-embedded CJK fonts are not known here: a character is taken to
//! be one em wide, half an em for ASCII, which is what such fonts draw.

use super::glyphs::{Glyph, Page, path_rules};
use crate::ingest::IngestError;
use pdf_extract::PathOp;
use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Encoding, Object, ObjectId};
use std::collections::HashMap;
use std::time::Instant;

/// Affine matrix [a b c d e f], PDF row-vector convention.
#[derive(Clone, Copy, Debug)]
struct M([f64; 6]);

impl M {
    const IDENTITY: M = M([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self × other`: apply self, then other.
    fn then(self, o: M) -> M {
        let [a1, b1, c1, d1, e1, f1] = self.0;
        let [a2, b2, c2, d2, e2, f2] = o.0;
        M([
            a1 * a2 + b1 * c2,
            a1 * b2 + b1 * d2,
            c1 * a2 + d1 * c2,
            c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2,
            e1 * b2 + f1 * d2 + f2,
        ])
    }

    fn translate(x: f64, y: f64) -> M {
        M([1.0, 0.0, 0.0, 1.0, x, y])
    }
}

struct Font<'a> {
    encoding: Option<Encoding<'a>>,
    /// Bytes per character code.
    code_len: usize,
    /// Predefined Unicode CMaps (UniGB-UCS2-H, UniGB-UTF16-H, …): the codes are UTF-16BE.
    utf16: bool,
    first_char: i64,
    widths: Vec<f64>,
    /// Composite fonts with an identity CMap: widths by CID (= code), and the default.
    cid_widths: HashMap<u32, f64>,
    default_width: Option<f64>,
}

impl Font<'_> {
    fn decode(&self, code: &[u8]) -> String {
        if self.utf16 {
            let units: Vec<u16> = code
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            return char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{FFFD}'))
                .collect();
        }
        match &self.encoding {
            Some(e) => e.bytes_to_string(code).unwrap_or_default(),
            None => code.iter().map(|&b| b as char).collect(),
        }
    }

    /// Advance of a code in text space units per unit font size.
    fn width(&self, code: &[u8], text: &str) -> f64 {
        if self.code_len == 2 && !self.utf16 && code.len() == 2 {
            let cid = u16::from_be_bytes([code[0], code[1]]) as u32;
            if let Some(w) = self.cid_widths.get(&cid).copied().or(self.default_width) {
                return w / 1000.0;
            }
        }
        if self.code_len == 1 {
            let i = code[0] as i64 - self.first_char;
            if i >= 0
                && let Some(w) = self.widths.get(i as usize)
                && *w > 0.0
            {
                return w / 1000.0;
            }
        }
        if text.is_ascii() { 0.5 } else { 1.0 }
    }
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64),
        _ => None,
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

fn font_of<'a>(doc: &'a Document, dict: &'a Dictionary) -> Font<'a> {
    let subtype = dict
        .get(b"Subtype")
        .and_then(Object::as_name)
        .unwrap_or(b"");
    let type0 = subtype == b"Type0";
    let encoding_name = dict
        .get(b"Encoding")
        .map(|o| deref(doc, o))
        .and_then(Object::as_name)
        .unwrap_or(b"");
    let has_to_unicode = dict.get(b"ToUnicode").is_ok();
    let utf16 = type0
        && !has_to_unicode
        && (encoding_name.ends_with(b"UCS2-H")
            || encoding_name.ends_with(b"UTF16-H")
            || encoding_name.ends_with(b"UCS2-V")
            || encoding_name.ends_with(b"UTF16-V"));
    let encoding = if utf16 {
        None
    } else {
        dict.get_font_encoding(doc).ok()
    };
    let first_char = dict.get(b"FirstChar").ok().and_then(number).unwrap_or(0.0) as i64;
    let widths = dict
        .get(b"Widths")
        .map(|o| deref(doc, o))
        .and_then(Object::as_array)
        .map(|a| {
            a.iter()
                .map(|o| number(deref(doc, o)).unwrap_or(0.0))
                .collect()
        })
        .unwrap_or_default();
    let (cid_widths, default_width) = if type0 && encoding_name.starts_with(b"Identity") {
        cid_widths(doc, dict)
    } else {
        (HashMap::new(), None)
    };
    Font {
        encoding,
        code_len: if type0 { 2 } else { 1 },
        utf16,
        first_char,
        widths,
        cid_widths,
        default_width,
    }
}

/// The /W array and /DW of a composite font's descendant: `c [w1 w2 …]` gives widths from
/// CID c on, `c1 c2 w` one width for a range.
fn cid_widths(doc: &Document, font: &Dictionary) -> (HashMap<u32, f64>, Option<f64>) {
    let mut out = HashMap::new();
    let descendant = font
        .get(b"DescendantFonts")
        .map(|o| deref(doc, o))
        .and_then(Object::as_array)
        .ok()
        .and_then(|a| a.first())
        .map(|o| deref(doc, o))
        .and_then(|o| o.as_dict().ok());
    let Some(descendant) = descendant else {
        return (out, None);
    };
    let default = descendant
        .get(b"DW")
        .ok()
        .and_then(|o| number(deref(doc, o)))
        .or(Some(1000.0));
    let Ok(w) = descendant
        .get(b"W")
        .map(|o| deref(doc, o))
        .and_then(Object::as_array)
    else {
        return (out, default);
    };
    let mut i = 0;
    while i < w.len() {
        let Some(first) = number(deref(doc, &w[i])) else {
            break;
        };
        match w.get(i + 1).map(|o| deref(doc, o)) {
            Some(Object::Array(ws)) => {
                for (k, v) in ws.iter().enumerate() {
                    if let Some(v) = number(deref(doc, v)) {
                        out.insert(first as u32 + k as u32, v);
                    }
                }
                i += 2;
            }
            Some(last) => {
                let (Some(last), Some(v)) = (
                    number(last),
                    w.get(i + 2).and_then(|o| number(deref(doc, o))),
                ) else {
                    break;
                };
                // A hostile range must not allocate without bound.
                for cid in (first as u32)..=(last as u32).min(first as u32 + 65_535) {
                    out.insert(cid, v);
                }
                i += 3;
            }
            None => break,
        }
    }
    (out, default)
}

fn inherited<'a>(doc: &'a Document, mut dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    for _ in 0..32 {
        if let Ok(v) = dict.get(key) {
            return Some(deref(doc, v));
        }
        dict = dict
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|id| doc.get_dictionary(id))
            .ok()?;
    }
    None
}

#[derive(Clone)]
struct State {
    ctm: M,
    font: Option<Vec<u8>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    scale: f64,
    leading: f64,
    rise: f64,
}

/// Every page's glyphs, placed by the page's text operators.
/// The pages' glyphs and rules; gives up with a limit error once `deadline` has passed.
pub fn pages(doc: &Document, deadline: Instant) -> Result<Vec<Page>, IngestError> {
    let mut out = Vec::new();
    let mut glyphs = 0;
    for (number, id) in doc.get_pages() {
        let page = page(doc, number, id, deadline)?;
        glyphs += page.glyphs.len();
        if glyphs > super::MAX_GLYPHS {
            return Err(super::too_many_glyphs());
        }
        out.push(page);
    }
    Ok(out)
}

fn page(
    doc: &Document,
    page_no: u32,
    id: ObjectId,
    deadline: Instant,
) -> Result<Page, IngestError> {
    let dict = doc
        .get_dictionary(id)
        .map_err(|e| IngestError::Malformed(format!("page {page_no}: {e}")))?;
    let media: Vec<f64> = inherited(doc, dict, b"MediaBox")
        .and_then(|o| o.as_array().ok())
        .map(|a| a.iter().filter_map(|o| number_of(doc, o)).collect())
        .filter(|v: &Vec<f64>| v.len() == 4)
        .unwrap_or_else(|| vec![0.0, 0.0, 595.0, 842.0]);
    let mut page = Page {
        number: page_no,
        width: media[2] - media[0],
        height: media[3] - media[1],
        ..Default::default()
    };
    let fonts: HashMap<Vec<u8>, Font> = doc
        .get_page_fonts(id)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, d)| (name, font_of(doc, d)))
        .collect();
    let content = doc
        .get_page_content(id)
        .map_err(|e| IngestError::Malformed(format!("page {page_no}: {e}")))?;
    let content = Content::decode(&content)
        .map_err(|e| IngestError::Malformed(format!("page {page_no}: {e}")))?;
    let mut state = State {
        ctm: M::IDENTITY,
        font: None,
        size: 0.0,
        char_spacing: 0.0,
        word_spacing: 0.0,
        scale: 1.0,
        leading: 0.0,
        rise: 0.0,
    };
    let mut stack: Vec<State> = Vec::new();
    let mut tm = M::IDENTITY;
    let mut tlm = M::IDENTITY;
    let flip = (media[0], media[3]);
    let mut path: Vec<PathOp> = Vec::new();
    for (i, op) in content.operations.iter().enumerate() {
        if i.is_multiple_of(4096) && Instant::now() > deadline {
            return Err(super::too_slow());
        }
        let n = |i: usize| op.operands.get(i).and_then(number).unwrap_or(0.0);
        match op.operator.as_str() {
            // Paths, for the rules table borders are drawn with.
            "m" => path.push(PathOp::MoveTo(n(0), n(1))),
            "l" => path.push(PathOp::LineTo(n(0), n(1))),
            "c" => path.push(PathOp::CurveTo(n(0), n(1), n(2), n(3), n(4), n(5))),
            "v" | "y" => path.push(PathOp::CurveTo(n(0), n(1), n(0), n(1), n(2), n(3))),
            "h" => path.push(PathOp::Close),
            "re" => path.push(PathOp::Rect(n(0), n(1), n(2), n(3))),
            "S" | "s" | "B" | "B*" | "b" | "b*" | "f" | "F" | "f*" => {
                if op.operator == "s" || op.operator == "b" || op.operator == "b*" {
                    path.push(PathOp::Close);
                }
                let filled = matches!(op.operator.as_str(), "f" | "F" | "f*");
                page.rules
                    .extend(path_rules(&path, &state.ctm.0, flip, filled));
                path.clear();
            }
            "n" => path.clear(),
            "q" => stack.push(state.clone()),
            "Q" => {
                if let Some(s) = stack.pop() {
                    state = s;
                }
            }
            "cm" => state.ctm = M([n(0), n(1), n(2), n(3), n(4), n(5)]).then(state.ctm),
            "BT" => {
                tm = M::IDENTITY;
                tlm = M::IDENTITY;
            }
            "Tf" => {
                state.font = op
                    .operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .map(<[u8]>::to_vec);
                state.size = n(1);
            }
            "Tc" => state.char_spacing = n(0),
            "Tw" => state.word_spacing = n(0),
            "Tz" => state.scale = n(0) / 100.0,
            "TL" => state.leading = n(0),
            "Ts" => state.rise = n(0),
            "Td" => {
                tlm = M::translate(n(0), n(1)).then(tlm);
                tm = tlm;
            }
            "TD" => {
                state.leading = -n(1);
                tlm = M::translate(n(0), n(1)).then(tlm);
                tm = tlm;
            }
            "Tm" => {
                tlm = M([n(0), n(1), n(2), n(3), n(4), n(5)]);
                tm = tlm;
            }
            "T*" => {
                tlm = M::translate(0.0, -state.leading).then(tlm);
                tm = tlm;
            }
            "Tj" | "'" | "\"" | "TJ" => {
                if op.operator == "'" || op.operator == "\"" {
                    if op.operator == "\"" {
                        state.word_spacing = n(0);
                        state.char_spacing = n(1);
                    }
                    tlm = M::translate(0.0, -state.leading).then(tlm);
                    tm = tlm;
                }
                let Some(font) = state.font.as_ref().and_then(|f| fonts.get(f)) else {
                    continue;
                };
                let parts: Vec<&Object> = match op.operator.as_str() {
                    "TJ" => op
                        .operands
                        .first()
                        .and_then(|o| o.as_array().ok())
                        .map(|a| a.iter().collect())
                        .unwrap_or_default(),
                    _ => op.operands.last().into_iter().collect(),
                };
                for part in parts {
                    match part {
                        Object::String(bytes, _) => {
                            show(&mut page, font, &state, &mut tm, bytes, flip);
                        }
                        other => {
                            if let Some(adjust) = number(other) {
                                let tx = -adjust / 1000.0 * state.size * state.scale;
                                tm = M::translate(tx, 0.0).then(tm);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(page)
}

fn number_of(doc: &Document, o: &Object) -> Option<f64> {
    number(deref(doc, o))
}

fn show(page: &mut Page, font: &Font, state: &State, tm: &mut M, bytes: &[u8], flip: (f64, f64)) {
    for code in bytes.chunks(font.code_len) {
        let text = font.decode(code);
        let w0 = font.width(code, &text);
        let trm = M([
            state.size * state.scale,
            0.0,
            0.0,
            state.size,
            0.0,
            state.rise,
        ])
        .then(*tm)
        .then(state.ctm);
        let [a, b, c, d, e, f] = trm.0;
        let size = (c * c + d * d).sqrt();
        let advance = (a * a + b * b).sqrt();
        page.glyphs.push(Glyph {
            x: e - flip.0,
            y: flip.1 - f,
            width: w0 * advance,
            size,
            text: text.replace('\0', ""),
        });
        let mut tx = w0 * state.size + state.char_spacing;
        if font.code_len == 1 && code[0] == b' ' {
            tx += state.word_spacing;
        }
        *tm = M::translate(tx * state.scale, 0.0).then(*tm);
    }
}
