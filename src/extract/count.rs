//! `count`: a number of things with a measure word ("预算项目 509 个", "100 余个案例",
//! "八个县市", "5519人次"). Chinese numerals count only as a whole jieba word ("一次性" and
//! "统一" are not numbers), never inside quotes (“六个理念”), and "一个"/"一项" alone is
//! the article "a". A measure word followed by a period word is a duration ("三个月").

use super::lexicon::Lexicon;
use super::number::{self, NUM, PRE, RANGE, SUF, candidate};
use super::{Candidate, FactKind, FactValue, Rule, Span};
use crate::domain::{parse_chinese_count, parse_decimal};
use regex::Regex;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

pub struct CountPattern(Regex);

impl CountPattern {
    /// A pattern that matches nothing, until the lexicon it is built from is loaded.
    pub(crate) fn placeholder() -> CountPattern {
        CountPattern(Regex::new(r"[^\s\S]").expect("valid empty pattern"))
    }

    pub fn new(lex: &Lexicon) -> CountPattern {
        let measures = lex
            .measure_words
            .iter()
            .map(|w| regex::escape(w))
            .collect::<Vec<_>>()
            .join("|");
        let pattern = format!(
            r"{PRE}(?:(?P<num>{NUM})(?:{RANGE}(?P<num2>{NUM}))?|(?P<cn>[零〇一二两三四五六七八九十百千]+))(?P<mult>万|亿)?(?P<approx>余|多)?(?P<mw>{measures}){SUF}"
        );
        CountPattern(Regex::new(&pattern).expect("valid count pattern"))
    }
}

pub(crate) fn scan(s: &str, lex: &Lexicon) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut quotes = Quotes::default();
    for caps in lex.count_pattern.0.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let whole = caps.get(0).expect("match");
        let mw = caps.name("mw").expect("measure word");
        let number_group = caps.name("num").or(caps.name("cn")).expect("a number");
        if number::starts_mid_token(s, number_group.start()) && caps.name("pre").is_none() {
            continue;
        }
        // "三个月", "5个工作日": a duration. Only 个 reads so; "12项年度任务" is a count.
        // "两个多月": 多/余 may stand between.
        let duration = mw.as_str() == "个"
            && lex.starts_with_period(s[mw.end()..].trim_start_matches(['多', '余']));
        if lex.is_rank(s, number_group.start())
            || duration
            || is_phase(&caps, s)
            || is_article_of_rule(s, whole.start(), mw.as_str())
        {
            continue;
        }
        // The measure word must end a word: "5部门" is not five of 部, "3个人" is not a count.
        if lex.measure_starts_word(&s[mw.start()..]) {
            continue;
        }
        let multiplier = match caps.name("mult").map(|m| m.as_str()) {
            Some("万") => 10_000u64,
            Some("亿") => 100_000_000,
            _ => 1,
        };
        let qualifier = number::qualifier(&caps, &["approx"]);
        let unit = mw.as_str().to_string();

        if let Some(cn) = caps.name("cn") {
            // Chinese numerals: a whole word, not quoted, not the article 一. "二次" before
            // a word is the adjective "secondary" (二次开挖, 二次供水): a count of times is
            // written 两次 or 2次.
            let secondary = cn.as_str() == "二"
                && mw.as_str() == "次"
                && s[mw.end()..].chars().next().is_some_and(is_han);
            if cn.as_str() == "一" || secondary || quotes.inside(s, cn.start()) {
                continue;
            }
            if !lex.on_word_boundaries(s, cn.start(), mw.end()) {
                continue;
            }
            let Some(n) = parse_chinese_count(cn.as_str()) else {
                continue;
            };
            let span = Span {
                start: whole.start(),
                end: whole.end(),
            };
            out.push(candidate(
                FactKind::Count,
                FactValue::Integer(n * multiplier),
                Some(&unit),
                qualifier,
                span,
                Rule::CountChinese,
            ));
            continue;
        }

        let to_count = |text: &str| -> Option<u64> {
            let d: Decimal = parse_decimal(text)?;
            if d.fract() != Decimal::ZERO && multiplier == 1 {
                return None;
            }
            (d * Decimal::from(multiplier)).trunc().to_u64()
        };
        number::emit(s, &caps, qualifier, to_count, |n, q, span, ranged| {
            out.push(candidate(
                FactKind::Count,
                FactValue::Integer(n),
                Some(&unit),
                q,
                span,
                if ranged {
                    Rule::CountRange
                } else {
                    Rule::CountMeasure
                },
            ))
        });
    }
    out
}

/// Nouns after "二期/三期" that make it a phase of a project ("二期工程"), not a count of
/// sessions ("培训三期").
const PHASED: &[&str] = &[
    "工程", "项目", "建设", "改造", "扩建", "续建", "园区", "厂房",
];

/// Words of sessions and issues, which are counted in 期.
const SESSIONS: &[&str] = &[
    "培训", "班", "举办", "举行", "召开", "开展", "组织", "讲座", "简报", "专刊", "刊", "编发",
    "编印", "发布", "活动", "轮",
];

/// "二期工程", "引洮供水二期配套工程项目", "三期市政配套工程": a phase names the project that
/// follows it within a few words; "老旧小区改造二期", "遗址保护展示工程二期等项目": or ends
/// the project's name before it.
fn is_phase(caps: &regex::Captures, s: &str) -> bool {
    let mw = caps.name("mw").expect("measure word");
    if mw.as_str() != "期" {
        return false;
    }
    let rest = &s[mw.end()..];
    // "配套三期2个项目": a count does not follow a count; the phase is part of a name.
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    let name_end = rest
        .char_indices()
        .enumerate()
        .find(|&(n, (_, c))| n == 10 || !is_han(c))
        .map_or(rest.len(), |(_, (i, _))| i);
    let number_start = caps.get(0).expect("match").start();
    let before = &s[..number_start];
    // "改造工程（三期）": a phase in brackets after the name.
    if before.ends_with(['（', '(']) && rest.starts_with(['）', ')']) {
        return true;
    }
    // "中安创谷三期人才公寓": a phase written in Chinese numerals is a phase unless the text
    // around it speaks of sessions or issues ("举办培训班三期", "编发简报三期").
    if caps.name("cn").is_some() {
        let near_before: String = before
            .chars()
            .rev()
            .take(10)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let near_after: String = rest.chars().take(4).collect();
        return !SESSIONS
            .iter()
            .any(|w| near_before.contains(w) || near_after.contains(w));
    }
    let name_start = before
        .char_indices()
        .rev()
        .enumerate()
        .find(|&(n, (_, c))| n == 10 || !is_han(c))
        .map_or(0, |(_, (i, c))| i + c.len_utf8());
    PHASED
        .iter()
        .any(|w| rest[..name_end].contains(w) || before[name_start..].contains(w))
}

/// "共五章三十条", "《办法》共30条", "本办法共10条", "第十二条": the articles of a rule, not
/// things counted.
fn is_article_of_rule(s: &str, start: usize, measure: &str) -> bool {
    if measure != "条" {
        return false;
    }
    let before = s[..start].trim_end_matches(['共', '计', '分']);
    before.ends_with(['章', '》', '第'])
        || s[..start].ends_with("》共")
        || RULES.iter().any(|r| before.ends_with(r))
}

/// Names of rules whose length is told in articles ("本办法共10条", "细则分12条").
const RULES: &[&str] = &["办法", "规定", "条例", "细则", "规则", "制度", "守则"];

pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Whether positions sit inside “…” (or 「…」) opened earlier on the same line. Asked in
/// increasing order, as the scanner's matches come, it reads each character of the text once
/// (scanning back to the line start for every number made one long line quadratic).
#[derive(Default)]
struct Quotes {
    read_to: usize,
    /// Opening minus closing quotes since the last line break before `read_to`.
    depth: isize,
}

impl Quotes {
    fn inside(&mut self, s: &str, at: usize) -> bool {
        if at < self.read_to {
            *self = Quotes::default();
        }
        for c in s[self.read_to..at].chars() {
            match c {
                '\n' => self.depth = 0,
                '“' | '「' => self.depth += 1,
                '”' | '」' => self.depth -= 1,
                _ => {}
            }
        }
        self.read_to = at;
        self.depth > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Qualifier;

    fn counts(text: &str) -> Vec<(String, u64, Qualifier)> {
        crate::extract::scanned(text, scan)
            .into_iter()
            .map(|(t, v, q)| (t, v.parse().expect("a count"), q))
            .collect()
    }

    #[test]
    fn measure_words_and_qualifiers() {
        assert_eq!(
            counts("预算项目509个,"),
            vec![("509个".into(), 509, Qualifier::Exact)]
        );
        assert_eq!(
            counts("100余个案例")[0],
            ("100余个".into(), 100, Qualifier::Approx)
        );
        assert_eq!(counts("培训23次。")[0].1, 23);
        assert_eq!(counts("累计5519人次")[0].0, "5519人次");
        assert_eq!(counts("采用254篇次")[0].0, "254篇次");
        assert_eq!(counts("不少于3家")[0].2, Qualifier::AtLeast);
        assert_eq!(counts("≥50个项目")[0].2, Qualifier::AtLeast);
        assert_eq!(counts("共1.2万户")[0].1, 12000);
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(counts("八个县市位列全疆前二十")[0].1, 8);
        assert_eq!(counts("培训两千人次")[0].1, 2000);
        assert!(counts("作为一项重大政治任务").is_empty());
        assert!(counts("推动“六个理念”落地").is_empty());
        assert!(counts("进一步做好一次性补助").is_empty());
        // Numerals inside words and idioms are not counts (jieba word boundaries).
        assert!(counts("三番五次强调,千家万户受益").is_empty());
        assert_eq!(counts("统一管理一般性项目858个")[0].1, 858);
    }

    #[test]
    fn periods_and_ordinals_are_not_counts() {
        assert!(counts("提前一个月分析").is_empty());
        assert!(counts("7个工作日内").is_empty());
        assert!(counts("第三次中央新疆工作座谈会").is_empty());
        assert!(counts("第3次").is_empty());
        assert!(counts("提高3个百分点").is_empty());
        assert!(counts("1+X制度").is_empty());
    }

    #[test]
    fn phases_and_articles_are_not_counts() {
        assert!(counts("实施污水处理厂三期工程").is_empty());
        assert!(counts("园区二期项目建成").is_empty());
        assert!(counts("引洮供水二期配套工程项目").is_empty());
        assert!(counts("碧江片区三期市政配套工程项目").is_empty());
        assert!(counts("老旧小区改造二期\n").is_empty());
        assert!(counts("遗址保护展示工程二期、娄山关路提升改造三期等项目").is_empty());
        assert_eq!(counts("公路配套三期2个项目")[0].1, 2);
        assert!(counts("评价工作历时两个多月").is_empty());
        assert_eq!(counts("改造危房126栋,新打机井96眼。").len(), 2);
        assert!(counts("中安创谷三期人才公寓运营补贴").is_empty());
        assert!(counts("快速化改造工程（三期）主线通车").is_empty());
        assert_eq!(counts("编发绩效简报三期，")[0].1, 3);
        assert_eq!(counts("举办培训班三期,")[0].1, 3);
        assert_eq!(counts("组织业务培训6期,")[0].1, 6);
        assert!(counts("《管理办法》共五章三十条").is_empty());
        assert!(counts("办法共分6章28条").is_empty());
        assert!(counts("本办法共10条,自印发之日起施行").is_empty());
        assert_eq!(counts("提出整改意见12条")[0].1, 12);
        assert_eq!(counts("未达到5个")[0].2, Qualifier::AtMost);
        assert_eq!(counts("至少3家")[0].2, Qualifier::AtLeast);
    }

    #[test]
    fn full_width_digits_via_normalized_view() {
        let n = crate::text::NormalizedText::new("共１２３个项目");
        assert_eq!(counts(n.as_str())[0].1, 123);
    }

    #[test]
    fn ranges() {
        let got = counts("3至5个");
        assert_eq!(got[0], ("3".into(), 3, Qualifier::AtLeast));
        assert_eq!(got[1], ("5个".into(), 5, Qualifier::AtMost));
    }
}
