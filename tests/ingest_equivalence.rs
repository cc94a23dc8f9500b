//! Every sample with a text layer (DOCX, PDF, the real-table, CID and UniGB PDFs, the GBK
//! text) must give the same facts as its report's UTF-8 `.txt`, compared as multisets of
//! (kind, value, subject, row). Subjects are compared without white space: a PDF does not
//! keep the spaces LibreOffice draws as gaps between CJK and digits. The real-table files
//! may add row facts (facts with a `row`), which the flattened text can miss; nothing else
//! may differ. The document's own metadata (title without white space, region, year, 发文字号)
//! must agree too. The test prints one line per file and fails on any difference.

use jixiao::{Fact, extract_bytes};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Key = (String, String, String, Option<u32>);

fn key(f: &Fact) -> Key {
    (
        f.kind.as_str().to_string(),
        f.value.display(),
        f.subject
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
        f.row,
    )
}

fn multiset(facts: &[Fact]) -> BTreeMap<Key, i64> {
    let mut m = BTreeMap::new();
    for f in facts {
        *m.entry(key(f)).or_insert(0) += 1;
    }
    m
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The report files with a text layer, each with the `.txt` it must agree with.
fn variants() -> Vec<(PathBuf, PathBuf)> {
    let dir = samples();
    let mut out = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        if name.starts_with("scanned") {
            continue;
        }
        let Some(stem) = name.get(..20) else { continue };
        let txt = format!("{stem}.txt");
        if name == txt {
            continue;
        }
        if dir.join(&txt).exists() {
            out.push((dir.join(&name), dir.join(txt)));
        }
    }
    out
}

#[test]
fn facts_equal_the_txt_facts() {
    let mut failures = Vec::new();
    let cases = variants();
    assert!(
        cases.len() >= 14,
        "expected the corpus in samples/, found {}",
        cases.len()
    );
    for (file, txt) in &cases {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let want = extract_bytes(&std::fs::read(txt).unwrap()).unwrap();
        let got = match extract_bytes(&std::fs::read(file).unwrap()) {
            Ok(e) => e,
            Err(e) => {
                println!("{name:40} ERROR {e}");
                failures.push(name);
                continue;
            }
        };
        let meta = |e: &jixiao::Extraction| {
            let v = serde_json::to_value(&e.document).unwrap();
            let squash = |k: &str| {
                v.get(k)
                    .map(|x| {
                        x.to_string()
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .collect::<String>()
                    })
                    .unwrap_or_default()
            };
            ["title", "region", "year", "doc_number"].map(squash)
        };
        let meta_differs = meta(&want) != meta(&got);
        let (w, g) = (multiset(&want.facts), multiset(&got.facts));
        let real_table = name.contains("-table");
        let mut missing = Vec::new();
        let mut extra = Vec::new();
        let mut allowed = 0;
        for (k, n) in &w {
            let m = g.get(k).copied().unwrap_or(0);
            if m < *n {
                missing.push(format!("{}× {k:?}", n - m));
            }
        }
        for (k, n) in &g {
            let m = w.get(k).copied().unwrap_or(0);
            if *n > m {
                if real_table && k.3.is_some() {
                    allowed += n - m;
                } else {
                    extra.push(format!("{}× {k:?}", n - m));
                }
            }
        }
        if meta_differs {
            println!("    metadata {:?} != {:?}", meta(&got), meta(&want));
        }
        let status = if missing.is_empty() && extra.is_empty() && !meta_differs {
            "same"
        } else {
            failures.push(name.clone());
            "DIFFERENT"
        };
        println!(
            "{name:40} {status:9} txt {:3} facts, file {:3} facts, {} added row facts",
            want.facts.len(),
            got.facts.len(),
            allowed
        );
        for m in &missing {
            println!("    missing {m}");
        }
        for e in &extra {
            println!("    extra   {e}");
        }
    }
    assert!(failures.is_empty(), "facts differ for {failures:?}");
}
