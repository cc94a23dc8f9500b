//! Links across documents, over invented reports of one county (tests/fixtures/links): a
//! rule (渠财绩〔2021〕3号) cited by two evaluation notices in other bracket styles, the 2022
//! notice (渠财绩〔2023〕5号) cited by the 2023 one and by a review, and one project in all of
//! them. The related documents and citations, the cross-document finding between two
//! reports of the same year that disagree (and none where they agree or the years differ),
//! what each role sees, and links filled in for documents stored before they existed.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

both_backends!(
    related_documents_and_citations,
    cross_document_findings,
    roles_see_only_what_they_may,
    documents_stored_before_links_get_them_at_start,
    self_evaluation_forms_compare_budget_spending_and_grade,
);

const PROJECT: &str = "渠县|渠县校舍维修改造项目";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/links/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Uploads a fixture as `token` and processes the queue; the document id.
async fn stored(st: &jixiao::http::AppState, token: &str, name: &str) -> i64 {
    let r = send(st, upload_request(token, fixture(name), name)).await;
    assert!(r.status.is_success(), "upload {name}: {}", r.status);
    let id = r.json()["id"].as_i64().unwrap();
    jixiao::worker::run_until_idle(&st.store, "test-worker")
        .await
        .unwrap();
    id
}

async fn get(st: &jixiao::http::AppState, token: &str, uri: &str) -> Value {
    let r = call(st, "GET", uri, Some(token), None).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&r.bytes)
    );
    r.json()
}

/// The ids of a list of related documents, sorted.
fn ids(entries: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["document"]["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

/// The reasons given for document `id` in a list, as (kind, key).
fn why(entries: &Value, id: i64) -> Vec<(String, String)> {
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["document"]["id"] == id)
        .unwrap_or_else(|| panic!("document {id} not in {entries}"));
    let mut why: Vec<(String, String)> = entry["why"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["kind"].as_str().unwrap().to_string(),
                w["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    why.sort();
    why
}

fn pair(kind: &str, key: &str) -> (String, String) {
    (kind.to_string(), key.to_string())
}

/// The failed `cross_document` checks of a document: (the other report, stated, computed).
async fn cross_findings(
    st: &jixiao::http::AppState,
    token: &str,
    doc: i64,
) -> Vec<(i64, String, String)> {
    let d = get(st, token, &format!("/api/documents/{doc}")).await;
    let mut out: Vec<(i64, String, String)> = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "cross_document" && c["ok"] == false)
        .map(|c| {
            assert_eq!(c["severity"], "error");
            (
                c["related_document"].as_i64().unwrap(),
                c["stated"].as_str().unwrap().to_string(),
                c["computed"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn related_documents_and_citations(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "甲").await;
    let rules = stored(&st, &a, "rules_2021.txt").await;
    let eval22 = stored(&st, &a, "eval_2022.txt").await;
    let eval23 = stored(&st, &a, "eval_2023.txt").await;
    let review = stored(&st, &a, "review_2022_agrees.txt").await;

    // The rule is cited by both notices, by number (written 渠财绩[2021]3号 and
    // 渠财绩﹝2021﹞3号) and by title.
    let r = get(&st, &a, &format!("/api/documents/{rules}/related")).await;
    assert_eq!(r["document_id"], rules);
    assert_eq!(ids(&r["cited_by"]), [eval22, eval23]);
    for d in [eval22, eval23] {
        assert_eq!(
            why(&r["cited_by"], d),
            [
                pair("number", "渠财绩〔2021〕3号"),
                pair("title", "渠县预算绩效管理办法")
            ]
        );
    }
    assert_eq!(ids(&r["cites"]), Vec::<i64>::new());
    assert_eq!(ids(&r["same_project"]), Vec::<i64>::new());
    // Each reason names the citing fact, a `document` fact of the citing report.
    let fact_id = r["cited_by"][0]["why"][0]["fact_id"].as_i64().unwrap();
    let fact = get(&st, &a, &format!("/api/facts/{fact_id}")).await;
    assert_eq!(fact["kind"], "document");
    assert_eq!(fact["document_id"], r["cited_by"][0]["document"]["id"]);

    // The 2022 notice cites the rule, is cited by the 2023 notice (渠财绩【2023】5号) and the
    // review (渠财绩(2023)5号), and shares its project with both.
    let r = get(&st, &a, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&r["cites"]), [rules]);
    assert_eq!(ids(&r["cited_by"]), [eval23, review]);
    assert_eq!(
        why(&r["cited_by"], eval23),
        [pair("number", "渠财绩〔2023〕5号")]
    );
    assert_eq!(ids(&r["same_project"]), [eval23, review]);
    assert_eq!(why(&r["same_project"], eval23), [pair("project", PROJECT)]);
    assert_eq!(r["cites"][0]["document"]["doc_number"], "渠财绩〔2021〕3号");

    // The project's figures by year, for the chart: 2022 twice (notice and review), 2023.
    let series = r["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == PROJECT)
        .unwrap();
    assert_eq!(series["name"], "渠县校舍维修改造项目");
    assert_eq!(series["region"], "渠县");
    let mut points: Vec<(i64, i64, String, String)> = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["year"].as_i64().unwrap(),
                p["document_id"].as_i64().unwrap(),
                p["label"].as_str().unwrap().to_string(),
                p["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    points.sort();
    let p = |y, d, l: &str, v: &str| (y, d, l.to_string(), v.to_string());
    let mut expected = vec![
        p(2022, eval22, "amount", "5489500"),
        p(2022, eval22, "rating", "良"),
        p(2022, review, "amount", "5489500"),
        p(2022, review, "rating", "良"),
        p(2023, eval23, "amount", "6123000"),
        p(2023, eval23, "rating", "优"),
    ];
    expected.sort();
    assert_eq!(points, expected);
    // The other project of the notice is named by no other report.
    assert!(
        r["projects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "渠县农村饮水安全巩固提升工程"
                && p["points"].as_array().unwrap().len() == 2)
    );

    // Citations by number in any bracket form, and by title.
    for number in [
        "渠财绩[2023]5号",
        "渠财绩（2023）5号",
        "渠财绩﹝２０２３﹞5 号",
    ] {
        let uri = format!("/api/citations?number={}", urlencode(number));
        let c = get(&st, &a, &uri).await;
        assert_eq!(c["number"], "渠财绩〔2023〕5号", "{number}");
        assert_eq!(c["title"], Value::Null);
        assert_eq!(c["document"]["id"], eval22, "{number}");
        assert_eq!(ids(&c["cited_by"]), [eval23, review], "{number}");
    }
    let uri = format!(
        "/api/citations?title={}",
        urlencode("《渠县预算绩效管理办法》")
    );
    let c = get(&st, &a, &uri).await;
    assert_eq!(c["title"], "渠县预算绩效管理办法");
    assert_eq!(c["document"]["id"], rules);
    assert_eq!(ids(&c["cited_by"]), [eval22, eval23]);
    // A number nobody stored: no document, nobody citing it.
    let c = get(
        &st,
        &a,
        "/api/citations?number=%E6%B8%A0%E8%B4%A2%E7%BB%A9%5B2019%5D9%E5%8F%B7",
    )
    .await;
    assert_eq!(c["document"], Value::Null);
    assert_eq!(c["cited_by"], json!([]));

    // Bad requests: a clear 4xx, never a 5xx.
    for uri in [
        "/api/citations".to_string(),
        "/api/citations?number=a&title=b".to_string(),
        "/api/citations?number=%20%20".to_string(),
        format!("/api/citations?title={}", "x".repeat(501)),
    ] {
        let r = call(&st, "GET", &uri, Some(&a), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
        assert_eq!(r.json()["error"]["code"], "invalid");
    }
    let r = call(&st, "GET", "/api/documents/99999/related", Some(&a), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&st, "GET", "/api/documents/x/related", Some(&a), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&st, "GET", "/api/citations?number=1", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn cross_document_findings(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "甲").await;
    let eval22 = stored(&st, &a, "eval_2022.txt").await;
    let eval23 = stored(&st, &a, "eval_2023.txt").await;
    let agrees = stored(&st, &a, "review_2022_agrees.txt").await;

    // Same year and the same figures: compared, no finding. Another year: not compared.
    for d in [eval22, eval23, agrees] {
        assert_eq!(cross_findings(&st, &a, d).await, [], "document {d}");
    }
    let checks = get(&st, &a, &format!("/api/documents/{eval22}")).await["checks"].clone();
    let compared: Vec<&Value> = checks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "cross_document")
        .collect();
    assert_eq!(
        compared.len(),
        2,
        "amount and rating against the review: {checks}"
    );
    assert!(
        compared
            .iter()
            .all(|c| c["ok"] == true && c["related_document"] == agrees)
    );
    let d23 = get(&st, &a, &format!("/api/documents/{eval23}")).await;
    assert!(
        d23["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] != "cross_document")
    );

    // A third report of 2022 states the project's money as 558.95 万元, not 548.95.
    let differs = stored(&st, &a, "review_2022_differs.txt").await;
    assert_eq!(
        cross_findings(&st, &a, differs).await,
        [
            (eval22, "5589500".to_string(), "5489500".to_string()),
            (agrees, "5589500".to_string(), "5489500".to_string()),
        ]
    );
    // Both earlier reports of 2022 now carry the finding too; 2023's does not.
    for d in [eval22, agrees] {
        assert_eq!(
            cross_findings(&st, &a, d).await,
            [(differs, "5489500".to_string(), "5589500".to_string())]
        );
    }
    assert_eq!(cross_findings(&st, &a, eval23).await, []);
    let listed = get(&st, &a, "/api/documents?check=cross_document").await;
    let mut listed: Vec<i64> = listed["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, [eval22, agrees, differs]);
    let amount = facts_of(&st, &a, eval22)
        .await
        .into_iter()
        .find(|f| f["kind"] == "amount" && f["subject"] == "渠县校舍维修改造项目")
        .unwrap();
    assert_eq!(amount["failed_checks"], 1);
    let d = get(&st, &a, &format!("/api/documents/{eval22}")).await;
    let message = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "cross_document" && c["ok"] == false)
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("548.95万元") && message.contains("558.95万元"),
        "{message}"
    );

    // The assessor corrects the differing report to 548.95 万元: the finding goes from
    // all three reports, and the counts of failed checks with it.
    let wrong = facts_of(&st, &a, differs)
        .await
        .into_iter()
        .find(|f| f["kind"] == "amount")
        .unwrap();
    let r = review(
        &st,
        &a,
        &wrong,
        "correct",
        json!({"version": wrong["version"], "value": "5489500", "unit": "万元"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(r.json()["failed_checks"], 0);
    for d in [eval22, agrees, differs] {
        assert_eq!(cross_findings(&st, &a, d).await, [], "document {d}");
    }
    let amount = get(&st, &a, &format!("/api/facts/{}", amount["id"])).await;
    assert_eq!(amount["failed_checks"], 0);
}

async fn roles_see_only_what_they_may(db: TestDb) {
    let st = state(&db);
    let u1 = token(&db, Role::Uploader, "一").await;
    let u2 = token(&db, Role::Uploader, "二").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let reader = token(&db, Role::Reader, "读者").await;
    let rules = stored(&st, &u1, "rules_2021.txt").await;
    let eval22 = stored(&st, &u1, "eval_2022.txt").await;
    let eval23 = stored(&st, &u2, "eval_2023.txt").await;

    // Uploader 一 sees the rule their notice cites, not 二's notice citing it.
    let r = get(&st, &u1, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&r["cites"]), [rules]);
    assert_eq!(ids(&r["cited_by"]), Vec::<i64>::new());
    assert_eq!(ids(&r["same_project"]), Vec::<i64>::new());
    let points = &r["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == PROJECT)
        .unwrap()["points"];
    assert!(
        points
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["document_id"] == eval22),
        "{points}"
    );
    let r = call(
        &st,
        "GET",
        &format!("/api/documents/{eval23}/related"),
        Some(&u1),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let uri = format!("/api/citations?number={}", urlencode("渠财绩〔2023〕5号"));
    let c = get(&st, &u1, &uri).await;
    assert_eq!(c["document"]["id"], eval22);
    assert_eq!(c["cited_by"], json!([]));
    // Uploader 二 sees their own notice citing a number whose document is not theirs.
    let c = get(&st, &u2, &uri).await;
    assert_eq!(c["document"], Value::Null);
    assert_eq!(ids(&c["cited_by"]), [eval23]);
    let r = get(&st, &u2, &format!("/api/documents/{eval23}/related")).await;
    assert_eq!(ids(&r["cites"]), Vec::<i64>::new());

    // An assessor sees everything.
    let r = get(&st, &a, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&r["cited_by"]), [eval23]);

    // A reader sees a citation once the fact that makes it is confirmed.
    let r = get(&st, &reader, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&r["cited_by"]), Vec::<i64>::new());
    assert_eq!(
        ids(&r["same_project"]),
        [eval23],
        "naming a project is no fact"
    );
    let citing = facts_of(&st, &a, eval23)
        .await
        .into_iter()
        .find(|f| f["kind"] == "document" && f["value"]["number"] == "渠财绩〔2023〕5号")
        .unwrap();
    let r = review(
        &st,
        &a,
        &citing,
        "confirm",
        json!({"version": citing["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get(&st, &reader, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&r["cited_by"]), [eval23]);
    assert_eq!(r["cited_by"][0]["why"][0]["fact_id"], citing["id"]);

    // A rejected citation ties nothing, for anyone.
    let citing = get(&st, &a, &format!("/api/facts/{}", citing["id"])).await;
    let r = review(
        &st,
        &a,
        &citing,
        "undo",
        json!({"version": citing["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = review(
        &st,
        &a,
        &r.json(),
        "reject",
        json!({"version": r.json()["version"], "reason": "not_a_fact"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get(&st, &a, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&r["cited_by"]), Vec::<i64>::new());
}

async fn documents_stored_before_links_get_them_at_start(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "甲").await;
    let rules = stored(&st, &a, "rules_2021.txt").await;
    let eval22 = stored(&st, &a, "eval_2022.txt").await;
    let differs = stored(&st, &a, "review_2022_differs.txt").await;
    let before = get(&st, &a, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&before["cites"]), [rules]);
    assert_eq!(cross_findings(&st, &a, eval22).await.len(), 1);

    // As a database migrated from before links existed: no keys, no cross-document checks.
    for sql in [
        "DELETE FROM document_links",
        "DELETE FROM links_indexed",
        "DELETE FROM checks WHERE kind = 'cross_document'",
        "UPDATE facts SET failed_checks = 0",
    ] {
        sqlx::query(sql)
            .execute(db.store.writer_pool())
            .await
            .unwrap();
    }
    let r = get(&st, &a, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(ids(&r["cites"]), Vec::<i64>::new());

    // A start indexes them all, once.
    db.store.migrate().await.unwrap();
    assert_eq!(db.store.index_unlinked_documents().await.unwrap(), 0);
    let after = get(&st, &a, &format!("/api/documents/{eval22}/related")).await;
    assert_eq!(after, before);
    assert_eq!(
        cross_findings(&st, &a, eval22).await,
        [(differs, "5489500".to_string(), "5589500".to_string())]
    );
    let amount = facts_of(&st, &a, differs)
        .await
        .into_iter()
        .find(|f| f["kind"] == "amount")
        .unwrap();
    assert_eq!(amount["failed_checks"], 1);
}

async fn self_evaluation_forms_compare_budget_spending_and_grade(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "甲").await;
    let form = stored(&st, &a, "selfeval_2022.txt").await;
    let restated = stored(&st, &a, "selfeval_2022_restated.txt").await;

    // The same form of 2022 twice: 全年预算数 and 自评等级 agree, 全年执行数 does not.
    let d = get(&st, &a, &format!("/api/documents/{restated}")).await;
    let mut cross: Vec<(bool, String, String)> = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "cross_document")
        .map(|c| {
            assert_eq!(c["related_document"], form);
            (
                c["ok"].as_bool().unwrap(),
                c["stated"].as_str().unwrap().to_string(),
                c["computed"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    cross.sort();
    let c = |ok, s: &str, t: &str| (ok, s.to_string(), t.to_string());
    assert_eq!(
        cross,
        [
            c(false, "3059400", "3159400"),
            c(true, "3125000", "3125000"),
            c(true, "优", "优"),
        ]
    );
    let message = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "cross_document" && c["ok"] == false)
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("全年执行数"), "{message}");
    assert_eq!(
        cross_findings(&st, &a, form).await,
        [(restated, "3159400".to_string(), "3059400".to_string())]
    );

    // The project and its department tie the two; the chart has budget, spent and grade.
    let r = get(&st, &a, &format!("/api/documents/{form}/related")).await;
    assert_eq!(
        why(&r["same_project"], restated),
        [
            pair("department", "渠县|渠县住房和城乡建设局"),
            pair("project", "渠县|渠县2022年乡镇污水处理设施运维项目"),
        ]
    );
    let points = r["projects"][0]["points"].as_array().unwrap();
    let mut labels: Vec<&str> = points
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels, ["budget", "grade", "spent"]);
}
