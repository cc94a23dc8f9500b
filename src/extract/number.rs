//! Pieces shared by the numeric scanners: the number pattern (thousands separators allowed),
//! the qualifier words before and after a number, range separators, and the check that a
//! match does not start in the middle of a longer token.

use crate::domain::Qualifier;
use regex::Captures;

/// An Arabic number as the normalized text writes it: "26916.17", "45,983.93".
pub const NUM: &str = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?";

/// Words before a number that qualify it (longest first).
pub const PRE: &str = r"(?P<pre>不低于|不少于|不超过|不高于|不足|超过|高于|低于|少于|多于|大于|小于|至少|最多|将近|大约|约|近|逾|≥|≧|>|≤|≦|<)?";

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

/// Byte spans of the lower and upper bounds of a range match, each a fact of its own: the
/// lower is `at_least`, the upper `at_most`, both with the range's unit.
pub struct RangeParts {
    pub lower_number: (usize, usize),
    pub upper_number: (usize, usize),
}

pub fn range_parts(caps: &Captures) -> Option<RangeParts> {
    let lo = caps.name("num")?;
    let hi = caps.name("num2")?;
    Some(RangeParts {
        lower_number: (lo.start(), lo.end()),
        upper_number: (hi.start(), hi.end()),
    })
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
