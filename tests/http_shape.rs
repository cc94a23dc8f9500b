//! Every answer has the API's shape: errors the framework gives on its own (unknown path,
//! wrong method, a CORS preflight, a body or headers too large) come as the one JSON error
//! body, and every response — API, Swagger UI, errors — carries the security headers.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use jixiao::store::Role;

fn assert_error(r: &Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.bytes));
    let e = r.json();
    assert_eq!(e["error"]["code"], code, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(e["error"].get("details").is_some());
    assert_secure(r);
}

fn assert_secure(r: &Resp) {
    let h = &r.headers;
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn framework_errors_have_the_json_shape() {
    let db = sqlite().await;
    let st = state(&db);
    let a = token(&db, Role::Assessor, "a").await;

    let r = call(&st, "GET", "/no/such/page", None, None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = call(&st, "GET", "/api/no-such-route", Some(&a), None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");

    let r = call(&st, "DELETE", "/api/documents", Some(&a), None).await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(r.headers["allow"].to_str().unwrap().contains("GET"));

    // A CORS preflight: no cross-origin access is granted, and the refusal is JSON.
    let req = Request::builder()
        .method("OPTIONS")
        .uri("/api/facts/1/confirm")
        .header("origin", "https://elsewhere.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .body(Body::empty())
        .unwrap();
    let r = send(&st, req).await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(r.headers.get("access-control-allow-origin").is_none());

    // A JSON body over the limit.
    let big = format!("{{\"version\": 1, \"note\": \"{}\"}}", "x".repeat(3 << 20));
    let req = Request::builder()
        .method("POST")
        .uri("/api/facts/1/confirm")
        .header("authorization", format!("Bearer {a}"))
        .header("content-type", "application/json")
        .body(Body::from(big))
        .unwrap();
    assert_error(
        &send(&st, req).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );

    // Too many headers, or one too large.
    let mut req = Request::builder().uri("/api/health");
    for i in 0..80 {
        req = req.header(format!("x-filler-{i}"), "1");
    }
    let r = send(&st, req.body(Body::empty()).unwrap()).await;
    assert_error(
        &r,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );
    let req = Request::builder()
        .uri("/api/health")
        .header("cookie", "c".repeat(40_000))
        .body(Body::empty())
        .unwrap();
    let r = send(&st, req).await;
    assert_error(
        &r,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );

    // Handler errors keep their shape and gain the headers.
    let r = call(&st, "GET", "/api/documents", None, None).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn api_swagger_and_page_carry_the_security_headers() {
    let db = sqlite().await;
    let st = state(&db);
    let a = token(&db, Role::Assessor, "a").await;
    for (uri, token) in [
        ("/api/health", None),
        ("/api/documents", Some(a.as_str())),
        ("/api/openapi.json", None),
        ("/api/docs/", None),
        ("/api/docs/swagger-ui.css", None),
        ("/", None),
        ("/app.js", None),
    ] {
        let r = call(&st, "GET", uri, token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_secure(&r);
    }
    // The API's own answers may load nothing; Swagger UI loads its own files.
    let r = call(&st, "GET", "/api/health", None, None).await;
    assert!(
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let r = call(&st, "GET", "/api/docs/", None, None).await;
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
}
