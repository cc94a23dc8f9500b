//! The dictionaries the extractors read (`dictionaries/`, compiled into the binary) and the
//! jieba segmenter with the domain user dictionary (`segmenter.rs`, loaded per need). Built
//! once per process.

use super::Span;
pub use super::segmenter::{Segmenter, load_unknown_word_model_in_background};
use aho_corasick::{AhoCorasick, MatchKind};

const MEASURE_WORDS: &str = include_str!("../../dictionaries/measure_words.txt");
const PERIOD_WORDS: &str = include_str!("../../dictionaries/period_words.txt");
const NOT_FACTS: &str = include_str!("../../dictionaries/not_facts.txt");
const MEASURE_BLOCKERS: &str = include_str!("../../dictionaries/measure_blockers.txt");
const RANK_PREFIXES: &str = include_str!("../../dictionaries/rank_prefixes.txt");
const MONEY_WORDS: &str = include_str!("../../dictionaries/money_words.txt");

pub struct Lexicon {
    pub segmenter: Segmenter,
    /// Measure words, longest first (for a regex alternation).
    pub measure_words: Vec<String>,
    /// Words before a number that make it an ordinal or rank (第, 前).
    rank_prefixes: Vec<String>,
    period_words: AhoCorasick,
    not_facts: AhoCorasick,
    measure_blockers: AhoCorasick,
    money_words: AhoCorasick,
    pub(crate) count_pattern: super::count::CountPattern,
}

/// Non-comment, non-blank lines of a dictionary file.
fn entries(file: &str) -> impl Iterator<Item = &str> {
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Lexicon {
    pub fn load() -> Lexicon {
        let mut measure_words: Vec<String> = entries(MEASURE_WORDS).map(String::from).collect();
        measure_words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let build = |file: &str| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(entries(file))
                .expect("dictionary patterns build")
        };
        let mut lexicon = Lexicon {
            segmenter: Segmenter::new(),
            measure_words,
            rank_prefixes: entries(RANK_PREFIXES).map(String::from).collect(),
            period_words: build(PERIOD_WORDS),
            not_facts: build(NOT_FACTS),
            measure_blockers: build(MEASURE_BLOCKERS),
            money_words: build(MONEY_WORDS),
            count_pattern: super::count::CountPattern::placeholder(),
        };
        lexicon.count_pattern = super::count::CountPattern::new(&lexicon);
        lexicon
    }

    /// Where the not-fact words (slogans, named schemes) stand in `text`.
    pub fn not_fact_spans(&self, text: &str) -> Vec<Span> {
        self.not_facts
            .find_iter(text)
            .map(|m| Span {
                start: m.start(),
                end: m.end(),
            })
            .collect()
    }

    /// Whether `rest` (the text right after a measure word) starts with a period word.
    pub fn starts_with_period(&self, rest: &str) -> bool {
        self.period_words
            .find(head(rest))
            .is_some_and(|m| m.start() == 0)
    }

    /// Whether a money word stands in the clause around [start, end).
    pub fn money_context(&self, text: &str, start: usize, end: usize) -> bool {
        let (ws, we) = clause_window(text, start, end);
        self.money_words.is_match(&text[ws..start]) || self.money_words.is_match(&text[end..we])
    }

    /// Whether the number starting at `start` is an ordinal or a rank ("第三", "前二十").
    pub fn is_rank(&self, text: &str, start: usize) -> bool {
        let before = &text[..start];
        self.rank_prefixes
            .iter()
            .any(|p| before.ends_with(p.as_str()) && !self.ends_a_word(before, p))
    }

    /// Whether the one-character prefix `p` ending `before` is the last character of a
    /// word ("目前", "当前", "此前") rather than a word of its own ("全区前十").
    fn ends_a_word(&self, before: &str, p: &str) -> bool {
        if p.chars().count() != 1 {
            return false;
        }
        let Some(prev) = before[..before.len() - p.len()].chars().next_back() else {
            return false;
        };
        super::count::is_han(prev) && self.segmenter.cut(&format!("{prev}{p}")).len() == 1
    }

    /// Whether a one-character measure word at the start of `rest` begins a longer word
    /// ("部门", "个人") instead of ending a count.
    pub fn measure_starts_word(&self, rest: &str) -> bool {
        self.measure_blockers
            .find(head(rest))
            .is_some_and(|m| m.start() == 0)
    }

    /// Byte offsets in `window` where jieba puts a word boundary.
    pub fn boundaries(&self, window: &str) -> Vec<usize> {
        let mut out = vec![0];
        let mut at = 0;
        for w in self.segmenter.cut(window) {
            at += w.len();
            out.push(at);
        }
        out
    }

    /// Whether the span [start, end) of `text` starts and ends on jieba word boundaries,
    /// segmenting only the clause around it.
    pub fn on_word_boundaries(&self, text: &str, start: usize, end: usize) -> bool {
        let (ws, we) = clause_window(text, start, end);
        let b = self.boundaries(&text[ws..we]);
        b.binary_search(&(start - ws)).is_ok() && b.binary_search(&(end - ws)).is_ok()
    }
}

/// The first few characters of `rest`: enough for any dictionary word, so a search for one
/// at its start never reads the rest of the document (which made counting quadratic).
fn head(rest: &str) -> &str {
    const MAX: usize = 64;
    if rest.len() <= MAX {
        return rest;
    }
    let mut end = MAX;
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    &rest[..end]
}

/// The clause around [start, end): up to the nearest sentence or clause punctuation, at most
/// about 40 bytes either side.
pub fn clause_window(text: &str, start: usize, end: usize) -> (usize, usize) {
    let is_stop = |c: char| "，。；：！？,;:!?、\n（）()《》“”".contains(c);
    let mut ws = start;
    for (i, c) in text[..start].char_indices().rev() {
        if is_stop(c) || start - i > 40 {
            break;
        }
        ws = i;
    }
    let mut we = end;
    for (i, c) in text[end..].char_indices() {
        if is_stop(c) || i > 40 {
            break;
        }
        we = end + i + c.len_utf8();
    }
    (ws, we)
}
