//! A fuzzer that runs on stable Rust: mutates the seed files of `tests/fuzz-seeds/` (TXT,
//! DOCX, PDF) and puts each mutant through ingestion, extraction and the checks, for a bounded
//! time. It fails (exit 1, the input saved beside the seeds' directory as `fuzz-failure.bin`)
//! on a panic outside the PDF reader's own isolation, on an input that takes longer than the
//! per-input time limit, and on an input whose allocations peak above the memory ceiling
//! (counted by this program's allocator). DOCX seeds are mutated inside: their
//! `word/document.xml` is changed and the package zipped again, so the XML reader is reached
//! rather than the ZIP checksum.
//!
//! ```sh
//! cargo run --release --example fuzz -- --seconds 120
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak, so an input's memory is measured exactly.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout is passed on as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: ptr and layout come from this allocator, as `realloc` requires.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Options {
    seconds: u64,
    seed: u64,
    seeds: PathBuf,
    per_input: Duration,
    memory_ceiling: usize,
}

fn options() -> Options {
    let mut o = Options {
        seconds: 60,
        seed: 1,
        seeds: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-seeds"),
        per_input: Duration::from_secs(20),
        memory_ceiling: 1024 * 1024 * 1024,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seconds" => o.seconds = value.parse().expect("--seconds N"),
            "--seed" => o.seed = value.parse().expect("--seed N"),
            "--seeds" => o.seeds = PathBuf::from(value),
            "--timeout-secs" => o.per_input = Duration::from_secs(value.parse().expect("N")),
            "--memory-mb" => o.memory_ceiling = value.parse::<usize>().expect("N") << 20,
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    o
}

/// xorshift64*: reproducible from `--seed`, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces that reach the extractor's corners: numbers, units, qualifiers, brackets, table
/// and form structure, encodings.
const TOKENS: &[&[u8]] = &[
    "1%".as_bytes(),
    "万元".as_bytes(),
    "亿元".as_bytes(),
    "个项目".as_bytes(),
    "分".as_bytes(),
    "评价等级为“优”".as_bytes(),
    "《".as_bytes(),
    "》".as_bytes(),
    "〔2022〕1号".as_bytes(),
    "不低于".as_bytes(),
    "以上".as_bytes(),
    "至".as_bytes(),
    "合计".as_bytes(),
    "序号\t项目名称\t资金(万元)\t评价等级\n".as_bytes(),
    "三级指标\t年度指标值\t实际完成值\t分值\t得分\n".as_bytes(),
    "\t".as_bytes(),
    "\n".as_bytes(),
    "  ".as_bytes(),
    "|".as_bytes(),
    "1,234.56".as_bytes(),
    "99999999999999999999999999999999".as_bytes(),
    "-".as_bytes(),
    "\u{3000}".as_bytes(),
    "１２３".as_bytes(),
    b"\xff\xfe",
    b"\xd4\xa4\xcb\xe3",
    b"\0",
    b"stream\n",
    b"endstream",
    b"<<",
    b">>",
    b"/FlateDecode",
    b"<w:p><w:r><w:t>",
    b"</w:t></w:r></w:p>",
    b"<w:tbl><w:tr><w:tc>",
];

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(8) {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let at = rng.below(len);
                data[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.below(len + 1);
                let t = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, t.iter().copied());
            }
            2 if len > 1 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(256)).min(len);
                data.drain(at..end);
            }
            3 if len > 1 => {
                // Repeat a piece many times: long lines, long tables, long runs.
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                let piece = data[at..end].to_vec();
                let times = 1 + rng.below(2_000);
                let copies: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                data.splice(end..end, copies);
            }
            4 if !others.is_empty() => {
                // Splice in a piece of another seed.
                let other = &others[rng.below(others.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let end = (from + 1 + rng.below(512)).min(other.len());
                    let at = rng.below(len + 1);
                    data.splice(at..at, other[from..end].iter().copied());
                }
            }
            5 if len > 0 => {
                let at = rng.below(len);
                data[at] = rng.next() as u8;
            }
            6 if len > 1 => data.truncate(rng.below(len)),
            _ => {
                let at = rng.below(len + 1);
                let b = (rng.next() as u8) % 10 + b'0';
                data.insert(at, b);
            }
        }
    }
    // Mutants stay small: the per-input limits are about shape, not size.
    data.truncate(2 * 1024 * 1024);
}

/// A DOCX with its `word/document.xml` mutated, zipped again (stored), so the XML reader sees
/// the change instead of the ZIP reader refusing a bad checksum.
fn mutate_docx(rng: &mut Rng, docx: &[u8], others: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).ok()?;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).ok()?;
        let name = entry.name().ok()?.to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).ok()?;
        if name == "word/document.xml" {
            mutate(rng, &mut data, others);
        }
        writer.start_file(name, options).ok()?;
        writer.write_all(&data).ok()?;
    }
    Some(writer.finish().ok()?.into_inner())
}

fn save_failure(seeds: &Path, input: &[u8]) -> PathBuf {
    let path = seeds.with_file_name("fuzz-failure.bin");
    let _ = std::fs::write(&path, input);
    path
}

fn main() {
    let o = options();
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&o.seeds)
        .expect("the seeds directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).expect("a readable seed"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", o.seeds.display());
    let all: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();

    // One worker thread runs the inputs; this thread watches the clock.
    let (to_worker, inputs) = mpsc::channel::<Vec<u8>>();
    let (to_main, results) = mpsc::channel::<Result<usize, String>>();
    std::thread::spawn(move || {
        // Loads the dictionaries before the first input is timed.
        let _ = jixiao::Extractor::shared();
        for input in inputs {
            let outcome = std::panic::catch_unwind(|| {
                let baseline = LIVE.load(Ordering::Relaxed);
                PEAK.store(baseline, Ordering::Relaxed);
                let result = jixiao::extract_bytes_within(&input, &jixiao::Deadline::none());
                let facts = result.map(|e| e.facts.len()).unwrap_or(0);
                (facts, PEAK.load(Ordering::Relaxed).saturating_sub(baseline))
            });
            let message = match outcome {
                Ok((facts, peak)) => Ok((facts, peak)),
                Err(panic) => Err(panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into())),
            };
            let sent = match message {
                Ok((_, peak)) if peak > o.memory_ceiling => Err(format!(
                    "allocations peaked at {} MiB (ceiling {} MiB)",
                    peak >> 20,
                    o.memory_ceiling >> 20
                )),
                Ok((facts, _)) => Ok(facts),
                Err(m) => Err(format!("panic: {m}")),
            };
            if to_main.send(sent).is_err() {
                break;
            }
        }
    });
    // The first input loads the dictionaries: time it apart.
    to_worker.send(all[0].clone()).expect("worker alive");
    results
        .recv_timeout(Duration::from_secs(120))
        .expect("the first seed is read")
        .expect("the first seed is read");

    let mut rng = Rng(o.seed.max(1) * 0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let (mut runs, mut facts) = (0u64, 0u64);
    // The slowest input: its time, seed and size (kept as `fuzz-slowest.bin` when
    // JIXIAO_FUZZ_KEEP_SLOWEST is set, to look into).
    let mut slowest = (Duration::ZERO, String::new(), 0usize);
    while started.elapsed() < Duration::from_secs(o.seconds) {
        let (name, seed) = &seeds[rng.below(seeds.len())];
        let input = if name.ends_with(".docx") && rng.below(4) != 0 {
            mutate_docx(&mut rng, seed, &all).unwrap_or_else(|| seed.clone())
        } else {
            let mut data = seed.clone();
            mutate(&mut rng, &mut data, &all);
            data
        };
        to_worker.send(input.clone()).expect("worker alive");
        let t = Instant::now();
        match results.recv_timeout(o.per_input) {
            Ok(Ok(n)) => facts += n as u64,
            Ok(Err(failure)) => {
                let saved = save_failure(&o.seeds, &input);
                eprintln!(
                    "fuzz: {failure} (from {name}; input saved to {})",
                    saved.display()
                );
                std::process::exit(1);
            }
            Err(_) => {
                let saved = save_failure(&o.seeds, &input);
                eprintln!(
                    "fuzz: an input took longer than {:?} (from {name}; saved to {})",
                    o.per_input,
                    saved.display()
                );
                std::process::exit(1);
            }
        }
        if t.elapsed() > slowest.0 {
            slowest = (t.elapsed(), name.clone(), input.len());
            if std::env::var_os("JIXIAO_FUZZ_KEEP_SLOWEST").is_some() {
                let _ = std::fs::write(o.seeds.with_file_name("fuzz-slowest.bin"), &input);
            }
        }
        runs += 1;
    }
    println!(
        "fuzz: {runs} inputs in {:.0} s from {} seeds (seed {}), {facts} facts, slowest input {:.0} ms \
         ({} bytes from {}): no panic, no input over {:?}, none over {} MiB",
        started.elapsed().as_secs_f64(),
        seeds.len(),
        o.seed,
        slowest.0.as_secs_f64() * 1e3,
        slowest.2,
        slowest.1,
        o.per_input,
        o.memory_ceiling >> 20
    );
}
