//! The OpenAPI document is a contract: every main route's real answers — successes and
//! refusals — are held against the schema the document gives for that route and status, and
//! a status the document does not list for the route fails. Also: `/api/v1` and `/api` are
//! the same API, `info.version` is the crate's, single resources carry an ETag, the stateless
//! extraction stores nothing, and a token over its rate limit gets 429 with Retry-After.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use jixiao::http::{AppState, Limiter, RateLimit};
use jixiao::store::Role;
use serde_json::{Value, json};

/// The served OpenAPI document.
async fn openapi(st: &AppState) -> Value {
    let r = call(st, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
}

/// Holds a response against what the document says `method path` answers with its status.
fn conforms(doc: &Value, method: &str, path: &str, r: &Resp) {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let status = r.status.as_u16().to_string();
    let documented = &op["responses"][&status];
    assert!(
        documented.is_object(),
        "{method} {path} answered {status}, which the document does not list: {}",
        String::from_utf8_lossy(&r.bytes)
    );
    if documented["content"]["application/json"]
        .get("schema")
        .is_none()
    {
        assert!(
            r.bytes.is_empty() || documented["content"].is_object(),
            "{method} {path} {status}: a body the document does not describe"
        );
        return;
    }
    let body = r.json();
    let errors = violations(doc, method, path, &status, &body);
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match its schema:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Where `body` breaks the schema the document gives for `method path` answering `status`.
fn violations(doc: &Value, method: &str, path: &str, status: &str, body: &Value) -> Vec<String> {
    let schema =
        &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"];
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("{method} {path} {status}: the schema does not compile: {e}"));
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Calls `uri` and holds the answer against the document, under `path` (its template).
async fn checked(
    st: &AppState,
    doc: &Value,
    method: &str,
    path: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Resp {
    let r = call(st, method, uri, token, body).await;
    conforms(doc, &method.to_lowercase(), path, &r);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_answers_match_the_document() {
    let db = sqlite().await;
    let st = state(&db);
    let doc = openapi(&st).await;
    let admin = token(&db, Role::Admin, "admin").await;
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let reader = token(&db, Role::Reader, "读者").await;

    let r = checked(
        &st,
        &doc,
        "GET",
        "/api/v1/health",
        "/api/v1/health",
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    // Upload: 201, then the same bytes again 200.
    for expected in [StatusCode::CREATED, StatusCode::OK] {
        let r = send(&st, upload_request(&up, sample(SAMPLE), SAMPLE)).await;
        assert_eq!(r.status, expected);
        conforms(&doc, "post", "/api/v1/documents", &r);
    }
    let id = send(&st, upload_request(&up, sample(SAMPLE), SAMPLE))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();

    let docs = "/api/v1/documents";
    for uri in [
        docs.to_string(),
        format!("{docs}?cursor=0"),
        format!("{docs}?limit=1&offset=0"),
        format!("{docs}?q=002&region=x&sort=findings&order=asc&assigned=none"),
    ] {
        let r = checked(&st, &doc, "GET", docs, &uri, Some(&a), None).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    // The queue: an unknown sort is refused; assignment and its trail, with their refusals.
    let r = checked(
        &st,
        &doc,
        "GET",
        docs,
        &format!("{docs}?sort=size"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let a_id = call(&st, "GET", "/api/me", Some(&a), None).await.json()["id"].clone();
    let assignee = "/api/v1/documents/{id}/assignee";
    let uri = format!("{docs}/{id}/assignee");
    for (who, body, expected) in [
        (&admin, json!({"user_id": a_id}), StatusCode::OK),
        (&admin, json!({"user_id": null}), StatusCode::OK),
        (
            &admin,
            json!({"user_id": 424242}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (&admin, json!({}), StatusCode::BAD_REQUEST),
        (&a, json!({"user_id": a_id}), StatusCode::FORBIDDEN),
    ] {
        let r = checked(&st, &doc, "PUT", assignee, &uri, Some(who), Some(body)).await;
        assert_eq!(r.status, expected, "{}", String::from_utf8_lossy(&r.bytes));
    }
    let trail = "/api/v1/documents/{id}/assignments";
    let uri = format!("{docs}/{id}/assignments");
    let r = checked(&st, &doc, "GET", trail, &uri, Some(&a), None).await;
    assert_eq!(r.json()["assignments"].as_array().unwrap().len(), 2);
    let one = "/api/v1/documents/{id}";
    let r = checked(
        &st,
        &doc,
        "GET",
        one,
        &format!("/api/v1/documents/{id}?facts_limit=5"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let next = r.json()["facts_next"].as_str().unwrap().to_string();
    let r = checked(
        &st,
        &doc,
        "GET",
        "/api/v1/documents/{id}/facts",
        &format!("/api/v1/documents/{id}/facts?after={next}&limit=3"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    // Facts: the listing, a sync page, one fact, and every decision.
    let facts = "/api/v1/facts";
    for uri in [
        format!("{facts}?document_id={id}&limit=1000"),
        format!("{facts}?cursor=0&limit=5"),
        format!("{facts}?updated_since=2000-01-01T00:00:00Z&status=confirmed"),
    ] {
        let r = checked(&st, &doc, "GET", facts, &uri, Some(&a), None).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    let all = facts_of(&st, &a, id).await;
    for kind in ["amount", "count", "percent", "score", "rating", "document"] {
        if let Some(f) = all.iter().find(|f| f["kind"] == kind) {
            let r = checked(
                &st,
                &doc,
                "GET",
                "/api/v1/facts/{id}",
                &format!("/api/v1/facts/{}", f["id"]),
                Some(&a),
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK);
        }
    }
    let amount = first_of(&st, &a, id, "amount").await;
    let fid = amount["id"].as_i64().unwrap();
    let verb = |v: &str| format!("/api/v1/facts/{{id}}/{v}");
    let at = |v: &str| format!("/api/v1/facts/{fid}/{v}");
    let steps = [
        ("confirm", json!({"version": 1, "note": "对"})),
        ("undo", json!({"version": 2})),
        (
            "correct",
            json!({"version": 3, "value": "1000", "unit": "元"}),
        ),
        ("undo", json!({"version": 4})),
        ("reject", json!({"version": 5, "reason": "duplicate"})),
    ];
    for (v, body) in steps {
        let r = checked(&st, &doc, "POST", &verb(v), &at(v), Some(&a), Some(body)).await;
        assert_eq!(r.status, StatusCode::OK, "{v}");
    }
    let r = checked(
        &st,
        &doc,
        "GET",
        &verb("history"),
        &at("history"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.json()["history"].as_array().unwrap().len(), 5);
    let r = checked(
        &st,
        &doc,
        "POST",
        "/api/v1/facts/bulk-confirm",
        "/api/v1/facts/bulk-confirm",
        Some(&a),
        Some(json!({"document_id": id, "kind": "count"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    // Refusals: each in the error shape, each with a status the document lists.
    let refusals = [
        (
            "GET",
            "/api/v1/facts",
            "/api/v1/facts".to_string(),
            None,
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "GET",
            "/api/v1/facts/{id}/history",
            at("history"),
            Some(&reader),
            None,
            // A reader reads the history of settled facts only; this one is not settled.
            StatusCode::NOT_FOUND,
        ),
        (
            "GET",
            "/api/v1/facts/{id}",
            "/api/v1/facts/99999999".to_string(),
            Some(&a),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "POST",
            "/api/v1/facts/{id}/confirm",
            at("confirm"),
            Some(&a),
            Some(json!({"version": 1})),
            StatusCode::CONFLICT,
        ),
        (
            "POST",
            "/api/v1/facts/{id}/correct",
            at("correct"),
            Some(&a),
            Some(json!({"version": 6, "value": "很多"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "GET",
            "/api/v1/facts",
            "/api/v1/facts?kind=money".to_string(),
            Some(&a),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "GET",
            "/api/v1/facts",
            "/api/v1/facts?limit=many".to_string(),
            Some(&a),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/api/v1/export",
            "/api/v1/export?format=pdf".to_string(),
            Some(&a),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/api/v1/documents",
            "/api/v1/documents?cursor=nope".to_string(),
            Some(&a),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (method, path, uri, token, body, expected) in refusals {
        let r = checked(
            &st,
            &doc,
            method,
            path,
            &uri,
            token.map(String::as_str),
            body,
        )
        .await;
        assert_eq!(r.status, expected, "{method} {uri}");
    }

    // Reports and tokens.
    for uri in [
        "/api/v1/export?format=json",
        "/api/v1/export?format=json&what=findings",
    ] {
        let r = checked(&st, &doc, "GET", "/api/v1/export", uri, Some(&reader), None).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = checked(
        &st,
        &doc,
        "GET",
        "/api/v1/stats",
        "/api/v1/stats",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    for (uri, status) in [
        ("/api/v1/stats?by=rule", StatusCode::OK),
        ("/api/v1/stats?by=kind", StatusCode::OK),
        ("/api/v1/stats?by=colour", StatusCode::BAD_REQUEST),
    ] {
        let r = checked(&st, &doc, "GET", "/api/v1/stats", uri, Some(&reader), None).await;
        assert_eq!(r.status, status, "{uri}");
    }
    let cases = "/api/v1/stats/rules/{rule}/cases";
    // The amount rejected above is a case of its rule.
    let rule = amount["rule"].as_str().unwrap();
    for (uri, token, status) in [
        (cases.replace("{rule}", rule), &admin, StatusCode::OK),
        (
            cases.replace("{rule}", rule),
            &reader,
            StatusCode::FORBIDDEN,
        ),
        (
            cases.replace("{rule}", "no.such_rule"),
            &admin,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = checked(&st, &doc, "GET", cases, &uri, Some(token), None).await;
        assert_eq!(r.status, status, "{uri}");
        if status == StatusCode::OK {
            // Each line holds to the schema the document gives for a line.
            let line_schema = &doc["paths"][cases]["get"]["responses"]["200"]["content"]["application/x-ndjson"]
                ["schema"];
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": doc["components"],
                "allOf": [line_schema],
            });
            let validator = jsonschema::draft202012::new(&root).unwrap();
            let body = String::from_utf8(r.bytes.clone()).unwrap();
            assert!(!body.is_empty(), "the rejection above is a case");
            for line in body.lines() {
                let v: Value = serde_json::from_str(line).unwrap();
                let errors: Vec<String> =
                    validator.iter_errors(&v).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{errors:?}\n{v:#}");
            }
        }
    }
    let r = checked(
        &st,
        &doc,
        "POST",
        "/api/v1/tokens",
        "/api/v1/tokens",
        Some(&admin),
        Some(json!({"name": "数据组", "role": "reader"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let new_id = r.json()["id"].as_i64().unwrap();
    let r = checked(
        &st,
        &doc,
        "GET",
        "/api/v1/tokens",
        "/api/v1/tokens",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = checked(
        &st,
        &doc,
        "GET",
        "/api/v1/me",
        "/api/v1/me",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.json()["role"], "reader");
    let r = checked(
        &st,
        &doc,
        "DELETE",
        "/api/v1/tokens/{id}",
        &format!("/api/v1/tokens/{new_id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // An admin cannot lock themselves out.
    let me = call(&st, "GET", "/api/v1/me", Some(&admin), None)
        .await
        .json()["id"]
        .clone();
    let r = checked(
        &st,
        &doc,
        "DELETE",
        "/api/v1/tokens/{id}",
        &format!("/api/v1/tokens/{me}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(&st, "GET", "/api/v1/me", Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::OK);

    // Re-extraction: a run, a dry run, a refusal; and a fact as it then stands.
    let reextract = "/api/v1/admin/reextract";
    for (body, expected) in [
        (json!({"documents": [id], "force": true}), StatusCode::OK),
        (
            json!({"all": true, "dry_run": true, "force": true}),
            StatusCode::OK,
        ),
        (
            json!({"all": true, "documents": [id]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = checked(
            &st,
            &doc,
            "POST",
            reextract,
            reextract,
            Some(&admin),
            Some(body),
        )
        .await;
        assert_eq!(r.status, expected, "{}", String::from_utf8_lossy(&r.bytes));
    }
    let r = checked(
        &st,
        &doc,
        "GET",
        "/api/v1/facts",
        &format!("/api/v1/facts?document_id={id}&orphaned=false&limit=2"),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.json()["facts"][0]["orphaned"], false);
}

/// Links across documents: related documents, citations, and a cross-document finding in
/// a document's checks, against the document's schemas; and their refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_answers_match_the_document() {
    let db = sqlite().await;
    let st = state(&db);
    let doc = openapi(&st).await;
    let a = token(&db, Role::Assessor, "甲").await;
    let mut ids = Vec::new();
    for name in ["eval_2022.txt", "eval_2023.txt", "review_2022_differs.txt"] {
        let path = format!("{}/tests/fixtures/links/{name}", env!("CARGO_MANIFEST_DIR"));
        let r = send(&st, upload_request(&a, std::fs::read(path).unwrap(), name)).await;
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();
    let related = "/api/v1/documents/{id}/related";
    let r = checked(
        &st,
        &doc,
        "GET",
        related,
        &format!("/api/v1/documents/{}/related", ids[0]),
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["cited_by"][0]["document"]["id"], ids[1]);
    assert!(
        !r.json()["projects"][0]["points"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = checked(
        &st,
        &doc,
        "GET",
        related,
        "/api/v1/documents/999/related",
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let one = "/api/v1/documents/{id}";
    let r = checked(
        &st,
        &doc,
        "GET",
        one,
        &format!("/api/v1/documents/{}", ids[0]),
        Some(&a),
        None,
    )
    .await;
    assert!(
        r.json()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "cross_document" && c["ok"] == false)
    );
    let citations = "/api/v1/citations";
    for (uri, status) in [
        (
            "/api/v1/citations?number=%E6%B8%A0%E8%B4%A2%E7%BB%A9%5B2023%5D5%E5%8F%B7",
            StatusCode::OK,
        ),
        (
            "/api/v1/citations?title=%E6%B8%A0%E5%8E%BF%E9%A2%84%E7%AE%97",
            StatusCode::OK,
        ),
        ("/api/v1/citations", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/api/v1/citations?number=1&title=2",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = checked(&st, &doc, "GET", citations, uri, Some(&a), None).await;
        assert_eq!(r.status, status, "{uri}");
    }
    let r = checked(
        &st,
        &doc,
        "GET",
        citations,
        "/api/v1/citations?number=1",
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_document_is_versioned_and_api_is_an_alias_of_v1() {
    let db = sqlite().await;
    let st = state(&db);
    let doc = openapi(&st).await;
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .all(|p| p.starts_with("/api/v1/"))
    );
    // Operation ids are unique: generated clients name their functions by them.
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate operationId");
    // Every reference names a schema the document holds.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} names no schema"
        );
    }

    let a = token(&db, Role::Assessor, "甲").await;
    let old = call(&st, "GET", "/api/me", Some(&a), None).await;
    let new = call(&st, "GET", "/api/v1/me", Some(&a), None).await;
    assert_eq!((old.status, old.json()), (new.status, new.json()));
    let old = call(&st, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(old.json(), doc);
    assert_eq!(
        call(&st, "GET", "/api/v1/nothing", Some(&a), None)
            .await
            .json()["error"]["code"],
        "not_found"
    );
}

#[tokio::test]
async fn single_resources_answer_304_while_unchanged() {
    let db = sqlite().await;
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let fact = first_of(&st, &a, doc, "amount").await;
    let get = |uri: String, tag: Option<String>| {
        let (st, a) = (st.clone(), a.clone());
        async move {
            let mut b = Request::builder()
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {a}"));
            if let Some(t) = tag {
                b = b.header(header::IF_NONE_MATCH, t);
            }
            send(&st, b.body(Body::empty()).unwrap()).await
        }
    };
    for uri in [
        format!("/api/v1/facts/{}", fact["id"]),
        format!("/api/v1/documents/{doc}"),
    ] {
        let first = get(uri.clone(), None).await;
        assert_eq!(first.status, StatusCode::OK);
        let tag = first.headers[header::ETAG].to_str().unwrap().to_string();
        let again = get(uri.clone(), Some(tag.clone())).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.bytes.is_empty());
        assert_eq!(again.headers[header::ETAG], tag.as_str());
        let other = get(uri.clone(), Some("\"0\"".into())).await;
        assert_eq!(other.status, StatusCode::OK);
    }
    // A decision changes the fact and its document: the old tags no longer match.
    let uri = format!("/api/v1/facts/{}", fact["id"]);
    let tag = get(uri.clone(), None).await.headers[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    let doc_uri = format!("/api/v1/documents/{doc}");
    let doc_tag = get(doc_uri.clone(), None).await.headers[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    let r = review(&st, &a, &fact, "confirm", json!({"version": 1})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(get(uri, Some(tag)).await.status, StatusCode::OK);
    assert_eq!(get(doc_uri, Some(doc_tag)).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_answers_the_facts_and_stores_nothing() {
    let db = sqlite().await;
    let st = state(&db);
    let doc = openapi(&st).await;
    let reader = token(&db, Role::Reader, "读者").await;
    let extract = |token: String, bytes: Vec<u8>| {
        let st = st.clone();
        async move {
            let req = Request::builder()
                .method("POST")
                .uri("/api/v1/extract")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header("x-filename", "dir/report.txt")
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(bytes))
                .unwrap();
            send(&st, req).await
        }
    };
    let r = extract(reader.clone(), sample(SAMPLE)).await;
    assert_eq!(r.status, StatusCode::OK);
    conforms(&doc, "post", "/api/v1/extract", &r);
    // A self-evaluation form: its rows, values and total are typed in the schema too.
    let form = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/links/selfeval_2022.txt"
    ))
    .unwrap();
    let answer = extract(reader.clone(), form).await;
    assert_eq!(answer.status, StatusCode::OK);
    let forms = answer.json()["forms"].clone();
    assert!(
        forms[0]["funds"].as_array().is_some_and(|f| !f.is_empty())
            && forms[0]["indicators"]
                .as_array()
                .is_some_and(|i| !i.is_empty()),
        "{forms}"
    );
    conforms(&doc, "post", "/api/v1/extract", &answer);
    let body = r.json();
    // What the CLI writes for the same file, the file name aside.
    let cli = jixiao::report::to_json(
        &jixiao::extract_bytes(&sample(SAMPLE)).unwrap(),
        Some("report.txt"),
    );
    assert_eq!(body, cli);
    assert!(!body["facts"].as_array().unwrap().is_empty());
    let listed = call(&st, "GET", "/api/v1/documents", Some(&reader), None).await;
    assert_eq!(
        listed.json()["documents"],
        json!([]),
        "extraction stored a document"
    );

    for (bytes, status) in [
        (Vec::new(), StatusCode::UNPROCESSABLE_ENTITY),
        (
            vec![0u8, 159, 146, 150, 0, 1, 2],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = extract(reader.clone(), bytes).await;
        assert_eq!(r.status, status);
        conforms(&doc, "post", "/api/v1/extract", &r);
    }
    // Without a file name there is no `source`.
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/extract")
        .header(header::AUTHORIZATION, format!("Bearer {reader}"))
        .body(Body::from("预算项目 509 个"))
        .unwrap();
    let r = send(&st, req).await;
    assert_eq!(r.status, StatusCode::OK);
    conforms(&doc, "post", "/api/v1/extract", &r);
    assert!(r.json().get("source").is_none());
    // Over the upload limit: 413, as for an upload.
    let mut small = st.clone();
    small.max_upload_bytes = 16;
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/extract")
        .header(header::AUTHORIZATION, format!("Bearer {reader}"))
        .body(Body::from(sample(SAMPLE)))
        .unwrap();
    let r = send(&small, req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    conforms(&doc, "post", "/api/v1/extract", &r);
    let r = call(&st, "POST", "/api/v1/extract", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_over_its_limit_gets_429_with_retry_after() {
    let db = sqlite().await;
    let mut st = state(&db);
    st.limiter = Some(Limiter::new(RateLimit {
        per_minute: 1,
        burst: 3,
    }));
    let doc = openapi(&st).await;
    let a = token(&db, Role::Assessor, "甲").await;
    let b = token(&db, Role::Assessor, "乙").await;
    for _ in 0..3 {
        assert_eq!(
            call(&st, "GET", "/api/v1/me", Some(&a), None).await.status,
            StatusCode::OK
        );
    }
    let r = call(&st, "GET", "/api/v1/me", Some(&a), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    conforms(&doc, "get", "/api/v1/me", &r);
    // The alias shares the bucket; another token has its own.
    assert_eq!(
        call(&st, "GET", "/api/me", Some(&a), None).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        call(&st, "GET", "/api/v1/me", Some(&b), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_answers_match_the_document() {
    let db = sqlite().await;
    let st = state(&db);
    let doc = openapi(&st).await;
    let admin = token(&db, Role::Admin, "admin").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let up = token(&db, Role::Uploader, "u").await;

    // Nothing listens on port 1 of the loopback: every try fails to connect.
    let body = json!({"url": "http://127.0.0.1:1/hook", "events": ["decision", "document"]});
    let r = checked(
        &st,
        &doc,
        "POST",
        "/api/v1/webhooks",
        "/api/v1/webhooks",
        Some(&admin),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json()["id"].as_i64().unwrap();
    let r = checked(
        &st,
        &doc,
        "POST",
        "/api/v1/webhooks",
        "/api/v1/webhooks",
        Some(&a),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = checked(
        &st,
        &doc,
        "POST",
        "/api/v1/webhooks",
        "/api/v1/webhooks",
        Some(&admin),
        Some(json!({"url": "mailto:a@example.org"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A finished document queues one delivery; tried once, it is given up.
    send(&st, upload_request(&up, sample(SAMPLE), SAMPLE)).await;
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();
    let options = jixiao::webhook::DeliveryOptions {
        poll: std::time::Duration::from_millis(20),
        retry: jixiao::webhook::RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let sender = jixiao::webhook::Dispatcher::start(db.store.clone(), "s".into(), options);
    let mut list = Value::Null;
    for _ in 0..600 {
        let r = checked(
            &st,
            &doc,
            "GET",
            "/api/v1/webhooks",
            "/api/v1/webhooks",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        list = r.json();
        if list["webhooks"][0]["deliveries"]["failed"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sender.stop().await;
    assert_eq!(list["webhooks"][0]["deliveries"]["failed"], 1, "{list}");
    let path = "/api/v1/webhooks/{id}/deliveries";
    let r = checked(
        &st,
        &doc,
        "GET",
        path,
        &format!("/api/v1/webhooks/{id}/deliveries"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let d = &r.json()["deliveries"][0];
    assert_eq!(d["state"], "failed");
    assert_eq!(d["last_status"], Value::Null);
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .starts_with("could not connect"),
        "{d}"
    );
    let r = checked(
        &st,
        &doc,
        "GET",
        path,
        "/api/v1/webhooks/999/deliveries",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = checked(
        &st,
        &doc,
        "DELETE",
        "/api/v1/webhooks/{id}",
        &format!("/api/v1/webhooks/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = checked(
        &st,
        &doc,
        "DELETE",
        "/api/v1/webhooks/{id}",
        &format!("/api/v1/webhooks/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_schema_refuses_a_wrong_extraction() {
    let db = sqlite().await;
    let st = state(&db);
    let doc = openapi(&st).await;
    let reader = token(&db, Role::Reader, "读者").await;
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/extract")
        .header(header::AUTHORIZATION, format!("Bearer {reader}"))
        .body(Body::from(sample(SAMPLE)))
        .unwrap();
    let right = send(&st, req).await.json();
    let path = "/api/v1/extract";
    assert_eq!(
        violations(&doc, "post", path, "200", &right),
        Vec::<String>::new()
    );
    let first = |kind: &str| {
        right["facts"]
            .as_array()
            .unwrap()
            .iter()
            .position(|f| f["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in the sample"))
    };
    let (count, amount) = (first("count"), first("amount"));
    assert!(right["facts"][amount]["provenance"].is_object());
    assert!(!right["checks"].as_array().unwrap().is_empty());
    // Each breaks one promise of the schema; each must be seen.
    /// Breaks an answer, given the places of a count and of an amount among its facts.
    type Breaking = fn(&mut Value, usize, usize);
    let wrongs: [(&str, Breaking); 6] = [
        ("a count as a string", |b, c, _| {
            b["facts"][c]["value"] = json!("509")
        }),
        ("an amount as a float", |b, _, a| {
            b["facts"][a]["value"] = json!(1.5e8)
        }),
        ("a place nobody reads from", |b, _, a| {
            b["facts"][a]["provenance"] = json!({"source": "fax", "page": 1})
        }),
        ("a fact without its span", |b, c, _| {
            b["facts"][c].as_object_mut().unwrap().remove("start");
        }),
        ("a check of no known kind", |b, _, _| {
            b["checks"][0]["kind"] = json!("vibes")
        }),
        ("a check naming facts by text", |b, _, _| {
            b["checks"][0]["facts"] = json!(["一"])
        }),
    ];
    for (what, break_it) in wrongs {
        let mut body = right.clone();
        break_it(&mut body, count, amount);
        assert!(
            !violations(&doc, "post", path, "200", &body).is_empty(),
            "the schema let {what} through"
        );
    }
}

#[tokio::test]
async fn every_answer_is_typed() {
    let db = sqlite().await;
    let st = state(&db);
    let doc = openapi(&st).await;
    // A schema that says nothing of its content: an object without properties (nor
    // additionalProperties, nor a composition) or a schema with no type at all.
    fn loose(s: &Value) -> bool {
        let Some(m) = s.as_object() else { return false };
        let composed = ["$ref", "oneOf", "anyOf", "allOf", "enum", "const"]
            .iter()
            .any(|k| m.contains_key(*k));
        if composed {
            return false;
        }
        match m.get("type") {
            None => true,
            Some(t) => {
                (t == "object" || t.as_array().is_some_and(|a| a.contains(&json!("object"))))
                    && !m.contains_key("properties")
                    && !m.contains_key("additionalProperties")
            }
        }
    }
    fn walk(at: &str, s: &Value, out: &mut Vec<String>) {
        if loose(s) {
            out.push(at.to_string());
            return;
        }
        let Some(m) = s.as_object() else { return };
        for key in ["properties"] {
            if let Some(Value::Object(props)) = m.get(key) {
                for (name, p) in props {
                    walk(&format!("{at}.{name}"), p, out);
                }
            }
        }
        for key in ["items", "additionalProperties"] {
            if let Some(inner @ Value::Object(_)) = m.get(key) {
                walk(&format!("{at}[]"), inner, out);
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(Value::Array(all)) = m.get(key) {
                for (i, inner) in all.iter().enumerate() {
                    walk(&format!("{at}/{key}{i}"), inner, out);
                }
            }
        }
    }
    let mut found = Vec::new();
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        walk(name, s, &mut found);
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, answer) in op["responses"].as_object().unwrap() {
                if let Some(s) = answer["content"]["application/json"].get("schema") {
                    walk(&format!("{method} {path} {status}"), s, &mut found);
                }
            }
        }
    }
    // An error's details differ by code (a conflict's version, an invalid correction's
    // fields): the one place the API answers free-form JSON, and it says so.
    found.retain(|at| at != "Error.error.details" && at != "ErrorBody.details");
    assert!(found.is_empty(), "untyped parts of answers: {found:#?}");
}
