//! The `tesseract` command: finding it, running it on one page image under a time limit, and
//! reading its TSV output (one row per page, block, paragraph, line and word, each with its
//! box in pixels and, for words, a confidence) and its orientation report (`--psm 0`).
//!
//! The command rather than a binding to libtesseract: the Debian packages are all a deployment
//! needs (no C toolchain or bindgen at build time, no libtesseract ABI to follow), a page that
//! makes the engine hang or crash is a child process that is killed, not a worker thread lost,
//! and a process costs ~30 ms against ~3 s of recognition per page.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One recognized word: its text, box in pixels and confidence (0–100).
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub text: String,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    pub confidence: f32,
    /// Which line of the engine's layout the word belongs to (block, paragraph, line).
    pub line: (u32, u32, u32),
}

/// The engine as installed: its command and version.
#[derive(Clone, Debug)]
pub struct Tesseract {
    pub command: String,
    pub version: String,
    /// Whether the orientation model (osd.traineddata) is installed.
    pub osd: bool,
}

/// The message for a machine without the engine or its Chinese model.
pub const INSTALL_HINT: &str = "install tesseract with its simplified-Chinese model (Debian: apt-get install tesseract-ocr \
     tesseract-ocr-chi-sim tesseract-ocr-osd) and the PDF renderer (poppler-utils)";

impl Tesseract {
    /// Looks for `command`: it must run and list the `chi_sim` model.
    pub fn find(command: &str) -> Option<Tesseract> {
        let version = Command::new(command).arg("--version").output().ok()?;
        // Tesseract 4 printed its version on stderr, 5 on stdout.
        let text = String::from_utf8_lossy(&version.stdout).to_string()
            + &String::from_utf8_lossy(&version.stderr);
        let version = text.lines().next()?.trim().to_string();
        let langs = Command::new(command).arg("--list-langs").output().ok()?;
        let langs = String::from_utf8_lossy(&langs.stdout).to_string();
        let has = |l: &str| langs.lines().any(|x| x.trim() == l);
        if !has("chi_sim") {
            return None;
        }
        Some(Tesseract {
            command: command.to_string(),
            osd: has("osd"),
            version,
        })
    }

    /// Recognizes one page image; `ruled` when it holds a ruled table (its rules taken out).
    pub fn recognize(
        &self,
        image: &Path,
        limit: Duration,
        ruled: bool,
    ) -> Result<Recognized, String> {
        let mut cmd = Command::new(&self.command);
        // One uniform block (psm 6): the automatic layout analysis (psm 3) dropped whole
        // lines of a report page as non-text (F1 0.956 against 0.983 on the scan of sample
        // 000); reports are one column, and the layout comes after, from the word boxes. A
        // table's cells are no uniform block: read as one, short cells of figures came out
        // as "0" or nothing ("101.10%", "280.00" as "28000"); sparse text (psm 11) finds
        // each cell's text where it is.
        let psm = if ruled { "11" } else { "6" };
        cmd.arg(image)
            .arg("-")
            .args(["-l", "chi_sim", "--psm", psm])
            .arg("tsv");
        let out = run(cmd, limit)?;
        Ok(parse_tsv(&out))
    }

    /// The clockwise rotation (0, 90, 180, 270) that puts the page upright, with the
    /// engine's confidence in it; `None` when it cannot tell.
    pub fn orientation(&self, image: &Path, limit: Duration) -> Option<(u32, f32)> {
        if !self.osd {
            return None;
        }
        let mut cmd = Command::new(&self.command);
        cmd.arg(image).arg("-").args(["--psm", "0", "-l", "osd"]);
        parse_osd(&run(cmd, limit).ok()?)
    }
}

/// Runs a command to completion within `limit`, killing it past that; its stdout.
fn run(mut cmd: Command, limit: Duration) -> Result<String, String> {
    // Tesseract's OpenMP threads cost more than they gain on a shared machine (measured: 2.9 s
    // a page with one thread, 14.7 s with the default); parallelism comes from the workers.
    cmd.env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start tesseract: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "OCR of a page took longer than its limit of {} s",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("tesseract: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        return Err(format!("tesseract failed: {}", err.trim()));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A page as recognized: its size in pixels and its words.
#[derive(Clone, Debug, Default)]
pub struct Recognized {
    pub width: f64,
    pub height: f64,
    pub words: Vec<Word>,
}

/// Tesseract's TSV: the page row's size and the words (level 5 rows with text).
pub fn parse_tsv(tsv: &str) -> Recognized {
    let mut page = Recognized::default();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() >= 10 && f[0] == "1" {
            page.width = f[8].parse().unwrap_or(0.0);
            page.height = f[9].parse().unwrap_or(0.0);
            break;
        }
    }
    page.words = words_of(tsv);
    page
}

fn words_of(tsv: &str) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|row| {
            let f: Vec<&str> = row.split('\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let text = f[11].trim();
            if text.is_empty() {
                return None;
            }
            let num = |i: usize| f[i].parse::<f64>().ok();
            let int = |i: usize| f[i].parse::<u32>().ok();
            Some(Word {
                text: text.to_string(),
                left: num(6)?,
                top: num(7)?,
                width: num(8)?,
                height: num(9)?,
                confidence: f[10].parse::<f32>().ok()?.clamp(0.0, 100.0),
                line: (int(2)?, int(3)?, int(4)?),
            })
        })
        .collect()
}

/// "Rotate: 90" and "Orientation confidence: 7.5" of tesseract's OSD report.
pub fn parse_osd(report: &str) -> Option<(u32, f32)> {
    let field = |name: &str| {
        report
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let rotate: u32 = field("Rotate:")?.parse().ok()?;
    let confidence: f32 = field("Orientation confidence:")?.parse().ok()?;
    matches!(rotate, 0 | 90 | 180 | 270).then_some((rotate, confidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_with_boxes_and_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            1\t1\t0\t0\t0\t0\t0\t0\t1241\t1754\t-1\t\n\
            4\t1\t1\t1\t1\t0\t119\t183\t365\t20\t-1\t\n\
            5\t1\t1\t1\t1\t1\t119\t184\t27\t19\t92.5\t秀\n\
            5\t1\t1\t1\t1\t2\t187\t185\t43\t16\t76.6\t2021\n\
            5\t1\t2\t1\t3\t1\t10\t20\t5\t5\t95\t \n";
        let page = parse_tsv(tsv);
        assert_eq!((page.width, page.height), (1241.0, 1754.0));
        let words = page.words;
        assert_eq!(words.len(), 2);
        assert_eq!(words[1].text, "2021");
        assert_eq!(words[1].left, 187.0);
        assert_eq!(words[1].confidence, 76.6);
        assert_eq!(words[0].line, (1, 1, 1));
    }

    #[test]
    fn osd_report() {
        let r = "Page number: 0\nOrientation in degrees: 270\nRotate: 90\n\
                 Orientation confidence: 12.31\nScript: Han\nScript confidence: 2.00\n";
        assert_eq!(parse_osd(r), Some((90, 12.31)));
        assert_eq!(parse_osd("Too few characters. Skipping this page"), None);
    }
}
