//! The `jixiao` binary as a user runs it: JSON per file, JSON Lines for several, tables for
//! people, and clear errors (non-zero exit, no panic) on bad input.

use std::process::Command;

fn jixiao(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("binary runs")
}

#[test]
fn extract_json_of_one_file() {
    let out = jixiao(&[
        "extract",
        "samples/000_af58de54e7000d7e.txt",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["document"]["region"], "秀洲区");
    assert_eq!(v["document"]["year"], 2021);
    assert!(v["facts"].as_array().unwrap().len() > 40);
}

#[test]
fn extract_directory_as_json_lines_and_tables() {
    let out = jixiao(&["extract", "samples/", "--format", "json"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let txt_count = std::fs::read_dir("samples")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "txt")
        })
        .count();
    assert!(lines.len() >= txt_count);
    for l in lines {
        serde_json::from_str::<serde_json::Value>(l).expect("each line is one JSON object");
    }
    let out = jixiao(&["extract", "samples/001_769eb15e6e31c174.txt"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("渠财绩〔2022〕1号") && table.contains("kind") && table.contains("checks:")
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("jixiao-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let garbage = dir.join("garbage.bin");
    std::fs::write(
        &garbage,
        (0..5000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for (path, says) in [(&empty, "empty"), (&garbage, "text")] {
        let out = jixiao(&["extract", path.to_str().unwrap(), "--format", "json"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = jixiao(&["extract", "no/such/file.txt"]);
    assert!(!out.status.success());
    std::fs::remove_dir_all(dir).ok();
}
