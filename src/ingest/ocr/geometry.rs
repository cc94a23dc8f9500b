//! Recognized words as the glyphs of a page, so that the PDF layout (lines, wrapped lines
//! joined, furniture dropped, indents, tables without rules) reads a scan as it reads a
//! printed PDF. A page photographed or scanned a few degrees askew is straightened here: the
//! slope of the engine's lines gives the angle, and the words' boxes are turned back about
//! the page centre (boxes, not pixels: recognition copes with small angles itself, the
//! layout's margins do not). Each word's characters share its box evenly, with one baseline
//! and size per engine line.

use super::fix::fix_line;
use super::rules::PixelRule;
use super::tesseract::{Recognized, Word};
use crate::ingest::pdf::{Glyph, Page, Rule};

/// A word's box in page space (points, y down) with its confidence (0–1) and characters.
#[derive(Clone, Debug)]
pub struct Scored {
    pub bbox: [f64; 4],
    pub confidence: f32,
    pub chars: usize,
}

/// One OCR'd page: glyphs for the layout and scored word boxes for provenance.
#[derive(Debug)]
pub struct OcrPage {
    pub page: Page,
    pub words: Vec<Scored>,
    /// The skew that was taken out, in degrees.
    pub skew: f64,
}

/// Largest angle treated as skew; beyond it the page is turned (OSD) or read as it is.
const MAX_SKEW_DEGREES: f64 = 10.0;

/// The page of `rec` with the ruled lines found in its image (`rules`, pixels), both turned
/// back by the skew.
pub fn page_of(
    number: u32,
    rec: &Recognized,
    points_per_pixel: f64,
    rules: &[PixelRule],
) -> OcrPage {
    let centre = (rec.width / 2.0, rec.height / 2.0);
    let skew = skew_of(&rec.words, rec.width);
    let (sin, cos) = (-skew).to_radians().sin_cos();
    let s = points_per_pixel;
    // A rule keeps its direction and length: its middle is turned as a word's centre is.
    let rules = rules
        .iter()
        .map(|r| {
            let (dx, dy) = (
                (r.x0 + r.x1) / 2.0 - centre.0,
                (r.y0 + r.y1) / 2.0 - centre.1,
            );
            let (x, y) = (
                centre.0 + dx * cos - dy * sin,
                centre.1 + dx * sin + dy * cos,
            );
            let (hw, hh) = ((r.x1 - r.x0) / 2.0, (r.y1 - r.y0) / 2.0);
            Rule {
                x0: (x - hw) * s,
                y0: (y - hh) * s,
                x1: (x + hw) * s,
                y1: (y + hh) * s,
            }
        })
        .collect();
    // Words turned about the centre by -skew (centres only; boxes keep their size).
    let words: Vec<Word> = rec
        .words
        .iter()
        .map(|w| {
            let (cx, cy) = (w.left + w.width / 2.0, w.top + w.height / 2.0);
            let (dx, dy) = (cx - centre.0, cy - centre.1);
            let (x, y) = (
                centre.0 + dx * cos - dy * sin,
                centre.1 + dx * sin + dy * cos,
            );
            Word {
                left: x - w.width / 2.0,
                top: y - w.height / 2.0,
                ..w.clone()
            }
        })
        .collect();
    let mut page = Page {
        number,
        width: rec.width * s,
        height: rec.height * s,
        glyphs: Vec::new(),
        rules,
    };
    let mut lines: Vec<Vec<&Word>> = Vec::new();
    for w in &words {
        match lines.last_mut() {
            Some(l) if l[0].line == w.line => l.push(w),
            _ => lines.push(vec![w]),
        }
    }
    for line in lines {
        place_line(&mut page, &line, s);
    }
    let words = words
        .iter()
        .map(|w| Scored {
            bbox: [
                w.left * s,
                w.top * s,
                (w.left + w.width) * s,
                (w.top + w.height) * s,
            ],
            confidence: w.confidence / 100.0,
            chars: w.text.chars().count(),
        })
        .collect();
    OcrPage { page, words, skew }
}

/// One engine line as glyphs. The engine's word order is the reading order, but its word
/// boxes are not to be trusted (a two-character word's box may reach over the next word), so
/// each word is placed from where the previous one ended, up to where the next one starts.
fn place_line(page: &mut Page, line: &[&Word], s: f64) {
    let cjk_heights: Vec<f64> = line
        .iter()
        .filter(|w| w.text.chars().any(is_cjk))
        .map(|w| w.height)
        .collect();
    // The engine gives some characters boxes half again too tall (reaching into the next
    // line): the size is the lower quartile of the heights, and the baseline the median
    // bottom of the boxes of about that size.
    let size = if cjk_heights.is_empty() {
        quartile(line.iter().map(|w| w.height).collect())
    } else {
        quartile(cjk_heights)
    }
    .max(1.0);
    let fitting: Vec<f64> = line
        .iter()
        .filter(|w| w.height <= 1.3 * size)
        .map(|w| w.top + w.height)
        .collect();
    let baseline = if fitting.is_empty() {
        median(line.iter().map(|w| w.top + w.height).collect())
    } else {
        median(fitting)
    };
    // Each word's span on the line, in reading order and never overlapping.
    let mut spans = Vec::with_capacity(line.len());
    let mut cursor = f64::NEG_INFINITY;
    for (i, w) in line.iter().enumerate() {
        // Opening brackets and quotes are inked in the right half of their square: the
        // character starts half a square before its ink (a heading "（一）" at the margin).
        let opening = w.text.starts_with(['（', '“', '《', '〔', '【', '‘', '「']);
        let left = if opening {
            w.left - 0.45 * size
        } else {
            w.left
        };
        let start = left.max(cursor);
        let mut end = w.left + w.width;
        if let Some(next) = line.get(i + 1)
            && next.left > start
        {
            end = end.min(next.left);
        }
        let n = w.text.chars().count().max(1) as f64;
        // A word squeezed to nothing still gets a sliver per character, in order.
        let end = end.max(start + 0.05 * size * n);
        spans.push((start, end));
        cursor = end;
    }
    // The line's characters, a space standing for a wide gap, for the text rules.
    let mut chars: Vec<char> = Vec::new();
    let mut owner: Vec<Option<(usize, usize)>> = Vec::new();
    for (i, w) in line.iter().enumerate() {
        if i > 0 && spans[i].0 - spans[i - 1].1 > 0.8 * size {
            chars.push(' ');
            owner.push(None);
        }
        for (k, c) in w.text.chars().enumerate() {
            chars.push(c);
            owner.push(Some((i, k)));
        }
    }
    fix_line(&mut chars);
    for (c, at) in chars.into_iter().zip(owner) {
        let Some((i, k)) = at else { continue };
        let (start, end) = spans[i];
        let n = line[i].text.chars().count().max(1) as f64;
        let width = (end - start) / n;
        page.glyphs.push(Glyph {
            x: (start + k as f64 * width) * s,
            y: baseline * s,
            width: width * s,
            size: size * s,
            text: c.to_string(),
        });
    }
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

fn quartile(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 4]
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The page's skew in degrees (positive: lines fall to the right), from the slope of the
/// bottoms of the words of each long engine line; 0 when no line is long enough to tell.
pub fn skew_of(words: &[Word], page_width: f64) -> f64 {
    let mut slopes = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let j = i + words[i..]
            .iter()
            .take_while(|w| w.line == words[i].line)
            .count();
        let line = &words[i..j];
        i = j;
        if line.len() < 4 {
            continue;
        }
        let xs: Vec<f64> = line.iter().map(|w| w.left + w.width / 2.0).collect();
        // Centres rather than bottoms: a box too tall reaches both ways.
        let ys: Vec<f64> = line.iter().map(|w| w.top + w.height / 2.0).collect();
        let span = xs.iter().cloned().fold(f64::MIN, f64::max)
            - xs.iter().cloned().fold(f64::MAX, f64::min);
        if span < 0.25 * page_width {
            continue;
        }
        let n = xs.len() as f64;
        let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        if sxx > 0.0 {
            slopes.push(sxy / sxx);
        }
    }
    if slopes.len() < 2 {
        return 0.0;
    }
    let angle = median(slopes).atan().to_degrees();
    if angle.abs() < 0.2 || angle.abs() > MAX_SKEW_DEGREES {
        0.0
    } else {
        angle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, left: f64, top: f64, line: u32) -> Word {
        Word {
            text: text.into(),
            left,
            top,
            width: 20.0 * text.chars().count() as f64,
            height: 20.0,
            confidence: 90.0,
            line: (1, 1, line),
        }
    }

    /// Two lines falling 3° to the right come out level, one baseline each.
    #[test]
    fn skew_is_taken_out() {
        let slope = 3f64.to_radians().tan();
        let mut words = Vec::new();
        for line in 0..3u32 {
            for k in 0..10 {
                let x = 100.0 + 60.0 * k as f64;
                let y = 100.0 + 50.0 * line as f64 + slope * x;
                words.push(word("预算", x, y, line));
            }
        }
        let rec = Recognized {
            width: 800.0,
            height: 1000.0,
            words,
        };
        let skew = skew_of(&rec.words, rec.width);
        assert!((skew - 3.0).abs() < 0.1, "{skew}");
        let page = page_of(1, &rec, 1.0, &[]).page;
        let mut baselines: Vec<i64> = page.glyphs.iter().map(|g| g.y.round() as i64).collect();
        baselines.dedup();
        assert_eq!(baselines.len(), 3, "{baselines:?}");
        assert_eq!(page.glyphs.len(), 60);
    }

    #[test]
    fn words_become_glyphs_with_rules_applied() {
        let rec = Recognized {
            width: 800.0,
            height: 1000.0,
            words: vec![word("2O21", 100.0, 100.0, 1), word("年", 182.0, 100.0, 1)],
        };
        let page = page_of(3, &rec, 0.5, &[]).page;
        let text: String = page.glyphs.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(text, "2021年");
        assert_eq!(page.number, 3);
        assert_eq!(page.width, 400.0);
        assert_eq!(page.glyphs[1].x, 60.0);
        assert_eq!(page.glyphs[1].width, 10.0);
    }
}
