//! Chinese numerals of counts (八个县市 → 8, 两千 → 2000), parsed only as an isolated
//! numeral: the text itself is never rewritten, so 十四五 or 四梁八柱 stay words.

use chinese_number::{ChineseCountMethod, ChineseToNumber};

/// Parses a run of Chinese numeral characters; `None` when it is not a well-formed number.
pub fn parse_chinese_count(numeral: &str) -> Option<u64> {
    if numeral.is_empty() {
        return None;
    }
    // The crate reads 两 only in some positions; it always means 二 in a count.
    let plain: String = numeral
        .chars()
        .map(|c| if c == '两' { '二' } else { c })
        .collect();
    plain.to_number(ChineseCountMethod::TenThousand).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_numerals() {
        assert_eq!(parse_chinese_count("八"), Some(8));
        assert_eq!(parse_chinese_count("两千"), Some(2000));
        assert_eq!(parse_chinese_count("十二"), Some(12));
        assert_eq!(parse_chinese_count("一百零五"), Some(105));
        assert_eq!(parse_chinese_count("三万"), Some(30000));
        assert_eq!(parse_chinese_count(""), None);
    }
}
