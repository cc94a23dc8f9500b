//! Uploads: multipart and raw bodies, the limits and error shapes of an upload, and what
//! an uploader sees — only their own uploads, the same stored bytes shared without telling
//! one uploader of another.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use jixiao::store::Role;
use serde_json::Value;

both_backends!(
    multipart_upload_and_dedupe,
    upload_limits_and_error_shape,
    uploader_sees_only_own_documents,
);

async fn multipart_upload_and_dedupe(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let bytes = sample("000_af58de54e7000d7e.txt");
    let boundary = "XyZjixiao";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"秀洲.txt\"\r\nContent-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/api/documents")
        .header("authorization", format!("Bearer {up}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let r = send(&st, req).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let first = r.json();
    assert_eq!(first["file_name"], "秀洲.txt");

    // The same bytes again, as a raw body: the existing document, 200, no duplicate.
    let r = send(&st, upload_request(&up, bytes.clone(), "again.txt")).await;
    assert_eq!(r.status, StatusCode::OK);
    let again = r.json();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["sha256"], first["sha256"]);
    let list = call(&st, "GET", "/api/documents", Some(&up), None)
        .await
        .json();
    assert_eq!(list["documents"].as_array().unwrap().len(), 1);
}

async fn upload_limits_and_error_shape(db: TestDb) {
    let mut st = state(&db);
    st.max_upload_bytes = 1000;
    let up = token(&db, Role::Uploader, "u").await;
    let r = send(&st, upload_request(&up, vec![b'a'; 5000], "big.txt")).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let e = r.json();
    assert_eq!(e["error"]["code"], "payload_too_large");
    assert!(e["error"]["message"].is_string());
    assert!(e["error"].get("details").is_some());

    // Past the transport limit too (the body is cut off while read), same answer.
    let r = send(&st, upload_request(&up, vec![b'a'; 200_000], "huge.txt")).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "payload_too_large");

    let r = send(&st, upload_request(&up, Vec::new(), "empty.txt")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["code"], "invalid");

    let r = call(&st, "GET", "/api/nothing-here", Some(&up), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");

    let r = call(&st, "GET", "/api/documents/abc", Some(&up), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");

    let assessor = token(&db, Role::Assessor, "a").await;
    let req = Request::builder()
        .method("POST")
        .uri("/api/facts/1/confirm")
        .header("authorization", format!("Bearer {assessor}"))
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let r = send(&st, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "bad_request");

    // A PDF the ingester cannot read yet ends as a failed job with its message, not a crash.
    let r = send(
        &st,
        upload_request(&up, b"%PDF-1.4 nothing".to_vec(), "x.pdf"),
    )
    .await;
    let id = r.json()["id"].as_i64().unwrap();
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();
    let doc = call(&st, "GET", &format!("/api/documents/{id}"), Some(&up), None)
        .await
        .json();
    // A truncated PDF fails with a message saying so, and stores no facts.
    assert_eq!(doc["status"], "failed");
    assert!(doc["error"].as_str().unwrap().len() > 3, "{doc}");
    assert_eq!(doc["review"]["facts"], 0);
}

/// Each uploader sees only what they uploaded. Uploading bytes someone else uploaded gives
/// the new uploader their own record of the one stored document — their file name, their
/// time, 201 as for anything new to them — and says nothing of the other upload.
async fn uploader_sees_only_own_documents(db: TestDb) {
    let st = state(&db);
    let u1 = token(&db, Role::Uploader, "甲").await;
    let u2 = token(&db, Role::Uploader, "乙").await;
    let a = token(&db, Role::Assessor, "a").await;
    let me1 = call(&st, "GET", "/api/me", Some(&u1), None).await.json()["id"].clone();
    let me2 = call(&st, "GET", "/api/me", Some(&u2), None).await.json()["id"].clone();
    let d1 = uploaded(&st, &u1, SAMPLE).await;
    let d2 = uploaded(&st, &u2, "000_af58de54e7000d7e.txt").await;
    let ids_of = |list: Value| -> Vec<i64> {
        list["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    };
    let list = call(&st, "GET", "/api/documents", Some(&u1), None)
        .await
        .json();
    assert_eq!(ids_of(list), [d1]);
    let r = call(&st, "GET", &format!("/api/documents/{d2}"), Some(&u1), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = send(
        &st,
        upload_request(&u1, sample("000_af58de54e7000d7e.txt"), "mine.txt"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let body = r.json();
    assert_eq!(body["id"].as_i64(), Some(d2), "the one stored document");
    assert_eq!(body["duplicate"], false);
    assert_eq!(body["file_name"], "mine.txt");
    assert_eq!(body["uploaded_by"], me1);
    assert_eq!(body["status"], "done");
    // It is theirs now, as they uploaded it; the other uploader's record is unchanged.
    let list = call(&st, "GET", "/api/documents", Some(&u1), None)
        .await
        .json();
    assert_eq!(ids_of(list), [d2, d1]);
    let mine = call(&st, "GET", &format!("/api/documents/{d2}"), Some(&u1), None).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.json()["file_name"], "mine.txt");
    let theirs = call(&st, "GET", &format!("/api/documents/{d2}"), Some(&u2), None)
        .await
        .json();
    assert_eq!(theirs["file_name"], "000_af58de54e7000d7e.txt");
    assert_eq!(theirs["uploaded_by"], me2);
    assert_ne!(theirs["uploaded_at"], body["uploaded_at"]);
    // The same uploader again: their document, marked as a repeat.
    let r = send(
        &st,
        upload_request(&u1, sample("000_af58de54e7000d7e.txt"), "again.txt"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["duplicate"], true);
    assert_eq!(r.json()["file_name"], "mine.txt");
    // Stored and extracted once.
    let list = call(&st, "GET", "/api/documents", Some(&a), None)
        .await
        .json();
    assert_eq!(list["documents"].as_array().unwrap().len(), 2);
    assert_eq!(st.store.queued_jobs().await.unwrap(), 0);
}
