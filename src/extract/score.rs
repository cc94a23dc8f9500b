//! `score`: points. "自评得分100分", "分值占 0.6 分", "90分以上", a range "70-80分", and a
//! bare number that names its score ("以93.25综合得分", "得分为95.5"). 分 that begins a
//! longer word (分别, 分析, 分钟, 三分之一) is not a score.

use super::lexicon::Lexicon;
use super::number::{self, NUM, PRE, RANGE, SUF, candidate};
use super::{Candidate, FactKind, FactValue, Rule, Span};
use crate::domain::{Qualifier, parse_decimal};
use regex::Regex;
use std::sync::LazyLock;

static SCORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{PRE}(?P<num>{NUM})(?:{RANGE}(?P<num2>{NUM}))?分{SUF}"
    ))
    .expect("valid score pattern")
});

/// A number directly followed by the name of its score: "93.25综合得分".
static NUMBER_THEN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?P<num>{NUM})(?:综合得分|总得分|得分|总分)")).expect("valid pattern")
});

/// A score name, then its number without 分: "得分为95.5", "综合得分:88".
static NAME_THEN_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:综合得分|自评得分|评价得分|总得分|得分|评分|总分)(?:为|是|:|达到|达)?(?P<num>{NUM})"
    ))
    .expect("valid pattern")
});

/// Characters that, right after 分, make it part of another word.
const NOT_POINTS_AFTER: &str =
    "别析类钟之配解布成批期局行站会支管摊担享散工拨段项头档级队组秒厘米钱";

pub(crate) fn scan(s: &str, _lex: &Lexicon) -> Vec<Candidate> {
    let mut out = Vec::new();
    for caps in SCORE.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let whole = caps.get(0).expect("match");
        let num = caps.name("num").expect("num");
        if number::starts_mid_token(s, num.start()) && caps.name("pre").is_none() {
            continue;
        }
        let after_fen =
            whole.start() + s[whole.start()..].find('分').expect("分") + '分'.len_utf8();
        // "72.0—92.3分之间" is points; "三分之一" a fraction.
        if caps.name("suf").is_none()
            && !s[after_fen..].starts_with("之间")
            && s[after_fen..]
                .chars()
                .next()
                .is_some_and(|c| NOT_POINTS_AFTER.contains(c))
        {
            continue;
        }
        number::emit_decimal(s, &caps, FactKind::Score, "分", Rule::ScoreInline, &mut out);
    }
    for re in [&*NUMBER_THEN_NAME, &*NAME_THEN_NUMBER] {
        for caps in re.captures_iter(s) {
            if super::scan_full(out.len()) {
                break;
            }
            let num = caps.name("num").expect("num");
            if number::starts_mid_token(s, num.start()) || number::ends_mid_token(s, num.end()) {
                continue;
            }
            // A unit right after the number makes it another kind of fact (or the 分 form).
            let next = s[num.end()..].chars().next();
            if re.as_str() == NAME_THEN_NUMBER.as_str()
                && next.is_some_and(|c| "分%万亿元个项次-—~至到.".contains(c))
            {
                continue;
            }
            let Some(value) = parse_decimal(num.as_str()) else {
                continue;
            };
            let span = Span {
                start: num.start(),
                end: num.end(),
            };
            out.push(candidate(
                FactKind::Score,
                FactValue::Decimal(value),
                Some("分"),
                Qualifier::Exact,
                span,
                Rule::ScoreNamed,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(text: &str) -> Vec<(String, String, Qualifier)> {
        crate::extract::scanned(text, scan)
    }

    #[test]
    fn forms() {
        assert_eq!(
            scores("自评得分100分,")[0],
            ("100分".into(), "100".into(), Qualifier::Exact)
        );
        assert_eq!(scores("评分都在90分以上")[0].2, Qualifier::AtLeast);
        assert_eq!(
            scores("以93.25综合得分,位列")[0],
            ("93.25".into(), "93.25".into(), Qualifier::Exact)
        );
        assert_eq!(scores("自评得分为95.5,")[0].1, "95.5");
        let r = scores("得分70-80分");
        assert_eq!((r[0].2, r[1].2), (Qualifier::AtLeast, Qualifier::AtMost));
        // A range "between": 之间 after 分 is no fraction.
        let r = scores("得分在72.0—92.3分之间,");
        assert_eq!((r[0].1.as_str(), r[1].1.as_str()), ("72", "92.3"));
    }

    #[test]
    fn other_words_with_fen() {
        assert!(scores("2个项目分别为").is_empty());
        assert!(scores("用时5分钟").is_empty());
        assert!(scores("3分之1").is_empty());
        assert!(scores("得分100%").is_empty());
    }
}
