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
            let e = extractor.extract_text(t);
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
