//! The ruled lines of a scanned page (the borders of a form's cells), found as long thin runs
//! of dark pixels across or down the page. They are taken out of the image before the engine
//! reads it — drawn borders read as "|", "_" or "一" and break the engine's lines apart — and
//! handed to the layout as the rules a printed PDF draws, so a ruled table of a scan is read
//! cell by cell as one in a PDF is.

use super::images::PageImage;
use image::GrayImage;

/// A rule in pixels: horizontal (`y0 == y1`) or vertical (`x0 == x1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PixelRule {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl PixelRule {
    /// The rule on the page image turned `degrees` clockwise (the page was `w`×`h`).
    pub fn turned(&self, degrees: u32, w: f64, h: f64) -> PixelRule {
        let turn = |x: f64, y: f64| match degrees {
            90 => (h - 1.0 - y, x),
            180 => (w - 1.0 - x, h - 1.0 - y),
            270 => (y, w - 1.0 - x),
            _ => (x, y),
        };
        let (a, b) = (turn(self.x0, self.y0), turn(self.x1, self.y1));
        PixelRule {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
        }
    }
}

/// Darker than this is ink (scans and JPEG noise leave lines grey in places).
const DARK: u8 = 160;
/// Light pixels a run of ink may have in it and still be one line.
const GAP: u32 = 2;
/// Shortest horizontal rule, in points: longer than any stroke of a character of body text.
const MIN_ACROSS: f64 = 30.0;
/// Shortest vertical rule, in points (the side of one row's cell), which must meet a
/// horizontal rule at both ends; a character's strokes are shorter or stand free.
const MIN_DOWN: f64 = 12.0;
/// Thickest rule, in points; anything thicker is a filled area, left alone.
const MAX_THICK: f64 = 3.0;

/// A page image made ready for the engine.
pub struct Cleaned {
    /// The image to read: the original, or a copy without its rules.
    pub image: PageImage,
    /// The rules taken out, in pixels.
    pub rules: Vec<PixelRule>,
    /// The page's size in pixels.
    pub size: (f64, f64),
}

/// Finds the page's rules and, when it has any, writes the image without them beside the
/// original.
pub fn clean(image: &PageImage) -> Result<Cleaned, String> {
    let mut img = image::open(&image.path)
        .map_err(|e| format!("unreadable page image: {e}"))?
        .to_luma8();
    let size = (f64::from(img.width()), f64::from(img.height()));
    let px = |points: f64| (points / image.points_per_pixel).round().max(1.0) as u32;
    let rules = take_rules(&mut img, px(MIN_ACROSS), px(MIN_DOWN), px(MAX_THICK) + 1);
    if rules.is_empty() {
        return Ok(Cleaned {
            image: image.clone(),
            rules,
            size,
        });
    }
    let path = image
        .path
        .with_file_name(format!("unruled-{}.png", image.page));
    img.save(&path)
        .map_err(|e| format!("cannot write the page image: {e}"))?;
    Ok(Cleaned {
        image: PageImage {
            path,
            ..image.clone()
        },
        rules,
        size,
    })
}

/// A band of ink runs on consecutive pixel lines.
#[derive(Clone, Copy, Debug)]
struct Band {
    first: u32,
    last: u32,
    from: u32,
    to: u32,
}

/// Runs of ink at least `min` long along line `i` (rows when `across`, else columns).
fn runs(img: &GrayImage, across: bool, i: u32, min: u32) -> Vec<(u32, u32)> {
    let len = if across { img.width() } else { img.height() };
    let ink = |j: u32| {
        let p = if across {
            img.get_pixel(j, i)
        } else {
            img.get_pixel(i, j)
        };
        p[0] < DARK
    };
    let mut out = Vec::new();
    let mut j = 0;
    while j < len {
        if !ink(j) {
            j += 1;
            continue;
        }
        let start = j;
        let mut end = j + 1;
        let mut k = j + 1;
        while k < len && k <= end + GAP {
            if ink(k) {
                end = k + 1;
            }
            k += 1;
        }
        if end - start >= min {
            out.push((start, end));
        }
        j = end.max(j + 1);
    }
    out
}

/// Bands of runs along one direction, at most `max_thick` lines thick.
fn bands(img: &GrayImage, across: bool, min: u32, max_thick: u32) -> Vec<Band> {
    let lines = if across { img.height() } else { img.width() };
    let mut open: Vec<Band> = Vec::new();
    let mut closed = Vec::new();
    for i in 0..lines {
        let mut next = Vec::new();
        for (from, to) in runs(img, across, i, min) {
            let overlapping = open.iter().position(|b| {
                b.last + 1 == i && from.max(b.from) < to.min(b.to) && {
                    let overlap = to.min(b.to) - from.max(b.from);
                    2 * overlap >= (to - from).min(b.to - b.from)
                }
            });
            next.push(match overlapping {
                Some(k) => {
                    let b = open.swap_remove(k);
                    Band {
                        last: i,
                        from: b.from.min(from),
                        to: b.to.max(to),
                        ..b
                    }
                }
                None => Band {
                    first: i,
                    last: i,
                    from,
                    to,
                },
            });
        }
        closed.append(&mut open);
        open = next;
    }
    closed.append(&mut open);
    closed.retain(|b| b.last - b.first < max_thick);
    closed
}

/// Finds rules (horizontal ones at least `min_across` long, vertical ones at least
/// `min_down` long with a horizontal rule at each end) and whitens them in `img`.
pub fn take_rules(
    img: &mut GrayImage,
    min_across: u32,
    min_down: u32,
    max_thick: u32,
) -> Vec<PixelRule> {
    let across = bands(img, true, min_across, max_thick);
    let down = bands(img, false, min_down, max_thick);
    let slack = max_thick + GAP + 1;
    let meets = |x: u32, y: u32| {
        across.iter().any(|h| {
            x + slack >= h.from && x <= h.to + slack && y + slack >= h.first && y <= h.last + slack
        })
    };
    let mid = |b: &Band| f64::from(b.first + b.last) / 2.0;
    let mut rules = Vec::new();
    let mut erase = Vec::new();
    for b in &across {
        rules.push(PixelRule {
            x0: f64::from(b.from),
            y0: mid(b),
            x1: f64::from(b.to),
            y1: mid(b),
        });
        erase.push((b.from, b.first, b.to, b.last + 1));
    }
    for b in &down {
        let x = (b.first + b.last) / 2;
        // Long enough to be no character's stroke, or a cell's side between two rules.
        let long = b.to - b.from >= min_across;
        let framed = meets(x, b.from) && meets(x, b.to.saturating_sub(1));
        if !long && !framed {
            continue;
        }
        rules.push(PixelRule {
            x0: mid(b),
            y0: f64::from(b.from),
            x1: mid(b),
            y1: f64::from(b.to),
        });
        erase.push((b.first, b.from, b.last + 1, b.to));
    }
    let (w, h) = img.dimensions();
    for (x0, y0, x1, y1) in erase {
        // A pixel more each way: the grey edge a scanner or JPEG leaves beside the line.
        for y in y0.saturating_sub(1)..(y1 + 1).min(h) {
            for x in x0.saturating_sub(1)..(x1 + 1).min(w) {
                img.put_pixel(x, y, image::Luma([255]));
            }
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PixelRule {
        fn horizontal(&self) -> bool {
            self.y0 == self.y1
        }
    }

    /// A 2×2 grid of cells with a character-like mark in one: the grid's lines are found
    /// and whitened, the mark stays.
    #[test]
    fn grid_lines_are_found_and_taken_out() {
        let mut img = GrayImage::from_pixel(400, 300, image::Luma([255]));
        let mut ink = |x0: u32, y0: u32, x1: u32, y1: u32| {
            for y in y0..y1 {
                for x in x0..x1 {
                    img.put_pixel(x, y, image::Luma([0]));
                }
            }
        };
        for y in [50, 150, 250] {
            ink(50, y, 351, y + 2);
        }
        for x in [50, 200, 349] {
            ink(x, 50, x + 2, 252);
        }
        // A "十" inside the first cell: strokes 20 pixels long.
        ink(100, 100, 120, 102);
        ink(109, 90, 111, 112);
        let rules = take_rules(&mut img, 60, 25, 4);
        let across = rules.iter().filter(|r| r.horizontal()).count();
        assert_eq!((across, rules.len() - across), (3, 3), "{rules:?}");
        assert!(
            rules
                .iter()
                .any(|r| r.horizontal() && r.y0 == 50.5 && r.x0 == 50.0)
        );
        assert_eq!(img.get_pixel(200, 150)[0], 255);
        assert_eq!(img.get_pixel(60, 50)[0], 255);
        assert_eq!(img.get_pixel(105, 101)[0], 0, "the character stays");
    }

    #[test]
    fn rules_turn_with_the_page() {
        let r = PixelRule {
            x0: 10.0,
            y0: 20.0,
            x1: 110.0,
            y1: 20.0,
        };
        let t = r.turned(90, 200.0, 100.0);
        assert_eq!((t.x0, t.y0, t.x1, t.y1), (79.0, 10.0, 79.0, 110.0));
        assert_eq!(r.turned(180, 200.0, 100.0).y0, 79.0);
        assert!(!r.turned(270, 200.0, 100.0).horizontal());
    }
}
