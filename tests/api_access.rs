//! Access to the API: every route checks its token and role, admins manage tokens, and the
//! public routes (health, the OpenAPI document, Swagger UI) answer without one.
//!
//! In-process (`app(state).oneshot`), on a fresh database per test: every test body runs on
//! SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

both_backends!(
    every_route_checks_its_role,
    tokens_are_managed_by_admin,
    openapi_and_swagger_ui_are_served,
    a_reader_reads_the_history_of_settled_facts_only,
);

async fn a_reader_reads_the_history_of_settled_facts_only(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let assessor = token(&db, Role::Assessor, "a").await;
    let reader = token(&db, Role::Reader, "r").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &assessor, doc).await;
    let (settled, pending) = (&facts[0], &facts[1]);
    let version = json!({ "version": settled["version"] });
    let r = review(&st, &assessor, settled, "confirm", version).await;
    assert_eq!(r.status, StatusCode::OK);
    let history = |id: &Value| format!("/api/facts/{id}/history");
    let r = call(&st, "GET", &history(&settled["id"]), Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let entries = r.json()["history"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "confirm");
    // A pending fact does not exist for a reader, nor does its history.
    let r = call(&st, "GET", &history(&pending["id"]), Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&st, "GET", &history(&pending["id"]), Some(&assessor), None).await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn every_route_checks_its_role(db: TestDb) {
    use Role::*;
    let st = state(&db);
    let tokens = [
        (Uploader, token(&db, Uploader, "u").await),
        (Assessor, token(&db, Assessor, "a").await),
        (Reader, token(&db, Reader, "r").await),
        (Admin, token(&db, Admin, "ad").await),
    ];
    let doc = uploaded(&st, &tokens[0].1, SAMPLE).await;
    let fact = facts_of(&st, &tokens[1].1, doc).await[0]["id"]
        .as_i64()
        .unwrap();
    let v = json!({"version": 999});
    // route, body, roles allowed (admin always is).
    let table: Vec<(&str, String, Option<Value>, Vec<Role>)> = vec![
        (
            "POST",
            "/api/documents?filename=x.txt".into(),
            None,
            vec![Uploader, Assessor],
        ),
        (
            "GET",
            "/api/me".into(),
            None,
            vec![Uploader, Assessor, Reader],
        ),
        (
            "GET",
            "/api/documents".into(),
            None,
            vec![Uploader, Assessor, Reader],
        ),
        (
            "GET",
            format!("/api/documents/{doc}"),
            None,
            vec![Uploader, Assessor, Reader],
        ),
        ("GET", "/api/facts".into(), None, vec![Assessor, Reader]),
        (
            "GET",
            format!("/api/facts/{fact}"),
            None,
            vec![Assessor, Reader],
        ),
        (
            "GET",
            format!("/api/facts/{fact}/history"),
            None,
            vec![Assessor, Reader],
        ),
        (
            "POST",
            format!("/api/facts/{fact}/confirm"),
            Some(v.clone()),
            vec![Assessor],
        ),
        (
            "POST",
            format!("/api/facts/{fact}/correct"),
            Some(json!({"version": 999, "qualifier": "exact"})),
            vec![Assessor],
        ),
        (
            "POST",
            format!("/api/facts/{fact}/reject"),
            Some(json!({"version": 999, "reason": "duplicate"})),
            vec![Assessor],
        ),
        (
            "POST",
            format!("/api/facts/{fact}/undo"),
            Some(v.clone()),
            vec![Assessor],
        ),
        (
            "POST",
            "/api/facts/bulk-confirm".into(),
            Some(json!({"document_id": -1})),
            vec![Assessor],
        ),
        (
            "GET",
            "/api/export?format=csv".into(),
            None,
            vec![Assessor, Reader],
        ),
        (
            "GET",
            "/api/export?format=json".into(),
            None,
            vec![Assessor, Reader],
        ),
        (
            "GET",
            "/api/export?format=xlsx".into(),
            None,
            vec![Assessor, Reader],
        ),
        ("GET", "/api/stats".into(), None, vec![Assessor, Reader]),
        (
            "GET",
            "/api/stats?by=rule".into(),
            None,
            vec![Assessor, Reader],
        ),
        (
            "GET",
            "/api/stats/rules/amount.inline/cases".into(),
            None,
            vec![Assessor],
        ),
        ("GET", "/api/tokens".into(), None, vec![]),
        (
            "POST",
            "/api/tokens".into(),
            Some(json!({"name": "n", "role": "reader"})),
            vec![],
        ),
        ("DELETE", "/api/tokens/999999".into(), None, vec![]),
    ];
    for (method, uri, body, allowed) in &table {
        let build = |t: Option<&str>| -> Request<Body> {
            if *method == "POST" && uri.starts_with("/api/documents") {
                let mut b = Request::builder().method("POST").uri(uri.as_str());
                if let Some(t) = t {
                    b = b.header("authorization", format!("Bearer {t}"));
                }
                b.body(Body::from(format!("{uri} {t:?}"))).unwrap()
            } else {
                request(method, uri, t, body.clone())
            }
        };
        let r = send(&st, build(None)).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} without token"
        );
        assert_eq!(r.json()["error"]["code"], "unauthorized");
        let r = send(&st, build(Some("jx_not_a_real_token"))).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} bad token"
        );
        for (role, t) in &tokens {
            let r = send(&st, build(Some(t))).await;
            let may = *role == Admin || allowed.contains(role);
            if may {
                assert!(
                    r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN,
                    "{method} {uri} as {role}: {}",
                    r.status
                );
                assert!(
                    r.status.as_u16() < 500,
                    "{method} {uri} as {role}: {}",
                    r.status
                );
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {uri} as {role}");
                assert_eq!(r.json()["error"]["code"], "forbidden");
            }
        }
    }
    // Public routes.
    let r = call(&st, "GET", "/api/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn tokens_are_managed_by_admin(db: TestDb) {
    let st = state(&db);
    let admin = token(&db, Role::Admin, "root").await;
    let r = call(
        &st,
        "POST",
        "/api/tokens",
        Some(&admin),
        Some(json!({"name": "王芳", "role": "assessor"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let created = r.json();
    let t = created["token"].as_str().unwrap().to_string();
    assert!(t.starts_with("jx_"));
    let r = call(&st, "GET", "/api/stats", Some(&t), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let list = call(&st, "GET", "/api/tokens", Some(&admin), None).await;
    assert!(
        !String::from_utf8_lossy(&list.bytes).contains(&t),
        "tokens are never listed"
    );
    let r = call(
        &st,
        "DELETE",
        &format!("/api/tokens/{}", created["id"]),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = call(&st, "GET", "/api/stats", Some(&t), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = call(
        &st,
        "POST",
        "/api/tokens",
        Some(&admin),
        Some(json!({"name": "x", "role": "boss"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

async fn openapi_and_swagger_ui_are_served(db: TestDb) {
    let st = state(&db);
    let r = call(&st, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/documents",
        "/api/v1/documents/{id}",
        "/api/v1/facts",
        "/api/v1/facts/{id}/confirm",
        "/api/v1/facts/{id}/correct",
        "/api/v1/facts/{id}/reject",
        "/api/v1/facts/{id}/undo",
        "/api/v1/facts/{id}/history",
        "/api/v1/facts/bulk-confirm",
        "/api/v1/export",
        "/api/v1/stats",
        "/api/v1/tokens",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let r = call(&st, "GET", "/api/docs/", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&r.bytes).contains("swagger"));
    let r = call(&st, "GET", "/api/docs", None, None).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.status
    );
}
