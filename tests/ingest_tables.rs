//! The self-evaluation forms as tables of other formats: for each of the eight forms in the
//! shared corpus, the text of `STEM.xlsx` (openpyxl), `STEM.xls` (LibreOffice's BIFF8 copy) and
//! `STEM.docx` (a Word table with merged cells) must equal `STEM.txt`, the form flattened one
//! cell a line. Skips, saying so, when the
//! shared corpus is not there (`JIXIAO_SHARED`, else `../shared`).

use std::path::{Path, PathBuf};

fn selfeval() -> Option<PathBuf> {
    let shared = std::env::var_os("JIXIAO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = shared.join("corpus/selfeval");
    dir.is_dir().then_some(dir)
}

/// The stems of the forms: every `STEM.txt` without a layout suffix (`-tab`, `-pipe` …).
fn stems(dir: &Path) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".txt")?;
            (!stem.contains('-')).then(|| stem.to_string())
        })
        .collect();
    stems.sort();
    stems
}

/// The first differing line of two texts, for a readable failure.
fn first_difference(got: &str, want: &str) -> String {
    let (g, w): (Vec<&str>, Vec<&str>) = (got.split('\n').collect(), want.split('\n').collect());
    for i in 0..g.len().max(w.len()) {
        if g.get(i) != w.get(i) {
            return format!("line {}: got {:?}, want {:?}", i + 1, g.get(i), w.get(i));
        }
    }
    "texts are equal".into()
}

fn check(ext: &str) {
    let Some(dir) = selfeval() else {
        println!("skipped: no shared corpus/selfeval (set JIXIAO_SHARED)");
        return;
    };
    let stems = stems(&dir);
    assert_eq!(stems.len(), 8, "{stems:?}");
    let mut failures = Vec::new();
    for stem in &stems {
        let want = std::fs::read_to_string(dir.join(format!("{stem}.txt"))).unwrap();
        let bytes = std::fs::read(dir.join(format!("{stem}.{ext}"))).unwrap();
        match jixiao::ingest::ingest(&bytes) {
            Ok(doc) if doc.text == want => {
                assert_eq!(doc.format.as_str(), ext);
                println!("{stem}.{ext}: equal");
            }
            Ok(doc) => failures.push(format!(
                "{stem}.{ext}: {}",
                first_difference(&doc.text, &want)
            )),
            Err(e) => failures.push(format!("{stem}.{ext}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn xlsx_text_equals_the_one_cell_a_line_txt() {
    check("xlsx");
}

#[test]
fn xls_text_equals_the_one_cell_a_line_txt() {
    check("xls");
}

/// Cut-off and corrupted copies of the forms give an error or a text, never a crash. (Some
/// of them make calamine panic on an overflow in debug builds; the reader's guard turns that
/// into a malformed-file error.)
#[test]
fn damaged_workbooks_are_errors() {
    let Some(dir) = selfeval() else {
        println!("skipped: no shared corpus/selfeval (set JIXIAO_SHARED)");
        return;
    };
    for ext in ["xlsx", "xls"] {
        let bytes = std::fs::read(dir.join(format!("se01_xiangmu_yinshui.{ext}"))).unwrap();
        let mut variants: Vec<Vec<u8>> = (1..16)
            .map(|k| bytes[..bytes.len() * k / 16].to_vec())
            .collect();
        // Flipped bytes through the body (a stride that is not a multiple of the sector size).
        for k in 1..16 {
            let mut v = bytes.clone();
            for i in (bytes.len() * k / 16..bytes.len()).step_by(997) {
                v[i] ^= 0x5A;
            }
            variants.push(v);
        }
        for (i, v) in variants.iter().enumerate() {
            match jixiao::ingest::ingest(v) {
                Ok(doc) => println!("{ext} variant {i}: read, {} chars", doc.text.len()),
                Err(e) => {
                    use jixiao::ingest::IngestError::*;
                    assert!(
                        matches!(e, Malformed(_) | Unsupported { .. } | Limit(_)),
                        "{ext} variant {i}: {e}"
                    );
                }
            }
        }
    }
}

#[test]
fn docx_text_equals_the_one_cell_a_line_txt() {
    check("docx");
}
