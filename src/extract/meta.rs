//! The document's own metadata: its title, the region it reports on (秀洲区, 渠县, 喀什地区),
//! the fiscal year it is about, and its own 发文字号. Read from the title lines at the top;
//! `null` where the text does not say.

use super::{Fact, FactKind, FactValue};
use crate::text::NormalizedText;
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct DocumentMeta {
    pub title: Option<String>,
    pub region: Option<String>,
    pub year: Option<u16>,
    pub doc_number: Option<String>,
    pub text_chars: usize,
}

/// Words a report's title is made of; a line with one of them is a title candidate.
const TITLE_WORDS: &[&str] = &[
    "关于", "报告", "说明", "总结", "方案", "通知", "情况", "意见", "办法", "自评", "评价", "通报",
];

/// How far into the text the title and the own 发文字号 may stand.
const HEAD_LINES: usize = 12;

static REGION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\p{Han}{1,7}?(?:自治州|自治县|自治旗|特别行政区|地区|新区|林区|矿区|市|县|区|旗|盟|州|省)")
        .expect("valid region pattern")
});

/// First characters that make "X区/X市/X县" a word of prose, not a place (全区, 我市, 各县).
const NOT_PLACE_START: &str = "全我本该各每他其此辖城社小园景街县市区省地新一两上下";

/// Words that may stand right before a place name in a title.
const LEADING_FUNCTION_WORDS: &[&str] = &["关于", "对于", "印发", "转发", "对", "在", "据"];

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})年(度)?").expect("valid year pattern"));

pub(crate) fn read(norm: &NormalizedText, facts: &[Fact]) -> DocumentMeta {
    let original = norm.original();
    let head: Vec<&str> = original
        .lines()
        .map(clean_line)
        .filter(|l| !l.is_empty())
        .take(HEAD_LINES)
        .collect();

    let title = find_title(&head);
    let region = title
        .as_deref()
        .and_then(region_in)
        .or_else(|| head.iter().take(4).find_map(|l| region_in(l)));
    let year = title.as_deref().and_then(year_in).or_else(|| {
        let n = norm.as_str();
        let early = &n[..n.char_indices().nth(400).map_or(n.len(), |(i, _)| i)];
        YEAR.captures_iter(early)
            .find(|c| c.get(2).is_some())
            .and_then(|c| c[1].parse().ok())
    });
    // The own 发文字号 stands alone on a line near the top: only facts in the first lines
    // are looked at, so a long report costs nothing here.
    let head_lines: Vec<&str> = original.lines().take(HEAD_LINES * 2).collect();
    let head_chars: usize = head_lines.iter().map(|l| l.chars().count() + 1).sum();
    let doc_number = facts
        .iter()
        .take_while(|f| f.start < head_chars)
        .filter(|f| f.kind == FactKind::Document)
        .filter(|f| {
            matches!(
                &f.value,
                FactValue::Document {
                    title: None,
                    number: Some(_)
                }
            )
        })
        .find(|f| {
            let line_no = original[..char_to_byte(original, f.start)]
                .matches('\n')
                .count();
            let line = head_lines
                .get(line_no)
                .copied()
                .map(clean_line)
                .unwrap_or("");
            squash(line) == squash(&f.text)
        })
        .and_then(|f| match &f.value {
            FactValue::Document { number, .. } => number.clone(),
            _ => None,
        });
    DocumentMeta {
        title,
        region,
        year,
        doc_number,
        text_chars: norm.original_chars(),
    }
}

fn char_to_byte(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A line without Markdown marks (#, **) and surrounding white space.
fn clean_line(line: &str) -> &str {
    line.trim()
        .trim_start_matches('#')
        .trim()
        .trim_matches('*')
        .trim()
}

fn is_header_line(line: &str) -> bool {
    line.ends_with("文件") || line.ends_with('：') || line.ends_with(':') || line.contains('〔')
}

fn find_title(head: &[&str]) -> Option<String> {
    let pick = head
        .iter()
        .position(|l| {
            !is_header_line(l)
                && TITLE_WORDS.iter().any(|w| l.contains(w))
                && l.chars().count() <= 80
        })
        .or_else(|| head.iter().position(|l| !is_header_line(l)))?;
    let mut title = head[pick].to_string();
    // A title broken over two lines: "关于相山区2022年" + "区级预算绩效工作开展情况的说明".
    let ends_title = |l: &str| {
        [
            "报告", "说明", "总结", "方案", "通知", "意见", "办法", "通报",
        ]
        .iter()
        .any(|w| l.ends_with(w))
    };
    if !ends_title(&title)
        && let Some(next) = head.get(pick + 1)
        && next.chars().count() <= 40
        && ends_title(next)
    {
        title.push_str(next);
    }
    Some(title)
}

pub(crate) fn region_in(line: &str) -> Option<String> {
    let plain: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let mut chain: Option<(usize, String)> = None;
    let mut from = 0;
    while let Some(m) = REGION.find_at(&plain, from) {
        from = m.end();
        // "关于相山区…": a function word the lazy match swept in is not part of the name.
        let name = LEADING_FUNCTION_WORDS
            .iter()
            .find_map(|w| m.as_str().strip_prefix(w))
            .unwrap_or(m.as_str());
        // "岚州市", "徐州市": the lazy match stopped at 州, but the name goes on.
        let mut name = name.to_string();
        let mut end = m.end();
        if name.ends_with('州')
            && let Some(next) = plain[end..]
                .chars()
                .next()
                .filter(|c| "市县区".contains(*c))
        {
            name.push(next);
            end += next.len_utf8();
            from = end;
        }
        let first = name.chars().next()?;
        if NOT_PLACE_START.contains(first) || name.chars().count() < 2 {
            if chain.is_some() {
                break;
            }
            continue;
        }
        match &chain {
            None => chain = Some((end, name)),
            // "安徽省淮北市相山区": the most specific of a run of places.
            Some((chain_end, _)) if *chain_end == m.start() => chain = Some((end, name)),
            Some(_) => break,
        }
    }
    chain.map(|(_, r)| r)
}

fn year_in(title: &str) -> Option<u16> {
    let plain: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    YEAR.captures(&plain).and_then(|c| c[1].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert_eq!(
            region_in("秀洲区 2021 年度预算绩效管理情况说明").as_deref(),
            Some("秀洲区")
        );
        assert_eq!(
            region_in("渠县财政局 关于 2021 年度预算绩效管理工作总结的报告").as_deref(),
            Some("渠县")
        );
        assert_eq!(
            region_in("喀什地区本级2021年度全面实施预算绩效").as_deref(),
            Some("喀什地区")
        );
        assert_eq!(
            region_in("安徽省淮北市相山区财政局").as_deref(),
            Some("相山区")
        );
        assert_eq!(region_in("岚州市财政局").as_deref(), Some("岚州市"));
        assert_eq!(
            region_in("浙江省杭州市西湖区财政局").as_deref(),
            Some("西湖区")
        );
        assert_eq!(region_in("关于全区预算绩效管理的报告"), None);
        assert_eq!(region_in("关于相山区2022年").as_deref(), Some("相山区"));
    }

    #[test]
    fn title_over_two_lines() {
        let head = [
            "关于相山区2022年",
            "区级预算绩效工作开展情况的说明",
            "2022年，相山区高度重视",
        ];
        assert_eq!(
            find_title(&head).as_deref(),
            Some("关于相山区2022年区级预算绩效工作开展情况的说明")
        );
    }
}
