//! Live decisions over a real socket: a page listening on `/api/events` hears a decision
//! taken by another assessor within a second, only for its document; a reader hears that a
//! fact left their view, not what became of it; and shutdown ends the stream instead of
//! waiting for it. On SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

both_backends!(decisions_reach_listening_pages_live);

/// An open event stream: the lines after the response head.
struct Listener {
    lines: tokio::io::Lines<BufReader<TcpStream>>,
}

impl Listener {
    async fn open(addr: std::net::SocketAddr, token: &str, query: &str) -> Listener {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "GET /api/events{query} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Accept: text/event-stream\r\n\r\n"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        let mut lines = BufReader::new(s).lines();
        let status = lines.next_line().await.unwrap().unwrap();
        assert!(status.contains(" 200 "), "{status}");
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.is_empty() {
                break;
            }
        }
        Listener { lines }
    }

    /// The data of the next `decision` event, or `None` when none comes within `within`.
    async fn next_decision(&mut self, within: Duration) -> Option<Value> {
        let read = async {
            let mut decision = false;
            while let Ok(Some(line)) = self.lines.next_line().await {
                // The body is chunked: chunk sizes come as lines of their own.
                if line == "event: decision" {
                    decision = true;
                } else if let Some(data) = line.strip_prefix("data: ")
                    && decision
                {
                    return Some(serde_json::from_str::<Value>(data).unwrap());
                }
            }
            None
        };
        tokio::time::timeout(within, read).await.ok().flatten()
    }

    /// Whether the server closed the stream within `within`.
    async fn closed(&mut self, within: Duration) -> bool {
        let drain = async { while let Ok(Some(_)) = self.lines.next_line().await {} };
        tokio::time::timeout(within, drain).await.is_ok()
    }
}

async fn decisions_reach_listening_pages_live(db: TestDb) {
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let reader = token(&db, Role::Reader, "r").await;
    let st = state(&db);
    let doc = uploaded(&st, &up, SAMPLE).await;
    let other = uploaded(&st, &up, "000_af58de54e7000d7e.txt").await;
    let facts = facts_of(&st, &a, doc).await;
    let others = facts_of(&st, &a, other).await;

    let (addr, stop, server) = serve_on_loopback(&db.store, 0).await;
    let mut page = Listener::open(addr, &a, &format!("?document_id={doc}")).await;
    let mut reading = Listener::open(addr, &reader, &format!("?document_id={doc}")).await;

    // A decision on another document is not this page's news.
    let (status, _) = http_json(
        addr,
        "POST",
        &format!("/api/facts/{}/confirm", others[0]["id"]),
        &a,
        json!({"version": 1}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = http_json(
        addr,
        "POST",
        &format!("/api/facts/{}/confirm", facts[0]["id"]),
        &a,
        json!({"version": 1}),
    )
    .await;
    assert_eq!(status, 200);
    let heard = page
        .next_decision(Duration::from_secs(3))
        .await
        .expect("the decision reached the page");
    assert_eq!(heard["fact_id"], facts[0]["id"]);
    assert_eq!(heard["document_id"], doc);
    assert_eq!(heard["action"], "confirm");
    assert_eq!(heard["status"], "confirmed");
    assert_eq!(heard["version"], 2);
    assert_eq!(heard["actor"], "a");
    let seen = reading.next_decision(Duration::from_secs(3)).await.unwrap();
    assert_eq!(seen["status"], "confirmed");

    // Rejected: the reader learns only that the fact is not theirs to see.
    let (status, _) = http_json(
        addr,
        "POST",
        &format!("/api/facts/{}/reject", facts[1]["id"]),
        &a,
        json!({"version": 1, "reason": "duplicate"}),
    )
    .await;
    assert_eq!(status, 200);
    let heard = page.next_decision(Duration::from_secs(3)).await.unwrap();
    assert_eq!(
        (heard["fact_id"].clone(), heard["status"].clone()),
        (facts[1]["id"].clone(), json!("rejected"))
    );
    let seen = reading.next_decision(Duration::from_secs(3)).await.unwrap();
    assert_eq!(
        seen,
        json!({"fact_id": facts[1]["id"], "document_id": doc, "status": "hidden"})
    );

    // Shutdown closes the streams, and the server stops without waiting for them.
    stop.send(()).unwrap();
    assert!(
        page.closed(Duration::from_secs(10)).await,
        "the stream ended"
    );
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
}
