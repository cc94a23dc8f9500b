//! `rating`: an evaluation grade. A quoted grade (评价等级为“优”, 24 个“良”), a grade after
//! an evaluation word (评价为优, 评价结果为差, 结果良好), "良好以上" (at least 良) and
//! "良好水平". "优良" is two grades at once and is not a rating; neither is 优 inside a
//! word (优化, 优先). A rating takes the count of items that got it where the text gives
//! one: "8 个项目评价等级为“优”" or "“优”的194个项目".

use super::lexicon::Lexicon;
use super::{Candidate, Fact, FactKind, FactValue, Span};
use crate::domain::{Qualifier, Rating};
use regex::Regex;
use std::sync::LazyLock;

static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"[“"「‘](?P<g>优秀|良好|中等|较差|优|良|中|差)[”"」’]"#).expect("valid pattern")
});

static AFTER_EVALUATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:评价等级|评价等次|评价结果|评定等级|评定等次|评定结果|考核等级|考核等次|考核结果|绩效等级|评价|评级|评定|等级|等次|结果|获评|评为|定为)(?:均|全部|都|总体)?(?P<link>为|是|:|达到)?(?P<g>优秀|良好|中等|较差|优|良|中|差)",
    )
    .expect("valid pattern")
});

/// A later item of a list of grades with counts: "评价结果为优秀的5个、良好的8个".
static LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:、|,|和|及)(?P<g>优秀|良好|中等|较差)的(?:\d|[一二两三四五六七八九十])")
        .expect("valid pattern")
});

static AT_LEAST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<g>优秀|良好|中等)(?:及以上|以上)").expect("valid pattern"));

static LEVEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<g>优秀|良好|中等|较差)水平").expect("valid pattern"));

/// Characters after a bare grade that keep it a grade (punctuation aside).
const GRADE_MAY_PRECEDE: &str = "的等，。；、,.;:)）”\n";

/// Words right before a quoted grade that make it a slogan, not a grade ("做“优”").
const SLOGAN_VERBS: &[&str] = &["做", "打造", "争创", "创"];

pub(crate) fn scan(s: &str, _lex: &Lexicon) -> Vec<Candidate> {
    let mut out = Vec::new();
    for caps in QUOTED.captures_iter(s) {
        let whole = caps.get(0).expect("match");
        if SLOGAN_VERBS.iter().any(|v| s[..whole.start()].ends_with(v)) {
            continue;
        }
        push(
            &mut out,
            &caps["g"],
            Qualifier::Exact,
            whole.start(),
            whole.end(),
        );
    }
    for caps in AFTER_EVALUATION.captures_iter(s) {
        let whole = caps.get(0).expect("match");
        let g = caps.name("g").expect("grade");
        let single = g.as_str().chars().count() == 1;
        // "评价中" is "during the evaluation": a one-character grade needs 为/是/:.
        if single && caps.name("link").is_none() {
            continue;
        }
        let next = s[g.end()..].chars().next();
        if next.is_some_and(|c| !c.is_whitespace() && !GRADE_MAY_PRECEDE.contains(c)) {
            continue;
        }
        push(
            &mut out,
            g.as_str(),
            Qualifier::Exact,
            whole.start(),
            whole.end(),
        );
    }
    for caps in LIST_ITEM.captures_iter(s) {
        let g = caps.name("g").expect("grade");
        push(&mut out, g.as_str(), Qualifier::Exact, g.start(), g.end());
    }
    for caps in AT_LEAST.captures_iter(s) {
        let whole = caps.get(0).expect("match");
        push(
            &mut out,
            &caps["g"],
            Qualifier::AtLeast,
            whole.start(),
            whole.end(),
        );
    }
    for caps in LEVEL.captures_iter(s) {
        let g = caps.name("g").expect("grade");
        push(&mut out, g.as_str(), Qualifier::Exact, g.start(), g.end());
    }
    out
}

fn push(out: &mut Vec<Candidate>, grade: &str, qualifier: Qualifier, start: usize, end: usize) {
    let Some(rating) = Rating::parse(grade) else {
        return;
    };
    let span = Span { start, end };
    let mut fact = Fact::new(FactKind::Rating, FactValue::Rating(rating), span);
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
    for i in 0..cands.len() {
        if cands[i].fact.kind != FactKind::Rating {
            continue;
        }
        let span = cands[i].span;
        let following = cands[i + 1..]
            .iter()
            .take(2)
            .find(|c| c.fact.kind == FactKind::Count)
            .filter(|c| {
                let gap = &s[span.end..c.span.start];
                gap == "的" || gap == "的有"
            });
        let preceding = || {
            cands[..i]
                .iter()
                .rev()
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
        let (n, subject) = match &count.fact.value {
            FactValue::Integer(n) => (*n, count.fact.subject.clone()),
            _ => continue,
        };
        cands[i].fact.count = Some(n);
        if cands[i].fact.subject.is_none() {
            cands[i].fact.subject = subject;
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
            ratings("评价结果为差的")[0],
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
