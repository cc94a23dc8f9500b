//! `Rating`: the four evaluation grades (优/良/中/差) and the words reports use for them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rating {
    #[serde(rename = "优")]
    Excellent,
    #[serde(rename = "良")]
    Good,
    #[serde(rename = "中")]
    Fair,
    #[serde(rename = "差")]
    Poor,
}

impl Rating {
    /// Parses a grade word; a space or line break inside ("优 秀") is ignored.
    /// "优良" (two grades at once) and letter grades are not ratings.
    pub fn parse(word: &str) -> Option<Rating> {
        let squashed: String = word.chars().filter(|c| !c.is_whitespace()).collect();
        let trimmed = squashed.trim_matches(|c| matches!(c, '“' | '”' | '"' | '\'' | '「' | '」'));
        Some(match trimmed {
            "优" | "优秀" => Rating::Excellent,
            "良" | "良好" => Rating::Good,
            "中" | "中等" | "一般" => Rating::Fair,
            "差" | "较差" => Rating::Poor,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Excellent => "优",
            Rating::Good => "良",
            Rating::Fair => "中",
            Rating::Poor => "差",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_words() {
        assert_eq!(Rating::parse("优秀"), Some(Rating::Excellent));
        assert_eq!(Rating::parse("“良”"), Some(Rating::Good));
        assert_eq!(Rating::parse("优 秀"), Some(Rating::Excellent));
        assert_eq!(Rating::parse("一般"), Some(Rating::Fair));
        assert_eq!(Rating::parse("较差"), Some(Rating::Poor));
        assert_eq!(Rating::parse("优良"), None);
        assert_eq!(Rating::parse("A"), None);
    }
}
