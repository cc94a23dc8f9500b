//! Load generator for the service figures in BENCHMARKS.md, against a running
//! `jixiao serve` on loopback.
//!
//! `upload-latency ADDR TOKEN N`: uploads N distinct 10,000-character TXT reports one after
//! another and measures, per report, the time from sending the upload to the document being
//! `done` with its facts stored (polled every millisecond), printing p50/p99.
//!
//! `prepare-review ADDR TOKEN`: uploads a report, waits for its facts and prints the ids of
//! 32 of them, for `bench/review.lua` (wrk) to confirm and undo.
//!
//! `review-load ADDR TOKEN IDS SECONDS`: the same load as the wrk script from one
//! single-threaded client (32 keep-alive connections, one fact each, confirm and undo in
//! turn), which leaves more of a 2-core machine to the server than wrk's 32 threads.

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A keep-alive HTTP/1.1 connection that reads Content-Length bodies.
struct Conn {
    s: BufReader<TcpStream>,
    addr: SocketAddr,
    token: String,
}

impl Conn {
    async fn open(addr: SocketAddr, token: &str) -> Conn {
        let s = TcpStream::connect(addr).await.expect("connect");
        s.set_nodelay(true).unwrap();
        Conn {
            s: BufReader::new(s),
            addr,
            token: token.to_string(),
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let kind = if body.starts_with(b"{") {
            "application/json"
        } else {
            "application/octet-stream"
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            self.token,
            body.len()
        );
        let w = self.s.get_mut();
        w.write_all(head.as_bytes()).await.unwrap();
        w.write_all(body).await.unwrap();
        let mut line = String::new();
        self.s.read_line(&mut line).await.unwrap();
        let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut len = 0usize;
        loop {
            line.clear();
            self.s.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.s.read_exact(&mut body).await.unwrap();
        (status, body)
    }
}

fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).expect("JSON")
}

/// A 10,000-character report: the sample's text cut to length, made unique by a number.
fn report(base: &str, i: usize) -> Vec<u8> {
    let tag = format!("编号{i:08}\n");
    let rest = 10_000 - tag.chars().count();
    let text: String = tag.chars().chain(base.chars().cycle().take(rest)).collect();
    text.into_bytes()
}

async fn wait_done(c: &mut Conn, id: i64) {
    loop {
        let (_, b) = c.call("GET", &format!("/api/documents/{id}"), b"").await;
        let s = json(&b)["status"].as_str().unwrap_or("").to_string();
        if s != "queued" && s != "processing" {
            assert_eq!(s, "done");
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr: SocketAddr = args[2].parse().expect("ADDR like 127.0.0.1:8080");
    let token = &args[3];
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/002_c76de0c36188412a.txt"
    ))
    .unwrap();
    let mut c = Conn::open(addr, token).await;
    match args[1].as_str() {
        "upload-latency" => {
            let n: usize = args[4].parse().unwrap();
            let salt = std::process::id() as usize * 1_000_000;
            let mut upload_ms = Vec::new();
            let mut stored_ms = Vec::new();
            for i in 0..n {
                let body = report(&base, salt + i);
                let t = Instant::now();
                let (status, b) = c.call("POST", "/api/documents", &body).await;
                assert_eq!(status, 201, "{}", String::from_utf8_lossy(&b));
                upload_ms.push(t.elapsed().as_secs_f64() * 1e3);
                wait_done(&mut c, json(&b)["id"].as_i64().unwrap()).await;
                stored_ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            upload_ms.sort_by(f64::total_cmp);
            stored_ms.sort_by(f64::total_cmp);
            println!(
                "{n} uploads of 10,000 chars: upload answered p50 {:.1} ms, p99 {:.1} ms; \
                 upload -> facts stored p50 {:.1} ms, p99 {:.1} ms",
                pct(&upload_ms, 0.5),
                pct(&upload_ms, 0.99),
                pct(&stored_ms, 0.5),
                pct(&stored_ms, 0.99)
            );
        }
        "prepare-review" => {
            let body = report(&base, std::process::id() as usize);
            let (_, b) = c.call("POST", "/api/documents", &body).await;
            let id = json(&b)["id"].as_i64().unwrap();
            wait_done(&mut c, id).await;
            let (_, b) = c.call("GET", &format!("/api/documents/{id}"), b"").await;
            let ids: Vec<String> = json(&b)["facts"]
                .as_array()
                .unwrap()
                .iter()
                .take(32)
                .map(|f| f["id"].to_string())
                .collect();
            assert_eq!(ids.len(), 32, "the report has fewer than 32 facts");
            println!("{}", ids.join(","));
        }
        "review-load" => {
            let ids: Vec<String> = args[4].split(',').map(str::to_string).collect();
            let secs: f64 = args[5].parse().unwrap();
            let deadline = Instant::now() + Duration::from_secs_f64(secs);
            let mut tasks = Vec::new();
            for id in ids {
                let mut c = Conn::open(addr, token).await;
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    let mut version = {
                        let (_, b) = c.call("GET", &format!("/api/facts/{id}"), b"").await;
                        json(&b)["version"].as_i64().unwrap()
                    };
                    let mut verb = "confirm";
                    let mut failures = 0;
                    while Instant::now() < deadline {
                        let body = format!("{{\"version\":{version}}}");
                        let t = Instant::now();
                        let (status, _) = c
                            .call("POST", &format!("/api/facts/{id}/{verb}"), body.as_bytes())
                            .await;
                        lat.push(t.elapsed().as_secs_f64() * 1e3);
                        if status == 200 {
                            version += 1;
                            verb = if verb == "confirm" { "undo" } else { "confirm" };
                        } else {
                            failures += 1;
                        }
                    }
                    (lat, failures)
                }));
            }
            let started = Instant::now();
            let mut all = Vec::new();
            let mut failures = 0;
            for t in tasks {
                let (lat, f) = t.await.unwrap();
                all.extend(lat);
                failures += f;
            }
            let elapsed = started.elapsed().as_secs_f64();
            all.sort_by(f64::total_cmp);
            println!(
                "{} decisions in {elapsed:.1} s: {:.0} decisions/s, p50 {:.2} ms, p99 {:.2} ms, non-200: {failures}",
                all.len(),
                all.len() as f64 / elapsed,
                pct(&all, 0.5),
                pct(&all, 0.99)
            );
        }
        other => panic!("unknown command {other}"),
    }
}
