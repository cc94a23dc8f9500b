//! Pieces shared by the numeric scanners: the number pattern (thousands separators allowed),
//! the qualifier words before and after a number, range separators, and the check that a
//! match does not start in the middle of a longer token.

use super::{Candidate, Fact, FactKind, FactValue, Rule, Span};
use crate::domain::{Qualifier, parse_decimal};
use regex::Captures;

/// An Arabic number as the normalized text writes it: "26916.17", "45,983.93".
pub const NUM: &str = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?";

/// Words before a number that qualify it (longest first).
pub const PRE: &str = r"(?P<pre>未达到|不低于|不少于|不超过|不高于|不足|未达|超过|高于|低于|少于|多于|大于|小于|至少|最多|将近|大约|约|近|逾|≥|≧|>|≤|≦|<)?";

/// Words after a number and its unit that qualify it.
pub const SUF: &str = r"(?P<suf>及以上|以上|及以下|以下|以内|之内|左右)?";

/// Range separators: "70-80分", "100—200万元", "3至5个".
pub const RANGE: &str = r"(?:-|—|–|~|至|到)";

/// Whether a match at `start` would begin inside a longer number or word (a digit, a Latin
/// letter, a decimal point or a "+" of "1+X" right before it), or is an ordinal (第).
pub fn starts_mid_token(s: &str, start: usize) -> bool {
    s[..start].chars().next_back().is_some_and(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '第' | '/' | '-' | '_')
    })
}

/// Whether the text right after `end` continues a number or a code ("1+X", "3.5.2").
pub fn ends_mid_token(s: &str, end: usize) -> bool {
    let mut it = s[end..].chars();
    match it.next() {
        Some(c) if c.is_ascii_alphanumeric() || c == '+' => true,
        Some('.') => it.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// The qualifier that the `pre` and `suf` groups of a match give.
pub fn qualifier(caps: &Captures, approx_groups: &[&str]) -> Qualifier {
    let mut q = Qualifier::Exact;
    if let Some(p) = caps.name("pre") {
        q = q.combine(Qualifier::from_prefix(p.as_str()).unwrap_or(Qualifier::Exact));
    }
    if let Some(s) = caps.name("suf") {
        q = q.combine(Qualifier::from_suffix(s.as_str()).unwrap_or(Qualifier::Exact));
    }
    if approx_groups.iter().any(|g| caps.name(g).is_some()) {
        q = q.combine(Qualifier::Approx);
    }
    q
}

/// Emits the decimal fact (or the two bounds of a range) a percent or score match holds,
/// with its unit, qualifier as written.
pub(crate) fn emit_decimal(
    s: &str,
    caps: &Captures,
    kind: FactKind,
    unit: &str,
    rule: Rule,
    out: &mut Vec<Candidate>,
) {
    emit(
        s,
        caps,
        qualifier(caps, &[]),
        parse_decimal,
        |v, q, span, ranged| {
            let rule = if ranged { rule.as_range() } else { rule };
            out.push(candidate(
                kind,
                FactValue::Decimal(v),
                Some(unit),
                q,
                span,
                rule,
            ))
        },
    );
}

/// The facts of one numeric match: one, or for a range ("70-80分", "20%-30%", "3至5个")
/// two — the lower bound `at_least`, the upper `at_most`, both with the range's unit.
/// `parse` turns a number as written into the value; `None` drops the match. `make` is told
/// whether the fact bounds a range.
pub(crate) fn emit<T>(
    s: &str,
    caps: &Captures,
    qualifier: Qualifier,
    parse: impl Fn(&str) -> Option<T>,
    mut make: impl FnMut(T, Qualifier, Span, bool),
) {
    let whole = caps.get(0).expect("a match");
    let num = caps.name("num").expect("a number group");
    match caps.name("num2") {
        Some(upper) => {
            let (Some(lo), Some(hi)) = (parse(num.as_str()), parse(upper.as_str())) else {
                return;
            };
            // A unit written on the lower bound too ("20%-30%") belongs to its span.
            let lower_end = num.end() + usize::from(s[num.end()..].starts_with('%'));
            make(
                lo,
                Qualifier::AtLeast,
                Span {
                    start: whole.start(),
                    end: lower_end,
                },
                true,
            );
            make(
                hi,
                Qualifier::AtMost,
                Span {
                    start: upper.start(),
                    end: whole.end(),
                },
                true,
            );
        }
        None => {
            if let Some(v) = parse(num.as_str()) {
                make(
                    v,
                    qualifier,
                    Span {
                        start: whole.start(),
                        end: whole.end(),
                    },
                    false,
                );
            }
        }
    }
}

/// A numeric candidate: its value, unit and qualifier over `span`.
pub(crate) fn candidate(
    kind: FactKind,
    value: FactValue,
    unit: Option<&str>,
    qualifier: Qualifier,
    span: Span,
    rule: Rule,
) -> Candidate {
    let mut fact = Fact::new(kind, value, span, rule);
    fact.unit = unit.map(String::from);
    fact.qualifier = qualifier;
    Candidate {
        fact,
        span,
        title: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mid_token() {
        assert!(starts_mid_token("第3", 3));
        assert!(starts_mid_token("1+2", 2));
        assert!(!starts_mid_token("共3", 3));
        assert!(ends_mid_token("1+X", 1));
        assert!(ends_mid_token("3.5", 1));
        assert!(!ends_mid_token("3。", 1));
    }
}
