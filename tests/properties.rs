//! Properties that hold for any input: extraction never panics, and every fact's text is
//! exactly its span of the original text (code points), whatever the Unicode around it.

use jixiao::Extractor;
use proptest::prelude::*;

fn check_spans(text: &str) -> Result<(), TestCaseError> {
    let e = Extractor::shared().extract_text(text);
    let chars: Vec<char> = text.chars().collect();
    for f in &e.facts {
        prop_assert!(f.start <= f.end && f.end <= chars.len());
        let slice: String = chars[f.start..f.end].iter().collect();
        prop_assert_eq!(&slice, &f.text);
    }
    Ok(())
}

/// Pieces of the genre, so random text is dense with near-facts.
const PIECES: &[&str] = &[
    "预算项目",
    " ",
    "\n",
    "\t",
    "个",
    "万元",
    "亿",
    "%",
    "分",
    "以上",
    "余",
    "约",
    "“优”",
    "评价为",
    "良好",
    "《",
    "》",
    "〈",
    "〉",
    "（",
    "）",
    "〔",
    "〕",
    "[",
    "]",
    "号",
    "年",
    "第",
    "、",
    "，",
    "。",
    "序号",
    "１２",
    "3.",
    "5",
    "0",
    ",",
    "八",
    "两千",
    "共计",
    "涉及资金",
    "合计",
    "⽅",
    "𠀀",
    "\u{3000}",
    "-",
    "至",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_unicode_never_breaks_spans(text in "\\PC{0,200}") {
        check_spans(&text)?;
    }

    #[test]
    fn genre_like_text_never_breaks_spans(parts in proptest::collection::vec(0..PIECES.len(), 0..80)) {
        let text: String = parts.iter().map(|&i| PIECES[i]).collect();
        check_spans(&text)?;
    }
}

#[test]
fn every_sample_keeps_spans() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let (text, _) = jixiao::ingest::decode_text(&std::fs::read(&path).unwrap()).unwrap();
            check_spans(&text).unwrap();
        }
    }
}
