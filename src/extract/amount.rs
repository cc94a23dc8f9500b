//! `amount`: money. A number, then 元/千元/万元/亿元 or a bare 万/亿 ("涉及资金 1.80 亿"), with
//! qualifier words around it ("超过 500 万元以上", "3000余万元") and ranges ("100—200万元").
//! The value is yuan, exact.

use super::lexicon::Lexicon;
use super::number::{self, NUM, PRE, RANGE, SUF, candidate};
use super::{Candidate, FactKind, FactValue, Rule, Span};
use crate::domain::Amount;
use regex::Regex;
use std::sync::LazyLock;

static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{PRE}(?P<num>{NUM})(?:{RANGE}(?P<num2>{NUM}))?(?P<approx>余|多)?(?:(?P<mult>万|亿|千)(?P<approx2>余|多)?(?P<yuan>元)?|(?P<yuan_only>元)){SUF}"
    ))
    .expect("valid amount pattern")
});

pub(crate) fn scan(s: &str, lex: &Lexicon) -> Vec<Candidate> {
    let mut out = Vec::new();
    for caps in AMOUNT.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let whole = caps.get(0).expect("match");
        let num = caps.name("num").expect("num");
        let negative = caps.name("pre").is_none() && is_minus_sign(s, num.start());
        if number::starts_mid_token(s, num.start())
            && caps.name("pre").is_none()
            && !negative
            && !after_unit_and_dash(s, num.start())
        {
            continue;
        }
        let has_yuan = caps.name("yuan").is_some() || caps.name("yuan_only").is_some();
        let mult = caps.name("mult").map(|m| m.as_str());
        if !has_yuan {
            // A bare 万/亿 is money only when no measure word follows ("5万人次" is a count);
            // a bare 千 is never read as money.
            if mult == Some("千") {
                continue;
            }
            let rest = &s[caps.name("mult").expect("mult").end()..];
            if starts_with_measure(rest, lex) || !lex.money_context(s, whole.start(), whole.end()) {
                continue;
            }
        }
        let unit = match (mult, has_yuan) {
            (Some(m), true) => format!("{m}元"),
            (Some(m), false) => m.to_string(),
            (None, _) => "元".to_string(),
        };
        let qualifier = number::qualifier(&caps, &["approx", "approx2"]);
        let _span = Span {
            start: whole.start(),
            end: whole.end(),
        };
        number::emit(
            s,
            &caps,
            qualifier,
            |n| Amount::parse(n, &unit).map(|a| a.yuan),
            |yuan, q, span, ranged| {
                // "-6957万元": the sign is part of the amount and of its text.
                let (yuan, span) = if negative && span.start == num.start() {
                    (
                        -yuan,
                        Span {
                            start: span.start - 1,
                            ..span
                        },
                    )
                } else {
                    (yuan, span)
                };
                let rule = match (ranged, has_yuan) {
                    (true, _) => Rule::AmountRange,
                    (false, true) => Rule::AmountInline,
                    (false, false) => Rule::AmountBareMultiplier,
                };
                out.push(candidate(
                    FactKind::Amount,
                    FactValue::Decimal(yuan),
                    Some(&unit),
                    q,
                    span,
                    rule,
                ))
            },
        );
    }
    out
}

/// Whether a "-" right before a number is its sign: not a range's separator ("100-200万元",
/// "50万元-100万元") nor part of a code ("A-3").
fn is_minus_sign(s: &str, num_start: usize) -> bool {
    let Some(before) = s[..num_start].strip_suffix('-') else {
        return false;
    };
    before.chars().next_back().is_none_or(|c| {
        let ends_a_number_or_code = c.is_ascii_alphanumeric() || ".%)".contains(c);
        let ends_a_unit = "元万亿千分个项".contains(c);
        !ends_a_number_or_code && !ends_a_unit
    })
}

/// "50万元-100万元": the upper bound of a range written with both units.
fn after_unit_and_dash(s: &str, num_start: usize) -> bool {
    s[..num_start]
        .strip_suffix('-')
        .is_some_and(|before| before.ends_with(['元', '万', '亿']))
}

fn starts_with_measure(rest: &str, lex: &Lexicon) -> bool {
    const NON_MONEY: &[&str] = &[
        "亩",
        "吨",
        "平方米",
        "公里",
        "千米",
        "米",
        "公斤",
        "千克",
        "株",
        "头",
        "只",
        "立方米",
        "千瓦",
    ];
    let rest = rest.trim_start_matches(['余', '多']);
    lex.measure_words
        .iter()
        .any(|w| rest.starts_with(w.as_str()))
        || NON_MONEY.iter().any(|w| rest.starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Qualifier;

    fn amounts(text: &str) -> Vec<(String, String, Qualifier)> {
        crate::extract::scanned(text, scan)
    }

    #[test]
    fn negative_amounts_keep_their_sign() {
        assert_eq!(
            amounts("结余资金为-6957万元,")[0],
            ("-6957万元".into(), "-69570000".into(), Qualifier::Exact)
        );
        assert_eq!(amounts("100-200万元")[0].1, "1000000");
        assert_eq!(amounts("50万元-100万元")[1].1, "1000000");
        assert_eq!(amounts("未达到50万元")[0].2, Qualifier::AtMost);
    }

    #[test]
    fn units_and_scaling() {
        assert_eq!(
            amounts("压减预算资金1.02亿元,涉及资金1.80亿,涉及资金117.2万;"),
            vec![
                ("1.02亿元".into(), "102000000".into(), Qualifier::Exact),
                ("1.80亿".into(), "180000000".into(), Qualifier::Exact),
                ("117.2万".into(), "1172000".into(), Qualifier::Exact),
            ]
        );
    }

    #[test]
    fn count_then_amount_stay_apart() {
        let got = amounts("确保全地区7524个684.23亿元的项目");
        assert_eq!(
            got,
            vec![("684.23亿元".into(), "68423000000".into(), Qualifier::Exact)]
        );
    }

    #[test]
    fn qualifiers() {
        assert_eq!(amounts("新增30万元以上的项目")[0].2, Qualifier::AtLeast);
        assert_eq!(
            amounts("超过500万元以上(含500万元)")[0].0,
            "超过500万元以上"
        );
        assert_eq!(amounts("约3000余万元")[0].2, Qualifier::Approx);
        assert_eq!(amounts("不超过20万元")[0].2, Qualifier::AtMost);
        assert_eq!(amounts("≤90万元")[0].2, Qualifier::AtMost);
        assert_eq!(
            amounts("资金3万余元")[0],
            ("3万余元".into(), "30000".into(), Qualifier::Approx)
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(amounts("共45,983.93万元")[0].1, "459839300");
        assert_eq!(amounts("共1,234.5万元")[0].1, "12345000");
    }

    #[test]
    fn ranges_give_two_bounds() {
        let got = amounts("补助100—200万元");
        assert_eq!(
            got,
            vec![
                ("100".into(), "1000000".into(), Qualifier::AtLeast),
                ("200万元".into(), "2000000".into(), Qualifier::AtMost),
            ]
        );
    }

    #[test]
    fn not_money() {
        assert!(amounts("培训5万人次").is_empty());
        assert!(amounts("种植3万亩").is_empty());
        assert!(amounts("财政资金(单位:万元)").is_empty());
        assert!(amounts("共5千人").is_empty());
        assert!(amounts("全县人口30万,").is_empty());
        assert_eq!(amounts("核减了1.7亿财政资金")[0].1, "170000000");
    }
}
