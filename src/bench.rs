//! `jixiao bench`: extraction speed on a corpus repeated to a target size, single thread,
//! after start-up, with start-up (dictionary and segmenter loading) timed on its own.

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
    let jieba = jieba_rs::Jieba::new();
    let t2 = Instant::now();
    let mut tokens = 0usize;
    for _ in 0..rounds {
        for t in texts {
            tokens += jieba.cut(t, false).len();
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
