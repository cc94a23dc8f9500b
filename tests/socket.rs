//! The server over a real socket (port 0): `serve` with its own workers; an upload over TCP
//! turns into stored facts without anyone driving the queue, and shutdown is graceful.

mod common;

use common::*;
use jixiao::http::{ServeOptions, serve};
use jixiao::store::Role;
use serde_json::Value;

both_backends!(upload_over_tcp_is_processed_by_serve_workers);

async fn upload_over_tcp_is_processed_by_serve_workers(db: TestDb) {
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        db.store.clone(),
        ServeOptions {
            workers: 2,
            max_upload_bytes: 1 << 20,
            rate_limit: Some(jixiao::http::RateLimit::DEFAULT),
        },
        async move {
            let _ = stopped.await;
        },
    ));

    let (status, body) = http(
        addr,
        "POST",
        "/api/documents?filename=s.txt",
        &up,
        &sample(SAMPLE),
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let id = serde_json::from_slice::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();

    let mut doc = Value::Null;
    for _ in 0..200 {
        let (status, body) = http(addr, "GET", &format!("/api/documents/{id}"), &up, b"").await;
        assert_eq!(status, 200);
        doc = serde_json::from_slice(&body).unwrap();
        if doc["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(doc["status"], "done", "{doc}");
    let (status, body) = http(
        addr,
        "GET",
        &format!("/api/facts?document_id={id}"),
        &a,
        b"",
    )
    .await;
    assert_eq!(status, 200);
    let facts: Value = serde_json::from_slice(&body).unwrap();
    assert!(!facts["facts"].as_array().unwrap().is_empty());

    let (status, _) = http(addr, "GET", "/api/facts", "jx_wrong", b"").await;
    assert_eq!(status, 401);

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
