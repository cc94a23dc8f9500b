//! The document's own metadata: its title, the region it reports on (秀洲区, 渠县, 喀什地区,
//! a township's own report → the township), the fiscal year it is about, and its own 发文字号.
//! Read from the title lines at the top, the issuing body and the opening lines; the region is
//! a name of the gazetteer of divisions, never a fragment of prose; `null` where the text does
//! not say.

use super::gazetteer::{Gazetteer, Level};
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

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})年(度)?").expect("valid year pattern"));

/// A date of writing ("2024年2月"), for a report about 上年度.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月").expect("valid date pattern")
});

/// Title words of a notice or report on evaluation results, whose title year is the year of
/// writing while the spending evaluated is of an earlier fiscal year.
const RESULT_TITLE_WORDS: &[&str] = &["通报", "评价结果", "结果的", "评价报告", "评价情况"];

/// Endings of a line that names the issuing body ("王江泾镇人民政府", "龙华街道办事处").
const ISSUER_ENDINGS: &[&str] = &[
    "人民政府",
    "政府",
    "办事处",
    "财政局",
    "财政所",
    "财政厅",
    "委员会",
    "管委会",
    "财政分局",
];

pub(crate) fn read(norm: &NormalizedText, facts: &[Fact]) -> DocumentMeta {
    let original = norm.original();
    // The first lines with text, each with whether it follows the one before it directly
    // (no blank line between): a title broken over lines keeps its lines together.
    let mut head: Vec<&str> = Vec::new();
    let mut joined: Vec<bool> = Vec::new();
    let mut after_blank = true;
    for line in original.lines().map(clean_line) {
        if head.len() == HEAD_LINES {
            break;
        }
        if line.is_empty() {
            after_blank = true;
            continue;
        }
        joined.push(!after_blank);
        head.push(line);
        after_blank = false;
    }

    let title = find_title(&head, &joined);
    let region = find_region(title.as_deref(), &head).or_else(|| signed_region(original));
    let n = norm.as_str();
    let early = &n[..n.char_indices().nth(400).map_or(n.len(), |(i, _)| i)];
    let year = fiscal_year(title.as_deref(), early, n);
    // The own 发文字号 stands alone on a short line near the top: only facts on the first
    // lines are looked at, and each line is measured once, so neither a long report nor one
    // endless line costs more than a pass over the head.
    let head_lines: Vec<(usize, &str)> = original
        .split('\n')
        .take(HEAD_LINES * 2)
        .scan(0usize, |start, l| {
            let at = *start;
            *start += l.chars().count() + 1;
            Some((at, l))
        })
        .collect();
    let head_chars = head_lines
        .last()
        .map_or(0, |(at, l)| at + l.chars().count() + 1);
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
            let line_no = head_lines.partition_point(|(at, _)| *at <= f.start) - 1;
            let line = clean_line(head_lines[line_no].1);
            // A line much longer than the fact is prose around it, not the number alone.
            line.len() <= f.text.len() * 2 + 16 && squash(line) == squash(&f.text)
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

/// Lines that are never a title: an attachment's label, a sentence, a table's header row, a
/// numbered heading.
fn cannot_be_title(line: &str) -> bool {
    let cells = line
        .split(['\t', '|', '｜'])
        .filter(|c| !c.trim().is_empty())
        .count();
    line.starts_with("附件")
        || line.contains(['。', '；', ';'])
        || line.ends_with(['，', ','])
        || cells > 1
        || line.contains("   ")
        || line.contains("序号")
        || line.contains("项目名称")
        || starts_with_heading_number(line)
}

/// "一、", "（一）", "1.", "(2)": a heading inside the report, not its title.
fn starts_with_heading_number(line: &str) -> bool {
    let rest = line.trim_start_matches(['（', '(']);
    let numeral_end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || "一二三四五六七八九十".contains(*c)))
        .map_or(rest.len(), |(i, _)| i);
    numeral_end > 0 && rest[numeral_end..].starts_with(['、', '.', '．', '）', ')'])
}

/// The region of the body that signs the report at its end ("晋江市财政局" over "2022年3月18日"),
/// for a report whose top names no place.
fn signed_region(original: &str) -> Option<String> {
    let tail: Vec<&str> = original
        .lines()
        .rev()
        .map(clean_line)
        .filter(|l| !l.is_empty())
        .take(6)
        .collect();
    // Read upwards: the date, then the signing bodies above it.
    let date_at = tail
        .iter()
        .position(|l| DATE.is_match(l) && l.chars().count() <= 16)?;
    tail[date_at + 1..]
        .iter()
        .take(2)
        .filter(|l| l.chars().count() <= 30)
        .find_map(|l| region_in(l))
}

fn find_title(head: &[&str], joined: &[bool]) -> Option<String> {
    let gazetteer = Gazetteer::shared();
    let pick = head.iter().position(|l| {
        !is_header_line(l)
            && !cannot_be_title(l)
            && TITLE_WORDS.iter().any(|w| l.contains(w))
            && l.chars().count() <= 80
    })?;
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
    // A form's year under its title: "项目支出绩效自评表" + "（2023年度）".
    if let Some(next) = head.get(pick + 1)
        && joined.get(pick + 1) == Some(&true)
        && BRACKETED_YEAR.is_match(next)
    {
        title.push_str(next);
    }
    // The places a title is about, on the line above it: "新疆…库车市伊西哈拉镇" + "2021年度…报告";
    // or the first line of a title broken in its middle, right above it ("2022年度…救助资金" +
    // "项目支出…报告"). The issuing body's name above a title is not part of it ("渠县财政局" +
    // "关于…的报告").
    if let Some(above) = pick.checked_sub(1).map(|k| head[k]) {
        let first_line_of_title = joined[pick]
            && above.chars().count() <= 40
            && !is_header_line(above)
            && !cannot_be_title(above)
            && !ends_title(above)
            && !names_a_body(above)
            && !TITLE_WORDS.iter().any(|w| above.contains(w));
        if gazetteer.is_only_places(above) || first_line_of_title {
            title.insert_str(0, above);
        }
    }
    Some(title)
}

/// The region the report is by or about: the place of its title, made more specific by the
/// issuing body named near the top (a township's report under its county's name), else the
/// place of the opening lines.
fn find_region(title: Option<&str>, head: &[&str]) -> Option<String> {
    let gazetteer = Gazetteer::shared();
    let from_title = title.and_then(|t| gazetteer.region_in(t));
    let from_issuer = head
        .iter()
        .filter(|l| l.chars().count() <= 30 && !is_header_line(l))
        .filter(|l| ISSUER_ENDINGS.iter().any(|e| l.ends_with(e)))
        .find_map(|l| gazetteer.region_in(l));
    let chosen = match (from_title, from_issuer) {
        (Some(t), Some(i)) if i.level > t.level && i.level == Level::Township => Some(i),
        (Some(t), _) => Some(t),
        (None, Some(i)) => Some(i),
        (None, None) => head
            .iter()
            .take(4)
            .filter(|l| !is_header_line(l))
            .find_map(|l| gazetteer.region_in(l)),
    };
    chosen.map(|p| p.name)
}

/// A region named in a line (a form's 主管部门 or 项目名称): the most specific place of its
/// first run of places.
pub(crate) fn region_in(line: &str) -> Option<String> {
    Gazetteer::shared()
        .region_in(line)
        .map(|p| p.name)
        .or_else(|| named_by_institution(line))
}

/// A department named as place + institution ("桐川县水利局", "槐渚镇人民政府") or a project as
/// place + year ("岚溪区2023年…"): the place, also where the gazetteer does not know it (a new
/// or renamed county). The institution word or the year is what makes the prefix a place.
fn named_by_institution(name: &str) -> Option<String> {
    static PLACE_THEN_INSTITUTION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(\p{Han}{1,6}?(?:自治县|自治旗|县|区|市|旗|镇|乡|街道))(?:\p{Han}{0,12}(?:局|委员会|委|办公室|办|中心|站|院|馆|所|厅|部|人民政府|政府|联合会|协会)$|(?:19|20)\d{2}年)",
        )
        .expect("valid pattern")
    });
    let squashed: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    PLACE_THEN_INSTITUTION
        .captures(&squashed)
        .map(|c| c[1].to_string())
}

/// Whether a line is the name of a body (an issuer): "渠县财政局", "…街道办事处", "…管委会".
fn names_a_body(line: &str) -> bool {
    ISSUER_ENDINGS.iter().any(|e| line.ends_with(e))
        || line.ends_with([
            '局', '厅', '处', '府', '会', '院', '所', '室', '部', '委', '司',
        ])
}

/// "(2023年度)" alone on a line.
static BRACKETED_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[（(]\s*(?:19|20)\d{2}\s*年度?\s*[)）]$").expect("valid pattern")
});

/// A year written in Chinese numerals ("二〇二一年度") in ASCII digits, so one pattern reads
/// every year.
fn arabic_years(s: &str) -> std::borrow::Cow<'_, str> {
    static CHINESE_YEAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[〇零○一二三四五六七八九]{4}年").expect("valid pattern"));
    CHINESE_YEAR.replace_all(s, |c: &regex::Captures| {
        c[0].chars()
            .map(|ch| match ch {
                '〇' | '零' | '○' => '0',
                '一' => '1',
                '二' => '2',
                '三' => '3',
                '四' => '4',
                '五' => '5',
                '六' => '6',
                '七' => '7',
                '八' => '8',
                '九' => '9',
                other => other,
            })
            .collect::<String>()
    })
}

/// The fiscal year the report is about: the title's "2022年度"; for a notice of evaluation
/// results titled with its year of writing ("2023年…评价结果的通报"), the "2022年度" of its
/// opening; a title about 上年度 is the year before it was written; else the first "年度" of
/// the opening.
fn fiscal_year(title: Option<&str>, early: &str, text: &str) -> Option<u16> {
    let first_fiscal = |s: &str| -> Option<u16> {
        YEAR.captures_iter(s)
            .find(|c| c.get(2).is_some())
            .and_then(|c| c[1].parse().ok())
    };
    let year_before_writing = || -> Option<u16> {
        DATE.captures(text)
            .and_then(|c| c[1].parse::<u16>().ok())
            .map(|y| y - 1)
    };
    if let Some(title) = title {
        let plain: String = title.chars().filter(|c| !c.is_whitespace()).collect();
        let plain = arabic_years(&plain);
        if let Some(caps) = YEAR.captures(&plain) {
            let year: u16 = caps[1].parse().ok()?;
            if caps.get(2).is_some() {
                return Some(year);
            }
            let about_results = RESULT_TITLE_WORDS.iter().any(|w| plain.contains(w));
            if about_results && first_fiscal(early) == Some(year - 1) {
                return Some(year - 1);
            }
            return Some(year);
        }
        if plain.contains("上年度") || plain.contains("上一年度") {
            return year_before_writing();
        }
    }
    first_fiscal(early).or_else(|| {
        (early.contains("上年度") || early.contains("上一年度"))
            .then(year_before_writing)
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_names_its_place() {
        assert_eq!(region_in("桐川县水利局").as_deref(), Some("桐川县"));
        assert_eq!(region_in("槐渚镇人民政府").as_deref(), Some("槐渚镇"));
        assert_eq!(
            region_in("岚溪区2023年文化惠民演出补助资金").as_deref(),
            Some("岚溪区")
        );
        assert_eq!(region_in("市容环境卫生管理"), None);
    }

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
        assert_eq!(region_in("徐州市财政局").as_deref(), Some("徐州市"));
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
            find_title(&head, &[false, true, false]).as_deref(),
            Some("关于相山区2022年区级预算绩效工作开展情况的说明")
        );
    }

    #[test]
    fn titles_over_lines_and_years_in_words() {
        let m = meta_of("2022年度呼伦贝尔市城乡医疗救助资金\n项目支出绩效评价报告\n\n市财政局：\n");
        assert_eq!(
            m.title.as_deref(),
            Some("2022年度呼伦贝尔市城乡医疗救助资金项目支出绩效评价报告")
        );
        // A letterhead apart from the title stays apart.
        let m = meta_of("某市财政局文件\n\n关于2023年度绩效评价结果的通报\n");
        assert_eq!(m.title.as_deref(), Some("关于2023年度绩效评价结果的通报"));
        let m = meta_of("项目支出绩效自评表\n（2023年度）\n项目名称\n");
        assert_eq!(m.title.as_deref(), Some("项目支出绩效自评表（2023年度）"));
        let m = meta_of(
            "关于二〇二一年度预算绩效管理工作情况的报告\n\n市人民政府：\n正文。\n\n晋江市财政局\n2022年3月18日\n",
        );
        assert_eq!((m.year, m.region.as_deref()), (Some(2021), Some("晋江市")));
    }

    fn meta_of(text: &str) -> DocumentMeta {
        let norm = NormalizedText::new(text);
        read(&norm, &[])
    }

    #[test]
    fn township_report() {
        let m = meta_of(
            "秀洲区王江泾镇2022年度预算绩效管理工作总结\n\n2022年,我镇全面实施预算绩效管理。",
        );
        assert_eq!(m.region.as_deref(), Some("王江泾镇"));
        // Issued by the township under a title that names only its county.
        let m = meta_of(
            "秀洲区2022年度镇级预算绩效自评报告\n王江泾镇人民政府\n2022年,全镇实施项目12个。",
        );
        assert_eq!(m.region.as_deref(), Some("王江泾镇"));
        let m = meta_of(
            "新疆维吾尔自治区阿克苏地区库车市伊西哈拉镇\n2021年度财政支出项目绩效评价报告\n上年度,全镇……",
        );
        assert_eq!(m.region.as_deref(), Some("伊西哈拉镇"));
        assert_eq!(m.year, Some(2021));
    }

    #[test]
    fn fragments_are_no_region() {
        for text in [
            "2022年全区预算绩效工作情况的报告\n一年来,全区上下……",
            "为全面贯彻省委决策部署,现将有关情况报告如下。",
        ] {
            assert_eq!(meta_of(text).region, None, "{text}");
        }
        let m = meta_of("中共中山市委办公室关于2022年度绩效评价情况的通报\n各镇街:");
        assert_eq!(m.region.as_deref(), Some("中山市"));
    }

    #[test]
    fn fiscal_years() {
        let m = meta_of(
            "关于2023年财政支出绩效评价结果的通报\n各单位:\n我局对2022年度项目开展了评价。",
        );
        assert_eq!(m.year, Some(2022));
        let m = meta_of("关于上年度预算绩效自评情况的报告\n……\n渠县财政局\n2024年3月5日");
        assert_eq!(m.year, Some(2023));
        let m = meta_of("项目支出绩效自评表\n(2023年度)\n项目名称");
        assert_eq!(m.year, Some(2023));
        let m = meta_of("某县2022年度部门整体支出绩效评价报告\n");
        assert_eq!(m.year, Some(2022));
    }

    #[test]
    fn titles_are_title_lines() {
        assert_eq!(
            meta_of("附件1\n序号\t项目名称\t评价等级\n1\t某项目\t优").title,
            None
        );
        assert_eq!(
            meta_of("附件2:评价结果汇总表\n经评价,结果情况如下。").title,
            None
        );
        assert_eq!(
            meta_of("渠县财政局\n关于2021年度预算绩效管理工作的报告\n")
                .title
                .as_deref(),
            Some("关于2021年度预算绩效管理工作的报告")
        );
    }
}
