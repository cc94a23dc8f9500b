//! `percent`: "11.49%", "20%以上", "不低于10%", "覆盖率100%", ranges "20%-30%" and the
//! written form "百分之二十". The value is the number before %, exact.

use super::lexicon::Lexicon;
use super::number::{self, NUM, PRE, RANGE, SUF, candidate};
use super::{Candidate, FactKind, FactValue, Rule, Span};
use crate::domain::{Qualifier, parse_chinese_count};
use regex::Regex;
use rust_decimal::Decimal;
use std::sync::LazyLock;

static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{PRE}(?P<num>{NUM})%?(?:{RANGE}(?P<num2>{NUM}))?%{SUF}|{PRE2}百分之(?P<cn>[零一二两三四五六七八九十百]+){SUF2}",
        PRE2 = PRE.replace("?P<pre>", "?P<pre2>"),
        SUF2 = SUF.replace("?P<suf>", "?P<suf2>"),
    ))
    .expect("valid percent pattern")
});

pub(crate) fn scan(s: &str, _lex: &Lexicon) -> Vec<Candidate> {
    let mut out = Vec::new();
    for caps in PERCENT.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let whole = caps.get(0).expect("match");
        let span = Span {
            start: whole.start(),
            end: whole.end(),
        };
        if let Some(cn) = caps.name("cn") {
            let Some(n) = parse_chinese_count(cn.as_str()) else {
                continue;
            };
            let mut q = Qualifier::Exact;
            if let Some(p) = caps.name("pre2") {
                q = q.combine(Qualifier::from_prefix(p.as_str()).unwrap_or(q));
            }
            if let Some(x) = caps.name("suf2") {
                q = q.combine(Qualifier::from_suffix(x.as_str()).unwrap_or(q));
            }
            out.push(candidate(
                FactKind::Percent,
                FactValue::Decimal(Decimal::from(n)),
                Some("%"),
                q,
                span,
                Rule::PercentChinese,
            ));
            continue;
        }
        let num = caps.name("num").expect("num");
        if number::starts_mid_token(s, num.start()) && caps.name("pre").is_none() {
            continue;
        }
        if s[num.end()..].starts_with("%%") {
            continue;
        }
        number::emit_decimal(
            s,
            &caps,
            FactKind::Percent,
            "%",
            Rule::PercentInline,
            &mut out,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percents(text: &str) -> Vec<(String, String, Qualifier)> {
        crate::extract::scanned(text, scan)
    }

    #[test]
    fn forms() {
        assert_eq!(
            percents("(11.49%)")[0],
            ("11.49%".into(), "11.49".into(), Qualifier::Exact)
        );
        assert_eq!(percents("资金总额20%以上")[0].2, Qualifier::AtLeast);
        assert_eq!(
            percents("权重不低于10%")[0],
            ("不低于10%".into(), "10".into(), Qualifier::AtLeast)
        );
        assert_eq!(percents("控制在5%以内")[0].2, Qualifier::AtMost);
        assert_eq!(percents("提高百分之二十")[0].1, "20");
    }

    #[test]
    fn ranges() {
        let got = percents("占20%-30%");
        assert_eq!(got[0], ("20%".into(), "20".into(), Qualifier::AtLeast));
        assert_eq!(got[1], ("30%".into(), "30".into(), Qualifier::AtMost));
        let got = percents("占20-30%");
        assert_eq!(got[0].0, "20");
    }
}
