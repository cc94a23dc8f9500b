//! Rebuilds the crate when a migration is added or changed (`sqlx::migrate!` embeds the
//! migration files at compile time, and cargo does not otherwise watch them), and names the
//! extractor's version: the crate version plus a short hash of everything that decides what
//! the extractor reads — `src/extract/`, `src/check/` and `dictionaries/`. A change to a rule,
//! a check or a word list gives a new version, which tells `jixiao reextract` which stored
//! documents to read again.

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
}
