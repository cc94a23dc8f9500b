//! Domain newtypes: the values a fact can carry, each parsed once from the words of a
//! report (`Amount`, `DocNumber`, `Rating`, `Qualifier`) so the rest of the code never
//! handles an unchecked string or a float.

mod amount;
mod citation;
mod doc_number;
mod numeral;
mod rating;

pub use amount::{Amount, AmountUnit, parse_decimal};
pub use citation::{NumberKey, ProjectKey, TitleKey};
pub use doc_number::DocNumber;
pub use numeral::parse_chinese_count;
pub use rating::Rating;

use serde::{Deserialize, Serialize};

/// How a stated number relates to the true quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    Exact,
    Approx,
    AtLeast,
    AtMost,
}

impl Qualifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Exact => "exact",
            Qualifier::Approx => "approx",
            Qualifier::AtLeast => "at_least",
            Qualifier::AtMost => "at_most",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "exact" => Qualifier::Exact,
            "approx" => Qualifier::Approx,
            "at_least" => Qualifier::AtLeast,
            "at_most" => Qualifier::AtMost,
            _ => return None,
        })
    }

    /// The qualifier a word written before a number gives (超过 500 万元, 约 3 个, ≥50个).
    pub fn from_prefix(word: &str) -> Option<Self> {
        Some(match word {
            "约" | "近" | "将近" | "大约" | "逾" => Qualifier::Approx,
            "不低于" | "不少于" | "超过" | "高于" | "多于" | "大于" | "至少" | "≥" | "≧" | ">"
            | "＞" => Qualifier::AtLeast,
            "不超过" | "不高于" | "不足" | "低于" | "少于" | "小于" | "最多" | "未达到"
            | "未达" | "≤" | "≦" | "<" | "＜" => Qualifier::AtMost,
            _ => return None,
        })
    }

    /// The qualifier a word written after a number gives (30 万元以上, 100 余个, 10%以内).
    pub fn from_suffix(word: &str) -> Option<Self> {
        Some(match word {
            "余" | "多" | "左右" => Qualifier::Approx,
            "以上" | "及以上" => Qualifier::AtLeast,
            "以下" | "以内" | "之内" | "及以下" => Qualifier::AtMost,
            _ => return None,
        })
    }

    /// Combines what the words before and after say; "超过 500 万元以上" is still at_least.
    pub fn combine(self, other: Qualifier) -> Qualifier {
        match (self, other) {
            (Qualifier::Exact, q) | (q, Qualifier::Exact) => q,
            (a, _) => a,
        }
    }
}

impl std::fmt::Display for Qualifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifier_words() {
        assert_eq!(Qualifier::from_prefix("超过"), Some(Qualifier::AtLeast));
        assert_eq!(Qualifier::from_prefix("不足"), Some(Qualifier::AtMost));
        assert_eq!(Qualifier::from_prefix("约"), Some(Qualifier::Approx));
        assert_eq!(Qualifier::from_suffix("以内"), Some(Qualifier::AtMost));
        assert_eq!(Qualifier::from_suffix("及以上"), Some(Qualifier::AtLeast));
        assert_eq!(Qualifier::from_suffix("左右"), Some(Qualifier::Approx));
        assert_eq!(Qualifier::from_prefix("的"), None);
        assert_eq!(
            Qualifier::AtLeast.combine(Qualifier::AtLeast),
            Qualifier::AtLeast
        );
        assert_eq!(
            Qualifier::Exact.combine(Qualifier::AtMost),
            Qualifier::AtMost
        );
    }
}
