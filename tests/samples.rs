//! Every sample report: spans are exact slices of the original text, the GBK copy gives the
//! same facts as the UTF-8 one, and the JSON has the shape of FACTS.md.

use jixiao::{Extractor, FactKind, FactValue, ingest};
use std::path::{Path, PathBuf};

fn samples(suffix: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("samples/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

fn extract(path: &Path) -> jixiao::Extraction {
    let bytes = std::fs::read(path).unwrap();
    let doc = ingest::ingest(&bytes).unwrap();
    jixiao::analyze(&Extractor::shared(), &doc)
}

#[test]
fn every_span_is_the_fact_text() {
    let txts = samples(".txt");
    assert!(txts.len() >= 5, "the five sample reports are in samples/");
    for path in txts {
        let bytes = std::fs::read(&path).unwrap();
        let text = ingest::ingest(&bytes).unwrap().text;
        let chars: Vec<char> = text.chars().collect();
        let e = extract(&path);
        assert!(!e.facts.is_empty(), "{} has facts", path.display());
        for f in &e.facts {
            let slice: String = chars[f.start..f.end].iter().collect();
            assert_eq!(slice, f.text, "{}: fact {} span", path.display(), f.id);
        }
        assert_eq!(e.document.text_chars, chars.len());
    }
}

#[test]
fn gbk_copy_gives_the_same_facts() {
    let gbk = samples(".gbk.txt");
    assert_eq!(gbk.len(), 1);
    let utf8 = PathBuf::from(gbk[0].to_string_lossy().replace(".gbk.txt", ".txt"));
    let key = |e: &jixiao::Extraction| {
        e.facts
            .iter()
            .map(|f| (f.kind, f.value.display(), f.subject.clone(), f.start, f.end))
            .collect::<Vec<_>>()
    };
    let (a, b) = (extract(&gbk[0]), extract(&utf8));
    assert_eq!(key(&a), key(&b));
    assert_eq!(a.document, b.document);
}

#[test]
fn all_six_kinds_and_checks_appear_across_samples() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut checks = 0;
    for path in samples(".txt") {
        let e = extract(&path);
        kinds.extend(e.facts.iter().map(|f| f.kind));
        checks += e.checks.len();
        for f in &e.facts {
            // Amounts are exact decimals in yuan, never floats.
            if f.kind == FactKind::Amount {
                assert!(matches!(f.value, FactValue::Decimal(_)));
            }
        }
    }
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert!(
        checks >= 4,
        "table totals, a split, a difference and a share"
    );
}

#[test]
fn json_has_the_facts_md_shape() {
    let e = extract(&samples("001_769eb15e6e31c174.txt")[0]);
    let v = jixiao::report::to_json(&e, None);
    let doc = &v["document"];
    for field in ["title", "region", "year", "doc_number", "text_chars"] {
        assert!(doc.get(field).is_some(), "document.{field}");
    }
    let amount = v["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "amount")
        .unwrap();
    assert!(amount["value"].is_string(), "decimals are JSON strings");
    for field in ["text", "start", "end", "unit", "qualifier", "subject"] {
        assert!(amount.get(field).is_some(), "fact.{field}");
    }
    let doc_fact = v["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "document" && f["value"]["number"].is_string())
        .unwrap();
    assert!(doc_fact["value"].get("title").is_some());
    assert!(
        doc_fact["issuer"].is_string() && doc_fact["doc_year"].is_u64() && doc_fact["seq"].is_u64()
    );
}
