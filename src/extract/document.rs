//! `document`: an issued document — a title in 《》 (nested titles, 《关于印发〈…〉的通知》 or
//! 《…《…》…》, are one document), its 发文字号 in brackets or straight after it, or a bare
//! 发文字号 (a report's own header "渠财绩〔2022〕1号"). Digits inside either are not facts.

use super::near::{Flow, Reach, captures_near};
use super::{Candidate, Fact, FactKind, FactValue, Rule, Span};
use crate::domain::DocNumber;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::sync::LazyLock;

/// A 发文字号 in the normalized text (（）→(), ［］→[]); the issuer is trimmed afterwards.
static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<issuer>\p{Han}{1,16})[\[〔【(﹝](?P<year>(?:19|20)\d{2})[\]〕】)﹞](?P<seq>第?\d{1,6})号",
    )
    .expect("valid doc number pattern")
});

/// What every 发文字号 holds: an opening bracket and the first two digits of its year.
static YEAR_IN_BRACKETS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let brackets = ["[", "〔", "【", "(", "﹝"];
    let starts: Vec<String> = brackets
        .iter()
        .flat_map(|b| [format!("{b}19"), format!("{b}20")])
        .collect();
    AhoCorasick::new(starts).expect("valid literals")
});

/// A 发文字号 starts at most 16 ideographs (4 bytes each at most) before its bracket and is
/// at most those, a bracket, the year, a bracket, 第, six digits and 号 long (a digit of
/// `\d` takes up to 4 bytes).
const DOC_NUMBER_REACH: Reach = Reach {
    before: 16 * 4,
    longest: 16 * 4 + 3 + (2 + 2 * 4) + 3 + 3 + 6 * 4 + 3,
    runs_on: super::near::bounded,
};

/// Longest title we accept; an unclosed 《 is not a title.
const MAX_TITLE_BYTES: usize = 600;

/// Words that end the text before an issuer: what precedes the last of them is not part of
/// the number ("淮北市财政局财绩【2021】396号" → issuer 财绩).
const ISSUER_CUTS: &[&str] = &[
    "文件",
    "精神",
    "根据",
    "按照",
    "依据",
    "参照",
    "委员会",
    "政府",
    "办公室",
    "印发",
    "转发",
    "下发",
    "局",
    "厅",
    "及",
    "和",
    "与",
    "的",
    "了",
    "以",
    "即",
    "是",
    "见",
];

/// Issuers are abbreviations; anything longer is surrounding prose.
const MAX_ISSUER_CHARS: usize = 8;

pub(crate) fn scan(s: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut covered_until = 0;
    for (open, _) in s.match_indices('《') {
        if super::scan_full(out.len()) {
            break;
        }
        if open < covered_until {
            continue;
        }
        let Some(close) = matching_close(s, open) else {
            continue;
        };
        let title = Span {
            start: open + '《'.len_utf8(),
            end: close,
        };
        let mut end = close + '》'.len_utf8();
        let mut number = None;
        if let Some((n, n_end)) = number_after_title(s, end) {
            number = Some(n);
            end = n_end;
        }
        covered_until = end;
        let span = Span { start: open, end };
        out.push(candidate(Some(title), number, span, Rule::DocumentTitle));
    }
    let titles = out.len();
    // Every number holds a bracket before a year: the pattern runs only where one stands.
    let anchors = YEAR_IN_BRACKETS.find_iter(s).map(|m| m.start());
    captures_near(&DOC_NUMBER, s, anchors, &DOC_NUMBER_REACH, |caps| {
        if super::scan_full(out.len()) {
            return Flow::Stop;
        }
        let whole = caps.get(0).expect("match");
        let issuer_run = caps.name("issuer").expect("issuer");
        let issuer = trim_issuer(issuer_run.as_str());
        let start = issuer_run.end() - issuer.len();
        let Some(n) = DocNumber::new(issuer, caps["year"].parse().unwrap_or(0), &caps["seq"])
        else {
            return Flow::Go;
        };
        let span = Span {
            start,
            end: whole.end(),
        };
        // "…【2023】10号文件《…》": a number written straight before its title is one document.
        let after = &s[whole.end()..];
        let title_at = ["文件", "文", ""]
            .iter()
            .find(|w| after.strip_prefix(**w).is_some_and(|t| t.starts_with('《')))
            .map(|w| whole.end() + w.len());
        if let Some(at) = title_at
            && let Some(titled) = out[..titles]
                .iter_mut()
                .find(|c| c.span.start == at && !has_number(c))
        {
            *titled = candidate(
                titled.title,
                Some(n),
                Span {
                    start,
                    end: titled.span.end,
                },
                Rule::DocumentNumberBeforeTitle,
            );
            return Flow::Go;
        }
        out.push(candidate(None, Some(n), span, Rule::DocumentDocNumber));
        Flow::Go
    });
    out
}

fn has_number(c: &Candidate) -> bool {
    matches!(
        &c.fact.value,
        FactValue::Document {
            number: Some(_),
            ..
        }
    )
}

/// Byte offset of the 》 that closes the 《 at `open`, counting nested 《》.
fn matching_close(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s[open..].char_indices() {
        if i > MAX_TITLE_BYTES {
            return None;
        }
        match c {
            '《' => depth += 1,
            '》' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A 发文字号 right after a title: "(川财绩[2022]1号)", "(黑发〔2019〕30号,以下简称…)" or
/// "临开党发〔2020〕57号". Returns the number and where the fact's text ends: after the
/// closing bracket when it closes right after 号, else at 号.
fn number_after_title(s: &str, at: usize) -> Option<(DocNumber, usize)> {
    let rest = &s[at..];
    let (bracketed, body_at) = match rest.chars().next() {
        Some(c @ ('(' | '[' | '【' | '〔' | '﹝')) => (true, at + c.len_utf8()),
        _ => (false, at),
    };
    // Only a number starting right here counts: the search reads no further than the
    // longest number could reach, not the rest of the document for every title.
    let mut cut = (body_at + DOC_NUMBER_REACH.longest).min(s.len());
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    let caps = DOC_NUMBER.captures(&s[body_at..cut])?;
    let whole = caps.get(0)?;
    if whole.start() != 0 {
        return None;
    }
    let issuer = caps.name("issuer")?.as_str();
    if trim_issuer(issuer) != issuer {
        return None;
    }
    let n = DocNumber::new(issuer, caps["year"].parse().ok()?, &caps["seq"])?;
    let mut end = body_at + whole.end();
    if bracketed && let Some(c @ (')' | ']' | '】' | '〕' | '﹞')) = s[end..].chars().next() {
        end += c.len_utf8();
    }
    Some((n, end))
}

fn trim_issuer(run: &str) -> &str {
    let mut cut = 0;
    for w in ISSUER_CUTS {
        if let Some(i) = run.rfind(w) {
            let after = i + w.len();
            if after < run.len() {
                cut = cut.max(after);
            }
        }
    }
    let issuer = &run[cut..];
    let chars = issuer.chars().count();
    if chars > MAX_ISSUER_CHARS {
        let skip: usize = issuer
            .chars()
            .take(chars - MAX_ISSUER_CHARS)
            .map(char::len_utf8)
            .sum();
        &issuer[skip..]
    } else {
        issuer
    }
}

fn candidate(title: Option<Span>, number: Option<DocNumber>, span: Span, rule: Rule) -> Candidate {
    let mut fact = Fact::new(
        FactKind::Document,
        FactValue::Document {
            // Filled from the original text by the pipeline, which keeps its punctuation.
            title: None,
            number: number.as_ref().map(DocNumber::normalized),
        },
        span,
        rule,
    );
    if let Some(n) = &number {
        fact.issuer = Some(n.issuer.clone());
        fact.doc_year = Some(n.year);
        fact.seq = Some(n.seq);
    }
    Candidate { fact, span, title }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<(String, Option<String>)> {
        let n = crate::text::NormalizedText::new(text);
        let s = n.as_str();
        let mut got: Vec<Candidate> = scan(s);
        got.sort_by_key(|c| (c.span.start, std::cmp::Reverse(c.span.end)));
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        let mut last_end = 0;
        for c in got {
            if c.span.start < last_end {
                continue;
            }
            last_end = c.span.end;
            let (a, b) = n.to_original(c.span.start, c.span.end);
            let FactValue::Document { number, .. } = c.fact.value else {
                unreachable!()
            };
            out.push((n.original_slice(a, b).to_string(), number));
        }
        out
    }

    #[test]
    fn title_with_number_is_one_fact() {
        let got =
            docs("按照《关于做好 2021 年度预算绩效目标编审工作的通知》（渠财绩[2020]16 号）文件");
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].0,
            "《关于做好 2021 年度预算绩效目标编审工作的通知》（渠财绩[2020]16 号）"
        );
        assert_eq!(got[0].1.as_deref(), Some("渠财绩〔2020〕16号"));
    }

    #[test]
    fn number_then_more_in_bracket_stops_at_hao() {
        let got = docs("《实施意见》（黑发〔2019〕30号，以下简称省意见）");
        assert_eq!(got[0].0, "《实施意见》（黑发〔2019〕30号");
    }

    #[test]
    fn nested_titles_are_one() {
        let got = docs("出台了《关于印发〈中共渠县县委财经委员会工作规则（修订）〉的通知》");
        assert_eq!(got.len(), 1);
        let got =
            docs("《财政厅关于印发《黑龙江省 2021 年行动方案》的通知》（黑财预〔2021〕28 号，");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1.as_deref(), Some("黑财预〔2021〕28号"));
    }

    #[test]
    fn number_straight_after_title() {
        let got = docs("《临港开发区实施方案》临开党发〔2020〕57号");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1.as_deref(), Some("临开党发〔2020〕57号"));
    }

    #[test]
    fn bare_numbers_and_issuer_trimming() {
        let got = docs("精神及淮北市财政局财绩【2021】396号文件精神");
        assert_eq!(
            got,
            vec![("财绩【2021】396号".into(), Some("财绩〔2021〕396号".into()))]
        );
        let got = docs("根据财政部【2023】10号文件《关于加强预算绩效管理的意见》要求");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].0,
            "财政部【2023】10号文件《关于加强预算绩效管理的意见》"
        );
        assert_eq!(got[0].1.as_deref(), Some("财政部〔2023〕10号"));
        let got = docs("苏财绩﹝2024﹞7号");
        assert_eq!(got[0].1.as_deref(), Some("苏财绩〔2024〕7号"));
        let got = docs("渠财绩〔2022〕1号\n");
        assert_eq!(got[0].1.as_deref(), Some("渠财绩〔2022〕1号"));
        let got = docs("上会湘报字(2022)第0001号");
        assert_eq!(got[0].1.as_deref(), Some("上会湘报字〔2022〕第0001号"));
    }

    #[test]
    fn not_numbers() {
        assert!(docs("按照 DB42/T 1601-2020 标准").is_empty());
        assert!(docs("《未闭合的标题 2021 年").is_empty());
    }
}
