//! Layout.
use super::glyphs::Page;
use crate::ingest::{Format, Ingested};

pub fn build(pages: &[Page]) -> Ingested {
    if std::env::var_os("JIXIAO_PDF_DEBUG").is_some() {
        for p in pages {
            eprintln!(
                "=== page {} {}x{} rules {}",
                p.number,
                p.width,
                p.height,
                p.rules.len()
            );
            for r in p.rules.iter().take(400) {
                eprintln!("rule {:.1},{:.1} - {:.1},{:.1}", r.x0, r.y0, r.x1, r.y1);
            }
            let mut line = String::new();
            let mut last: Option<(f64, f64, f64)> = None;
            for g in &p.glyphs {
                if let Some((lx, ly, lr)) = last
                    && ((g.y - ly).abs() > 0.5 * g.size || g.x < lx)
                {
                    eprintln!("{line}  [r={lr:.1}]");
                    line.clear();
                }
                if line.is_empty() {
                    line = format!("x={:.1} y={:.1} s={:.1} |", g.x, g.y, g.size);
                }
                line.push_str(&g.text);
                last = Some((g.x, g.y, g.right()));
            }
            eprintln!("{line}");
        }
    }
    Ingested {
        format: Format::Pdf,
        text: String::new(),
        blocks: vec![],
        low_confidence: false,
        encoding: None,
    }
}
