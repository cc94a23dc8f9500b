//! The web page as the server delivers it: `/` and its assets with the right content types
//! and headers, without a token; the calls the page relies on beyond the review routes
//! (`/api/me`, an assessor's upload, the failed-check count of the document list), those on
//! both backends. The page's behaviour in a browser is tested by `tests/browser/run.sh`.

mod common;

use common::*;
use jixiao::store::Role;

both_backends!(
    me_tells_name_and_role,
    an_assessor_uploads_and_the_list_counts_failed_checks,
    failed_checks_are_counted_per_document,
);

fn header<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn page_and_assets_are_served_with_their_types() {
    let db = sqlite().await;
    let st = state(&db);
    for (path, content_type, must_contain) in [
        (
            "/",
            "text/html; charset=utf-8",
            "<script type=\"module\" src=\"/app.js\"",
        ),
        ("/index.html", "text/html; charset=utf-8", "绩效事实审核"),
        ("/app.js", "text/javascript; charset=utf-8", "import "),
        (
            "/text.js",
            "text/javascript; charset=utf-8",
            "codePointToUtf16",
        ),
        ("/form.js", "text/javascript; charset=utf-8", "绩效自评表"),
        ("/live.js", "text/javascript; charset=utf-8", "/api/events"),
        (
            "/related.js",
            "text/javascript; charset=utf-8",
            "份其他报告引用",
        ),
        (
            "/vendor/uplot.js",
            "text/javascript; charset=utf-8",
            "export default uPlot;",
        ),
        ("/vendor/uplot.css", "text/css; charset=utf-8", ".uplot"),
        (
            "/page.js",
            "text/javascript; charset=utf-8",
            "./vendor/pdf.min.mjs",
        ),
        (
            "/vendor/pdf.min.mjs",
            "text/javascript; charset=utf-8",
            "getDocument",
        ),
        (
            "/vendor/pdf.worker.min.mjs",
            "text/javascript; charset=utf-8",
            "WorkerMessageHandler",
        ),
        ("/app.css", "text/css; charset=utf-8", "mark.hl"),
        ("/icon.svg", "image/svg+xml", "<svg"),
    ] {
        let r = call(&st, "GET", path, None, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(header(&r, "content-type"), content_type, "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "cache-control"), "no-cache", "{path}");
        let body = String::from_utf8(r.bytes.clone()).unwrap();
        assert!(body.contains(must_contain), "{path} lacks {must_contain:?}");
    }
    let page = call(&st, "GET", "/", None, None).await;
    assert!(header(&page, "content-security-policy").contains("default-src 'self'"));
    // Every file the page links to is served.
    let html = String::from_utf8(page.bytes).unwrap();
    for linked in ["/app.css", "/app.js", "/icon.svg", "/vendor/uplot.css"] {
        assert!(html.contains(linked), "index.html links {linked}");
    }
    // And every module a module imports, as JavaScript, each file under 800 lines.
    let mut todo = vec!["app.js".to_string()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(module) = todo.pop() {
        if !seen.insert(module.clone()) {
            continue;
        }
        let r = call(&st, "GET", &format!("/{module}"), None, None).await;
        assert_eq!(r.status, 200, "{module}");
        assert_eq!(
            header(&r, "content-type"),
            "text/javascript; charset=utf-8",
            "{module}"
        );
        let body = String::from_utf8(r.bytes.clone()).unwrap();
        assert!(body.lines().count() < 800, "{module} is over 800 lines");
        for (_, rest) in body
            .match_indices("from './")
            .map(|(i, _)| body.split_at(i + 8))
        {
            let name = rest.split('\'').next().unwrap();
            todo.push(name.to_string());
        }
    }
    assert!(seen.len() >= 8, "the page's modules: {seen:?}");
}

#[tokio::test]
async fn unknown_paths_are_not_the_page_and_api_stays_json() {
    let db = sqlite().await;
    let st = state(&db);
    let r = call(&st, "GET", "/nothing-here.js", None, None).await;
    assert_eq!(r.status, 404);
    let r = call(&st, "GET", "/api/nothing", None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not_found");
    // The page is public; the API behind it is not.
    let r = call(&st, "GET", "/api/documents", None, None).await;
    assert_eq!(r.status, 401);
}

async fn me_tells_name_and_role(db: TestDb) {
    let st = state(&db);
    let r = call(&st, "GET", "/api/me", None, None).await;
    assert_eq!(r.status, 401);
    for role in [Role::Assessor, Role::Reader, Role::Uploader, Role::Admin] {
        let t = token(&db, role, "评审员甲").await;
        let r = call(&st, "GET", "/api/me", Some(&t), None).await;
        assert_eq!(r.status, 200);
        let me = r.json();
        assert_eq!(me["name"], "评审员甲");
        assert_eq!(me["role"], role.as_str());
        assert!(me.get("token").is_none(), "the token is never sent back");
    }
}

/// How many of a document's checks failed, counted from its checks.
fn failed_checks(document: &serde_json::Value) -> usize {
    document["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .count()
}

async fn an_assessor_uploads_and_the_list_counts_failed_checks(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "a").await;
    let id = uploaded(&st, &a, SAMPLE).await;
    let list = call(&st, "GET", "/api/documents", Some(&a), None)
        .await
        .json();
    let doc = &list["documents"][0];
    assert_eq!(doc["id"], id);
    let one = call(&st, "GET", &format!("/api/documents/{id}"), Some(&a), None)
        .await
        .json();
    let failed = failed_checks(&one);
    assert_eq!(doc["checks_failed"], failed as i64);
    assert_eq!(one["checks_failed"], failed as i64);
}

async fn failed_checks_are_counted_per_document(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "a").await;
    // A split whose parts do not add up to the whole: 8 + 24 + 22 + 3 = 57, stated as 60.
    let text = "2021年度绩效评价情况\n共评价60个项目，其中8个项目评价等级为“优”，24个“良”，22个“中”，3个“差”。\n";
    let r = send(
        &st,
        upload_request(&a, text.as_bytes().to_vec(), "split.txt"),
    )
    .await;
    assert!(r.status.is_success());
    let id = r.json()["id"].as_i64().unwrap();
    jixiao::worker::run_until_idle(&st.store, "test-worker")
        .await
        .unwrap();
    let one = call(&st, "GET", &format!("/api/documents/{id}"), Some(&a), None)
        .await
        .json();
    let failed = failed_checks(&one);
    assert!(failed >= 1, "the split check fails: {}", one["checks"]);
    assert_eq!(one["checks_failed"], failed as i64);
}
