//! A self-evaluation form drawn as a scanned page would show it: a ruled table of cells
//! (merged across columns and down rows as such forms are) with the text of the form in a
//! CJK system font, rasterized here from the font's outlines (4×4 samples a pixel), so the
//! test needs no renderer beyond a font file.

use ttf_parser::{Face, OutlineBuilder};

/// A cell: its text and how many columns it spans; `None` where the cell above reaches down.
pub type Row = Vec<Option<(&'static str, usize)>>;

/// Column widths of the form, in tenths of the table's width (sum 100).
const COLUMNS: [f32; 9] = [9.0, 9.5, 13.0, 11.0, 11.0, 11.0, 7.0, 11.0, 17.5];

/// The form of `tests/fixtures/links/selfeval_2022.txt`, laid out as the printed table.
pub fn form() -> (Vec<&'static str>, Vec<Row>) {
    let c = |t: &'static str, span: usize| Some((t, span));
    let title = vec!["附件1", "项目支出绩效自评表", "（2022年度）"];
    let mut rows: Vec<Row> = vec![
        vec![c("项目名称", 1), c("渠县2022年乡镇污水处理设施运维项目", 8)],
        vec![
            c("主管部门", 1),
            c("渠县住房和城乡建设局", 3),
            c("实施单位", 2),
            c("渠县污水处理中心", 3),
        ],
        vec![
            c("项目资金（万元）", 1),
            c("", 2),
            c("年初预算数", 1),
            c("全年预算数", 1),
            c("全年执行数", 1),
            c("分值", 1),
            c("执行率", 1),
            c("得分", 1),
        ],
    ];
    for [name, a, b, d, score, rate, got] in [
        [
            "年度资金总额",
            "300.00",
            "312.50",
            "315.94",
            "10",
            "101.10%",
            "10",
        ],
        [
            "其中：当年财政拨款",
            "280.00",
            "280.00",
            "280.00",
            "/",
            "100.00%",
            "/",
        ],
        [
            "上年结转资金",
            "0.00",
            "32.50",
            "35.94",
            "/",
            "110.58%",
            "/",
        ],
        ["其他资金", "20.00", "0.00", "0.00", "/", "/", "/"],
    ] {
        rows.push(vec![
            None,
            c(name, 2),
            c(a, 1),
            c(b, 1),
            c(d, 1),
            c(score, 1),
            c(rate, 1),
            c(got, 1),
        ]);
    }
    rows.push(vec![
        c("年度总体目标", 1),
        c("预期目标", 4),
        c("实际完成情况", 4),
    ]);
    rows.push(vec![
        None,
        c("新建和改造农村集中供水工程12处，为3200户农户安装智能水表，提高农村自来水普及率和供水保证率。", 4),
        c("完成供水工程新建和改造14处，安装智能水表3415户，全年执行资金315.94万元，农村自来水普及率进一步提高。", 4),
    ]);
    rows.push(vec![
        c("绩效指标", 1),
        c("一级指标", 1),
        c("二级指标", 1),
        c("三级指标", 1),
        c("年度指标值", 1),
        c("实际完成值", 1),
        c("分值", 1),
        c("得分", 1),
        c("偏差原因分析及改进措施", 1),
    ]);
    let indicators: [[&'static str; 8]; 9] = [
        [
            "产出指标",
            "数量指标",
            "新建和改造供水工程数量",
            "≥12处",
            "14处",
            "15",
            "15",
            "",
        ],
        [
            "",
            "",
            "安装智能水表户数",
            "≥3200户",
            "3415户",
            "10",
            "10",
            "",
        ],
        [
            "",
            "质量指标",
            "工程验收合格率",
            "=100%",
            "100%",
            "10",
            "10",
            "",
        ],
        [
            "",
            "时效指标",
            "工程完工时间",
            "2022年11月底前",
            "2022年11月20日",
            "5",
            "5",
            "",
        ],
        [
            "",
            "成本指标",
            "单处工程平均造价",
            "≤25万元",
            "22.36万元",
            "10",
            "10",
            "",
        ],
        [
            "效益指标",
            "社会效益指标",
            "农村自来水普及率",
            "≥92%",
            "93.5%",
            "10",
            "10",
            "",
        ],
        [
            "",
            "",
            "受益人口数量",
            "≥11000人",
            "11860人",
            "10",
            "10",
            "",
        ],
        [
            "",
            "可持续影响指标",
            "农村供水保障水平",
            "有效改善",
            "明显改善",
            "10",
            "9",
            "个别高位村组水压仍偏低，已列入2024年管网延伸计划",
        ],
        [
            "满意度指标",
            "服务对象满意度指标",
            "受益群众满意度",
            "≥90%",
            "88.6%",
            "10",
            "9.84",
            "部分群众对施工期间临时停水有意见，今后提前公告停水时间",
        ],
    ];
    for r in indicators {
        let mut row: Row = vec![None];
        for (k, v) in r.into_iter().enumerate() {
            // The 一级/二级 name is merged down over the rows it covers.
            row.push(if k < 2 && v.is_empty() { None } else { c(v, 1) });
        }
        rows.push(row);
    }
    rows.push(vec![c("总分", 6), c("100", 1), c("98.84", 1), c("", 1)]);
    rows.push(vec![c("自评等级", 6), c("优", 3)]);
    (title, rows)
}

/// The page at `dpi`: white A4 with the title lines and the ruled table in black.
pub fn page(face: &Face, dpi: f32) -> image::GrayImage {
    let px = |mm: f32| mm / 25.4 * dpi;
    let (w, h) = (px(210.0).round() as u32, px(297.0).round() as u32);
    let mut ink = Ink::new(w, h);
    let size = px(3.2); // 9 pt
    let line = size * 1.35;
    let (left, right) = (px(18.0), px(192.0));
    let (title, rows) = form();
    let mut y = px(15.0);
    for t in title {
        let width = text_width(face, t, size);
        let x = if t.starts_with("附件") {
            left
        } else {
            (w as f32 - width) / 2.0
        };
        ink.text(face, t, x, y + size, size);
        y += line * 1.3;
    }
    let table_w = right - left;
    let edges: Vec<f32> = std::iter::once(0.0)
        .chain(COLUMNS.iter().scan(0.0, |s, c| {
            *s += c;
            Some(*s)
        }))
        .map(|f| left + table_w * f / 100.0)
        .collect();
    let pad = px(0.9);
    let thick = (dpi / 150.0).max(1.0);
    for row in &rows {
        // Each cell's lines of text, wrapped to its width; the row is as tall as its tallest.
        let mut cells = Vec::new();
        let mut col = 0;
        for cell in row {
            match cell {
                Some((text, span)) => {
                    let (x0, x1) = (edges[col], edges[col + span]);
                    cells.push((x0, x1, Some(wrap(face, text, size, x1 - x0 - 2.0 * pad))));
                    col += span;
                }
                None => {
                    cells.push((edges[col], edges[col + 1], None));
                    col += 1;
                }
            }
        }
        let lines = cells
            .iter()
            .filter_map(|c| c.2.as_ref())
            .map(Vec::len)
            .max()
            .unwrap_or(1)
            .max(1);
        let row_h = lines as f32 * line + 2.0 * pad;
        for (x0, x1, text) in &cells {
            ink.rect(*x0, y, *x0 + thick, y + row_h);
            ink.rect(*x1 - thick, y, *x1, y + row_h);
            if let Some(text) = text {
                // A cell of its own starts with a rule; one the cell above reaches into does not.
                ink.rect(*x0, y, *x1, y + thick);
                let top = y + pad + (row_h - 2.0 * pad - text.len() as f32 * line) / 2.0;
                for (k, l) in text.iter().enumerate() {
                    let lw = text_width(face, l, size);
                    let x = x0 + (x1 - x0 - lw) / 2.0;
                    ink.text(face, l, x, top + k as f32 * line + size * 0.9, size);
                }
            }
        }
        y += row_h;
    }
    ink.rect(left, y, right, y + thick);
    ink.image()
}

fn advance(face: &Face, c: char, size: f32) -> f32 {
    let scale = size / f32::from(face.units_per_em());
    face.glyph_index(c)
        .and_then(|g| face.glyph_hor_advance(g))
        .map_or(size * 0.5, |a| f32::from(a) * scale)
}

fn text_width(face: &Face, text: &str, size: f32) -> f32 {
    text.chars().map(|c| advance(face, c, size)).sum()
}

/// `text` broken into lines no wider than `width`.
fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0.0;
    for c in text.chars() {
        let a = advance(face, c, size);
        if used + a > width && !lines.last().unwrap().is_empty() {
            lines.push(String::new());
            used = 0.0;
        }
        lines.last_mut().unwrap().push(c);
        used += a;
    }
    lines
}

/// Coverage of each pixel (0 white, 1 black), 4×4 samples a pixel for text.
struct Ink {
    w: u32,
    h: u32,
    cover: Vec<f32>,
}

/// A straight edge of an outline, from one point to another, in pixels.
type Edge = ((f32, f32), (f32, f32));

/// A glyph's outline as straight edges (curves flattened), in pixels.
struct Edges {
    at: (f32, f32),
    start: (f32, f32),
    scale: f32,
    origin: (f32, f32),
    edges: Vec<Edge>,
}

impl Edges {
    fn point(&self, x: f32, y: f32) -> (f32, f32) {
        (
            self.origin.0 + x * self.scale,
            self.origin.1 - y * self.scale,
        )
    }
    fn to(&mut self, p: (f32, f32)) {
        self.edges.push((self.at, p));
        self.at = p;
    }
}

impl OutlineBuilder for Edges {
    fn move_to(&mut self, x: f32, y: f32) {
        self.at = self.point(x, y);
        self.start = self.at;
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.point(x, y);
        self.to(p);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (p0, p1, p2) = (self.at, self.point(x1, y1), self.point(x, y));
        for i in 1..=8 {
            let t = i as f32 / 8.0;
            let u = 1.0 - t;
            self.to((
                u * u * p0.0 + 2.0 * u * t * p1.0 + t * t * p2.0,
                u * u * p0.1 + 2.0 * u * t * p1.1 + t * t * p2.1,
            ));
        }
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (p0, p1, p2, p3) = (
            self.at,
            self.point(x1, y1),
            self.point(x2, y2),
            self.point(x, y),
        );
        for i in 1..=10 {
            let t = i as f32 / 10.0;
            let u = 1.0 - t;
            let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            self.to((
                a * p0.0 + b * p1.0 + c * p2.0 + d * p3.0,
                a * p0.1 + b * p1.1 + c * p2.1 + d * p3.1,
            ));
        }
    }
    fn close(&mut self) {
        let s = self.start;
        if self.at != s {
            self.to(s);
        }
    }
}

impl Ink {
    fn new(w: u32, h: u32) -> Ink {
        Ink {
            w,
            h,
            cover: vec![0.0; (w * h) as usize],
        }
    }

    fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        let clamp = |v: f32, m: u32| (v.round().max(0.0) as u32).min(m);
        for y in clamp(y0, self.h)..clamp(y1, self.h).max(clamp(y0, self.h) + 1).min(self.h) {
            for x in clamp(x0, self.w)..clamp(x1, self.w).max(clamp(x0, self.w) + 1).min(self.w) {
                self.cover[(y * self.w + x) as usize] = 1.0;
            }
        }
    }

    /// Draws `text` with its baseline at `baseline`, starting at `x`.
    fn text(&mut self, face: &Face, text: &str, mut x: f32, baseline: f32, size: f32) {
        let scale = size / f32::from(face.units_per_em());
        for c in text.chars() {
            if let Some(g) = face.glyph_index(c) {
                let mut e = Edges {
                    at: (0.0, 0.0),
                    start: (0.0, 0.0),
                    scale,
                    origin: (x, baseline),
                    edges: Vec::new(),
                };
                face.outline_glyph(g, &mut e);
                self.fill(&e.edges);
            }
            x += advance(face, c, size);
        }
    }

    /// Fills the non-zero winding interior of `edges`.
    fn fill(&mut self, edges: &[Edge]) {
        if edges.is_empty() {
            return;
        }
        let top = edges
            .iter()
            .map(|e| e.0.1.min(e.1.1))
            .fold(f32::MAX, f32::min)
            .floor()
            .max(0.0) as u32;
        let bottom = edges
            .iter()
            .map(|e| e.0.1.max(e.1.1))
            .fold(f32::MIN, f32::max)
            .ceil()
            .min(self.h as f32) as u32;
        const S: u32 = 4;
        let mut crossings: Vec<(f32, i32)> = Vec::new();
        for sy in top * S..bottom * S {
            let y = (sy as f32 + 0.5) / S as f32;
            crossings.clear();
            for &((x0, y0), (x1, y1)) in edges {
                if (y0 <= y && y < y1) || (y1 <= y && y < y0) {
                    let x = x0 + (y - y0) / (y1 - y0) * (x1 - x0);
                    crossings.push((x, if y1 > y0 { 1 } else { -1 }));
                }
            }
            crossings.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut winding = 0;
            for k in 0..crossings.len() {
                winding += crossings[k].1;
                if winding == 0 || k + 1 == crossings.len() {
                    continue;
                }
                let (from, to) = (crossings[k].0 * S as f32, crossings[k + 1].0 * S as f32);
                let row = (sy / S) as usize;
                let mut sx = from.ceil().max(0.0) as u32;
                while (sx as f32) < to && sx / S < self.w {
                    self.cover[row * self.w as usize + (sx / S) as usize] += 1.0 / (S * S) as f32;
                    sx += 1;
                }
            }
        }
    }

    fn image(&self) -> image::GrayImage {
        image::GrayImage::from_fn(self.w, self.h, |x, y| {
            let c = self.cover[(y * self.w + x) as usize].min(1.0);
            image::Luma([(255.0 * (1.0 - c)).round() as u8])
        })
    }
}
