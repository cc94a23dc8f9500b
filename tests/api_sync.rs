//! Incremental sync: consumers pull `GET /api/facts?cursor=…` (and documents) while
//! assessors keep deciding, and end with exactly the changes that were made — each change
//! once, none missing — as an assessor (every status) and as a reader (settled facts, with
//! the ones that left that state in `removed`).
//!
//! On a fresh database per test, SQLite always and PostgreSQL when `JIXIAO_TEST_DATABASE_URL`
//! is set.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::http::AppState;
use jixiao::store::Role;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

both_backends!(
    consumers_see_every_change_once_while_decisions_run,
    documents_sync_and_a_bad_cursor_is_422,
    updated_since_starts_a_pull_at_a_time,
);

/// A consumer's copy of the facts it was sent.
#[derive(Default)]
struct Consumer {
    cursor: String,
    /// id → (version, status) as last sent.
    copy: HashMap<i64, (i64, String)>,
    /// Every (id, version) sent, to catch one sent twice.
    seen: HashSet<(i64, i64)>,
}

impl Consumer {
    fn new() -> Consumer {
        Consumer {
            cursor: "0".into(),
            ..Consumer::default()
        }
    }

    /// One pull; returns whether the server has more.
    async fn pull(&mut self, st: &AppState, token: &str, doc: i64) -> bool {
        let uri = format!(
            "/api/facts?document_id={doc}&cursor={}&limit=7",
            self.cursor
        );
        let r = call(st, "GET", &uri, Some(token), None).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.bytes)
        );
        let page = r.json();
        for f in page["facts"].as_array().unwrap() {
            let (id, version) = (f["id"].as_i64().unwrap(), f["version"].as_i64().unwrap());
            assert!(
                self.seen.insert((id, version)),
                "fact {id} at version {version} sent twice"
            );
            if let Some((had, _)) = self.copy.get(&id) {
                assert!(
                    *had < version,
                    "fact {id} went back from {had} to {version}"
                );
            }
            self.copy
                .insert(id, (version, f["status"].as_str().unwrap().to_string()));
        }
        for id in page["removed"].as_array().unwrap() {
            self.copy.remove(&id.as_i64().unwrap());
        }
        self.cursor = page["next_cursor"].as_str().unwrap().to_string();
        page["has_more"].as_bool().unwrap()
    }
}

/// Each fact's decisions, by its place in the document: confirm, undo, reject, undo,
/// confirm … cut at a length that differs from fact to fact, so the run ends with facts in
/// every status. None of these changes a value, so a change is always a new version.
fn plan(i: usize) -> Vec<&'static str> {
    const CYCLE: [&str; 4] = ["confirm", "undo", "reject", "undo"];
    (0..i % 6).map(|k| CYCLE[k % 4]).collect()
}

async fn consumers_see_every_change_once_while_decisions_run(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let reader = token(&db, Role::Reader, "consumer").await;
    let assessors = [
        token(&db, Role::Assessor, "甲").await,
        token(&db, Role::Assessor, "乙").await,
        token(&db, Role::Assessor, "丙").await,
    ];
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &assessors[0], doc).await;
    assert!(facts.len() >= 12, "the sample has {} facts", facts.len());

    // Three assessors decide on their share of the facts, concurrently with the pulls.
    let mut deciders = Vec::new();
    for (k, a) in assessors.iter().enumerate() {
        let (st, a) = (st.clone(), a.clone());
        let mine: Vec<(usize, Value)> = facts
            .iter()
            .cloned()
            .enumerate()
            .filter(|(i, _)| i % 3 == k)
            .collect();
        deciders.push(tokio::spawn(async move {
            for (i, f) in mine {
                let mut version = 1;
                for verb in plan(i) {
                    let body = match verb {
                        "reject" => json!({"version": version, "reason": "not_a_fact"}),
                        _ => json!({"version": version}),
                    };
                    let r = review(&st, &a, &f, verb, body).await;
                    assert_eq!(r.status, StatusCode::OK, "{verb} on {}", f["id"]);
                    version = r.json()["version"].as_i64().unwrap();
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    let mut assessor = Consumer::new();
    let mut consumer = Consumer::new();
    while !deciders.iter().all(|d| d.is_finished()) {
        assessor.pull(&st, &assessors[0], doc).await;
        consumer.pull(&st, &reader, doc).await;
    }
    for d in deciders {
        d.await.unwrap();
    }

    // Decisions are over: the consumers catch up. On PostgreSQL a transaction still open
    // anywhere on the server (another test's) holds the feed back until it ends, so a pull
    // that ends the feed is tried again until the copy is whole, within a bound.
    let truth: HashMap<i64, (i64, String)> = facts_of(&st, &assessors[0], doc)
        .await
        .iter()
        .map(|f| {
            let id = f["id"].as_i64().unwrap();
            let v = f["version"].as_i64().unwrap();
            (id, (v, f["status"].as_str().unwrap().to_string()))
        })
        .collect();
    let settled: HashMap<i64, (i64, String)> = truth
        .iter()
        .filter(|(_, (_, s))| s == "confirmed" || s == "corrected")
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    for _ in 0..400 {
        while assessor.pull(&st, &assessors[0], doc).await {}
        while consumer.pull(&st, &reader, doc).await {}
        if assessor.copy == truth && consumer.copy == settled {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(assessor.copy, truth, "the assessor's copy");
    assert_eq!(consumer.copy, settled, "the reader's copy");
    // The feed sends a fact as it stands when pulled: versions made between two pulls
    // come as the last of them, never as one that did not exist.
    assert!(
        assessor
            .seen
            .iter()
            .all(|(id, v)| *v >= 1 && *v <= truth[id].0)
    );
    assert!(assessor.seen.len() >= truth.len());
    // The reader never got a fact it may not see.
    assert!(consumer.seen.iter().all(|(id, _)| truth.contains_key(id)));

    // Nothing changed since: the next pull is empty and keeps the cursor.
    let before = assessor.cursor.clone();
    assert!(!assessor.pull(&st, &assessors[0], doc).await);
    assert_eq!(assessor.cursor, before);
}

async fn documents_sync_and_a_bad_cursor_is_422(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let other = token(&db, Role::Uploader, "v").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;

    let pull = |token: String, cursor: String| {
        let st = st.clone();
        async move {
            let r = call(
                &st,
                "GET",
                &format!("/api/documents?cursor={cursor}"),
                Some(&token),
                None,
            )
            .await;
            (r.status, r.json())
        }
    };
    // On PostgreSQL another test's transaction still open holds the feed back for a while.
    let (mut status, mut page) = pull(a.clone(), "0".into()).await;
    for _ in 0..400 {
        if page["documents"].as_array().is_some_and(|d| !d.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        (status, page) = pull(a.clone(), "0".into()).await;
    }
    assert_eq!(status, StatusCode::OK);
    let docs = page["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["id"], doc);
    assert_eq!(docs[0]["status"], "done");
    assert_eq!(page["has_more"], false);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, again) = pull(a.clone(), cursor.clone()).await;
    assert_eq!(again["documents"], json!([]));
    assert_eq!(again["next_cursor"], cursor.as_str());

    // An uploader's feed holds only their own documents.
    let (_, theirs) = pull(other, "0".into()).await;
    assert_eq!(theirs["documents"], json!([]));

    for bad in ["c1.zz.1", "abc", "c1.1.2.3"] {
        let (status, e) = pull(a.clone(), bad.into()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(e["error"]["code"], "invalid");
    }
}

async fn updated_since_starts_a_pull_at_a_time(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let all = facts_of(&st, &a, doc).await;
    let page = |since: &str| {
        let (st, a, uri) = (
            st.clone(),
            a.clone(),
            format!("/api/facts?updated_since={since}&limit=1000"),
        );
        async move { call(&st, "GET", &uri, Some(&a), None).await.json() }
    };
    // On PostgreSQL another test's transaction still open holds the feed back for a while.
    let mut from_start = 0;
    for _ in 0..400 {
        from_start = page("2000-01-01T00:00:00Z").await["facts"]
            .as_array()
            .unwrap()
            .len();
        if from_start == all.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(from_start, all.len());
    assert_eq!(page("2999-01-01T00:00:00Z").await["facts"], json!([]));
}
