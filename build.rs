//! Rebuilds the crate when a migration is added or changed (`sqlx::migrate!` embeds the
//! migration files at compile time, and cargo does not otherwise watch them), and names the
//! extractor's version: the crate version plus a short hash of everything that decides what
//! the extractor reads — `src/extract/`, `src/check/` and `dictionaries/`. A change to a rule,
//! a check or a word list gives a new version, which tells `jixiao reextract` which stored
//! documents to read again.
//!
//! It also prepares the gazetteer of divisions (`dictionaries/divisions.txt`) as a
//! finite-state transducer from each name to its level, which the binary embeds and walks in
//! place: nothing of it is built when a process starts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike std's hasher.
fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let roots = ["src/extract", "src/check", "dictionaries"];
    let mut files = Vec::new();
    for root in roots {
        println!("cargo:rerun-if-changed={root}");
        files_under(Path::new(root), &mut files);
    }
    files.sort();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for file in &files {
        // The path too, with `/` whatever the platform: a file renamed is another rule set.
        let name = file.to_string_lossy().replace('\\', "/");
        fnv1a(&mut hash, name.as_bytes());
        fnv1a(&mut hash, &[0]);
        if let Ok(bytes) = std::fs::read(file) {
            // Line ends as committed, whatever a checkout made of them.
            let text: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'\r').collect();
            fnv1a(&mut hash, &text);
        }
        fnv1a(&mut hash, &[0]);
    }
    println!("cargo:rustc-env=JIXIAO_RULES_HASH={:012x}", hash >> 16);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("divisions.fst"), divisions_fst()).expect("OUT_DIR is writable");
}

/// Words of a development zone after its city's name.
const ZONE_WORDS: &[&str] = &[
    "高新区",
    "高新技术产业开发区",
    "经开区",
    "经济技术开发区",
    "经济开发区",
];

/// Each name of `dictionaries/divisions.txt` with its level (1 province … 4 township; the
/// first listing where a name is listed twice), and the development zones the codes do not
/// list by name ("西安高新区"): a prefecture's or county's name without 市 and a zone's word,
/// at county level.
fn divisions_fst() -> Vec<u8> {
    let text = std::fs::read_to_string("dictionaries/divisions.txt").expect("divisions.txt");
    let mut levels: BTreeMap<String, u64> = BTreeMap::new();
    let mut zones = Vec::new();
    let mut level = 1;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('@') {
            level = match section {
                "1" => 1,
                "2" => 2,
                "3" => 3,
                _ => 4,
            };
            continue;
        }
        levels.entry(line.to_string()).or_insert(level);
        if matches!(level, 2 | 3)
            && let Some(stem) = line.strip_suffix('市')
            && stem.chars().count() >= 2
        {
            zones.extend(ZONE_WORDS.iter().map(|z| format!("{stem}{z}")));
        }
    }
    for zone in zones {
        levels.entry(zone).or_insert(3);
    }
    fst::Map::from_iter(levels)
        .expect("names in order")
        .into_fst()
        .into_inner()
}
