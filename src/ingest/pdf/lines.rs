//! Printed lines from glyphs: glyphs sharing a baseline, left to right, with a space only
//! where the gap is a real word gap between Latin letters or digits (LibreOffice and Word
//! draw a gap between CJK and digits that is not in the text), and the joining of wrapped
//! lines. Shared by the page text and the cells of ruled tables.

use super::glyphs::Glyph;

/// A line of glyphs on one page.
#[derive(Clone, Debug)]
pub struct Line {
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub right: f64,
    pub size: f64,
    pub text: String,
    /// Width of what would have had to fit on the previous line for this line not to exist:
    /// its first glyph and the closing punctuation that may not start a line.
    pub first_unit: f64,
}

/// Groups glyphs into lines by baseline, each left to right.
pub fn lines_of(page: usize, mut glyphs: Vec<&Glyph>) -> Vec<Line> {
    glyphs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut groups: Vec<Vec<&Glyph>> = Vec::new();
    let mut base = f64::NEG_INFINITY;
    let mut size = 0.0f64;
    for g in glyphs {
        let tolerance = 0.4 * size.max(g.size).max(1.0);
        match groups.last_mut() {
            Some(group) if (g.y - base).abs() <= tolerance => group.push(g),
            _ => {
                groups.push(vec![g]);
                base = g.y;
                size = g.size;
            }
        }
    }
    groups
        .into_iter()
        .filter_map(|mut group| {
            group.sort_by(|a, b| a.x.total_cmp(&b.x));
            line_of(page, &group)
        })
        .collect()
}

fn line_of(page: usize, glyphs: &[&Glyph]) -> Option<Line> {
    let mut text = String::new();
    let mut prev: Option<&Glyph> = None;
    let mut first: Option<usize> = None;
    let mut right = f64::NEG_INFINITY;
    let mut size = 0.0f64;
    for (i, g) in glyphs.iter().enumerate() {
        let blank = g.text.chars().all(char::is_whitespace);
        if let Some(p) = prev {
            // The same glyph drawn twice (fake bold, shadow) is one glyph.
            if p.text == g.text && (g.x - p.x).abs() < 0.1 * g.size.max(1.0) {
                continue;
            }
            let gap = g.x - p.right();
            let p_blank = p.text.chars().all(char::is_whitespace);
            if !blank && !p_blank && !text.ends_with(' ') {
                let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
                let both_latin = latin(p.text.chars().last()) && latin(g.text.chars().next());
                if (both_latin && gap > 0.2 * g.size) || gap > 2.0 * g.size {
                    text.push(' ');
                }
            }
        }
        if blank {
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
        } else {
            if first.is_none() {
                first = Some(i);
            }
            text.push_str(&g.text);
            right = right.max(g.right());
            size = size.max(g.size);
        }
        prev = Some(g);
    }
    let first = first?;
    let text = text.trim_end().to_string();
    let lead = &glyphs[first];
    let first_unit = first_unit(&glyphs[first..]);
    Some(Line {
        page,
        x: lead.x,
        y: glyphs[first].y,
        right,
        size,
        text: text.trim_start().to_string(),
        first_unit,
    })
}

/// Width of what would have had to fit at the end of the previous line for this line not
/// to exist. CJK breaks between any two characters, but LibreOffice and Word move an opening
/// bracket with what follows it, a run of Latin letters, digits and ASCII punctuation
/// ("2023", "(B/A)") whole, closing punctuation with the character before it, and a number
/// right after closing punctuation with that punctuation ("工，2023").
fn first_unit(glyphs: &[&Glyph]) -> f64 {
    fn all(g: &Glyph, f: fn(char) -> bool) -> bool {
        !g.text.is_empty() && g.text.chars().all(f)
    }
    let ascii = |g: &Glyph| all(g, |c| c.is_ascii_graphic());
    let closing = |g: &Glyph| all(g, is_closing);
    let opening = |g: &Glyph| all(g, is_opening);
    let n = glyphs.len();
    let mut i = 0;
    while i < n && opening(glyphs[i]) {
        i += 1;
    }
    if i < n && ascii(glyphs[i]) {
        while i < n && ascii(glyphs[i]) {
            i += 1;
        }
    } else {
        i = (i + 1).min(n);
    }
    let mut cjk_closing = false;
    while i < n && closing(glyphs[i]) {
        cjk_closing |= !ascii(glyphs[i]);
        i += 1;
    }
    if cjk_closing {
        while i < n && ascii(glyphs[i]) {
            i += 1;
        }
    }
    glyphs[..i].iter().map(|g| g.width).sum()
}

/// Punctuation that may not end a line, so it travels with the character after it.
fn is_opening(c: char) -> bool {
    "（《「『“‘(〔【〈[{".contains(c)
}

/// Punctuation that may not start a line, so it travels with the character before it.
fn is_closing(c: char) -> bool {
    "，。、；：？！）》」』”’％%．,.;:?!)]}〕】〉·…".contains(c)
}

/// Appends a wrapped line: nothing between, except a space between two Latin letters.
pub fn join_into(text: &mut String, next: &str) {
    let last = text.chars().last();
    let first = next.chars().next();
    if let (Some(a), Some(b)) = (last, first)
        && a.is_ascii_alphabetic()
        && b.is_ascii_alphabetic()
    {
        text.push(' ');
    }
    text.push_str(next);
}
