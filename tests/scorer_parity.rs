//! The project's scorer (`shared/eval/score.py`) run on the gold reports as TXT, as PDF and
//! as DOCX must give the same F1. The scorer finds a report as `<stem>.txt` under `--docs`;
//! ingestion reads bytes, not names, so a folder of symlinks named `<stem>.txt` pointing at
//! the PDFs (or DOCX files) scores those. Skipped, with a note, where python3 or the shared
//! scorer and gold files are not present.

use std::path::{Path, PathBuf};
use std::process::Command;

const STEMS: [&str; 5] = [
    "000_af58de54e7000d7e",
    "001_769eb15e6e31c174",
    "002_c76de0c36188412a",
    "003_aa47c7ce85badae6",
    "004_354e2257854ed30b",
];

fn shared() -> PathBuf {
    std::env::var_os("JIXIAO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// The scorer's summary line for documents `<stem><suffix>` from samples/.
fn score(dir: &Path, suffix: &str) -> String {
    let docs = dir.join(suffix.trim_start_matches('.').replace('.', "-"));
    std::fs::create_dir_all(&docs).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for stem in STEMS {
        let link = docs.join(format!("{stem}.txt"));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(samples.join(format!("{stem}{suffix}")), &link).unwrap();
    }
    let cmd = format!(
        "{} extract {{}} --format json",
        env!("CARGO_BIN_EXE_jixiao")
    );
    let out = Command::new("python3")
        .arg(shared().join("eval/score.py"))
        .arg("--gold")
        .arg(shared().join("gold"))
        .arg("--docs")
        .arg(&docs)
        .arg("--cmd")
        .arg(cmd)
        .arg("--quiet")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "scorer failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("F1 "))
        .unwrap_or_else(|| panic!("no summary line in {stdout}"))
        .to_string()
}

fn f1(summary: &str) -> &str {
    summary.split_whitespace().nth(1).unwrap_or("?")
}

#[test]
fn scorer_f1_is_the_same_for_txt_pdf_and_docx() {
    let python = Command::new("python3").arg("--version").output();
    if python.is_err()
        || !shared().join("eval/score.py").exists()
        || !shared().join("gold").is_dir()
    {
        println!("skipped: python3 or {} not available", shared().display());
        return;
    }
    let dir = std::env::temp_dir().join(format!("jixiao-scorer-{}", std::process::id()));
    let txt = score(&dir, ".txt");
    let pdf = score(&dir, ".pdf");
    let docx = score(&dir, ".docx");
    let _ = std::fs::remove_dir_all(&dir);
    println!("TXT  {txt}\nPDF  {pdf}\nDOCX {docx}");
    println!(
        "(spans and subject for PDF/DOCX are not comparable: the scorer reads the linked file as text)"
    );
    assert_eq!(f1(&pdf), f1(&txt));
    assert_eq!(f1(&docx), f1(&txt));
}
