//! Webhooks end to end: a receiver on 127.0.0.1 that refuses the first deliveries, a
//! restart of the server between decisions (the sender stopped, the database closed and
//! opened again, two senders sharing it afterwards), and every event delivered exactly once
//! with a 2xx, a fact's events in the order they were decided, each signature checked here
//! with the secret. Then: giving up after the last try, and who may manage webhooks.
//!
//! Every test body runs on SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::http::{HeaderMap, StatusCode};
use common::*;
use hmac::{Hmac, KeyInit, Mac};
use jixiao::http::AppState;
use jixiao::store::{Role, Store};
use jixiao::webhook::{DeliveryOptions, Dispatcher, RetryPolicy};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

both_backends!(
    every_event_once_in_order_across_a_restart,
    a_delivery_is_given_up_after_the_last_try,
    only_an_admin_manages_webhooks,
);

const SECRET: &str = "test-secret-0123456789";

/// One request the receiver got, and what it answered.
#[derive(Clone, Debug)]
struct Receipt {
    event_id: i64,
    timestamp: String,
    signature: String,
    event_header: String,
    body: Vec<u8>,
    answered: u16,
}

/// A webhook receiver: answers 503 to the first `fail_first` requests (500 to all when
/// `always_fail`), 204 afterwards, and keeps every request in arrival order.
#[derive(Default)]
struct Receiver {
    fail_first: usize,
    always_fail: bool,
    seen: Mutex<Vec<Receipt>>,
}

impl Receiver {
    fn receipts(&self) -> Vec<Receipt> {
        self.seen.lock().unwrap().clone()
    }
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Arc<Receiver>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut seen = r.seen.lock().unwrap();
    let answered = if r.always_fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else if seen.len() < r.fail_first {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    };
    seen.push(Receipt {
        event_id: header("x-jixiao-event-id").parse().unwrap_or(-1),
        timestamp: header("x-jixiao-timestamp"),
        signature: header("x-jixiao-signature"),
        event_header: header("x-jixiao-event"),
        body: body.to_vec(),
        answered: answered.as_u16(),
    });
    answered
}

/// Starts a receiver on a free loopback port; its URL and what it records.
async fn receiver(fail_first: usize, always_fail: bool) -> (String, Arc<Receiver>) {
    let r = Arc::new(Receiver {
        fail_first,
        always_fail,
        ..Default::default()
    });
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), r)
}

/// Quick retries, so the test does not wait minutes for a back-off.
fn fast(max_attempts: u32) -> DeliveryOptions {
    DeliveryOptions {
        poll: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            base: Duration::from_millis(30),
            cap: Duration::from_millis(200),
            max_attempts,
        },
        batch: 8,
    }
}

/// The HMAC-SHA256 signature a receiver expects, computed here from the secret.
fn expected_signature(timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// The webhook's line in `GET /api/webhooks`.
async fn webhook_status(st: &AppState, admin: &str, id: i64) -> Value {
    let r = call(st, "GET", "/api/webhooks", Some(admin), None).await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .cloned()
        .unwrap()
}

/// Waits (at most a minute, as a guard against hanging) until nothing is pending.
async fn settled(st: &AppState, admin: &str, id: i64) -> Value {
    for _ in 0..1200 {
        let w = webhook_status(st, admin, id).await;
        if w["deliveries"]["pending"] == 0 {
            return w;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("deliveries still pending after a minute");
}

async fn decide(st: &AppState, token: &str, fact: &Value, verb: &str, body: Value) -> Value {
    let r = review(st, token, fact, verb, body).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{verb}: {}",
        String::from_utf8_lossy(&r.bytes)
    );
    r.json()
}

async fn every_event_once_in_order_across_a_restart(db: TestDb) {
    let st = state(&db);
    let admin = token(&db, Role::Admin, "管理员").await;
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let (url, rx) = receiver(4, false).await;
    let r = call(
        &st,
        "POST",
        "/api/webhooks",
        Some(&admin),
        Some(json!({"url": url, "secret": SECRET})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let hook = r.json();
    assert_eq!(hook["secret"], SECRET);
    assert_eq!(hook["events"], json!(["decision", "document"]));
    let hook_id = hook["id"].as_i64().unwrap();

    // Before the restart: a document finishes, three facts are decided, and the receiver
    // refuses the first four requests.
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let (f1, f2, f3) = (&facts[0], &facts[1], &facts[2]);
    let sender = Dispatcher::start(db.store.clone(), "server-1".into(), fast(50));
    decide(&st, &a, f1, "confirm", json!({"version": 1})).await;
    decide(
        &st,
        &a,
        f2,
        "reject",
        json!({"version": 1, "reason": "not_a_fact"}),
    )
    .await;
    decide(&st, &a, f1, "undo", json!({"version": 2})).await;
    for _ in 0..1200 {
        if rx.receipts().len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(rx.receipts().len() >= 4, "the receiver was never called");
    sender.stop().await;
    drop(st);
    db.store.close().await;

    // After it: the same database opened again, more decisions while nothing sends, then
    // two senders (two servers) on it at once.
    let store_a = Store::open(&db.url).await.unwrap();
    let store_b = Store::open(&db.url).await.unwrap();
    let st = AppState::new(store_a.clone());
    decide(
        &st,
        &a,
        f1,
        "correct",
        json!({"version": 3, "subject": "改后的主体", "note": "改"}),
    )
    .await;
    decide(&st, &a, f3, "confirm", json!({"version": 1})).await;
    decide(&st, &a, f2, "undo", json!({"version": 2})).await;
    decide(&st, &a, f1, "confirm", json!({"version": 4})).await;
    let one = Dispatcher::start(store_a.clone(), "server-1".into(), fast(50));
    let two = Dispatcher::start(store_b.clone(), "server-2".into(), fast(50));
    let status = settled(&st, &admin, hook_id).await;
    one.stop().await;
    two.stop().await;

    // 1 document event and 7 decisions, all delivered, none given up.
    assert_eq!(status["deliveries"]["delivered"], 8, "{status}");
    assert_eq!(status["deliveries"]["failed"], 0);
    let receipts = rx.receipts();
    assert!(receipts.iter().filter(|r| r.answered == 503).count() == 4);

    // Exactly one 2xx per event id, and every signature as the secret makes it.
    let mut delivered: HashMap<i64, usize> = HashMap::new();
    for r in &receipts {
        assert_eq!(
            r.signature,
            expected_signature(&r.timestamp, &r.body),
            "event {}",
            r.event_id
        );
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["id"], r.event_id);
        assert_eq!(body["type"], r.event_header.as_str());
        if r.answered / 100 == 2 {
            *delivered.entry(r.event_id).or_default() += 1;
        }
    }
    assert_eq!(delivered.len(), 8);
    assert!(delivered.values().all(|&n| n == 1), "{delivered:?}");

    // Each fact's decisions arrived in the order they were taken, and none before the one
    // decided earlier had been received.
    let mut received: Vec<Value> = Vec::new();
    let mut done: HashSet<i64> = HashSet::new();
    let mut log_order: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for r in &receipts {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        if body["type"] == "decision" {
            let d = &body["decision"];
            let fact = d["fact_id"].as_i64().unwrap();
            let log_id = d["log_id"].as_i64().unwrap();
            // Every earlier decision on this fact was already acknowledged.
            for (earlier, _) in log_order.get(&fact).into_iter().flatten() {
                assert!(
                    *earlier < log_id,
                    "fact {fact}: {log_id} sent after a later one"
                );
            }
            if r.answered / 100 == 2 && done.insert(r.event_id) {
                log_order
                    .entry(fact)
                    .or_default()
                    .push((log_id, d["action"].as_str().unwrap().to_string()));
            }
        }
        received.push(body);
    }
    let actions = |f: &Value| -> Vec<String> {
        log_order[&f["id"].as_i64().unwrap()]
            .iter()
            .map(|(_, a)| a.clone())
            .collect()
    };
    assert_eq!(actions(f1), ["confirm", "undo", "correct", "confirm"]);
    assert_eq!(actions(f2), ["reject", "undo"]);
    assert_eq!(actions(f3), ["confirm"]);

    // What the events say.
    let doc_event = received
        .iter()
        .find(|b| b["type"] == "document")
        .expect("a document event");
    assert_eq!(doc_event["document"]["id"], doc);
    assert_eq!(doc_event["document"]["status"], "done");
    assert_eq!(doc_event["document"]["file_name"], SAMPLE);
    let correction = received
        .iter()
        .find(|b| b["decision"]["action"] == "correct")
        .unwrap();
    assert_eq!(correction["decision"]["fact_id"], f1["id"]);
    assert_eq!(correction["decision"]["actor"], "王芳");
    assert_eq!(correction["decision"]["note"], "改");
    assert_eq!(correction["decision"]["status"], "corrected");
    assert_eq!(correction["decision"]["before"]["status"], "pending");

    // The deliveries list shows the retries.
    let r = call(
        &st,
        "GET",
        &format!("/api/webhooks/{hook_id}/deliveries"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.json()["deliveries"].as_array().unwrap().clone();
    assert_eq!(list.len(), 8);
    assert!(
        list.iter()
            .all(|d| d["state"] == "delivered" && d["next_attempt_at"].is_null())
    );
    let tries: i64 = list.iter().map(|d| d["attempts"].as_i64().unwrap()).sum();
    assert_eq!(tries, 8 + 4, "each refusal is one more try");
    store_b.close().await;
    store_a.close().await;
}

async fn a_delivery_is_given_up_after_the_last_try(db: TestDb) {
    let st = state(&db);
    let admin = token(&db, Role::Admin, "管理员").await;
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let (url, rx) = receiver(0, true).await;
    let r = call(
        &st,
        "POST",
        "/api/webhooks",
        Some(&admin),
        Some(json!({"url": url, "events": ["decision"], "secret": SECRET})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let hook_id = r.json()["id"].as_i64().unwrap();
    decide(&st, &a, &facts[0], "confirm", json!({"version": 1})).await;
    let sender = Dispatcher::start(db.store.clone(), "server-1".into(), fast(3));
    let status = settled(&st, &admin, hook_id).await;
    sender.stop().await;
    assert_eq!(status["deliveries"]["failed"], 1, "{status}");
    assert_eq!(status["deliveries"]["delivered"], 0);
    assert_eq!(
        status["deliveries"]["last_error"],
        "HTTP 500 Internal Server Error"
    );
    let r = call(
        &st,
        "GET",
        &format!("/api/webhooks/{hook_id}/deliveries"),
        Some(&admin),
        None,
    )
    .await;
    let list = r.json()["deliveries"].as_array().unwrap().clone();
    assert_eq!(
        list.len(),
        1,
        "a webhook of decisions hears nothing of documents"
    );
    assert_eq!(list[0]["state"], "failed");
    assert_eq!(list[0]["attempts"], 3);
    assert_eq!(list[0]["last_status"], 500);
    assert!(list[0]["next_attempt_at"].is_null());
    assert_eq!(rx.receipts().len(), 3);
}

async fn only_an_admin_manages_webhooks(db: TestDb) {
    let st = state(&db);
    let admin = token(&db, Role::Admin, "管理员").await;
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let reader = token(&db, Role::Reader, "r").await;
    let body = json!({"url": "https://example.org/hook"});
    for t in [&up, &a, &reader] {
        let r = call(&st, "POST", "/api/webhooks", Some(t), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = call(&st, "GET", "/api/webhooks", Some(t), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = call(&st, "GET", "/api/webhooks/1/deliveries", Some(t), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = call(&st, "DELETE", "/api/webhooks/1", Some(t), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = call(&st, "GET", "/api/webhooks", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    for bad in [
        json!({"url": "ftp://example.org/hook"}),
        json!({"url": "example.org/hook"}),
        json!({"url": "https://example.org/", "events": ["payment"]}),
        json!({"url": "https://example.org/", "events": []}),
        json!({"url": "https://example.org/", "secret": "short"}),
    ] {
        let r = call(
            &st,
            "POST",
            "/api/webhooks",
            Some(&admin),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(r.json()["error"]["code"], "invalid");
    }

    // A secret is made when none is given, and shown only on creation.
    let r = call(&st, "POST", "/api/webhooks", Some(&admin), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let hook = r.json();
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() == 70);
    let r = call(&st, "GET", "/api/webhooks", Some(&admin), None).await;
    let listed = r.json();
    assert_eq!(listed["webhooks"][0]["url"], "https://example.org/hook");
    assert!(!String::from_utf8_lossy(&r.bytes).contains(&secret));

    // A decision queues a delivery; once deleted, the webhook and its deliveries are gone
    // and later decisions queue nothing.
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    decide(&st, &a, &facts[0], "confirm", json!({"version": 1})).await;
    let id = hook["id"].as_i64().unwrap();
    let w = webhook_status(&st, &admin, id).await;
    assert_eq!(
        w["deliveries"]["pending"], 2,
        "the document and the decision: {w}"
    );
    let r = call(
        &st,
        "DELETE",
        &format!("/api/webhooks/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = call(
        &st,
        "DELETE",
        &format!("/api/webhooks/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &st,
        "GET",
        &format!("/api/webhooks/{id}/deliveries"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    decide(&st, &a, &facts[1], "confirm", json!({"version": 1})).await;
    let r = call(&st, "GET", "/api/webhooks", Some(&admin), None).await;
    assert_eq!(r.json()["webhooks"], json!([]));
}
