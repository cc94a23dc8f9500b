//! Inputs of a chosen shape and size for the linearity bench and the abuse tests: what a
//! hostile or merely unusual upload looks like. Every generator is deterministic, so a slow
//! or large case can be regenerated exactly from its shape and size.

/// The shapes of input that extraction must handle in time linear in their length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Ordinary report paragraphs, repeated.
    Prose,
    /// The same prose with every line break turned into a space: one line.
    LongLine,
    /// "1%1%1%…": a percent fact every two bytes.
    PercentSoup,
    /// "1234567890…" without a break: one endless number.
    DigitRun,
    /// Numbers, units and separators mixed without words: "12.5%3,456万元78个…".
    DigitSoup,
    /// A tab-separated table: a header row, then many rows.
    TabTable,
    /// A table written one cell a line, as PDF and DOCX text often holds one.
    CellLines,
}

impl Shape {
    pub const ALL: [Shape; 7] = [
        Shape::Prose,
        Shape::LongLine,
        Shape::PercentSoup,
        Shape::DigitRun,
        Shape::DigitSoup,
        Shape::TabTable,
        Shape::CellLines,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Prose => "prose",
            Shape::LongLine => "long-line",
            Shape::PercentSoup => "percent-soup",
            Shape::DigitRun => "digit-run",
            Shape::DigitSoup => "digit-soup",
            Shape::TabTable => "tab-table",
            Shape::CellLines => "cell-lines",
        }
    }

    pub fn parse(s: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// About `bytes` bytes of UTF-8 text of `shape` (never more; cut at a char boundary). `prose`
/// is the report text the prose shapes repeat (any non-empty text).
pub fn generate(shape: Shape, bytes: usize, prose: &str) -> String {
    let mut out = String::with_capacity(bytes + 64);
    match shape {
        Shape::Prose => repeat_into(&mut out, bytes, |_, out| out.push_str(prose)),
        Shape::LongLine => {
            let line: String = prose
                .chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
                .collect();
            repeat_into(&mut out, bytes, |_, out| out.push_str(&line));
        }
        Shape::PercentSoup => repeat_into(&mut out, bytes, |_, out| out.push_str("1%")),
        Shape::DigitRun => repeat_into(&mut out, bytes, |_, out| out.push_str("1234567890")),
        Shape::DigitSoup => {
            const PIECES: &[&str] = &[
                "12.5%", "3,456", "万元", "78个", "9分", "-", "2022年", "0.", "1,0", "亿", "%%",
                "至", "100", "≥", "1+", "第3", "5.5.5", "项",
            ];
            repeat_into(&mut out, bytes, |i, out| {
                // A fixed stride over the pieces: varied, but the same text every run.
                out.push_str(PIECES[(i * 7 + i / PIECES.len()) % PIECES.len()]);
            });
        }
        Shape::TabTable => {
            out.push_str("序号\t项目名称\t预算金额(万元)\t执行金额(万元)\t执行率\t得分\n");
            repeat_into(&mut out, bytes, |i, out| {
                let n = i + 1;
                out.push_str(&format!(
                    "{n}\t第{n}项公共服务项目\t{}.{:02}\t{}.{:02}\t{}.{}%\t{}\n",
                    100 + n % 900,
                    n % 100,
                    90 + n % 800,
                    (n * 7) % 100,
                    80 + n % 20,
                    n % 10,
                    n % 11
                ));
            });
        }
        Shape::CellLines => {
            out.push_str("序号\n项目名称\n预算金额(万元)\n执行率\n");
            repeat_into(&mut out, bytes, |i, out| {
                let n = i + 1;
                out.push_str(&format!(
                    "{n}\n第{n}项公共服务项目\n{}.{:02}\n{}%\n",
                    100 + n % 900,
                    n % 100,
                    80 + n % 20
                ));
            });
        }
    }
    let mut end = bytes.min(out.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

/// Calls `piece(i, out)` for i = 0, 1, … until `out` holds at least `bytes` bytes.
fn repeat_into(out: &mut String, bytes: usize, mut piece: impl FnMut(usize, &mut String)) {
    let mut i = 0;
    while out.len() < bytes {
        let before = out.len();
        piece(i, out);
        if out.len() == before {
            break;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_names() {
        for shape in Shape::ALL {
            let text = generate(shape, 10_000, "预算绩效 1.5 亿元。\n完成率 98%。\n");
            assert!(text.len() <= 10_000 && text.len() > 9_900, "{shape:?}");
            assert_eq!(Shape::parse(shape.name()), Some(shape));
        }
        assert!(!generate(Shape::LongLine, 5_000, "a\nb\n").contains('\n'));
        assert!(generate(Shape::PercentSoup, 6, "").starts_with("1%1%1%"));
    }
}
