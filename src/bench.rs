//! `jixiao bench`: extraction speed on a corpus repeated to a target size, single thread,
//! after start-up, with start-up (dictionary and segmenter loading) timed on its own.

use crate::extract::Extractor;
use std::time::{Duration, Instant};

pub struct BenchReport {
    pub startup: Duration,
    pub documents: usize,
    pub chars: usize,
    pub facts: usize,
    pub elapsed: Duration,
}

impl BenchReport {
    pub fn chars_per_second(&self) -> f64 {
        self.chars as f64 / self.elapsed.as_secs_f64()
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
    BenchReport {
        startup,
        documents,
        chars,
        facts,
        elapsed: t1.elapsed(),
    }
}
