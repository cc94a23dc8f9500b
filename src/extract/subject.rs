//! Subjects: what a number counts or measures, as written — the shortest noun phrase that
//! still says what it is. Read with jieba's part-of-speech tags around the number: the noun
//! phrase right after the unit ("313 个项目", "14.9亿元的项目"), else the one right before
//! the number across linking words ("预算项目 509 个", "涉及项目金额共计71860.08万元"); a
//! passive clause takes the noun before 被; an item of a list ("0.6 分、0.5 分") shares the
//! head of the first item; a share in brackets after a count ("（11.49%）") has none.

use super::lexicon::{Lexicon, clause_window};
use super::{Candidate, FactKind, Span};
use crate::text::NormalizedText;
use jieba_rs::Tag;

/// Words between a subject and its number that are not part of either.
const LINKING: &[&str] = &[
    "共计",
    "实际",
    "合计",
    "总计",
    "小计",
    "累计",
    "共有",
    "达到",
    "分别为",
    "分别",
    "均为",
    "都在",
    "均在",
    "共",
    "计",
    "约",
    "占",
    "为",
    "达",
    "在",
    "有",
    "是",
    "已",
    "均",
    "都",
    "近",
    "超",
    "仅",
    "由",
    "未",
    "得",
];

/// Words of a change on an earlier period: the number measures the change of something named
/// earlier in the sentence.
const CHANGE_ON_LAST_YEAR: &[&str] =
    &["较上年", "比上年", "同比", "较去年", "比去年", "较上一年度"];

/// Longest subject read before a number; a longer run is prose, not a name.
const MAX_SUBJECT_CHARS: usize = 12;

/// Parts of speech that end a noun phrase.
fn stops_phrase(word: &str, tag: &str) -> bool {
    if word.chars().any(|c| !super::count::is_han(c)) || is_stop_word(word) {
        return true;
    }
    if is_nominal_suffix(word) {
        return false;
    }
    let t = tag.as_bytes().first().copied().unwrap_or(b'x');
    matches!(
        t,
        b'p' | b'c' | b'u' | b'd' | b'r' | b'x' | b'w' | b'y' | b'e' | b'o' | b'q'
    ) || tag == "v"
        || tag == "f"
        || (tag == "m"
            && word
                .chars()
                .all(|c| "零〇一二两三四五六七八九十百千万亿几".contains(c)))
}

/// Measures, rates and forms are nouns whatever the tagger says: 核减率, 满意度, 总额, 总得分,
/// and the single characters jieba splits off and calls verbs or measures (预算调整/率,
/// 绩效目标/表, 供水/站, 决策/类/指标).
fn is_nominal_suffix(word: &str) -> bool {
    (word.chars().count() >= 2
        && word.ends_with(['率', '度', '额', '数', '金', '费', '款', '量', '值', '分']))
        || matches!(word, "率" | "额" | "量" | "值" | "表" | "站" | "类")
}

/// Whether a phrase read around a number can name what it counts: not when it is only time
/// words ("目前14个受益村中").
fn can_be_subject(tags: &[Tag<'_>]) -> bool {
    tags.iter().any(|t| t.tag != "t")
}

/// Words that are never part of a subject, whatever jieba tags them.
fn is_stop_word(word: &str) -> bool {
    matches!(
        word,
        "的" | "和"
            | "及"
            | "与"
            | "或"
            | "等"
            | "中"
            | "内"
            | "为"
            | "是"
            | "对"
            | "在"
            | "将"
            | "把"
            | "被"
            | "由"
            | "从"
            | "向"
            | "以"
            | "于"
            | "其中"
            | "进行"
            | "开展"
            | "实施"
            | "予以"
            | "纳入"
            | "完成"
            | "实现"
            | "位列"
            | "组织"
            | "涉及"
            | "采用"
            | "达到"
            | "占"
            | "全部"
            | "所有"
            | "全体"
    )
}

/// A verb that reads as part of a noun phrase when a noun follows it ("相关办法", "跟踪监控项目").
fn verb_inside_phrase(word: &str, tag: &str) -> bool {
    tag.starts_with('v') && word.chars().count() >= 2 && !is_stop_word(word)
}

/// The longest noun phrase at the start of `window`, joining "A和B" when B is a noun, and
/// whether it ends in a modifier (an adjective or verb: "金额较大" in "金额较大的项目").
fn phrase_after<'a>(lex: &Lexicon, window: &'a str) -> Option<(&'a str, bool)> {
    lex.segmenter
        .with_tags(window, |tags| phrase_after_in(tags, window))
}

fn phrase_after_in<'a>(tags: &[Tag<'_>], window: &'a str) -> Option<(&'a str, bool)> {
    let mut end = 0;
    let mut at = 0;
    let mut last = None;
    let mut i = 0;
    while i < tags.len() {
        let t = &tags[i];
        let next_is_noun = tags
            .get(i + 1)
            .is_some_and(|n| !stops_phrase(n.word, n.tag));
        // An adverbial adjective after the noun starts the predicate: "5个村明确了…".
        if t.tag == "ad" && end > 0 {
            break;
        }
        if stops_phrase(t.word, t.tag) {
            let joins =
                matches!(t.word, "和" | "及" | "与" | "或" | "、") && end > 0 && next_is_noun;
            let verb_modifier = verb_inside_phrase(t.word, t.tag) && next_is_noun;
            if !joins && !verb_modifier {
                break;
            }
        }
        at += t.word.len();
        if !stops_phrase(t.word, t.tag) {
            end = at;
            last = Some(i);
        }
        i += 1;
    }
    let last = last?;
    if !can_be_subject(&tags[..=last]) {
        return None;
    }
    // An adjective or a distinguishing word (稳定, 主要) ends no noun phrase: it describes.
    let modifier = tags[last].tag.starts_with('a') || tags[last].tag == "b";
    Some((&window[..end], modifier))
}

/// The noun phrase that ends `window`. Its head (the word next to the number) may be a
/// verb used as a noun ("压减支出", "资金安排").
fn phrase_before<'a>(lex: &Lexicon, window: &'a str) -> Option<&'a str> {
    lex.segmenter
        .with_tags(window, |tags| phrase_before_in(tags, window))
}

fn phrase_before_in<'a>(tags: &[Tag<'_>], window: &'a str) -> Option<&'a str> {
    let mut start = window.len();
    let mut first = tags.len();
    for (i, t) in tags.iter().enumerate().rev() {
        // A verb joins the phrase as its head or as a modifier of what follows it:
        // "压减支出", "申报项目", "跟踪监控项目".
        // "最低分52分": 分 after 最高/最低/平均 is the score it names.
        let score_word =
            t.word == "分" && i > 0 && matches!(tags[i - 1].word, "最高" | "最低" | "平均");
        if stops_phrase(t.word, t.tag) && !verb_inside_phrase(t.word, t.tag) && !score_word {
            break;
        }
        if window[start - t.word.len()..].chars().count() > MAX_SUBJECT_CHARS {
            break;
        }
        start -= t.word.len();
        first = i;
    }
    if first == tags.len() || !can_be_subject(&tags[first..]) {
        return None;
    }
    Some(&window[start..])
}

/// Verbs of a change from one figure to another: "由A调整为B", "从A提高到B".
const CHANGE_VERBS: &[&str] = &[
    "调整", "调增", "调减", "增加", "增长", "提高", "提升", "上升", "下降", "减少", "降低", "压减",
    "核减", "变更",
];

/// For either end of "X由A调整为B" (or 从…提高到…), the text before 由/从: what both measure.
fn changed_from_to<'a>(
    s: &'a str,
    clause_start: usize,
    cands: &[Candidate],
    i: usize,
) -> Option<&'a str> {
    let span = cands[i].span;
    let changes_to = |t: &str| {
        CHANGE_VERBS.iter().any(|v| {
            t.strip_prefix(v)
                .is_some_and(|r| r.starts_with(['为', '到', '至']))
        })
    };
    let from = |before: &'a str| {
        before
            .strip_suffix('由')
            .or_else(|| before.strip_suffix('从'))
    };
    if let Some(head) = from(&s[clause_start..span.start]) {
        return changes_to(&s[span.end..]).then_some(head);
    }
    let previous = cands[..i].last().filter(|c| c.span.end <= span.start)?;
    let between = &s[previous.span.end..span.start];
    if !changes_to(between) || between.chars().count() > 3 {
        return None;
    }
    // The window of the change's first figure: the second's may not reach back past it.
    let (from_start, _) = clause_window(s, previous.span.start, previous.span.end);
    from(&s[from_start..previous.span.start])
}

/// Strips linking words from the end of `before` ("分值占" → "分值").
fn strip_linking(mut before: &str) -> &str {
    loop {
        let Some(w) = LINKING.iter().find(|w| before.ends_with(*w)) else {
            return before;
        };
        before = &before[..before.len() - w.len()];
    }
}

/// Words between a graded thing and its grade: "该项目评价等级为良好", "12个乡镇评为优".
const GRADING_WORDS: &[&str] = &[
    "评价等级",
    "评价等次",
    "评价结果",
    "评定等级",
    "评定等次",
    "评定结果",
    "考核等级",
    "考核等次",
    "考核结果",
    "考评等级",
    "考评等次",
    "考评结果",
    "绩效等级",
    "自评等级",
    "自评结果",
    "评价",
    "评级",
    "评定",
    "等级",
    "等次",
    "结果",
    "获评",
    "评为",
    "定为",
    "被",
    "均",
    "全部",
    "都",
    "为",
    "是",
    ":",
];

/// What a rating grades: the noun phrase before its grading words in the same clause
/// ("社区服务中心建设项目评价等级为良好" → 社区服务中心建设项目, "该项目…" → 项目).
fn graded_thing(s: &str, lex: &Lexicon, span: Span) -> Option<String> {
    let (clause_start, _) = clause_window(s, span.start, span.end);
    let mut before = &s[clause_start..span.start];
    while let Some(w) = GRADING_WORDS.iter().find(|w| before.ends_with(*w)) {
        before = &before[..before.len() - w.len()];
    }
    phrase_before(lex, before).map(String::from)
}

/// Words that state a score, after which a sentence grades what stands before them:
/// "部门整体支出绩效自评总分94.6分,自评等级为“优”", "市卫生健康局综合得分91.3分,评价等级为优".
const SCORE_WORDS: &[&str] = &[
    "综合得分",
    "自评总分",
    "评价得分",
    "自评得分",
    "总分",
    "得分",
];

/// Evaluation words between a graded thing and its score word.
const EVALUATION_TAIL: &[&str] = &[
    "绩效自评",
    "绩效评价",
    "重点评价",
    "自评",
    "评价",
    "考核",
    "综合",
    "的",
];

/// A single grade (no tally) whose clause names nothing takes the graded thing of its
/// sentence: what stands before the sentence's score ("其中市卫生健康局综合得分91.3分,评价等级
/// 为优秀"), else the last project the sentence names ("其中社区微更新项目受…影响,…等级为中").
pub(crate) fn assign_single_grades(norm: &NormalizedText, lex: &Lexicon, cands: &mut [Candidate]) {
    let s = norm.as_str();
    for c in cands.iter_mut() {
        if c.fact.kind != FactKind::Rating || c.fact.subject.is_some() || c.fact.count.is_some() {
            continue;
        }
        let (clause_start, _) = clause_window(s, c.span.start, c.span.end);
        let floor = clause_start.saturating_sub(300);
        let sentence_start = s[..clause_start]
            .rfind(['。', ';', '\n'])
            .map_or(0, |i| i + s[i..].chars().next().map_or(1, char::len_utf8))
            .max(floor);
        let Some(sentence) = s.get(sentence_start..clause_start) else {
            continue;
        };
        let before_score = SCORE_WORDS
            .iter()
            .filter_map(|w| sentence.rfind(w))
            .max()
            .map(|k| {
                let mut head = &sentence[..k];
                while let Some(w) = EVALUATION_TAIL.iter().find(|w| head.ends_with(*w)) {
                    head = &head[..head.len() - w.len()];
                }
                head
            })
            .and_then(|head| phrase_before(lex, head));
        let project = || {
            let k = sentence.rfind("项目")?;
            phrase_before(lex, &sentence[..k + "项目".len()])
        };
        c.fact.subject = before_score.or_else(project).map(String::from);
    }
}

pub(crate) fn assign(norm: &NormalizedText, lex: &Lexicon, cands: &mut [Candidate]) {
    let s = norm.as_str();
    for i in 0..cands.len() {
        let kind = cands[i].fact.kind;
        if kind == FactKind::Rating {
            let span = cands[i].span;
            // The grade's own words ("评价等级为良好") stand inside its span: read before them.
            let at = s[span.start..span.end]
                .find(['“', '"', '优', '良', '中', '较', '差', '一'])
                .map_or(span.start, |k| span.start + k);
            cands[i].fact.subject = graded_thing(
                s,
                lex,
                Span {
                    start: at,
                    end: span.end,
                },
            );
            continue;
        }
        if !matches!(
            kind,
            FactKind::Amount | FactKind::Count | FactKind::Percent | FactKind::Score
        ) {
            continue;
        }
        let span = cands[i].span;
        let subject = find(s, lex, cands, i, span);
        cands[i].fact.subject = subject;
    }
}

fn find(s: &str, lex: &Lexicon, cands: &[Candidate], i: usize, span: Span) -> Option<String> {
    let kind = cands[i].fact.kind;
    let (clause_start, clause_end) = clause_window(s, span.start, span.end);
    let before = &s[clause_start..span.start];

    // A share in brackets right after a count: "57 个项目（11.49%）".
    if kind == FactKind::Percent && s[..span.start].ends_with('(') {
        return None;
    }
    // A section weight: "产出指标(50分)".
    if kind == FactKind::Score && s[..span.start].ends_with('(') {
        let head = &s[..span.start - 1];
        let from = head
            .char_indices()
            .rev()
            .take_while(|(_, c)| super::count::is_han(*c))
            .last()
            .map_or(head.len(), |(i, _)| i);
        return phrase_before(lex, &head[from..]).map(String::from);
    }
    // A title right before: "《绩效管理意见书》32份".
    if kind == FactKind::Count && s[..span.start].ends_with('》') {
        let open = s[..span.start].rfind('《')?;
        return Some(s[open + '《'.len_utf8()..span.start - '》'.len_utf8()].to_string());
    }
    // "总额由18.74亿元调整为18.647亿元": both ends of a change measure what stands before 由.
    if let Some(head) = changed_from_to(s, clause_start, cands, i) {
        return phrase_before(lex, strip_linking(head)).map(String::from);
    }
    // Passive: "宣传稿件被各级主流媒体累计采用254篇次".
    if let Some(bei) = before.rfind('被') {
        return phrase_before(lex, &before[..bei]).map(String::from);
    }

    // After: skip a number fact that directly follows ("253个14.9亿元的项目"), or the upper
    // bound of a range this number starts ("10至15个行政村"), and a 的.
    let mut after_at = span.end;
    if let Some(next) = cands.get(i + 1) {
        let gap = &s[after_at..next.span.start.max(after_at)];
        let adjoins = next.span.start == after_at
            && matches!(next.fact.kind, FactKind::Amount | FactKind::Count);
        let range = next.fact.kind == kind && matches!(gap, "至" | "到" | "-" | "~" | "—");
        if adjoins || range {
            after_at = next.span.end;
        }
    }
    let rest = &s[after_at..];
    // "两千余人的饮水问题": what follows a count's 的 is something of theirs, not them.
    let possessive = kind == FactKind::Count && after_at == span.end && rest.starts_with('的');
    let rest = rest.strip_prefix('的').unwrap_or(rest);
    let window_end = rest
        .char_indices()
        .find(|&(i, c)| i > 60 || "，。；：！？,;:!?\n()（）“”《》".contains(c))
        .map_or(rest.len(), |(i, _)| i);
    // The next fact ends the phrase: "6个项目评为优" counts 项目, not "项目评为优".
    let rest_start = s.len() - rest.len();
    let window_end = cands
        .get(i + 1)
        .filter(|next| next.span.start >= rest_start)
        .map_or(window_end, |next| {
            window_end.min(next.span.start - rest_start)
        });
    let window = &rest[..window_end];
    if !possessive && let Some((p, modifier)) = phrase_after(lex, window) {
        // "23个金额较大的项目": the phrase was a description; the noun after 的 is counted.
        if modifier
            && let Some(described) = window[p.len()..].strip_prefix('的')
            && let Some((head, false)) = phrase_after(lex, described)
        {
            return Some(head.to_string());
        }
        // "脱贫户126户稳定增收": a description alone starts the predicate; the noun is before.
        if !modifier {
            return Some(p.to_string());
        }
    }
    // "支出8.36万元,较上年下降12.4%": a change on last year measures what the sentence's
    // previous number measured.
    if CHANGE_ON_LAST_YEAR.iter().any(|w| before.contains(w))
        && let Some(previous) = cands[..i].last().filter(|c| {
            !s[c.span.end..span.start].contains(['。', ';', '\n']) && c.fact.subject.is_some()
        })
    {
        return previous.fact.subject.clone();
    }

    let mut before_trimmed = strip_linking(before);
    // "占总预算的15.6%": a share's base may stand before 的.
    if kind == FactKind::Percent {
        before_trimmed = strip_linking(before_trimmed.strip_suffix('的').unwrap_or(before_trimmed));
    }
    if let Some(p) = phrase_before(lex, before_trimmed) {
        // "决策类指标满分15分": the indicator is the subject; "满分分别为…" keeps 满分.
        let p = p
            .strip_suffix("满分")
            .filter(|h| !h.is_empty())
            .unwrap_or(p);
        return Some(p.to_string());
    }
    // An item of a list shares the subject of the item before it.
    cands[..i]
        .iter()
        .rev()
        .take_while(|c| {
            let gap = &s[c.span.end..span.start];
            !gap.contains(['。', ';', '；', '\n']) && gap.len() <= 40
        })
        .find(|c| c.fact.kind == kind && c.fact.subject.is_some())
        .and_then(|c| c.fact.subject.clone())
        .filter(|_| clause_end >= span.end)
}
