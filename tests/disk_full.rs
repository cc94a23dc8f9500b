//! A write the database refuses half-way (a full disk, an I/O error) fails that request
//! alone: the server answers 507 with the API's error body while there is no room, takes
//! writes again as soon as there is, without a restart, and loses nothing committed before.
//! SQLite only: the failures are injected through SQLite's own limits and triggers.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

async fn confirm(st: &jixiao::http::AppState, token: &str, fact: &Value, note: &str) -> Resp {
    review(
        st,
        token,
        fact,
        "confirm",
        json!({"version": 1, "note": note}),
    )
    .await
}

async fn set_max_pages(db: &TestDb, pages: i64) {
    let sql = format!("PRAGMA max_page_count = {pages}");
    let _: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(db.store.writer_pool())
        .await
        .unwrap();
}

/// `max_page_count` caps the file at its present size, which SQLite reports exactly as a
/// full disk (SQLITE_FULL): decisions fail with 507 while it holds and succeed after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_fail_with_507_while_full_and_succeed_after() {
    let db = sqlite().await;
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    assert!(facts.len() > 30, "{}", facts.len());
    assert_eq!(
        confirm(&st, &a, &facts[0], "before").await.status,
        StatusCode::OK
    );

    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(db.store.writer_pool())
        .await
        .unwrap();
    set_max_pages(&db, pages).await;
    // Long notes fill the last free pages; the first decision with no room left fails.
    let note = "满".repeat(1500);
    let mut accepted = vec![facts[0]["id"].as_i64().unwrap()];
    let mut refused = None;
    for f in &facts[1..] {
        let r = confirm(&st, &a, f, &note).await;
        match r.status {
            StatusCode::OK => accepted.push(f["id"].as_i64().unwrap()),
            StatusCode::INSUFFICIENT_STORAGE => {
                assert_eq!(r.json()["error"]["code"], "storage_full");
                refused = Some(f.clone());
                break;
            }
            s => panic!("{s}: {}", String::from_utf8_lossy(&r.bytes)),
        }
    }
    let refused = refused.expect("some decision must meet the full database");
    // Still full: the same decision is refused again, the same way, and left undone.
    for _ in 0..3 {
        let r = confirm(&st, &a, &refused, &note).await;
        assert_eq!(r.status, StatusCode::INSUFFICIENT_STORAGE);
        assert_eq!(r.json()["error"]["code"], "storage_full");
    }
    let fact = db
        .store
        .fact(refused["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!((fact.status.as_str(), fact.version), ("pending", 1));

    // Space returns: the very same server takes the decision.
    set_max_pages(&db, 1 << 30).await;
    let r = confirm(&st, &a, &refused, &note).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(r.json()["version"], 2);
    for id in accepted {
        let f = db.store.fact(id).await.unwrap();
        assert_eq!(
            (f.status.as_str(), f.version),
            ("confirmed", 2),
            "fact {id}"
        );
        assert_eq!(history_of(&st, &a, id).await.len(), 1, "fact {id}");
    }
    // Uploads and extraction write again too.
    let again = uploaded(&st, &up, "000_af58de54e7000d7e.txt").await;
    assert_eq!(db.store.document(again).await.unwrap().status, "done");
}

/// A failure that ends the transaction inside SQLite (as SQLITE_FULL or an I/O error at
/// commit can) leaves sqlx believing it is still open; that connection must not be used
/// again. A trigger raising ROLLBACK ends the transaction the same way, on demand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_ended_by_the_database_does_not_break_later_writes() {
    let db = sqlite().await;
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    assert_eq!(
        confirm(&st, &a, &facts[0], "before").await.status,
        StatusCode::OK
    );

    sqlx::query(
        "CREATE TRIGGER injected_failure BEFORE UPDATE ON facts
         BEGIN SELECT RAISE(ROLLBACK, 'injected write failure'); END",
    )
    .execute(db.store.writer_pool())
    .await
    .unwrap();
    for f in &facts[1..4] {
        let r = confirm(&st, &a, f, "refused").await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.json()["error"]["code"], "internal");
    }
    sqlx::query("DROP TRIGGER injected_failure")
        .execute(db.store.writer_pool())
        .await
        .unwrap();

    for f in &facts[1..4] {
        let r = confirm(&st, &a, f, "after").await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.bytes)
        );
    }
    let first = db
        .store
        .fact(facts[0]["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!((first.status.as_str(), first.version), ("confirmed", 2));
    let hist = history_of(&st, &a, &facts[1]["id"]).await;
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0]["note"], "after");
}
