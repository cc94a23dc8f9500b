//! Text a caller sends — file names, notes, subjects, names, filters — is refused with 422
//! when it holds a control character or a bidi override, the same on SQLite and
//! PostgreSQL (which would otherwise fail on NUL with a 500), and nothing is stored.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use jixiao::store::Role;
use serde_json::json;

both_backends!(
    control_and_bidi_characters_are_refused_everywhere,
    an_empty_file_name_is_stored_as_null,
);

fn assert_refused(r: &Resp, field: &str) {
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let e = r.json();
    assert_eq!(e["error"]["code"], "invalid");
    assert_eq!(e["error"]["details"]["field"], field, "{e}");
}

fn multipart(token: &str, file_name: &str, bytes: &[u8]) -> Request<Body> {
    let boundary = "XyZjixiao";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::builder()
        .method("POST")
        .uri("/api/documents")
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

async fn control_and_bidi_characters_are_refused_everywhere(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let admin = token(&db, Role::Admin, "root").await;

    // File names: in the query, in the multipart part, with a NUL or a right-to-left override.
    let bytes = sample(SAMPLE);
    let r = send(&st, upload_request(&up, bytes.clone(), "a%00b.txt")).await;
    assert_refused(&r, "filename");
    let r = send(
        &st,
        upload_request(&up, bytes.clone(), "report%E2%80%AEtxt.exe"),
    )
    .await;
    assert_refused(&r, "filename");
    let r = send(&st, multipart(&up, "a\u{85}b.txt", &bytes)).await;
    assert_refused(&r, "file_name");
    let r = send(&st, multipart(&up, "x\u{2067}y.txt", &bytes)).await;
    assert_refused(&r, "file_name");
    let none = call(&st, "GET", "/api/documents", Some(&up), None)
        .await
        .json();
    assert_eq!(
        none["documents"].as_array().unwrap().len(),
        0,
        "nothing stored"
    );

    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let fact = &facts[0];

    // Notes: NUL and bidi refused; lines and tabs are what notes are made of.
    let r = review(
        &st,
        &a,
        fact,
        "confirm",
        json!({"version": 1, "note": "ok\u{0}"}),
    )
    .await;
    assert_refused(&r, "note");
    let r = review(
        &st,
        &a,
        fact,
        "reject",
        json!({"version": 1, "reason": "wrong_value", "note": "\u{202D}见附表"}),
    )
    .await;
    assert_refused(&r, "note");
    // Subjects: one line, no controls at all.
    let r = review(
        &st,
        &a,
        fact,
        "correct",
        json!({"version": 1, "subject": "项目\u{0}"}),
    )
    .await;
    assert_refused(&r, "subject");
    let r = review(
        &st,
        &a,
        fact,
        "correct",
        json!({"version": 1, "subject": "项目\n经费"}),
    )
    .await;
    assert_refused(&r, "subject");
    let r = call(
        &st,
        "POST",
        "/api/facts/bulk-confirm",
        Some(&a),
        Some(json!({"filter": {"document_id": doc, "subject": "\u{0}"}})),
    )
    .await;
    assert_refused(&r, "subject");
    let f = db.store.fact(fact["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(
        (f.status.as_str(), f.version),
        ("pending", 1),
        "nothing decided"
    );

    // Filters in the query string.
    for uri in [
        "/api/facts?subject=%00",
        "/api/facts?region=%E2%80%AA",
        "/api/documents?region=a%0Ab",
        "/api/export?format=csv&subject=%07",
    ] {
        let r = call(&st, "GET", uri, Some(&a), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(r.json()["error"]["code"], "invalid", "{uri}");
    }
    // Token names.
    let r = call(
        &st,
        "POST",
        "/api/tokens",
        Some(&admin),
        Some(json!({"name": "x\u{0}", "role": "reader"})),
    )
    .await;
    assert_refused(&r, "name");

    // What is fine passes: a note over several lines, then a plain subject.
    let r = review(
        &st,
        &a,
        fact,
        "confirm",
        json!({"version": 1, "note": "核对附表\r\n\t第 3 行"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let hist = history_of(&st, &a, &fact["id"]).await;
    assert_eq!(hist[0]["note"], "核对附表\r\n\t第 3 行");
    let r = call(
        &st,
        "GET",
        "/api/facts?subject=%E9%A1%B9%E7%9B%AE",
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn an_empty_file_name_is_stored_as_null(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let r = send(&st, upload_request(&up, sample(SAMPLE), "")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.json()["file_name"].is_null(), "{}", r.json());
    let r = send(
        &st,
        multipart(&up, "dir/", &sample("000_af58de54e7000d7e.txt")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.json()["file_name"].is_null(), "{}", r.json());
}
