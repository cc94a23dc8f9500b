//! Findings kept with their document, end to end through the API on both backends: a
//! self-evaluation form's checks with their severity and the form itself stored with the
//! document, the list's findings summary, filters by check kind and severity, checks computed
//! again when an assessor corrects a value (and undoes it), findings in the exports, and the
//! migration that gave existing checks their severity.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

both_backends!(
    forms_and_severities_are_stored_with_the_document,
    a_correction_computes_the_checks_again,
    documents_and_facts_filter_by_check_and_severity,
    exports_carry_the_findings,
    checks_computed_again_from_unchanged_facts_are_the_same,
    existing_checks_become_errors_when_migrated,
    concurrent_decisions_leave_the_checks_of_the_last_state,
);

/// Uploads the form as `token` and extracts it; its document id.
async fn form_uploaded(st: &jixiao::http::AppState, token: &str) -> i64 {
    let r = send(
        st,
        upload_request(token, SCORED_FORM.as_bytes().to_vec(), "xiaoshe-form.txt"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    jixiao::worker::run_until_idle(&st.store, "test-worker")
        .await
        .unwrap();
    r.json()["id"].as_i64().unwrap()
}

async fn document(st: &jixiao::http::AppState, token: &str, id: i64) -> Value {
    let r = call(
        st,
        "GET",
        &format!("/api/documents/{id}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
}

fn failed(doc: &Value) -> Vec<Value> {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .cloned()
        .collect()
}

fn kinds(checks: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = checks
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

/// The fact of the form's 得分 cell of row `name`.
fn score_of<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let form = &doc["forms"][0];
    let row = form["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no indicator row {name}: {form}"));
    let id = &row["score"];
    doc["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| &f["id"] == id)
        .unwrap_or_else(|| panic!("the score of {name} is no fact"))
}

async fn forms_and_severities_are_stored_with_the_document(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "王芳").await;
    let id = form_uploaded(&st, &a).await;
    let doc = document(&st, &a, id).await;
    let expected = jixiao::extract_bytes(SCORED_FORM.as_bytes()).unwrap();
    assert_eq!(expected.forms.len(), 1);

    // The form as extracted, its cells given as the ids of the stored facts.
    let forms = doc["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 1);
    let form = &forms[0];
    assert_eq!(form["project"], "桐川县校舍维修改造项目");
    assert_eq!(form["indicators"].as_array().unwrap().len(), 4);
    assert_eq!(form["funds"].as_array().unwrap().len(), 2);
    let facts = doc["facts"].as_array().unwrap();
    let text_of = |id: &Value| {
        facts
            .iter()
            .find(|f| &f["id"] == id)
            .map(|f| f["text"].as_str().unwrap().to_string())
    };
    let desks = &form["indicators"][1];
    assert_eq!(
        desks["levels"],
        json!(["产出指标", "质量指标", "更换课桌椅套数"])
    );
    assert_eq!(text_of(&desks["score"]).as_deref(), Some("12"));
    assert_eq!(text_of(&desks["weight"]).as_deref(), Some("10"));
    assert_eq!(
        text_of(&desks["target"]["fact"]).as_deref(),
        Some("≥2400套")
    );
    assert_eq!(desks["target"]["direction"], "at_least");
    assert_eq!(text_of(&form["total"]["score"]).as_deref(), Some("98.5"));
    assert_eq!(text_of(&form["grade"]).as_deref(), Some("优"));
    assert_eq!(
        text_of(&form["funds"][0]["spent"]).as_deref(),
        Some("360.00")
    );

    // Every check with its severity, as extraction made them.
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), expected.checks.len());
    for (c, e) in checks.iter().zip(&expected.checks) {
        assert_eq!(c["kind"], e.kind.as_str());
        assert_eq!(c["severity"], e.severity.as_str());
        assert_eq!(c["ok"], e.ok);
    }
    let bad = failed(&doc);
    assert_eq!(
        kinds(&bad),
        ["score_cap", "score_total", "target_met_docked"]
    );
    let cap = bad.iter().find(|c| c["kind"] == "score_cap").unwrap();
    assert_eq!(cap["severity"], "error");
    assert_eq!(
        (cap["stated"].as_str(), cap["computed"].as_str()),
        (Some("12"), Some("10"))
    );
    assert_eq!(cap["facts"], json!([desks["score"], desks["weight"]]));
    let docked = bad
        .iter()
        .find(|c| c["kind"] == "target_met_docked")
        .unwrap();
    assert_eq!(docked["severity"], "warning");

    // The list and the document say how many findings of each severity.
    assert_eq!(doc["findings"], json!({"error": 2, "warning": 1}));
    assert_eq!(doc["checks_failed"], 3);
    let list = call(&st, "GET", "/api/documents", Some(&a), None)
        .await
        .json();
    assert_eq!(
        list["documents"][0]["findings"],
        json!({"error": 2, "warning": 1})
    );

    // A report without forms has none, and its checks are errors.
    let other = uploaded(&st, &a, SAMPLE).await;
    let doc = document(&st, &a, other).await;
    assert_eq!(doc["forms"], json!([]));
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["severity"] == "error")
    );
}

async fn a_correction_computes_the_checks_again(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "王芳").await;
    let id = form_uploaded(&st, &a).await;
    let doc = document(&st, &a, id).await;
    let score = score_of(&doc, "更换课桌椅套数").clone();
    assert_eq!(score["text"], "12");
    assert_eq!(score["failed_checks"], 2, "score_cap and score_total");

    // 12 of 10 corrected to 10: the score is within its weight, and the scores add up.
    let r = review(
        &st,
        &a,
        &score,
        "correct",
        json!({"version": 1, "value": "10"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let after = r.json();
    assert_eq!(after["status"], "corrected");
    assert_eq!(after["value"], "10");
    assert_eq!(after["failed_checks"], 0);
    let findings = after["document_findings"].as_array().unwrap();
    assert_eq!(kinds(findings), ["target_met_docked"]);

    // Stored so: the document, its list entry and the filters see the checks as they now are.
    let doc = document(&st, &a, id).await;
    assert_eq!(kinds(&failed(&doc)), ["target_met_docked"]);
    let cap = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "score_cap" && c["facts"][0] == score["id"])
        .expect("the score_cap check of the corrected row is still made");
    assert_eq!(cap["ok"], true);
    assert_eq!(cap["stated"], "10");
    let total = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "score_total")
        .unwrap();
    assert_eq!(
        (total["ok"].as_bool(), total["computed"].as_str()),
        (Some(true), Some("98.5"))
    );
    assert_eq!(doc["findings"], json!({"error": 0, "warning": 1}));
    let r = call(&st, "GET", "/api/documents?check=score_cap", Some(&a), None).await;
    assert_eq!(r.json()["documents"], json!([]));
    let stored: Vec<Value> = facts_of(&st, &a, id).await;
    let counts: Vec<i64> = stored
        .iter()
        .filter(|f| f["failed_checks"].as_i64().unwrap() > 0)
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    let docked = &failed(&doc)[0];
    let mut expected: Vec<i64> = docked["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    expected.sort();
    assert_eq!(
        counts, expected,
        "only the warning's facts have a failed check"
    );

    // Undone, the 12 is back and so are its findings.
    let r = review(&st, &a, &after, "undo", json!({"version": 2})).await;
    assert_eq!(r.status, StatusCode::OK);
    let undone = r.json();
    assert_eq!(undone["value"], "12");
    assert_eq!(undone["failed_checks"], 2);
    assert_eq!(
        kinds(undone["document_findings"].as_array().unwrap()),
        ["score_cap", "score_total", "target_met_docked"]
    );
    assert_eq!(
        document(&st, &a, id).await["findings"],
        json!({"error": 2, "warning": 1})
    );

    // A confirmation changes no value: its answer has no findings to report, nor has the
    // undo of it.
    let r = review(&st, &a, &undone, "confirm", json!({"version": 3})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json().get("document_findings").is_none());
    let r = review(&st, &a, &undone, "undo", json!({"version": 4})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "pending");
    assert!(r.json().get("document_findings").is_none());
    assert_eq!(
        document(&st, &a, id).await["findings"],
        json!({"error": 2, "warning": 1})
    );
}

async fn documents_and_facts_filter_by_check_and_severity(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "王芳").await;
    let form = form_uploaded(&st, &a).await;
    let report = uploaded(&st, &a, SAMPLE).await;
    let docs = |q: &'static str| {
        let st = st.clone();
        let a = a.clone();
        async move {
            let r = call(&st, "GET", &format!("/api/documents?{q}"), Some(&a), None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}");
            r.json()["documents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(docs("check=score_cap").await, [form]);
    assert_eq!(docs("check=score_cap&severity=error").await, [form]);
    assert_eq!(
        docs("check=score_cap&severity=warning").await,
        Vec::<i64>::new()
    );
    assert_eq!(docs("severity=warning").await, [form]);
    assert_eq!(docs("check=target_met_docked").await, [form]);
    assert_eq!(
        docs("check=grade_band").await,
        Vec::<i64>::new(),
        "its grade fits"
    );
    let report_doc = document(&st, &a, report).await;
    for kind in kinds(&failed(&report_doc)) {
        let q = format!("/api/documents?check={kind}");
        let r = call(&st, "GET", &q, Some(&a), None).await;
        let ids: Vec<i64> = r.json()["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&report), "{kind}");
    }

    // Facts: those of the failed checks of that kind and severity, and no others.
    let facts = |q: String| {
        let st = st.clone();
        let a = a.clone();
        async move {
            let r = call(&st, "GET", &format!("/api/facts?{q}"), Some(&a), None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}");
            let mut ids: Vec<i64> = r.json()["facts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_i64().unwrap())
                .collect();
            ids.sort();
            ids
        }
    };
    let doc = document(&st, &a, form).await;
    let facts_of_failed = |kind: &str| {
        let mut ids: Vec<i64> = failed(&doc)
            .iter()
            .filter(|c| c["kind"] == kind)
            .flat_map(|c| c["facts"].as_array().unwrap().clone())
            .map(|v| v.as_i64().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let cap = facts_of_failed("score_cap");
    assert_eq!(cap.len(), 2, "得分 12 and 分值 10");
    assert_eq!(facts("check=score_cap".into()).await, cap);
    assert_eq!(
        facts(format!("check=score_total&document_id={form}")).await,
        facts_of_failed("score_total")
    );
    assert_eq!(
        facts("severity=warning".into()).await,
        facts_of_failed("target_met_docked")
    );
    assert_eq!(
        facts("check=score_cap&severity=warning".into()).await,
        Vec::<i64>::new()
    );
    // Passed checks are no findings: 维修改造学校数量's score_cap passed.
    let passing = score_of(&doc, "维修改造学校数量")["id"].as_i64().unwrap();
    assert!(!facts("check=score_cap".into()).await.contains(&passing));

    for q in [
        "/api/documents?check=bogus",
        "/api/documents?severity=fatal",
        "/api/facts?check=bogus",
        "/api/facts?severity=fatal",
        "/api/export?check=bogus",
    ] {
        let r = call(&st, "GET", q, Some(&a), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(r.json()["error"]["code"], "invalid");
    }
    let r = call(&st, "GET", "/api/documents?check=bogus", Some(&a), None).await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("score_cap")
    );

    // The OpenAPI document names the new parameters.
    let api = call(&st, "GET", "/api/openapi.json", None, None)
        .await
        .json();
    for path in ["/api/v1/documents", "/api/v1/facts", "/api/v1/export"] {
        let names: Vec<&str> = api["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"check") && names.contains(&"severity"),
            "{path}: {names:?}"
        );
    }
}

async fn exports_carry_the_findings(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "王芳").await;
    let reader = token(&db, Role::Reader, "api").await;
    let form = form_uploaded(&st, &a).await;
    let doc = document(&st, &a, form).await;
    let score = score_of(&doc, "更换课桌椅套数").clone();
    review(&st, &a, &score, "confirm", json!({"version": 1})).await;

    // CSV of the findings, with a BOM, one row per failed check.
    let r = call(
        &st,
        "GET",
        &format!("/api/export?format=csv&what=findings&document_id={form}"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("jixiao-findings.csv")
    );
    let mut rdr = csv::Reader::from_reader(&r.bytes[3..]);
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let cap = rows
        .iter()
        .find(|r| &r[col("校验代码")] == "score_cap")
        .unwrap();
    assert_eq!(&cap[col("校验项目")], "得分不超过分值");
    assert_eq!(&cap[col("严重程度")], "错误");
    assert_eq!((&cap[col("所述值")], &cap[col("计算值")]), ("12", "10"));
    assert_eq!(&cap[col("涉及事实")], "12；10");
    assert_eq!(&cap[col("材料")], "xiaoshe-form.txt");
    assert_eq!(&cap[col("材料 SHA-256")], doc["sha256"].as_str().unwrap());
    assert!(cap[col("说明")].contains("更换课桌椅套数"));
    let docked = rows
        .iter()
        .find(|r| &r[col("校验代码")] == "target_met_docked")
        .unwrap();
    assert_eq!(&docked[col("严重程度")], "提示");

    // Narrowed by check and severity; as JSON.
    let r = call(
        &st,
        "GET",
        "/api/export?format=json&what=findings&severity=warning",
        Some(&reader),
        None,
    )
    .await;
    let findings = r.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["kind"], "target_met_docked");
    assert_eq!(findings[0]["facts"][0]["text"], "9.5");

    // XLSX: the facts sheet as before, and 校验结果 beside it.
    let r = call(
        &st,
        "GET",
        &format!("/api/export?format=xlsx&document_id={form}"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["事实", "校验结果"]);
    let facts = book.worksheet_range("事实").unwrap();
    assert_eq!(
        facts.rows().count(),
        2,
        "the header and the confirmed score"
    );
    let sheet: Vec<Vec<String>> = book
        .worksheet_range("校验结果")
        .unwrap()
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(sheet.len(), 4);
    assert_eq!(
        sheet[0][..8],
        [
            "材料",
            "材料 SHA-256",
            "校验项目",
            "严重程度",
            "所述值",
            "计算值",
            "说明",
            "涉及事实"
        ]
    );
    let cap = sheet.iter().find(|r| r[2] == "得分不超过分值").unwrap();
    assert_eq!(
        (cap[3].as_str(), cap[4].as_str(), cap[5].as_str()),
        ("错误", "12", "10")
    );
    assert_eq!(cap[7], "12；10");
    assert!(
        sheet
            .iter()
            .any(|r| r[2] == "达标扣分的原因" && r[3] == "提示")
    );

    // The findings alone as XLSX; another kind of export is refused.
    let r = call(
        &st,
        "GET",
        "/api/export?format=xlsx&what=findings",
        Some(&reader),
        None,
    )
    .await;
    let book = calamine::Xlsx::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["校验结果"]);
    let r = call(
        &st,
        "GET",
        "/api/export?what=everything",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The facts CSV holds facts, not findings.
    let r = call(&st, "GET", "/api/export?format=csv", Some(&reader), None).await;
    assert!(String::from_utf8_lossy(&r.bytes).starts_with("\u{FEFF}文件名,材料标题,"));
}

async fn checks_computed_again_from_unchanged_facts_are_the_same(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "王芳").await;
    let mut ids = vec![form_uploaded(&st, &a).await];
    // Reports with table totals, splits, differences and shares, in text and from PDF.
    for name in [
        "000_af58de54e7000d7e.txt",
        "001_769eb15e6e31c174.txt",
        SAMPLE,
        "003_aa47c7ce85badae6.txt",
        "004_354e2257854ed30b.txt",
        "002_c76de0c36188412a-table.pdf",
    ] {
        ids.push(uploaded(&st, &a, name).await);
    }
    let shape = |checks: &Value| -> Vec<String> {
        checks
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {} {} {} {}",
                    c["kind"],
                    c["ok"],
                    c["severity"],
                    c["facts"],
                    c["stated"],
                    c["computed"],
                    c["message"]
                )
            })
            .collect()
    };
    let mut kinds_seen = std::collections::BTreeSet::new();
    for id in ids {
        let before = document(&st, &a, id).await;
        let again = db.store.recheck(id).await.unwrap();
        let after = document(&st, &a, id).await;
        assert_eq!(
            shape(&after["checks"]),
            shape(&before["checks"]),
            "document {id}"
        );
        assert_eq!(again.len(), before["checks"].as_array().unwrap().len());
        let counts = |d: &Value| -> Vec<i64> {
            d["facts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["failed_checks"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(counts(&after), counts(&before), "document {id}");
        for c in before["checks"].as_array().unwrap() {
            kinds_seen.insert(c["kind"].as_str().unwrap().to_string());
        }
    }
    for k in ["table_total", "split", "share", "score_cap", "score_total"] {
        assert!(
            kinds_seen.contains(k),
            "no {k} check among the samples: {kinds_seen:?}"
        );
    }
}

/// The schema before findings, a check stored in it, then the migration: the check is an
/// error, and the document has no forms.
async fn existing_checks_become_errors_when_migrated(db: TestDb) {
    let Some(OldSchema {
        pool,
        migrator,
        db: _db,
    }) = old_schema(&db, 3, 4).await
    else {
        return;
    };
    sqlx::query(
        "INSERT INTO documents (sha256, size_bytes, content, uploaded_at, status)
         VALUES ('x', 1, $1, 0, 'done')",
    )
    .bind(b"x".to_vec())
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO checks (document_id, kind, ok, fact_seqs, stated, computed, message)
         VALUES (1, 'split', 0, '[]', '60', '57', 'old')",
    )
    .execute(&pool)
    .await
    .unwrap();
    migrator.run(&pool).await.unwrap();
    let (severity,): (String,) = sqlx::query_as("SELECT severity FROM checks")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(severity, "error");
    let (forms,): (Option<String>,) = sqlx::query_as("SELECT forms FROM documents")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(forms, None);
    // A severity outside the two is refused.
    let bad = sqlx::query(
        "INSERT INTO checks (document_id, kind, ok, severity, fact_seqs, stated, computed,
                             message) VALUES (1, 'split', 0, 'fatal', '[]', '', '', '')",
    )
    .execute(&pool)
    .await;
    assert!(bad.is_err());
    pool.close().await;
}

/// Corrections of several cells of one form at once, among confirmations of the others: every
/// correction answers with findings, none waits on another for ever, and the checks stored at
/// the end are those of the facts as they ended up.
async fn concurrent_decisions_leave_the_checks_of_the_last_state(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "王芳").await;
    let id = form_uploaded(&st, &a).await;
    let doc = document(&st, &a, id).await;
    let form = &doc["forms"][0];
    let mut scores: Vec<Value> = form["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["score"].clone())
        .collect();
    scores.push(form["total"]["score"].clone());
    let mut tasks = Vec::new();
    for f in doc["facts"].as_array().unwrap() {
        let (st, a, f) = (st.clone(), a.clone(), f.clone());
        let correct = scores.contains(&f["id"]);
        tasks.push(tokio::spawn(async move {
            let r = if correct {
                // Every score one point lower: 40 → 39, 12 → 11, 98.5 → 97.5 …
                let v = f["value"].as_str().unwrap().parse::<f64>().unwrap() - 1.0;
                review(
                    &st,
                    &a,
                    &f,
                    "correct",
                    json!({"version": 1, "value": v.to_string()}),
                )
                .await
            } else {
                review(&st, &a, &f, "confirm", json!({"version": 1})).await
            };
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{}",
                String::from_utf8_lossy(&r.bytes)
            );
            (correct, r.json())
        }));
    }
    for t in tasks {
        let (correct, answer) = t.await.unwrap();
        assert_eq!(
            answer.get("document_findings").is_some(),
            correct,
            "{answer}"
        );
    }
    let stored = document(&st, &a, id).await;
    db.store.recheck(id).await.unwrap();
    let again = document(&st, &a, id).await;
    assert_eq!(
        stored["checks"].as_array().unwrap().len(),
        again["checks"].as_array().unwrap().len()
    );
    for (x, y) in stored["checks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(again["checks"].as_array().unwrap())
    {
        for k in [
            "kind", "ok", "severity", "facts", "stated", "computed", "message",
        ] {
            assert_eq!(x[k], y[k], "{k} of {x}");
        }
    }
    // 11 of 10 still breaks its weight; 39 + 11 + 29 + 8.5 + 9 = 96.5 against 97.5.
    let bad = kinds(&failed(&stored));
    assert!(bad.contains(&"score_cap".to_string()), "{bad:?}");
    let total = stored["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "score_total")
        .unwrap();
    assert_eq!(
        (total["stated"].as_str(), total["computed"].as_str()),
        (Some("97.5"), Some("96.5"))
    );
}
