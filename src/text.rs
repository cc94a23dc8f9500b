//! The normalized view of a document's text that the extractors read, with an offset map
//! back to the original. Normalization folds what reports write in many ways into one form:
//! full-width digits, letters and punctuation become ASCII ("１２３" → "123", "（" → "("),
//! Kangxi radicals and compatibility ideographs become ordinary ideographs, white space inside
//! numbers and between CJK and digits is removed ("1.02 亿元" → "1.02亿元"), and a number broken
//! by a single line break comes back whole ("20⏎22" → "2022", "2,350.00⏎万元" → "2,350.00万元"). Line breaks otherwise stay, so
//! sentence and table structure survive. Every normalized character maps to exactly one
//! original character, so any normalized span maps back to an exact original span.

use unicode_normalization::char::decompose_compatible;

/// Characters that continue a number across a single line break: money units, %, 分, and the
/// measure words of counts. A line that ends in a number and a next line that starts with one
/// of these is one phrase wrapped, as text copied out of a PDF is.
const UNITS_AFTER_NUMBERS: &str =
    "万亿千元%分个项家条份次人件所座处批户名篇场类套台辆张本部支期宗笔单册起";

pub struct NormalizedText<'a> {
    original: &'a str,
    normalized: String,
    /// For each byte of `normalized` that starts a char: the original code-point index of it.
    /// Other bytes hold the value of their char's first byte. One extra entry at the end holds
    /// the original length in code points.
    orig_index: Vec<u32>,
    /// Byte offset in `original` of each original code point, plus one for the end.
    orig_bytes: Vec<u32>,
}

impl<'a> NormalizedText<'a> {
    pub fn new(original: &'a str) -> Self {
        let chars: Vec<char> = original.chars().collect();
        let mut orig_bytes = Vec::with_capacity(chars.len() + 1);
        let mut b = 0u32;
        for c in &chars {
            orig_bytes.push(b);
            b += c.len_utf8() as u32;
        }
        orig_bytes.push(b);

        let mut normalized = String::with_capacity(original.len());
        let mut orig_index = Vec::with_capacity(original.len() + 1);
        let mut push = |normalized: &mut String, c: char, at: usize| {
            for _ in 0..c.len_utf8() {
                orig_index.push(at as u32);
            }
            normalized.push(c);
        };

        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                let run_start = i;
                while i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                let run = &chars[run_start..i];
                let before = run_start.checked_sub(1).map(|j| fold(chars[j]));
                let after = chars.get(i).map(|&c| fold(c));
                let newlines = run.iter().filter(|&&c| is_line_break(c)).count();
                let digits_around = before.is_some_and(|c| c.is_ascii_digit() || c == '.')
                    && after.is_some_and(|c| c.is_ascii_digit() || c == '.');
                // "2,350.00⏎万元", "1,200万⏎元", "327⏎个": a unit or measure word wrapped away
                // from its number.
                // A row of a table ends with its last cell: the next line is not its unit.
                let ends_table_row = || {
                    chars[..run_start]
                        .iter()
                        .rev()
                        .take_while(|&&c| !is_line_break(c))
                        .any(|&c| matches!(c, '|' | '｜' | '\t'))
                };
                let unit_after_number = !ends_table_row()
                    && match (before, after) {
                        (Some(b), Some(a)) if b.is_ascii_digit() => UNITS_AFTER_NUMBERS.contains(a),
                        (Some(b), Some('元')) if "万亿千".contains(b) => run_start
                            .checked_sub(2)
                            .is_some_and(|j| fold(chars[j]).is_ascii_digit()),
                        _ => false,
                    };
                if newlines == 0 {
                    // A space survives only between two Latin letters or digits, where
                    // dropping it would glue two words or two numbers together.
                    let keep = before.zip(after).is_some_and(|(b, a)| {
                        b.is_ascii_alphanumeric() && a.is_ascii_alphanumeric()
                    });
                    if keep {
                        push(&mut normalized, ' ', run_start);
                    }
                } else if newlines == 1
                    && (digits_around || unit_after_number)
                    && run.iter().all(|&c| c == '\n' || c == '\r')
                {
                    // "20⏎22": a number (or its unit) wrapped at a line end. A tab or blank
                    // line marks structure (table cells, paragraphs) and is kept.
                } else {
                    for (k, &w) in run.iter().enumerate() {
                        if is_line_break(w) {
                            push(&mut normalized, '\n', run_start + k);
                        }
                    }
                }
                continue;
            }
            push(&mut normalized, fold(c), i);
            i += 1;
        }
        orig_index.push(chars.len() as u32);
        NormalizedText {
            original,
            normalized,
            orig_index,
            orig_bytes,
        }
    }

    /// The normalized text; regexes run over this.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    pub fn original(&self) -> &'a str {
        self.original
    }

    /// Length of the original in code points.
    pub fn original_chars(&self) -> usize {
        self.orig_bytes.len() - 1
    }

    /// Maps a normalized byte range to the original code-point range that covers it.
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.orig_index[start] as usize;
        if end <= start {
            return (s, s);
        }
        let last_char_start = self.normalized[..end]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(start);
        (s, self.orig_index[last_char_start] as usize + 1)
    }

    /// The original text of a code-point range.
    pub fn original_slice(&self, start: usize, end: usize) -> &'a str {
        &self.original[self.orig_bytes[start] as usize..self.orig_bytes[end] as usize]
    }

    /// Code-point index in the original of a code-point index... converted to a normalized byte
    /// offset: the first normalized char whose original index is at or after `orig`.
    pub fn from_original(&self, orig: usize) -> usize {
        self.orig_index.partition_point(|&o| (o as usize) < orig)
    }
}

/// Byte offsets of a text's code points, found by a short walk from a sparse index: for the
/// few places that turn a code-point offset into a slice of the text, so that doing it for
/// each of many tables or facts costs no scan from the start.
pub struct CharOffsets<'a> {
    text: &'a str,
    /// Byte offset of every `STRIDE`-th code point.
    every: Vec<usize>,
}

impl<'a> CharOffsets<'a> {
    const STRIDE: usize = 256;

    pub fn new(text: &'a str) -> Self {
        let every = text
            .char_indices()
            .step_by(Self::STRIDE)
            .map(|(i, _)| i)
            .collect();
        CharOffsets { text, every }
    }

    /// The byte offset of code point `index` (the text's length past its end).
    pub fn byte(&self, index: usize) -> usize {
        let Some(&from) = self.every.get(index / Self::STRIDE) else {
            return self.text.len();
        };
        self.text[from..]
            .char_indices()
            .nth(index % Self::STRIDE)
            .map_or(self.text.len(), |(i, _)| from + i)
    }

    /// The text of the code-point range [start, end).
    pub fn slice(&self, start: usize, end: usize) -> &'a str {
        let s = self.byte(start);
        &self.text[s..self.byte(end).max(s)]
    }
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\u{c}' | '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// Folds one character: full-width ASCII forms, the ideographic space, Kangxi radicals and
/// CJK compatibility ideographs. Everything else (（，： in titles, “” quotes) maps to ASCII
/// only where listed, so titles taken from the original keep their punctuation.
pub fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2E80}'..='\u{2FDF}' | '\u{F900}'..='\u{FAFF}' => {
            let mut out = None;
            let mut n = 0;
            decompose_compatible(c, |d| {
                n += 1;
                out = Some(d);
            });
            match (n, out) {
                (1, Some(d)) => d,
                _ => c,
            }
        }
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(original: &str, needle: &str) -> String {
        let n = NormalizedText::new(original);
        let at = n.as_str().find(needle).expect("needle in normalized text");
        let (s, e) = n.to_original(at, at + needle.len());
        n.original_slice(s, e).to_string()
    }

    #[test]
    fn spaces_between_cjk_and_digits_go() {
        let n = NormalizedText::new("压减预算资金 1.02 亿元，秀洲区 2021 年");
        assert_eq!(n.as_str(), "压减预算资金1.02亿元,秀洲区2021年");
        assert_eq!(roundtrip("压减预算资金 1.02 亿元", "1.02亿元"), "1.02 亿元");
    }

    #[test]
    fn full_width_and_kangxi() {
        let n = NormalizedText::new("１２３个（试行）⽅案");
        assert_eq!(n.as_str(), "123个(试行)方案");
        assert_eq!(roundtrip("共１２３个", "123个"), "１２３个");
    }

    #[test]
    fn wrapped_numbers_join_but_structure_stays() {
        assert_eq!(
            NormalizedText::new("在申请 20\n22 年").as_str(),
            "在申请2022年"
        );
        assert_eq!(NormalizedText::new("3.\n94亿元").as_str(), "3.94亿元");
        assert_eq!(NormalizedText::new("\t1\n\t2").as_str(), "1\n2");
        assert_eq!(NormalizedText::new("12\n\n34").as_str(), "12\n\n34");
        assert_eq!(NormalizedText::new("共327\n个项目").as_str(), "共327个项目");
        // The last cell of a table row is not wrapped onto the next row's name.
        assert_eq!(
            NormalizedText::new("数量｜2套｜10\n项目完工率").as_str(),
            "数量|2套|10\n项目完工率"
        );
        assert_eq!(NormalizedText::new("GB T 9704").as_str(), "GB T 9704");
    }

    #[test]
    fn char_offsets() {
        let text: String = (0..1000)
            .map(|i| if i % 3 == 0 { '预' } else { 'a' })
            .collect();
        let offsets = CharOffsets::new(&text);
        for k in [0, 1, 255, 256, 257, 999, 1000, 5000] {
            let want = text.char_indices().nth(k).map_or(text.len(), |(i, _)| i);
            assert_eq!(offsets.byte(k), want, "{k}");
        }
        assert_eq!(offsets.slice(0, 2), "预a");
    }

    #[test]
    fn offsets_are_code_points() {
        let n = NormalizedText::new("一二 三");
        assert_eq!(n.original_chars(), 4);
        let at = n.as_str().find('三').unwrap();
        assert_eq!(n.to_original(at, at + '三'.len_utf8()), (3, 4));
        assert_eq!(n.from_original(3), at);
    }
}
