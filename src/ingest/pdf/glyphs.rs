//! The `OutputDev` that pdf-extract drives: it records every glyph with its box in page space
//! (origin top-left, y down, PDF points) and every straight ruling line or thin filled
//! rectangle, which is what table borders are drawn with. Layout is decided later, from
//! geometry alone, in `layout`.

use pdf_extract::{ColorSpace, MediaBox, OutputDev, OutputError, Path, PathOp, Transform};

/// One glyph as drawn.
#[derive(Clone, Debug)]
pub struct Glyph {
    /// Left edge and baseline, y measured down from the top of the page.
    pub x: f64,
    pub y: f64,
    /// Advance width and font size, in page units.
    pub width: f64,
    pub size: f64,
    pub text: String,
}

impl Glyph {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }
}

/// A horizontal or vertical segment, in the same space as glyphs.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rule {
    pub fn horizontal(&self) -> bool {
        (self.y1 - self.y0).abs() < 1.0 && (self.x1 - self.x0).abs() >= 1.0
    }
    pub fn vertical(&self) -> bool {
        (self.x1 - self.x0).abs() < 1.0 && (self.y1 - self.y0).abs() >= 1.0
    }
}

#[derive(Clone, Debug, Default)]
pub struct Page {
    pub number: u32,
    pub width: f64,
    pub height: f64,
    pub glyphs: Vec<Glyph>,
    pub rules: Vec<Rule>,
}

/// Collects pages of glyphs and rules.
#[derive(Default)]
pub struct Collector {
    pub pages: Vec<Page>,
    /// Page-space flip: x' = x - llx, y' = ury - y.
    flip: (f64, f64),
    /// Stop collecting beyond this many glyphs (a hostile file drawing millions of glyphs);
    /// `overflow` tells the caller it happened.
    pub max_glyphs: usize,
    pub overflow: bool,
    glyphs: usize,
    /// When reading must stop: every callback past it fails, which makes pdf-extract give up
    /// the file, so a file that takes too long stops using the CPU instead of running on
    /// after its caller stopped waiting. `timed_out` tells the caller it happened.
    pub deadline: Option<std::time::Instant>,
    pub timed_out: bool,
}

impl Collector {
    pub fn new(max_glyphs: usize, deadline: std::time::Instant) -> Self {
        Collector {
            max_glyphs,
            deadline: Some(deadline),
            ..Default::default()
        }
    }

    fn in_time(&mut self) -> Result<(), OutputError> {
        if self.deadline.is_some_and(|d| std::time::Instant::now() > d) {
            self.timed_out = true;
            return Err(OutputError::FormatError(std::fmt::Error));
        }
        Ok(())
    }

    fn page(&mut self) -> Result<&mut Page, OutputError> {
        self.pages
            .last_mut()
            .ok_or(OutputError::FormatError(std::fmt::Error))
    }

    fn to_page(&self, m: &Transform, x: f64, y: f64) -> (f64, f64) {
        to_page(&matrix(m), self.flip, x, y)
    }

    fn add_path(&mut self, ctm: &Transform, path: &Path, filled: bool) -> Result<(), OutputError> {
        let rules = path_rules(&path.ops, &matrix(ctm), self.flip, filled);
        self.page()?.rules.extend(rules);
        Ok(())
    }
}

fn matrix(m: &Transform) -> [f64; 6] {
    [m.m11, m.m12, m.m21, m.m22, m.m31, m.m32]
}

/// A point in user space through matrix `m` (PDF [a b c d e f]) into page space.
fn to_page(m: &[f64; 6], flip: (f64, f64), x: f64, y: f64) -> (f64, f64) {
    let px = x * m[0] + y * m[2] + m[4];
    let py = x * m[1] + y * m[3] + m[5];
    (px - flip.0, flip.1 - py)
}

/// The horizontal and vertical rules a painted path draws: stroked segments, the sides of a
/// stroked rectangle, and thin filled rectangles (how many producers draw table borders).
/// `flip` is the page's (llx, ury).
pub fn path_rules(ops: &[PathOp], m: &[f64; 6], flip: (f64, f64), filled: bool) -> Vec<Rule> {
    let rule = |x0: f64, y0: f64, x1: f64, y1: f64| {
        let (ax, ay) = to_page(m, flip, x0, y0);
        let (bx, by) = to_page(m, flip, x1, y1);
        Rule {
            x0: ax.min(bx),
            y0: ay.min(by),
            x1: ax.max(bx),
            y1: ay.max(by),
        }
    };
    let mut rules = Vec::new();
    let mut cur: Option<(f64, f64)> = None;
    let mut start: Option<(f64, f64)> = None;
    for op in ops {
        match *op {
            PathOp::MoveTo(x, y) => {
                cur = Some((x, y));
                start = cur;
            }
            PathOp::LineTo(x, y) => {
                if let Some((x0, y0)) = cur
                    && !filled
                {
                    rules.push(rule(x0, y0, x, y));
                }
                cur = Some((x, y));
            }
            PathOp::CurveTo(_, _, _, _, x, y) => cur = Some((x, y)),
            PathOp::Close => {
                if let (Some((x0, y0)), Some((x1, y1))) = (cur, start)
                    && !filled
                {
                    rules.push(rule(x0, y0, x1, y1));
                }
                cur = start;
            }
            PathOp::Rect(x, y, w, h) => {
                let r = rule(x, y, x + w, y + h);
                let (x0, y0, x1, y1) = (r.x0, r.y0, r.x1, r.y1);
                if x1 - x0 <= 2.5 && y1 - y0 > 2.0 {
                    // A thin filled or stroked bar is a vertical rule.
                    let xm = (x0 + x1) / 2.0;
                    rules.push(Rule {
                        x0: xm,
                        y0,
                        x1: xm,
                        y1,
                    });
                } else if y1 - y0 <= 2.5 && x1 - x0 > 2.0 {
                    let ym = (y0 + y1) / 2.0;
                    rules.push(Rule {
                        x0,
                        y0: ym,
                        x1,
                        y1: ym,
                    });
                } else if !filled {
                    // A stroked box: its four sides.
                    rules.push(Rule { x0, y0, x1, y1: y0 });
                    rules.push(Rule { x0, y0: y1, x1, y1 });
                    rules.push(Rule { x0, y0, x1: x0, y1 });
                    rules.push(Rule { x0: x1, y0, x1, y1 });
                }
            }
        }
    }
    rules.retain(|r| r.horizontal() || r.vertical());
    rules
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.in_time()?;
        let height = media_box.ury - media_box.lly;
        self.flip = (media_box.llx, media_box.ury);
        self.pages.push(Page {
            number: page_num,
            width: media_box.urx - media_box.llx,
            height,
            ..Default::default()
        });
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        // The clock is read every 1,024 glyphs: cheap, and still within a millisecond.
        if self.glyphs.is_multiple_of(1024) {
            self.in_time()?;
        }
        if self.glyphs >= self.max_glyphs {
            self.overflow = true;
            return Ok(());
        }
        self.glyphs += 1;
        let (x, y) = self.to_page(trm, 0.0, 0.0);
        let vx = font_size * (trm.m11 + trm.m21);
        let vy = font_size * (trm.m12 + trm.m22);
        let size = (vx * vy).abs().sqrt();
        // `width` is in text space per unit font size; scale by the horizontal extent of trm.
        let scale_x = (trm.m11 * trm.m11 + trm.m12 * trm.m12).sqrt();
        let glyph = Glyph {
            x,
            y,
            width: width * font_size * scale_x,
            size,
            text: text.to_string(),
        };
        self.page()?.glyphs.push(glyph);
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn stroke(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        self.in_time()?;
        self.add_path(ctm, path, false)
    }

    fn fill(
        &mut self,
        ctm: &Transform,
        _colorspace: &ColorSpace,
        _color: &[f64],
        path: &Path,
    ) -> Result<(), OutputError> {
        self.in_time()?;
        self.add_path(ctm, path, true)
    }
}
