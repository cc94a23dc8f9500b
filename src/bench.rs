//! `jixiao bench`: extraction speed on a corpus repeated to a target size, single thread,
//! after start-up, with start-up (dictionary and segmenter loading) timed on its own.

pub mod linearity;
pub mod shapes;

use crate::extract::Extractor;
use std::time::{Duration, Instant};

pub struct BenchReport {
    pub startup: Duration,
    /// jieba segmentation alone over the same text (a floor any segmenting extractor pays).
    pub baseline_jieba: Duration,
    /// One money regex over the same text (the simplest extractor there is).
    pub baseline_regex: Duration,
    pub documents: usize,
    pub chars: usize,
    pub facts: usize,
    pub elapsed: Duration,
}

impl BenchReport {
    pub fn chars_per_second(&self) -> f64 {
        self.chars as f64 / self.elapsed.as_secs_f64()
    }

    /// Extraction time over the baseline's time on the same text (lower is better).
    pub fn ratio_to(&self, baseline: Duration) -> f64 {
        self.elapsed.as_secs_f64() / baseline.as_secs_f64()
    }
}

/// Extracts `texts` over and over until at least `target_chars` characters were processed.
pub fn run(texts: &[String], target_chars: usize) -> BenchReport {
    let t0 = Instant::now();
    let extractor = Extractor::new();
    let startup = t0.elapsed();
    let per_round: usize = texts
        .iter()
        .map(|t| t.chars().count())
        .sum::<usize>()
        .max(1);
    let rounds = target_chars.div_ceil(per_round).max(1);
    let mut chars = 0;
    let mut facts = 0;
    let mut documents = 0;
    let t1 = Instant::now();
    for _ in 0..rounds {
        for t in texts {
            let e = crate::analyze_text(&extractor, t);
            facts += e.facts.len();
            chars += e.document.text_chars;
            documents += 1;
        }
    }
    // The same segmenter the extractor uses, its words for these texts loaded before timing.
    let jieba = crate::extract::lexicon::Segmenter::new();
    for t in texts {
        jieba.cut(t);
    }
    let t2 = Instant::now();
    let mut tokens = 0usize;
    for _ in 0..rounds {
        for t in texts {
            tokens += jieba.cut(t).len();
        }
    }
    let baseline_jieba = t2.elapsed();
    let money =
        regex::Regex::new(r"(\d+(?:\.\d+)?)\s*(万元|亿元|万|亿|元)").expect("valid pattern");
    let t3 = Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for t in texts {
            hits += money.find_iter(t).count();
        }
    }
    let baseline_regex = t3.elapsed();
    std::hint::black_box((tokens, hits));
    BenchReport {
        startup,
        baseline_jieba,
        baseline_regex,
        documents,
        chars,
        facts,
        elapsed: t1.elapsed(),
    }
}

/// Ingestion speed of one file.
pub struct IngestBench {
    pub name: String,
    pub format: &'static str,
    pub bytes: usize,
    /// Pages (PDF), or `None` where the format has none.
    pub pages: Option<u32>,
    pub low_confidence: bool,
    pub runs: usize,
    pub median: Duration,
    pub min: Duration,
}

/// Ingests each file repeatedly (after one warm-up run) for about `budget` each, at least
/// five times; reports median and fastest run. Files that fail to ingest are skipped.
pub fn ingestion(files: &[(String, Vec<u8>)], budget: Duration) -> Vec<IngestBench> {
    use crate::ingest::{Block, Provenance, ingest};
    let mut out = Vec::new();
    for (name, bytes) in files {
        let Ok(doc) = ingest(bytes) else { continue };
        let pages = doc
            .blocks
            .iter()
            .flat_map(|b| match b {
                Block::Paragraph { provenance, .. } => vec![provenance],
                Block::Table { provenance, .. } => provenance.iter().flatten().collect(),
            })
            .filter_map(|p| match p {
                Provenance::PdfPage { page, .. } => Some(*page),
                _ => None,
            })
            .max();
        let mut times = Vec::new();
        let start = Instant::now();
        while times.len() < 5 || (start.elapsed() < budget && times.len() < 1000) {
            let t = Instant::now();
            let r = ingest(bytes);
            times.push(t.elapsed());
            std::hint::black_box(r.ok());
        }
        times.sort();
        out.push(IngestBench {
            name: name.clone(),
            format: doc.format.as_str(),
            bytes: bytes.len(),
            pages,
            low_confidence: doc.low_confidence,
            runs: times.len(),
            median: times[times.len() / 2],
            min: times[0],
        });
    }
    out
}

/// The time to read one self-evaluation form end to end: ingest, extract, check.
pub struct FormBench {
    pub rows: usize,
    pub bytes: usize,
    pub facts: usize,
    pub checks: usize,
    pub runs: usize,
    pub median: Duration,
    pub min: Duration,
}

/// A 项目支出绩效自评表 with `rows` indicator rows as an XLSX workbook built in memory: a
/// funds block, indicator rows under merged 一级/二级 cells, the total and the grade, numbers
/// stored as numbers with their formats, as budget systems export them.
pub fn form_xlsx(rows: usize) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let two = Format::new().set_num_format("0.00");
    let pct = Format::new().set_num_format("0.00%");
    let plain = Format::new();
    let mut r = 0u32;
    let write = |sheet: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, s: &str| {
        sheet.write_string(r, c, s).expect("cell in range");
    };
    write(sheet, r, 0, "项目支出绩效自评表");
    r += 1;
    for (c, h) in [
        "项目资金（万元）",
        "",
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ]
    .iter()
    .enumerate()
    {
        write(sheet, r, c as u16, h);
    }
    r += 1;
    write(sheet, r, 1, "年度资金总额");
    for (c, v) in [(2u16, 300.0), (3, 312.5), (4, 300.0)] {
        sheet
            .write_number_with_format(r, c, v, &two)
            .expect("cell in range");
    }
    sheet
        .write_number_with_format(r, 5, 10.0, &plain)
        .expect("cell in range");
    sheet
        .write_number_with_format(r, 6, 0.96, &pct)
        .expect("cell in range");
    sheet
        .write_number_with_format(r, 7, 9.6, &plain)
        .expect("cell in range");
    r += 1;
    for (c, h) in [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]
    .iter()
    .enumerate()
    {
        write(sheet, r, c as u16, h);
    }
    r += 1;
    let first = r;
    for i in 0..rows {
        if i % 50 == 0 {
            write(sheet, r, 1, &format!("产出指标{}", i / 50 + 1));
        }
        if i % 10 == 0 {
            write(sheet, r, 2, "数量指标");
        }
        write(sheet, r, 3, &format!("第{}项服务人次", i + 1));
        write(sheet, r, 4, &format!("≥{}人次", 100 + i));
        write(sheet, r, 5, &format!("{}人次", 120 + i));
        sheet
            .write_number_with_format(r, 6, 0.3, &plain)
            .expect("cell in range");
        sheet
            .write_number_with_format(r, 7, 0.3, &plain)
            .expect("cell in range");
        r += 1;
    }
    if rows > 1 {
        sheet
            .merge_range(first, 0, r - 1, 0, "", &plain)
            .expect("valid merge");
    }
    write(sheet, r, 0, "总分");
    sheet
        .write_number_with_format(r, 6, 10.0 + 0.3 * rows as f64, &plain)
        .expect("cell in range");
    sheet
        .write_number_with_format(r, 7, 9.6 + 0.3 * rows as f64, &plain)
        .expect("cell in range");
    r += 1;
    write(sheet, r, 0, "自评等级");
    write(sheet, r, 6, "优");
    book.save_to_buffer().expect("workbook writes")
}

/// Reads `bytes` (a form) end to end repeatedly for about `budget`, at least five times.
pub fn form(bytes: &[u8], rows: usize, budget: Duration) -> Option<FormBench> {
    let extractor = Extractor::shared();
    let once = || {
        let doc = crate::ingest::ingest(bytes).ok()?;
        Some(crate::analyze(&extractor, &doc))
    };
    let e = once()?;
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || (start.elapsed() < budget && times.len() < 1000) {
        let t = Instant::now();
        std::hint::black_box(once());
        times.push(t.elapsed());
    }
    times.sort();
    Some(FormBench {
        rows,
        bytes: bytes.len(),
        facts: e.facts.len(),
        checks: e.checks.len(),
        runs: times.len(),
        median: times[times.len() / 2],
        min: times[0],
    })
}
