//! A document's facts come a page at a time: `GET /api/documents/{id}` holds the first page
//! and the cursor of the next (`facts_next`), `GET /api/documents/{id}/facts?after=…` the
//! rest, in reading order, each page bounded however many facts the document has.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

both_backends!(
    facts_are_paged_in_reading_order,
    a_document_over_the_cap_is_done_with_a_note
);

/// More facts than a document may hold: the document is done, says where reading stopped,
/// and holds the cap's number of facts.
async fn a_document_over_the_cap_is_done_with_a_note(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "cap-u").await;
    let a = token(&db, Role::Assessor, "cap-a").await;
    let text = "1%，".repeat(jixiao::extract::MAX_FACTS + 500);
    let r = send(&st, upload_request(&up, text.into_bytes(), "percents.txt")).await;
    let id = r.json()["id"].as_i64().unwrap();
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();
    let doc = call(
        &st,
        "GET",
        &format!("/api/documents/{id}?facts_limit=1"),
        Some(&a),
        None,
    )
    .await
    .json();
    assert_eq!(doc["status"], "done");
    let note = doc["error"].as_str().expect("a note of the cap");
    assert!(note.contains("上限"), "{note}");
    assert_eq!(
        doc["review"]["facts"].as_u64(),
        Some(jixiao::extract::MAX_FACTS as u64)
    );
}

/// A report with more facts than a default page holds.
fn many_facts() -> Vec<u8> {
    (1..=1200)
        .map(|i| format!("第{i}项工程安排专项资金{i}.5万元。"))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

async fn facts_are_paged_in_reading_order(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let other = token(&db, Role::Uploader, "v").await;
    let a = token(&db, Role::Assessor, "a").await;
    let reader = token(&db, Role::Reader, "r").await;
    let r = send(&st, upload_request(&up, many_facts(), "many.txt")).await;
    let id = r.json()["id"].as_i64().unwrap();
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();

    let doc = call(&st, "GET", &format!("/api/documents/{id}"), Some(&a), None)
        .await
        .json();
    let total = doc["review"]["facts"].as_u64().unwrap() as usize;
    assert!(total > 1000, "{total}");
    assert_eq!(
        doc["facts"].as_array().unwrap().len(),
        1000,
        "the default page"
    );
    assert!(doc["facts_next"].is_string());
    let capped = call(
        &st,
        "GET",
        &format!("/api/documents/{id}?facts_limit=1000000"),
        Some(&a),
        None,
    )
    .await
    .json();
    assert!(capped["facts"].as_array().unwrap().len() <= 5000);

    // Small pages, followed to the end, give every fact once, in reading order.
    let first = call(
        &st,
        "GET",
        &format!("/api/documents/{id}?facts_limit=100"),
        Some(&a),
        None,
    )
    .await
    .json();
    let mut facts: Vec<Value> = first["facts"].as_array().unwrap().clone();
    assert_eq!(facts.len(), 100);
    let mut next = first["facts_next"].clone();
    let mut pages = 1;
    while let Some(cursor) = next.as_str() {
        let uri = format!("/api/documents/{id}/facts?after={cursor}&limit=250");
        let page = call(&st, "GET", &uri, Some(&a), None).await;
        assert_eq!(page.status, StatusCode::OK);
        let page = page.json();
        let items = page["facts"].as_array().unwrap();
        assert!(items.len() <= 250);
        facts.extend(items.iter().cloned());
        next = page["next"].clone();
        pages += 1;
        assert!(pages < 100, "the pages end");
    }
    assert_eq!(facts.len(), total);
    let keys: Vec<(i64, i64)> = facts
        .iter()
        .map(|f| (f["start"].as_i64().unwrap(), f["id"].as_i64().unwrap()))
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "reading order, each once"
    );

    // A reader's pages hold only settled facts.
    let settled = &facts[5];
    let r = review(&st, &a, settled, "confirm", json!({"version": 1})).await;
    assert_eq!(r.status, StatusCode::OK);
    let rd = call(
        &st,
        "GET",
        &format!("/api/documents/{id}"),
        Some(&reader),
        None,
    )
    .await
    .json();
    let ids: Vec<&Value> = rd["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [&settled["id"]]);
    assert!(rd["facts_next"].is_null());

    // A cursor that is not one, and a document that is not yours.
    let r = call(
        &st,
        "GET",
        &format!("/api/documents/{id}/facts?after=abc"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(
        &st,
        "GET",
        &format!("/api/documents/{id}/facts"),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &st,
        "GET",
        &format!("/api/documents/{id}/facts"),
        Some(&up),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}
