//! jieba segmentation and part-of-speech tagging with the dictionary loaded per need: the
//! words of a character are put into the segmenter the first time a text containing that
//! character is cut or tagged, so a process starts without building jieba's 349,000-word
//! dictionary and a short document loads only the few thousand words its windows can meet.
//!
//! The answers are exactly those of a fully loaded jieba. jieba finds the words of a text by
//! looking up substrings starting at each of its characters, so once every word starting with
//! each character of the text is in the dictionary the segmentation graph is complete. Its
//! route probabilities divide by the dictionary's total frequency; a sentinel record carries
//! the frequency of every word not loaded yet, so that total is the full dictionary's from
//! the first call. `tests/segmenter.rs` compares both on every line of the sample reports.
//!
//! `dictionaries/jieba_dict.txt` is jieba's dictionary (MIT) sorted by word, so a
//! character's words are one run of lines, and a word its line, found by binary search in the
//! embedded text, with no index to build at start-up.

use jieba_rs::{Jieba, Tag};
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// jieba's dictionary, one `word freq tag` a line, ordered by word (code point order).
const DICT: &str = include_str!("../../dictionaries/jieba_dict.txt");
/// The domain words (`word freq tag`), applied over jieba's as jieba's `load_dict` does: a
/// word jieba knows takes the new frequency and keeps its tag, a new word is added.
const USER_DICT: &str = include_str!("../../dictionaries/user_dict.txt");
/// The sum of the frequencies in `DICT` (checked by a unit test below).
const DICT_TOTAL: usize = 60_101_964;
/// Never in a document: a record holding the frequency of the words not loaded yet.
const SENTINEL: &str = "\u{10FFFD}\u{10FFFC}\u{10FFFD}";

pub struct Segmenter {
    state: RwLock<Loaded>,
    /// The domain words by first character, in file order.
    user: HashMap<char, Vec<UserEntry>>,
    /// The total frequency of the fully loaded dictionary, domain words applied.
    full_total: usize,
}

struct Loaded {
    jieba: Jieba,
    /// Characters whose words are in `jieba` (a character without words too), one bit each:
    /// asked for every character of every window, where a hash set cost more than tagging.
    chars: CharSet,
    /// The frequencies loaded so far, as they count towards `full_total`.
    loaded_total: usize,
}

#[derive(Clone, Copy)]
struct Entry<'a> {
    word: &'a str,
    freq: usize,
    tag: &'a str,
}

/// A domain word and the frequency it replaces when applied (jieba's, or the same word's
/// earlier line; 0 for a new word).
struct UserEntry {
    entry: Entry<'static>,
    replaces: usize,
}

fn parse_line(line: &str) -> Option<Entry<'_>> {
    let mut parts = line.split_ascii_whitespace();
    let word = parts.next()?;
    let freq = parts.next().map_or(Some(0), |f| f.parse().ok())?;
    Some(Entry {
        word,
        freq,
        tag: parts.next().unwrap_or(""),
    })
}

/// The lines of `DICT` whose word starts with `c`.
fn words_of(c: char) -> impl Iterator<Item = Entry<'static>> {
    let start = first_line_not_below(DICT, c.encode_utf8(&mut [0; 4]));
    DICT[start..]
        .lines()
        .take_while(move |l| l.starts_with(c))
        .filter_map(parse_line)
}

/// The frequency of `word` in `DICT`, 0 if it is not there.
fn dict_freq(word: &str) -> usize {
    let start = first_line_not_below(DICT, word);
    DICT[start..]
        .lines()
        .next()
        .and_then(parse_line)
        .filter(|e| e.word == word)
        .map_or(0, |e| e.freq)
}

/// The word a dictionary line starts with.
fn word_of(line: &str) -> &str {
    line.split(' ').next().unwrap_or("")
}

/// The byte offset of the first line of `text` (lines sorted by their word) whose word is not
/// below `key`; `text.len()` when none is.
fn first_line_not_below(text: &str, key: &str) -> usize {
    let bytes = text.as_bytes();
    let line_start = |at: usize| {
        bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    };
    let next_line = |at: usize| {
        bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| at + i + 1)
    };
    let below = |at: usize| word_of(&text[at..]) < key;
    // `lo` is always a line start and the answer lies in [lo, hi].
    let (mut lo, mut hi) = (0, bytes.len());
    while lo < hi {
        let mid = line_start(lo + (hi - lo) / 2);
        if mid == lo {
            if !below(lo) {
                return lo;
            }
            lo = next_line(lo);
        } else if below(mid) {
            lo = next_line(mid);
        } else {
            hi = mid;
        }
    }
    lo
}

/// A set of characters as a bitmap over all of Unicode (136 KiB, zeroed by the allocator).
struct CharSet(Vec<u64>);

impl CharSet {
    fn new() -> CharSet {
        CharSet(vec![0; (char::MAX as usize + 1).div_ceil(64)])
    }

    fn contains(&self, c: char) -> bool {
        self.0[c as usize / 64] & (1 << (c as u32 % 64)) != 0
    }

    /// Adds `c`; whether it was not there yet.
    fn insert(&mut self, c: char) -> bool {
        let word = &mut self.0[c as usize / 64];
        let bit = 1 << (c as u32 % 64);
        let added = *word & bit == 0;
        *word |= bit;
        added
    }
}

/// Loads jieba's part-of-speech model for words outside the dictionary on a thread of its
/// own, now, instead of inside the first tagging that meets such a word. jieba keeps that
/// model in one process-wide cell and parses it from its compressed text on first use (about
/// 200 M instructions, more than reading and extracting a typical report), so a new server or
/// worker would otherwise pay it in the middle of its first document. A tagging that needs it
/// before it is ready waits for the same cell, so the answers are unchanged. (The one-file
/// command line does not start it: measured, the extra thread cost the reports that never
/// need the model 5–13 ms and saved those that do 2–7 ms.)
pub fn load_unknown_word_model_in_background() {
    std::thread::spawn(|| {
        // With no dictionary every Chinese run is unknown: tagging one reaches the model.
        let empty = Jieba::empty();
        std::hint::black_box(empty.tag("绩效", true));
    });
}

impl Segmenter {
    pub fn new() -> Segmenter {
        let mut user: HashMap<char, Vec<UserEntry>> = HashMap::new();
        // Each domain word's frequency so far: jieba's, then each of its lines in turn.
        let mut freq_now: HashMap<&str, usize> = HashMap::new();
        let mut full_total = DICT_TOTAL;
        for entry in USER_DICT.lines().filter_map(parse_line) {
            let first = entry.word.chars().next().expect("a word has a character");
            let now = freq_now
                .entry(entry.word)
                .or_insert_with(|| dict_freq(entry.word));
            let replaces = std::mem::replace(now, entry.freq);
            full_total = full_total - replaces + entry.freq;
            user.entry(first)
                .or_default()
                .push(UserEntry { entry, replaces });
        }
        let mut jieba = Jieba::empty();
        jieba.add_word(SENTINEL, Some(full_total), Some("x"));
        Segmenter {
            state: RwLock::new(Loaded {
                jieba,
                chars: CharSet::new(),
                loaded_total: 0,
            }),
            user,
            full_total,
        }
    }

    /// jieba's words of `text`, without the HMM for unknown words.
    pub fn cut<'t>(&self, text: &'t str) -> Vec<&'t str> {
        self.ensure(text);
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .jieba
            .cut(text, false)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// Calls `f` with jieba's part-of-speech tags of `text` (unknown words by the HMM).
    pub fn with_tags<R>(&self, text: &str, f: impl FnOnce(&[Tag<'_>]) -> R) -> R {
        self.ensure(text);
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        f(&state.jieba.tag(text, true))
    }

    /// Loads the words of every character of `text` not loaded yet.
    fn ensure(&self, text: &str) {
        {
            let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
            if text.chars().all(|c| state.chars.contains(c)) {
                return;
            }
        }
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let Loaded {
            jieba,
            chars,
            loaded_total,
        } = &mut *state;
        for c in text.chars() {
            if !chars.insert(c) {
                continue;
            }
            for e in words_of(c) {
                jieba.add_word(e.word, Some(e.freq), Some(e.tag));
                *loaded_total += e.freq;
            }
            // As jieba's `load_dict` over a loaded dictionary: a known word takes the new
            // frequency and keeps its tag.
            for u in self.user.get(&c).into_iter().flatten() {
                let e = u.entry;
                jieba.add_word(e.word, Some(e.freq), Some(e.tag));
                *loaded_total = *loaded_total - u.replaces + e.freq;
            }
        }
        jieba.add_word(SENTINEL, Some(self.full_total - *loaded_total), None);
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Segmenter::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_is_sorted_by_word_and_sums_to_its_total() {
        let words: Vec<&str> = DICT.lines().map(word_of).collect();
        assert!(words.windows(2).all(|w| w[0] < w[1]));
        let total: usize = DICT.lines().filter_map(parse_line).map(|e| e.freq).sum();
        assert_eq!(total, DICT_TOTAL);
    }

    #[test]
    fn a_characters_words_are_found_by_binary_search() {
        let mut by_scan: HashMap<char, usize> = HashMap::new();
        for l in DICT.lines() {
            *by_scan.entry(l.chars().next().unwrap()).or_default() += 1;
        }
        for (&c, &n) in by_scan.iter().step_by(97) {
            assert_eq!(words_of(c).count(), n, "words of {c}");
        }
        // Before the first line, between two characters, after the last.
        assert_eq!(first_line_not_below(DICT, "\0"), 0);
        assert_eq!(words_of('\u{10FFFD}').count(), 0);
        assert_eq!(first_line_not_below(DICT, "\u{10FFFF}"), DICT.len());
        for e in DICT.lines().step_by(101).filter_map(parse_line) {
            assert_eq!(dict_freq(e.word), e.freq, "{}", e.word);
        }
        assert_eq!(dict_freq("绩效目标不是词"), 0);
    }

    #[test]
    fn binary_search_on_small_texts() {
        let text = "a 1 x\nb 1 x\nbc 2 y\nd 1 z\n";
        assert_eq!(first_line_not_below(text, "a"), 0);
        assert_eq!(first_line_not_below(text, "b"), 6);
        assert_eq!(first_line_not_below(text, "bb"), 12);
        assert_eq!(first_line_not_below(text, "bc"), 12);
        assert_eq!(first_line_not_below(text, "c"), 19);
        assert_eq!(first_line_not_below(text, "e"), text.len());
        assert_eq!(first_line_not_below("", "a"), 0);
    }

    /// jieba as it is loaded whole: its embedded dictionary, then the domain words.
    fn loaded_whole() -> Jieba {
        let mut jieba = Jieba::new();
        jieba.load_dict(&mut USER_DICT.as_bytes()).unwrap();
        jieba
    }

    #[test]
    fn cuts_and_tags_as_jieba_loaded_whole() {
        let whole = loaded_whole();
        let seg = Segmenter::new();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
        let mut lines = 0;
        for path in std::fs::read_dir(dir).unwrap() {
            let Ok(text) = std::fs::read_to_string(path.unwrap().path()) else {
                continue; // not UTF-8 (the GBK copy of a sample)
            };
            // Line by line, so the segmenter grows as it meets characters; then whole.
            for line in text.lines().chain([text.as_str()]) {
                let expected: Vec<&str> = whole.cut(line, false).iter().map(|t| t.word).collect();
                assert_eq!(seg.cut(line), expected, "cut of {line}");
                let expected: Vec<(&str, &str)> = whole
                    .tag(line, true)
                    .iter()
                    .map(|t| (t.word, t.tag))
                    .collect();
                let tagged = seg.with_tags(line, |tags| {
                    tags.iter()
                        .map(|t| (t.word.to_owned(), t.tag.to_owned()))
                        .collect::<Vec<_>>()
                });
                let tagged: Vec<(&str, &str)> = tagged
                    .iter()
                    .map(|(w, t)| (w.as_str(), t.as_str()))
                    .collect();
                assert_eq!(tagged, expected, "tags of {line}");
                lines += 1;
            }
        }
        assert!(lines > 400, "only {lines} lines compared");
    }

    #[test]
    fn the_sorted_dictionary_holds_jiebas_words() {
        let whole = loaded_whole();
        for e in DICT.lines().step_by(31).filter_map(parse_line) {
            assert!(whole.has_word(e.word), "{} is not jieba's", e.word);
        }
        // A domain word that is not jieba's is cut as one word only with the domain words.
        let seg = Segmenter::new();
        for e in USER_DICT.lines().filter_map(parse_line) {
            assert_eq!(seg.cut(e.word), vec![e.word]);
        }
    }
}
