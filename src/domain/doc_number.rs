//! `DocNumber`: a 发文字号 such as 渠财绩〔2022〕1号, parsed from any of the bracket forms
//! reports use ([] 【】 （） () 〔〕 ﹝﹞) and normalized to `ISSUER〔YEAR〕N号`.

use regex::Regex;
use std::sync::LazyLock;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocNumber {
    pub issuer: String,
    pub year: u16,
    /// The sequence number as an integer ("第0001号" → 1).
    pub seq: u32,
    /// The digits as written, with 第 when present ("第0001").
    seq_written: String,
}

static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(\p{Han}+)\s*[\[〔【（(［﹝]\s*((?:19|20)\d{2})\s*[\]〕】）)］﹞]\s*(第?\s*[0-9０-９]{1,6})\s*号\s*$",
    )
    .expect("valid doc number pattern")
});

impl DocNumber {
    /// Parses a whole 发文字号; white space anywhere is ignored.
    pub fn parse(s: &str) -> Option<DocNumber> {
        let caps = DOC_NUMBER.captures(s)?;
        let seq_written: String = caps[3]
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                c => c,
            })
            .collect();
        let seq = seq_written.trim_start_matches('第').parse().ok()?;
        Some(DocNumber {
            issuer: caps[1].to_string(),
            year: caps[2].parse().ok()?,
            seq,
            seq_written,
        })
    }

    /// Builds one from parts found by the extractor.
    pub fn new(issuer: &str, year: u16, seq_written: &str) -> Option<DocNumber> {
        let seq = seq_written.trim_start_matches('第').parse().ok()?;
        Some(DocNumber {
            issuer: issuer.to_string(),
            year,
            seq,
            seq_written: seq_written.to_string(),
        })
    }

    /// The normalized form, `ISSUER〔YEAR〕N号`.
    pub fn normalized(&self) -> String {
        format!("{}〔{}〕{}号", self.issuer, self.year, self.seq_written)
    }
}

impl std::fmt::Display for DocNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.normalized())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_forms_normalize() {
        let n = DocNumber::parse("渠财委[2021]2 号").unwrap();
        assert_eq!(n.normalized(), "渠财委〔2021〕2号");
        assert_eq!((n.issuer.as_str(), n.year, n.seq), ("渠财委", 2021, 2));
        for s in [
            "川财绩【2022】1号",
            "川财绩（2022）1号",
            "川财绩(2022)1号",
            "川财绩〔2022〕1号",
        ] {
            assert_eq!(
                DocNumber::parse(s).unwrap().normalized(),
                "川财绩〔2022〕1号",
                "{s}"
            );
        }
        assert_eq!(
            DocNumber::parse("院财绩函（2021） 208号")
                .unwrap()
                .normalized(),
            "院财绩函〔2021〕208号"
        );
    }

    #[test]
    fn keeps_di_and_padding() {
        let n = DocNumber::parse("上会湘报字(2022)第0001号").unwrap();
        assert_eq!(n.normalized(), "上会湘报字〔2022〕第0001号");
        assert_eq!(n.seq, 1);
    }

    #[test]
    fn rejects_non_numbers() {
        assert!(DocNumber::parse("DB42/T 1601-2020").is_none());
        assert!(DocNumber::parse("2021年6月29日").is_none());
        assert!(DocNumber::parse("渠财绩〔22〕1号").is_none());
    }
}
