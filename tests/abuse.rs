//! Hostile and oversized inputs through the `jixiao extract` binary: each generated input must
//! end with a clear result (facts, or exit 2 with a message saying what is wrong), well within a
//! generous time guard (this only proves it did not hang; speed is measured by
//! `jixiao bench --linearity`, see BENCHMARKS.md) and under a memory ceiling measured from here:
//! the child's peak resident set, from `wait4`.

use jixiao::bench::linearity::{ChildRun, Ended, run_child};
use jixiao::bench::shapes::{Shape, generate};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A run that takes this long has hung: the inputs take seconds even in a debug build on a
/// loaded machine.
const HANG: Duration = Duration::from_secs(300);
/// Peak memory allowed to one `extract` of a few MiB. Before extraction was bounded, 1 MiB of
/// "1%" took 1.3 GiB and a 2 MiB tab table 650 MiB.
const CEILING: u64 = 512 * 1024 * 1024;
/// Address-space cap of the child, so a regression fails the test instead of the machine.
const ADDRESS_CAP: u64 = 8 * 1024 * 1024 * 1024;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("jixiao-abuse-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `jixiao extract FILE --format json [extra…]`, measured; returns the run and its stdout.
fn extract(file: &Path, extra: &[&str], scratch: &Scratch) -> (ChildRun, String) {
    let out_path = scratch.0.join("stdout.json");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_jixiao"));
    command
        .arg("extract")
        .arg(file)
        .args(["--format", "json"])
        .args(extra)
        .stdout(Stdio::from(out));
    let run = run_child(command, HANG, ADDRESS_CAP).expect("the binary runs");
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    (run, stdout)
}

fn assert_bounded(what: &str, run: &ChildRun) {
    assert!(
        run.ended != Ended::TimedOut,
        "{what}: still running after {HANG:?}"
    );
    assert!(
        run.peak_rss < CEILING,
        "{what}: peak memory {} MiB, ceiling {} MiB",
        run.peak_rss >> 20,
        CEILING >> 20
    );
}

fn prose() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    ["000_af58de54e7000d7e.txt", "002_c76de0c36188412a.txt"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every shape of the linearity bench, at 2 MiB: read to the end with facts, bounded.
#[test]
fn every_shape_is_read_within_bounds() {
    let scratch = Scratch::new("shapes");
    let prose = prose();
    for shape in Shape::ALL {
        let text = generate(shape, 2 * 1024 * 1024, &prose);
        let file = scratch.file(&format!("{}.txt", shape.name()), text.as_bytes());
        let (run, stdout) = extract(&file, &[], &scratch);
        assert_bounded(shape.name(), &run);
        assert_eq!(
            run.ended,
            Ended::Exited(0),
            "{}: {}",
            shape.name(),
            run.stderr
        );
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
        let facts = v["facts"].as_array().expect("facts").len();
        assert!(facts <= jixiao::extract::MAX_FACTS, "{}", shape.name());
        if shape != Shape::DigitRun {
            assert!(facts > 0, "{}: no facts", shape.name());
        }
    }
}

/// 1.2 MB of "1%" (600 000 percent signs) used to take 1.47 GB; now the first 20 000 facts are
/// kept and the output says where reading stopped.
#[test]
fn a_text_of_nothing_but_facts_is_capped_and_says_so() {
    let scratch = Scratch::new("cap");
    let file = scratch.file("percents.txt", "1%".repeat(600_000).as_bytes());
    let (run, stdout) = extract(&file, &[], &scratch);
    assert_bounded("1% × 600 000", &run);
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let facts = v["facts"].as_array().unwrap();
    assert_eq!(facts.len(), jixiao::extract::MAX_FACTS);
    let truncated = &v["truncated"];
    assert_eq!(truncated["limit"], jixiao::extract::MAX_FACTS);
    let at = truncated["at"].as_u64().unwrap();
    assert!(facts.iter().all(|f| f["start"].as_u64().unwrap() < at));
    assert!(
        at <= 2 * jixiao::extract::MAX_FACTS as u64,
        "stopped at {at}"
    );
    let message = truncated["message"].as_str().unwrap();
    assert!(
        message.contains("20000") && message.contains("上限"),
        "{message}"
    );
}

/// A report under the cap has no `truncated` key at all.
#[test]
fn an_ordinary_report_is_not_truncated() {
    let e = jixiao::analyze_text(&jixiao::Extractor::shared(), &prose());
    assert!(e.truncated.is_none());
    let v = serde_json::to_value(&e).unwrap();
    assert!(v.get("truncated").is_none());
}

/// A 1 MiB PDF whose content stream inflates to 1 GiB is refused quickly, in little memory.
#[test]
fn a_pdf_decompression_bomb_is_refused() {
    use std::io::Write;
    let scratch = Scratch::new("bomb");
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        enc.write_all(&zeros).unwrap();
    }
    let data = enc.finish().unwrap();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        [
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                data.len()
            )
            .as_bytes(),
            &data,
            b"\nendstream",
        ]
        .concat(),
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(o);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    assert!(pdf.len() < 2 * 1024 * 1024);
    let file = scratch.file("bomb.pdf", &pdf);
    let (run, _) = extract(&file, &[], &scratch);
    assert_bounded("PDF bomb", &run);
    assert!(
        run.peak_rss < 256 * 1024 * 1024,
        "peak {} MiB",
        run.peak_rss >> 20
    );
    assert_eq!(run.ended, Ended::Exited(2), "{}", run.stderr);
    assert!(run.stderr.contains("decompression bomb"), "{}", run.stderr);
}

/// A UTF-8 report with a GBK paragraph inside: the error names the encoding problem and where
/// it starts, not "control characters".
#[test]
fn mixed_encodings_are_named() {
    let scratch = Scratch::new("mixed");
    let text = prose();
    let cut = text.char_indices().nth(1000).unwrap().0;
    let (gbk, _, _) = encoding_rs::GBK.encode("预算绩效管理工作总结，涉及资金 1.80 亿元。");
    let bytes = [&text.as_bytes()[..cut], &gbk, &text.as_bytes()[cut..]].concat();
    let file = scratch.file("mixed.txt", &bytes);
    let (run, _) = extract(&file, &[], &scratch);
    assert_bounded("mixed encodings", &run);
    assert_eq!(run.ended, Ended::Exited(2), "{}", run.stderr);
    // The first GBK bytes may happen to form a valid UTF-8 character ("预" is D4 A4): the
    // offset named is inside the GBK part.
    let offset: usize = run
        .stderr
        .split("invalid UTF-8 at byte offset ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no byte offset in {}", run.stderr));
    assert!(
        (cut..cut + gbk.len()).contains(&offset),
        "{offset}: {}",
        run.stderr
    );
    assert!(run.stderr.contains("mixed encodings"), "{}", run.stderr);
}

/// Past the time limit a document fails with a message saying so, for text and PDF alike.
#[test]
fn a_document_past_its_deadline_fails_clearly() {
    let scratch = Scratch::new("deadline");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for name in ["000_af58de54e7000d7e.txt", "000_af58de54e7000d7e.pdf"] {
        let (run, _) = extract(&samples.join(name), &["--time-limit", "0.000001"], &scratch);
        assert_bounded(name, &run);
        assert_eq!(run.ended, Ended::Exited(2), "{name}: {}", run.stderr);
        assert!(run.stderr.contains("time limit"), "{name}: {}", run.stderr);
    }
    // The same files within the default limit are read.
    let (run, _) = extract(&samples.join("000_af58de54e7000d7e.txt"), &[], &scratch);
    assert_eq!(run.ended, Ended::Exited(0), "{}", run.stderr);
}
