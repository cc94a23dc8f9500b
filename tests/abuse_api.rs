//! The server under abusive uploads, as a real process: while its two workers chew on two
//! large generated reports (one 4 MB line of prose, a 100,000-row tab-separated table),
//! `/api/health` still answers within a second; SIGTERM then stops the server within
//! seconds, and no document is left held by a lease — each is done or back in the queue.

mod common;

use common::http;

use jixiao::store::{Role, Store};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

async fn json(addr: SocketAddr, path: &str, token: &str) -> Value {
    let (status, body) = http(addr, "GET", path, token, b"").await;
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// One line of prose, 4 MB, with a fact every few characters.
fn long_line() -> Vec<u8> {
    "本项目年度预算资金100万元，执行率95%，得分9.5分；"
        .repeat(60_000)
        .into_bytes()
}

/// A tab-separated table of 100,000 rows.
fn big_table() -> Vec<u8> {
    let mut t = String::from("项目\t预算数\t执行数\t执行率\n");
    for i in 0..100_000 {
        t += &format!("子项目{i}\t{i}.00\t{i}.50\t9{}%\n", i % 10);
    }
    t.into_bytes()
}

/// `jixiao serve` on a free port with two workers; its address, read from its stderr (which
/// a thread keeps draining so the server never blocks on it).
fn start_server(db: &str) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args([
            "serve",
            "--database-url",
            db,
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "2",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("Review page: http://").nth(1) {
                let _ = tx.send(
                    rest.trim_end_matches(|c| c != '/')
                        .trim_end_matches('/')
                        .to_string(),
                );
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    (child, addr.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_during_abusive_uploads_and_sigterm_releases_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("abuse.db");
    let db = db.to_str().unwrap();
    let store = Store::open(db).await.unwrap();
    let (_, token) = store.create_user("u", Role::Uploader).await.unwrap();
    store.close().await;

    let (mut server, addr) = start_server(db);
    let mut ids = Vec::new();
    for (name, bytes) in [("line.txt", long_line()), ("table.txt", big_table())] {
        let (status, body) = http(
            addr,
            "POST",
            &format!("/api/documents?filename={name}"),
            &token,
            &bytes,
        )
        .await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        ids.push(
            serde_json::from_slice::<Value>(&body).unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }

    // Health, checked over and over while both documents are being processed.
    let mut checks_while_busy = 0;
    let started = Instant::now();
    while checks_while_busy < 10 && started.elapsed() < Duration::from_secs(120) {
        let mut busy = 0;
        for id in &ids {
            let doc = json(addr, &format!("/api/documents/{id}?facts_limit=1"), &token).await;
            busy += (doc["status"] == "processing") as usize;
        }
        let health = tokio::time::timeout(
            Duration::from_secs(1),
            http(addr, "GET", "/api/health", "", b""),
        )
        .await
        .unwrap_or_else(|_| panic!("/api/health took more than 1 s with {busy} uploads in work"));
        assert_eq!(health.0, 200);
        if busy == 2 {
            checks_while_busy += 1;
        } else if busy == 0 && checks_while_busy == 0 {
            // Not picked up yet: give the workers a moment.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        checks_while_busy >= 1,
        "the uploads were never both in work"
    );

    // SIGTERM: the server stops within seconds, whatever the documents in hand.
    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            panic!("the server did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "{exit:?}");

    let store = Store::open(db).await.unwrap();
    for id in ids {
        let d = store.document(id).await.unwrap();
        eprintln!("document {id}: {} after {} attempts", d.status, d.attempts);
        assert!(
            (d.status == "queued" && d.attempts == 0) || d.status == "done",
            "document {id} left {} after {} attempts",
            d.status,
            d.attempts
        );
    }
    store.close().await;
}
