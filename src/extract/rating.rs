//! `rating`: an evaluation grade. A quoted grade (评价等级为“优”, 24 个“良”), a grade after
//! an evaluation word (评价为优, 评价结果为差, 结果良好), "良好以上" (at least 良) and
//! "良好水平". "优良" is two grades at once and is not a rating; neither is 优 inside a
//! word (优化, 优先). A rating takes the count of items that got it where the text gives
//! one: "8 个项目评价等级为“优”" or "“优”的194个项目".

use super::lexicon::Lexicon;
use super::{Candidate, Fact, FactKind, FactValue, Rule, Span};
use crate::domain::{Qualifier, Rating};
use regex::Regex;
use std::sync::LazyLock;

/// The grade words as a regex alternation, longest first.
const GRADE: &str = "优秀|良好|中等|较差|一般|优|良|中|差";

static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"[“"「‘](?P<g>{GRADE})(?:\([^()]{{1,10}}\))?[”"」’]"#
    ))
    .expect("valid pattern")
});

/// A grade after an evaluation noun (评价等级为良, 结果良好) or a verb that grades (评为优,
/// 定为良好). The nouns need a link (为/是/:) before a one-character grade or 一般, since
/// "评价中" is "during the evaluation" and "结果一般" is a remark; the verbs carry it.
static AFTER_EVALUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        &format!(r"(?:(?P<verb>评为|定为|获评|列为)|(?:评价等级|评价等次|评价结果|评定等级|评定等次|评定结果|考核等级|考核等次|考核结果|考评等级|考评等次|考评结果|绩效等级|自评等级|自评结果|评价|评级|评定|等级|等次|结果)(?:均|全部|都|总体)?(?P<link>分别为|分别是|为|是|:|达到)?)(?P<g>{GRADE})"),
    )
    .expect("valid pattern")
});

/// A later item of a list of grades with counts: "评价结果为优秀的5个、良好的8个", "良的4个",
/// "良好(B)的25个"; or a tally's item after 其中 ("其中较差的2个项目").
static LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:、|,|和|及|;|其中)(?P<g>{GRADE})(?:\([^()]{{1,10}}\))?的(?:有)?(?:\d|[一二两三四五六七八九十])"))
        .expect("valid pattern")
});

/// The later grades of "评价等级分别为良好、中等": each grades the next of the things named before.
static RESPECTIVELY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"分别(?:为|是)(?:{GRADE})(?P<rest>(?:、(?:{GRADE}))+)"
    ))
    .expect("valid pattern")
});

/// A grade and its count with nothing between: "其中优秀1个、良好2个". Two-character grades
/// only; "优1" is too short to tell from other words.
static GRADE_THEN_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:、|,|;|:|其中|结果|等次|等级|为)(?P<g>优秀|良好|中等|较差)\d[\d,]*(?:个|项|家|所)",
    )
    .expect("valid pattern")
});

/// A list of one-character grades with their counts: "优1个、良5个、中2个". Two items at
/// least, after a clause break, so that "其中2个" is never 中.
static SHORT_TALLY: LazyLock<Regex> = LazyLock::new(|| {
    const ITEM: &str = r"[优良中差]\d+(?:个|项|家|所)";
    Regex::new(&format!(r"(?:^|[,;:\n])(?P<list>{ITEM}(?:、{ITEM})+)")).expect("valid pattern")
});

/// A grade standing as its own clause after a score: "资金2,180万元,得分87分,良好(B);".
static AFTER_SCORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"得分\d+(?:\.\d+)?分,(?P<g>{GRADE})(?P<alias>\([^()]{{1,10}}\))?(?:[;。\n]|$)"
    ))
    .expect("valid pattern")
});

/// What stands before a grade that a score band defines ("90分(含)以上为“优”", "60分以下为差"):
/// a rule of the grading scheme, which grades nothing.
static BAND_DEFINITION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\d分(?:\((?:含|不含)\))?(?:以上|以下|以内|之间|及以上|及以下)?(?:\((?:含|不含)\))?(?:的)?为[“"「]?$"#)
        .expect("valid pattern")
});

/// A list of graded things that goes on without its verb: "2个区评为优秀,3个县为良好" — the
/// later items "N个X为<grade>". Only read after a rating earlier in the same sentence.
static CONTINUED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:,|、|;)[\p{{Han}}、]{{0,16}}?(?:\d+|[一二两三四五六七八九十]+)\s*(?:个|项|家|所)(?:\p{{Han}}|\([^()]{{1,10}}\)){{0,8}}?(?P<phrase>(?:为|是)(?P<g>{GRADE}))"))
        .expect("valid pattern")
});

static AT_LEAST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<g>优秀|良好|中等)(?:及以上|以上)").expect("valid pattern"));

static LEVEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<g>优秀|良好|中等|较差)水平").expect("valid pattern"));

/// Characters after a bare grade that keep it a grade (punctuation aside); "(" opens an
/// alias or a score band: "中(一般)", "良好(B)", "良(80-90分)".
const GRADE_MAY_PRECEDE: &str = "的等，。；、,.;:)）”(\n";

/// Words right before a quoted grade that make it a slogan, not a grade ("做“优”").
const SLOGAN_VERBS: &[&str] = &["做", "打造", "争创", "创"];

/// Grade words, for reading a list of grades joined by 和/、 ("“中”和“差”的").
const GRADE_WORDS: &[&str] = &[
    "优秀", "良好", "中等", "较差", "一般", "优", "良", "中", "差",
];

/// Whether the grade ending at `end` is the condition of a rule ("评价为“差”的,从严安排",
/// "对“中”和“差”的不予安排", "结果为优秀的项目,优先安排"): it grades nothing, so it is not a
/// rating. A grade followed by 的 and a number in the same clause is a tally, and stays.
fn names_a_rule(s: &str, end: usize) -> bool {
    let mut rest = skip_bracket(s[end..].trim_start_matches(['”', '"', '」', '’']));
    // More grades of the same condition: "“中”和“差”的".
    while let Some(after_conj) = ["和", "、", "及", "与", "或"]
        .iter()
        .find_map(|c| rest.strip_prefix(c))
    {
        let after_quote = after_conj.trim_start_matches(['“', '"', '「', '‘']);
        let Some(after_grade) = GRADE_WORDS.iter().find_map(|g| after_quote.strip_prefix(g)) else {
            break;
        };
        rest = skip_bracket(after_grade.trim_start_matches(['”', '"', '」', '’']));
    }
    let Some(after_de) = rest.strip_prefix('的') else {
        return false;
    };
    let clause_end = after_de
        .find([',', '。', ';', '\n', '、'])
        .unwrap_or(after_de.len());
    !counts_what_was_graded(&after_de[..clause_end])
}

/// Whether the clause after a grade's 的 counts or names what got the grade: "的12个", "的有3个",
/// "的项目共5个" — a number with a measure word, after at most a short noun and a linking
/// word — or "的项目为市体育中心…". "的项目压减预算15%" states what the rule does instead.
fn counts_what_was_graded(clause: &str) -> bool {
    static TALLY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\p{Han}{0,6}?(?:共有|共计|共|有|计|为|达)?(?:\d+|[一二两三四五六七八九十百]+)(?:余|多)?(?:个|项|家|所|户|人|名|位|类|条|宗|笔)|^(?:项目|单位|部门|地区)(?:分别)?(?:为|是|包括)\p{Han}")
            .expect("valid pattern")
    });
    TALLY.is_match(clause)
}

/// Skips an alias or score band in brackets right after a grade: "(一般)", "(80-90分)".
fn skip_bracket(rest: &str) -> &str {
    if let Some(inner) = rest.strip_prefix('(')
        && let Some(close) = inner.find(')')
        && close <= 16
    {
        return &inner[close + 1..];
    }
    rest
}

pub(crate) fn scan(s: &str, _lex: &Lexicon) -> Vec<Candidate> {
    let mut out = Vec::new();
    for caps in QUOTED.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let whole = caps.get(0).expect("match");
        if SLOGAN_VERBS.iter().any(|v| s[..whole.start()].ends_with(v))
            || names_a_rule(s, whole.end())
            || defines_a_band(s, whole.start())
        {
            continue;
        }
        push(
            &mut out,
            Rule::RatingQuoted,
            &caps["g"],
            Qualifier::Exact,
            whole.start(),
            whole.end(),
        );
    }
    for caps in AFTER_EVALUATION.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let whole = caps.get(0).expect("match");
        let g = caps.name("g").expect("grade");
        let linked = caps.name("link").is_some() || caps.name("verb").is_some();
        // "评价中" is "during the evaluation": a one-character grade needs 为/是/: or a
        // grading verb; so does 一般, an everyday word.
        let needs_link = g.as_str().chars().count() == 1 || g.as_str() == "一般";
        if needs_link && !linked {
            continue;
        }
        if !grade_ends_here(s, g.end()) || names_a_rule(s, g.end()) || defines_a_band(s, g.start())
        {
            continue;
        }
        push(
            &mut out,
            Rule::RatingAfterEvaluation,
            g.as_str(),
            Qualifier::Exact,
            whole.start(),
            whole.end(),
        );
    }
    for caps in LIST_ITEM.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let g = caps.name("g").expect("grade");
        push(
            &mut out,
            Rule::RatingListItem,
            g.as_str(),
            Qualifier::Exact,
            g.start(),
            g.end(),
        );
    }
    for caps in RESPECTIVELY.captures_iter(s) {
        let rest = caps.name("rest").expect("later grades");
        let mut at = rest.start();
        for item in rest.as_str().split('、').skip(1) {
            at += '、'.len_utf8();
            if grade_ends_here(s, at + item.len()) {
                push(
                    &mut out,
                    Rule::RatingRespectively,
                    item,
                    Qualifier::Exact,
                    at,
                    at + item.len(),
                );
            }
            at += item.len();
        }
    }
    for caps in GRADE_THEN_COUNT.captures_iter(s) {
        let g = caps.name("g").expect("grade");
        // "较差四个等次", "优秀3个档次": the scheme's levels, not a tally.
        let after = &s[caps.get(0).expect("match").end()..];
        if after.starts_with(['等', '档', '级', '类']) {
            continue;
        }
        push(
            &mut out,
            Rule::RatingTally,
            g.as_str(),
            Qualifier::Exact,
            g.start(),
            g.end(),
        );
    }
    for caps in SHORT_TALLY.captures_iter(s) {
        let list = caps.name("list").expect("list");
        let mut at = list.start();
        for item in list.as_str().split('、') {
            let grade_len = item.chars().next().map_or(0, char::len_utf8);
            push(
                &mut out,
                Rule::RatingTally,
                &item[..grade_len],
                Qualifier::Exact,
                at,
                at + grade_len,
            );
            at += item.len() + '、'.len_utf8();
        }
    }
    for caps in AFTER_SCORE.captures_iter(s) {
        let g = caps.name("g").expect("grade");
        let end = caps.name("alias").map_or(g.end(), |a| a.end());
        push(
            &mut out,
            Rule::RatingAfterScore,
            g.as_str(),
            Qualifier::Exact,
            g.start(),
            end,
        );
    }
    for caps in AT_LEAST.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let whole = caps.get(0).expect("match");
        push(
            &mut out,
            Rule::RatingAtLeast,
            &caps["g"],
            Qualifier::AtLeast,
            whole.start(),
            whole.end(),
        );
    }
    for caps in LEVEL.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let g = caps.name("g").expect("grade");
        push(
            &mut out,
            Rule::RatingLevel,
            g.as_str(),
            Qualifier::Exact,
            g.start(),
            g.end(),
        );
    }
    continued_lists(s, &mut out);
    out
}

/// Whether the grade starting at `at` is the grade of a score band in a grading scheme.
fn defines_a_band(s: &str, at: usize) -> bool {
    let from = s[..at]
        .char_indices()
        .rev()
        .take(24)
        .last()
        .map_or(at, |(i, _)| i);
    BAND_DEFINITION.is_match(&s[from..at])
}

/// Whether a bare grade ends at `end` rather than starting a longer word (优化, 中心, 优良).
fn grade_ends_here(s: &str, end: usize) -> bool {
    s[end..]
        .chars()
        .next()
        .is_none_or(|c| c.is_whitespace() || GRADE_MAY_PRECEDE.contains(c))
}

/// The later items of a list that dropped its verb ("2个区评为优秀,3个县为良好"): read only
/// after a rating found earlier in the same sentence, so "3个县为试点" or a lone "为良好"
/// elsewhere is not taken.
fn continued_lists(s: &str, out: &mut Vec<Candidate>) {
    if out.is_empty() {
        return;
    }
    let mut starts: Vec<usize> = out.iter().map(|c| c.span.start).collect();
    starts.sort_unstable();
    // The last sentence break before each match, read forward once as the matches come.
    let mut last_break: Option<usize> = None;
    let mut read_to = 0;
    for caps in CONTINUED.captures_iter(s) {
        if super::scan_full(out.len()) {
            break;
        }
        let phrase = caps.name("phrase").expect("phrase");
        let g = caps.name("g").expect("grade");
        let whole = caps.get(0).expect("match");
        let before = starts.partition_point(|&st| st < whole.start());
        let Some(&previous) = before.checked_sub(1).map(|k| &starts[k]) else {
            continue;
        };
        if whole.start() > read_to {
            if let Some(k) = s[read_to..whole.start()].rfind(['。', '\n']) {
                last_break = Some(read_to + k);
            }
            read_to = whole.start();
        }
        if last_break.is_some_and(|b| b >= previous)
            || !grade_ends_here(s, g.end())
            || names_a_rule(s, g.end())
        {
            continue;
        }
        push(
            out,
            Rule::RatingContinuedList,
            g.as_str(),
            Qualifier::Exact,
            phrase.start(),
            phrase.end(),
        );
    }
}

fn push(
    out: &mut Vec<Candidate>,
    rule: Rule,
    grade: &str,
    qualifier: Qualifier,
    start: usize,
    end: usize,
) {
    let Some(rating) = Rating::parse(grade) else {
        return;
    };
    let span = Span { start, end };
    let mut fact = Fact::new(FactKind::Rating, FactValue::Rating(rating), span, rule);
    fact.qualifier = qualifier;
    out.push(Candidate {
        fact,
        span,
        title: None,
    });
}

/// Gives each rating the count of items that got it, and that count's subject: a count
/// after it joined by 的 ("“优”的194个项目"), else the nearest count before it in the same
/// sentence ("8 个项目评价等级为“优”", "24 个“良”").
pub(crate) fn attach_counts(s: &str, cands: &mut [Candidate]) {
    // (rating, start of its count) pairs.
    let mut attached: Vec<(usize, usize)> = Vec::new();
    for i in 0..cands.len() {
        if cands[i].fact.kind != FactKind::Rating {
            continue;
        }
        let span = cands[i].span;
        let following = cands[i + 1..]
            .iter()
            .take(4)
            .find(|c| c.fact.kind == FactKind::Count)
            .filter(|c| {
                // A band or alias may stand between: "良(80-90分)的11个".
                let gap = skip_bracket(&s[span.end..c.span.start]);
                gap == "的" || gap == "的有" || gap.is_empty()
            });
        let preceding = || {
            cands[..i]
                .iter()
                .rev()
                // A count further back than 16 characters (64 bytes) is too far anyway: the
                // walk stops there, however many facts a long sentence holds.
                .take_while(|c| c.span.end + 64 >= span.start)
                .take_while(|c| !s[c.span.end..span.start].contains(['。', ';', '\n']))
                .find(|c| c.fact.kind == FactKind::Count)
                .filter(|c| {
                    // Nothing but the counted noun and evaluation words between them.
                    let gap = &s[c.span.end..span.start];
                    gap.chars().count() <= 16 && !gap.contains(['“', '"', ',', '，'])
                })
        };
        let Some(count) = following.or_else(preceding) else {
            continue;
        };
        let count_at = count.span.start;
        let (n, subject) = match &count.fact.value {
            FactValue::Integer(n) => (*n, count.fact.subject.clone()),
            _ => continue,
        };
        cands[i].fact.count = Some(n);
        attached.push((i, count_at));
        // A tally's counted noun is what was graded ("8 个项目…“优”").
        if subject.is_some() && !is_grade_word(subject.as_deref()) {
            cands[i].fact.subject = subject;
        }
    }
    tally_wholes_name_their_items(s, cands, &attached);
    // Later items of a tally share what the first item graded: "评定结果为“良”的12个,“中”的3个".
    // One pass: the last rating with a count, and the last sentence break read so far.
    let mut last_counted: Option<usize> = None;
    let mut last_break: Option<usize> = None;
    let mut read_to = 0;
    for i in 0..cands.len() {
        let start = cands[i].span.start;
        if start > read_to {
            if let Some(k) = s[read_to..start].rfind(['。', '\n']) {
                last_break = Some(read_to + k);
            }
            read_to = start;
        }
        let is_counted = cands[i].fact.kind == FactKind::Rating && cands[i].fact.count.is_some();
        if is_counted && cands[i].fact.subject.is_none() && i > 0 {
            // The nearest earlier rating with a count, when no sentence ends between them.
            cands[i].fact.subject = last_counted
                .filter(|&k| last_break.is_none_or(|b| b < cands[k].span.end))
                .and_then(|k| cands[k].fact.subject.clone());
        }
        if is_counted {
            last_counted = Some(i);
        }
    }
}

fn is_grade_word(word: Option<&str>) -> bool {
    word.is_some_and(|w| GRADE_WORDS.contains(&w))
}

/// The items of a tally that name nothing ("14个项目…优秀的9个、良好的4个") grade what its
/// whole counts: the nearest count before them in the paragraph, in the same measure word,
/// that is no item itself and is at least as large. Each item's count takes the subject of
/// its grade where it has none of its own ("其中优秀1个").
fn tally_wholes_name_their_items(s: &str, cands: &mut [Candidate], attached: &[(usize, usize)]) {
    let mut item_counts: Vec<usize> = attached.iter().map(|&(_, at)| at).collect();
    item_counts.sort_unstable();
    for &(i, count_at) in attached {
        // Candidates are sorted by start: the count is found by a binary search.
        let from = cands.partition_point(|c| c.span.start < count_at);
        let Some(k) = (from..cands.len())
            .take_while(|&k| cands[k].span.start == count_at)
            .find(|&k| cands[k].fact.kind == FactKind::Count)
        else {
            continue;
        };
        if cands[i].fact.subject.is_none() {
            let first = cands[i].span.start.min(count_at);
            let n = cands[i].fact.count.unwrap_or(0);
            let unit = cands[k].fact.unit.clone();
            cands[i].fact.subject = cands[..i]
                .iter()
                .rev()
                .filter(|c| c.span.end <= first)
                // A whole stands a few facts before its items; looking further would make a
                // long line of tallies quadratic.
                .take(24)
                .take_while(|c| !s[c.span.end..first].contains('\n'))
                .find(|c| {
                    c.fact.kind == FactKind::Count
                        && c.fact.unit == unit
                        && item_counts.binary_search(&c.span.start).is_err()
                        && matches!(c.fact.value, FactValue::Integer(w) if w >= n)
                })
                .and_then(|c| c.fact.subject.clone())
                .filter(|w| !is_grade_word(Some(w)));
        }
        let graded = cands[i].fact.subject.clone();
        let count = &mut cands[k].fact;
        if count.subject.is_none() || is_grade_word(count.subject.as_deref()) {
            count.subject = graded;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratings(text: &str) -> Vec<(String, &'static str, Qualifier)> {
        let ex = crate::extract::Extractor::shared();
        let n = crate::text::NormalizedText::new(text);
        let text = n.as_str();
        let mut c = scan(text, &ex.lexicon);
        c.sort_by_key(|c| c.span.start);
        c.into_iter()
            .map(|c| {
                let FactValue::Rating(r) = c.fact.value else {
                    unreachable!()
                };
                (
                    text[c.span.start..c.span.end].to_string(),
                    r.as_str(),
                    c.fact.qualifier,
                )
            })
            .collect()
    }

    #[test]
    fn quoted_and_phrased() {
        assert_eq!(
            ratings("评价等级为“优”,")[0],
            ("“优”".into(), "优", Qualifier::Exact)
        );
        assert_eq!(ratings("评价为优,财政予以支持")[0].0, "评价为优");
        assert_eq!(
            ratings("评价结果为差。")[0],
            ("评价结果为差".into(), "差", Qualifier::Exact)
        );
        assert_eq!(ratings("评价结果良好。")[0].1, "良");
        assert_eq!(
            ratings("达到良好以上")[0],
            ("良好以上".into(), "良", Qualifier::AtLeast)
        );
        assert_eq!(ratings("保持良好水平")[0].1, "良");
        assert_eq!(ratings("评为优 秀,").len(), 1);
        let list = ratings("评价结果为优秀的5个、良好的8个、中等的2个");
        assert_eq!(
            list.iter().map(|r| r.1).collect::<Vec<_>>(),
            ["优", "良", "中"]
        );
    }

    /// (grade, count, subject) of each rating the whole extractor finds in `text`.
    fn graded(text: &str) -> Vec<(&'static str, Option<u64>, Option<String>)> {
        crate::extract::Extractor::shared()
            .extract_text(text)
            .facts
            .into_iter()
            .filter_map(|f| match f.value {
                FactValue::Rating(r) => Some((r.as_str(), f.count, f.subject)),
                _ => None,
            })
            .collect()
    }

    fn grades_and_counts(text: &str) -> Vec<(&'static str, Option<u64>)> {
        graded(text).into_iter().map(|(g, n, _)| (g, n)).collect()
    }

    #[test]
    fn tally_with_a_grading_verb() {
        assert_eq!(
            grades_and_counts("全年有6个项目评为优,9个项目评为良。"),
            [("优", Some(6)), ("良", Some(9))]
        );
        let first = &graded("共有6个项目评为优。")[0];
        assert_eq!(first.2.as_deref(), Some("项目"));
    }

    #[test]
    fn grade_then_its_count() {
        assert_eq!(
            grades_and_counts("抽评结果:评定结果为“良”的9个,“中”的4个。"),
            [("良", Some(9)), ("中", Some(4))]
        );
        assert_eq!(
            grades_and_counts("考评等次为“优秀”的5个,占比10%;“良好”的40个,占比80%。"),
            [("优", Some(5)), ("良", Some(40))]
        );
        assert_eq!(
            grades_and_counts("复核结果为优秀的6个、良好的2个、较差的1个。"),
            [("优", Some(6)), ("良", Some(2)), ("差", Some(1))]
        );
        // A grade and its count with nothing between, thousands written with a comma.
        assert_eq!(
            grades_and_counts("自评结果优秀212个、良好1,036个、中等58个。"),
            [("优", Some(212)), ("良", Some(1036)), ("中", Some(58))]
        );
        // One-character grades in a list of two or more; 其中 is no grade.
        assert_eq!(
            grades_and_counts("9个项目中,优2个、良5个、中2个。"),
            [("优", Some(2)), ("良", Some(5)), ("中", Some(2))]
        );
        assert!(grades_and_counts("其中2个项目已完工。").is_empty());
    }

    #[test]
    fn a_grade_after_a_score() {
        let got = ratings("甲工程,资金2,180万元,得分87分,良好(B);\n乙项目,得分76分,中(一般);\n");
        assert_eq!(
            got.iter()
                .map(|(t, g, _)| (t.as_str(), *g))
                .collect::<Vec<_>>(),
            [("良好(B)", "良"), ("中(一般)", "中")]
        );
        // A grade that opens a longer clause is no grade of the score.
        assert!(ratings("得分87分,良好的管护机制尚未建立。").is_empty());
    }

    #[test]
    fn grade_with_an_alias_or_a_band() {
        assert_eq!(
            grades_and_counts("该单位考核等级为中(一般)。"),
            [("中", None)]
        );
        assert_eq!(grades_and_counts("绩效等级为良好(B),"), [("良", None)]);
        assert_eq!(
            grades_and_counts("评价等级为优(90分以上)的4个,等级为良(80-90分)的7个。"),
            [("优", Some(4)), ("良", Some(7))]
        );
        assert_eq!(ratings("自评等级为一般。")[0].1, "中");
        assert!(ratings("结果一般性支出").is_empty());
    }

    #[test]
    fn lists_with_aliases_and_bare_counts() {
        assert_eq!(
            grades_and_counts("评价结果为优秀(A)的12个、良好(B)的25个、中等(C)的8个。"),
            [("优", Some(12)), ("良", Some(25)), ("中", Some(8))]
        );
        assert_eq!(
            grades_and_counts("共7个项目,其中优秀1个、良好2个、中等4个。"),
            [("优", Some(1)), ("良", Some(2)), ("中", Some(4))]
        );
        assert_eq!(
            grades_and_counts("结果为“中(一般)”的2个。"),
            [("中", Some(2))]
        );
        assert_eq!(
            grades_and_counts("其中较差的2个项目分别为甲和乙。"),
            [("差", Some(2))]
        );
    }

    #[test]
    fn grades_given_respectively() {
        assert_eq!(
            grades_and_counts("两个项目评价得分分别为88.6分、79分,评价等级分别为良好、中等。"),
            [("良", None), ("中", None)]
        );
    }

    #[test]
    fn list_that_drops_its_verb() {
        assert_eq!(
            grades_and_counts("考核中4个乡评为优秀,5个镇为良好,2个街道为中等。"),
            [("优", Some(4)), ("良", Some(5)), ("中", Some(2))]
        );
        assert_eq!(
            grades_and_counts("20个地区中,6个地区评为优秀,11个县(市、区)为良好,3个县为中等。"),
            [("优", Some(6)), ("良", Some(11)), ("中", Some(2 + 1))]
        );
        assert_eq!(
            grades_and_counts("区委办等5个部门评为优秀(A),区教育局、区卫健局等17个部门为良好(B)。"),
            [("优", Some(5)), ("良", Some(17))]
        );
        // Without a grade earlier in the sentence, "N个X为…" is no list of grades.
        assert!(ratings("确定3个县为良好示范点。").is_empty());
        assert!(ratings("确定3个县为试点,2个县为中等。另").len() <= 1);
    }

    #[test]
    fn one_project_graded() {
        assert_eq!(
            ratings("该项目评价等级为良好。")[0],
            ("评价等级为良好".into(), "良", Qualifier::Exact)
        );
        assert_eq!(
            ratings("综合得分82分,等级为良。")[0],
            ("等级为良".into(), "良", Qualifier::Exact)
        );
    }

    #[test]
    fn rules_grade_nothing() {
        assert!(ratings("对评价结果为“差”的,压减下年预算。").is_empty());
        assert!(ratings("对“中”和“差”的不予安排").is_empty());
        assert!(ratings("评价结果为优秀的项目,优先保障。").is_empty());
        assert!(ratings("全部评为优良。").is_empty());
        assert_eq!(ratings("评价结果为优秀的项目有3个。").len(), 1);
        assert!(ratings("对自评结果为中等的项目压减预算15%。").is_empty());
        assert_eq!(
            ratings("评价结果为较差的项目为市体育中心运营补助。").len(),
            1
        );
        assert!(ratings("90分(含)以上为“优”,80分(含)至90分为“良”,60分以下为“差”。").is_empty());
        assert!(ratings("综合得分60分以下的为差。").is_empty());
    }

    #[test]
    fn not_grades() {
        assert!(ratings("自评等级全部为优良").is_empty());
        assert!(ratings("在绩效评价中发现").is_empty());
        assert!(ratings("评价中,").is_empty());
        assert!(ratings("结果为优化配置").is_empty());
        assert!(ratings("做“优”绩效目标").is_empty());
        assert!(ratings("评价等级为A").is_empty());
    }
}
