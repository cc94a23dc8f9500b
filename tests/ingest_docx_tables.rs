//! The self-evaluation forms as Word tables: for each of the eight forms in the shared
//! corpus, the text of `STEM.docx` (python-docx, real merged tables; se08 with prose first)
//! must equal `STEM.txt`, the form flattened one cell a line. Skips, saying so, when the
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
fn docx_text_equals_the_one_cell_a_line_txt() {
    check("docx");
}
