//! OFD read natively: a small generator here typesets a sample TXT report into an OFD package
//! (A4 pages, lines wrapped at the right margin as a word processor does, a leading tab as
//! an indent of the first line, empty lines kept), and the reader must give the facts the TXT gives.

use jixiao::ingest::{Format, Provenance, ingest};
use jixiao::{Extraction, Extractor};
use std::io::Write;

// The geometry of the sample PDFs (printed by LibreOffice): 10 pt characters, 14.4 pt
// lines, 20 mm margins, 48 characters a line, tab stops every 12.5 mm.
const SIZE: f64 = 10.0 * 25.4 / 72.0;
const PITCH: f64 = 14.4 * 25.4 / 72.0;
const LEFT: f64 = 20.0;
const RIGHT: f64 = LEFT + 48.0 * SIZE + 0.01;
const TOP: f64 = 25.0;
const BOTTOM: f64 = 272.0;
const TAB: f64 = 12.5;

fn advance(c: char) -> f64 {
    if c.is_ascii() { SIZE / 2.0 } else { SIZE }
}

fn closing(c: char) -> bool {
    "，。、；：？！）》」』”’％%.,;:?!)".contains(c)
}

/// A printed line: where it starts, its characters and the advance of each.
struct Printed {
    x: f64,
    y: f64,
    text: Vec<char>,
    advances: Vec<f64>,
}

/// Typesets `text` one TXT line a paragraph: pages of printed lines.
fn typeset(text: &str) -> Vec<Vec<Printed>> {
    let mut pages: Vec<Vec<Printed>> = vec![Vec::new()];
    let mut y = TOP;
    let next_line = |pages: &mut Vec<Vec<Printed>>, y: &mut f64| {
        *y += PITCH;
        if *y > BOTTOM {
            pages.push(Vec::new());
            *y = TOP;
        }
    };
    for line in text.lines() {
        let lead = line.chars().take_while(|c| *c == '\t' || *c == ' ').count();
        let tabs = line.chars().take(lead).filter(|&c| c == '\t').count();
        let chars: Vec<char> = line.chars().skip(lead).collect();
        if chars.iter().all(|c| c.is_whitespace()) {
            next_line(&mut pages, &mut y);
            continue;
        }
        let start = LEFT + TAB * tabs as f64;
        let mut i = 0;
        while i < chars.len() {
            // A space where the line breaks stays at the end of the line before, as a word
            // processor sets it.
            if i > 0 {
                while i < chars.len() && chars[i] == ' ' {
                    i += 1;
                }
                if i == chars.len() {
                    break;
                }
            }
            // A line after a tab wraps back to the margin.
            let start = if i == 0 { start } else { LEFT };
            let mut x = start;
            let mut out = Vec::new();
            while i < chars.len() {
                // A run of Latin letters and digits moves to the next line whole.
                let run = if chars[i].is_ascii_alphanumeric() {
                    chars[i..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == '.')
                        .count()
                } else {
                    1
                };
                let w: f64 = chars[i..i + run].iter().map(|&c| advance(c)).sum();
                if x + w > RIGHT && !out.is_empty() && !closing(chars[i]) {
                    break;
                }
                out.extend_from_slice(&chars[i..i + run]);
                x += w;
                i += run;
            }
            // A wrapped line is justified: what is left before the edge is spread over the
            // gaps between its characters, as the reports are set.
            let mut advances: Vec<f64> = out.iter().map(|&c| advance(c)).collect();
            if i < chars.len() && x < RIGHT && out.len() > 1 {
                let extra = (RIGHT - 0.01 - x) / (out.len() - 1) as f64;
                for a in &mut advances[..out.len() - 1] {
                    *a += extra;
                }
            }
            pages.last_mut().unwrap().push(Printed {
                x: start,
                y,
                text: out,
                advances,
            });
            next_line(&mut pages, &mut y);
        }
    }
    pages
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An OFD package of the typeset text: OFD.xml, Document.xml and one Content.xml a page.
fn ofd_of(text: &str) -> Vec<u8> {
    let pages = typeset(text);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let ns = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;
    zip.start_file("OFD.xml", opts).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
    )
    .unwrap();
    zip.start_file("Doc_0/Document.xml", opts).unwrap();
    let list: String = (0..pages.len())
        .map(|i| {
            format!(
                r#"<ofd:Page ID="{}" BaseLoc="Pages/Page_{i}/Content.xml"/>"#,
                i + 10
            )
        })
        .collect();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>1</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>{list}</ofd:Pages></ofd:Document>"#
    )
    .unwrap();
    let mut id = 1000;
    for (i, page) in pages.iter().enumerate() {
        zip.start_file(format!("Doc_0/Pages/Page_{i}/Content.xml"), opts)
            .unwrap();
        let mut objects = String::new();
        for line in page {
            id += 1;
            let advances: Vec<String> = line
                .advances
                .iter()
                .take(line.text.len().saturating_sub(1))
                .map(|a| format!("{a:.3}"))
                .collect();
            let width: f64 = line.advances.iter().sum();
            let s: String = line.text.iter().collect();
            objects.push_str(&format!(
                r#"<ofd:TextObject ID="{id}" Boundary="{} {} {width} {}" Font="1" Size="{SIZE}"><ofd:TextCode X="0" Y="{SIZE}" DeltaX="{}">{}</ofd:TextCode></ofd:TextObject>"#,
                line.x,
                line.y - SIZE,
                SIZE * 1.5,
                advances.join(" "),
                escape(&s)
            ));
        }
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID="{}">{objects}</ofd:Layer></ofd:Content></ofd:Page>"#,
            i + 1
        )
        .unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn key(e: &Extraction) -> Vec<String> {
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
}

#[test]
fn ofd_gives_the_facts_of_its_text() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for name in ["000_af58de54e7000d7e.txt", "002_c76de0c36188412a.txt"] {
        let txt = std::fs::read_to_string(dir.join(name)).unwrap();
        let doc = ingest(&ofd_of(&txt)).unwrap();
        assert_eq!(doc.format, Format::Ofd);
        let extractor = Extractor::shared();
        let want = key(&jixiao::analyze_text(&extractor, &txt));
        let got_extraction = jixiao::analyze(&extractor, &doc);
        let got = key(&got_extraction);
        assert!(want.len() > 10, "{name}: {want:?}");
        let only_want: Vec<&String> = want.iter().filter(|k| !got.contains(k)).collect();
        let only_got: Vec<&String> = got.iter().filter(|k| !want.contains(k)).collect();
        assert!(
            only_want.is_empty() && only_got.is_empty(),
            "{name}: missing {only_want:?} extra {only_got:?}\n{}",
            doc.text
        );
        // Every fact points at its OFD page and line box, in millimetres on the page.
        for f in &got_extraction.facts {
            match &f.provenance {
                Some(Provenance::OfdPage {
                    page,
                    bbox: Some([x0, y0, x1, y1]),
                }) => {
                    assert!(*page >= 1);
                    assert!(
                        *x0 >= 19.0 && *x1 <= 200.0 && y0 < y1 && *y1 <= 280.0,
                        "{:?}",
                        f.provenance
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn ofd_of_images_only_needs_ocr() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("OFD.xml", opts).unwrap();
    zip.write_all(br#"<ofd:OFD xmlns:ofd="o"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#).unwrap();
    zip.start_file("Doc_0/Document.xml", opts).unwrap();
    zip.write_all(br#"<ofd:Document xmlns:ofd="o"><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>"#).unwrap();
    zip.start_file("Doc_0/Pages/Page_0/Content.xml", opts)
        .unwrap();
    zip.write_all(br#"<ofd:Page xmlns:ofd="o"><ofd:Content><ofd:Layer><ofd:ImageObject ID="2" ResourceID="3" Boundary="0 0 210 297"/></ofd:Layer></ofd:Content></ofd:Page>"#).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(ingest(&bytes).unwrap_err(), jixiao::IngestError::NeedsOcr);
}
