//! The counts the work queue sorts and filters by (`document_fact_counts`: facts, facts
//! decided; `document_finding_counts`: failed checks by severity), kept by triggers: after every kind of write — upload and
//! extraction, confirm, reject, undo, a bulk confirm and its undo, a correction that makes a
//! failed check pass and its undo, re-extraction — each document's stored counts equal the
//! counts taken from its facts and checks, and the sorts and filters that read them list
//! documents exactly as the same queries counting facts and checks afresh do.
//!
//! The migration fills the counts of documents stored before it.
//!
//! Every test body runs on SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::Extractor;
use jixiao::reextract::{Options, Reader, Selection};
use jixiao::store::reextract::Reread;
use jixiao::store::{Actor, Role};
use serde_json::{Value, json};
use std::sync::Arc;

both_backends!(
    the_counts_follow_every_write,
    concurrent_writes_on_linked_reports_keep_the_counts,
    the_migration_counts_the_documents_stored_before
);

const REPORT: &str = "淮北市相山区2022年度预算绩效管理情况说明\n一、总体情况\n\
全区共压减预算资金1.02亿元，涉及预算项目509个。\n";

/// Per document: facts, facts decided, failed errors, failed warnings.
type Counts = Vec<(i64, i64, i64, i64, i64)>;

/// The counts as stored, one row per document (a document without its row is missing here
/// and fails the comparison).
async fn stored(db: &TestDb) -> Counts {
    sqlx::query_as(
        "SELECT d.id, p.facts_total, p.facts_decided, k.findings_error, k.findings_warning
         FROM documents d JOIN document_fact_counts p ON p.document_id = d.id
         JOIN document_finding_counts k ON k.document_id = d.id ORDER BY d.id",
    )
    .fetch_all(db.store.writer_pool())
    .await
    .unwrap()
}

/// The counts taken afresh from facts and checks, as the list counted them before they were
/// kept.
async fn counted(db: &TestDb) -> Counts {
    sqlx::query_as(
        "SELECT d.id,
                (SELECT COUNT(*) FROM facts f WHERE f.document_id = d.id),
                (SELECT COUNT(*) FROM facts f WHERE f.document_id = d.id
                                               AND f.status <> 'pending'),
                (SELECT COUNT(*) FROM checks c WHERE c.document_id = d.id AND c.ok = 0
                                                AND c.severity = 'error'),
                (SELECT COUNT(*) FROM checks c WHERE c.document_id = d.id AND c.ok = 0
                                                AND c.severity = 'warning')
         FROM documents d ORDER BY d.id",
    )
    .fetch_all(db.store.writer_pool())
    .await
    .unwrap()
}

/// The ids the list gives for `query` (one page large enough for all).
async fn listed(st: &jixiao::http::AppState, token: &str, query: &str) -> Vec<i64> {
    let r = call(
        st,
        "GET",
        &format!("/api/documents?limit=100&{query}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.json());
    r.json()["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect()
}

/// The ids the list's queries gave before the counts were kept: every document's facts and
/// checks counted for the sort, existence of facts and checks for the filters.
async fn listed_by_counting(db: &TestDb, filter: &str, order_by: &str) -> Vec<i64> {
    let sql = format!("SELECT d.id FROM documents d WHERE 1 = 1 {filter} ORDER BY {order_by}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.store.writer_pool())
        .await
        .unwrap()
}

const PROGRESS: &str = "(SELECT CASE WHEN COUNT(*) = 0 THEN -1.0 ELSE \
     SUM(CASE WHEN f.status <> 'pending' THEN 1 ELSE 0 END) * 1.0 / COUNT(*) END \
     FROM facts f WHERE f.document_id = d.id)";

fn failed(severity: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM checks c WHERE c.document_id = d.id AND c.ok = 0 \
         AND c.severity = '{severity}')"
    )
}

const DECIDED: &str = "EXISTS (SELECT 1 FROM facts f WHERE f.document_id = d.id \
                       AND f.status <> 'pending')";
const PENDING: &str = "EXISTS (SELECT 1 FROM facts f WHERE f.document_id = d.id \
                       AND f.status = 'pending')";

/// The stored counts equal the counted ones, and every sort and filter reading them lists as
/// counting did. `after` names the write, for the failure message.
async fn check(db: &TestDb, st: &jixiao::http::AppState, token: &str, after: &str) {
    assert_eq!(stored(db).await, counted(db).await, "counts after {after}");
    let (error, warning) = (failed("error"), failed("warning"));
    for dir in ["asc", "desc"] {
        assert_eq!(
            listed(st, token, &format!("sort=progress&order={dir}")).await,
            listed_by_counting(db, "", &format!("{PROGRESS} {dir}, d.id {dir}")).await,
            "sort=progress&order={dir} after {after}"
        );
        assert_eq!(
            listed(st, token, &format!("sort=findings&order={dir}")).await,
            listed_by_counting(
                db,
                "",
                &format!("{error} {dir}, {warning} {dir}, d.id {dir}")
            )
            .await,
            "sort=findings&order={dir} after {after}"
        );
    }
    let filters = [
        ("review=unreviewed", format!("AND NOT {DECIDED}")),
        ("review=in_progress", format!("AND {DECIDED} AND {PENDING}")),
        (
            "review=reviewed",
            format!("AND d.status = 'done' AND NOT {PENDING}"),
        ),
        ("severity=error", format!("AND {error} > 0")),
        ("severity=warning", format!("AND {warning} > 0")),
    ];
    for (query, filter) in filters {
        assert_eq!(
            listed(st, token, &format!("{query}&sort=progress")).await,
            listed_by_counting(db, &filter, &format!("{PROGRESS} asc, d.id asc")).await,
            "{query} after {after}"
        );
    }
}

/// Uploads `text` as `name` and extracts it; the document's id.
async fn upload_text(st: &jixiao::http::AppState, token: &str, name: &str, text: &str) -> i64 {
    let r = send(st, upload_request(token, text.as_bytes().to_vec(), name)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json());
    jixiao::worker::run_until_idle(&st.store, "test-worker")
        .await
        .unwrap();
    r.json()["id"].as_i64().unwrap()
}

/// The fact of a form's indicator row's score.
async fn score_of(st: &jixiao::http::AppState, token: &str, doc: i64, name: &str) -> Value {
    let r = call(
        st,
        "GET",
        &format!("/api/documents/{doc}"),
        Some(token),
        None,
    )
    .await;
    let doc = r.json();
    let row = doc["forms"][0]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no indicator row {name}"))
        .clone();
    doc["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == row["score"])
        .unwrap()
        .clone()
}

/// The version a fact is at now.
async fn version(st: &jixiao::http::AppState, token: &str, id: &Value) -> i64 {
    let r = call(st, "GET", &format!("/api/facts/{id}"), Some(token), None).await;
    r.json()["version"].as_i64().unwrap()
}

async fn the_counts_follow_every_write(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "上传员").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    check(&db, &st, &a, "nothing").await;

    // Upload and extraction: facts, and checks some of which fail (errors and a warning).
    let form = upload_text(&st, &up, "xiaoshe-form.txt", SCORED_FORM).await;
    let report = upload_text(&st, &up, "xiangshan.txt", REPORT).await;
    let sample = uploaded(&st, &up, SAMPLE).await;
    // A document still waiting for extraction has no facts yet.
    let r = send(&st, upload_request(&up, b"waiting".to_vec(), "waiting.txt")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    check(&db, &st, &a, "upload and extraction").await;
    let counts = stored(&db).await;
    let of = |counts: &Counts, doc: i64| *counts.iter().find(|c| c.0 == doc).unwrap();
    assert!(
        of(&counts, form).3 >= 2 && of(&counts, form).4 >= 1,
        "{counts:?}"
    );
    jixiao::worker::run_until_idle(&st.store, "test-worker")
        .await
        .unwrap();

    // Confirm, reject, and the undo of the rejection.
    let facts = facts_of(&st, &a, report).await;
    let r = review(&st, &a, &facts[0], "confirm", json!({"version": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    check(&db, &st, &a, "confirm").await;
    let rejected = &facts[facts.len() - 1];
    let body = json!({"version": 1, "reason": "not_a_fact"});
    let r = review(&st, &a, rejected, "reject", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    check(&db, &st, &a, "reject").await;
    let r = review(&st, &a, rejected, "undo", json!({"version": 2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    check(&db, &st, &a, "undo").await;

    // A bulk confirm of a table, and its undo.
    let r = call(
        &st,
        "POST",
        "/api/facts/bulk-confirm",
        Some(&a),
        Some(json!({"document_id": sample, "table": 0})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    let bulk = r.json();
    assert!(bulk["confirmed"].as_i64().unwrap() > 3, "{bulk}");
    check(&db, &st, &a, "bulk confirm").await;
    let undo = format!("/api/facts/bulk-confirm/{}/undo", bulk["bulk_id"]);
    let r = call(&st, "POST", &undo, Some(&a), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    check(&db, &st, &a, "undo of the bulk confirm").await;

    // A correction that makes two failed checks pass (12 of 10 → 10), and its undo.
    let errors_before = of(&stored(&db).await, form).3;
    let score = score_of(&st, &a, form, "更换课桌椅套数").await;
    let body = json!({"version": 1, "value": "10"});
    let r = review(&st, &a, &score, "correct", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    check(&db, &st, &a, "correction").await;
    assert_eq!(of(&stored(&db).await, form).3, errors_before - 2);
    let v = version(&st, &a, &score["id"]).await;
    let r = review(&st, &a, &score, "undo", json!({ "version": v })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    check(&db, &st, &a, "undo of the correction").await;
    assert_eq!(of(&stored(&db).await, form).3, errors_before);

    // Re-extraction that reads the confirmed amount differently (back to pending) and no
    // longer reads the form's total (facts removed, checks replaced).
    let decided_before = of(&stored(&db).await, report).2;
    assert!(decided_before > 0);
    let reader: Reader = Arc::new(|stored| {
        let text = stored
            .text
            .as_deref()
            .unwrap_or_default()
            .replace("1.02亿元", "1.03亿元")
            .replace("总分\n100\n98.5\n", "");
        let extraction = jixiao::analyze_text(&Extractor::shared(), &text);
        Ok(Reread {
            text,
            tables: None,
            extraction,
        })
    });
    let mut options = Options::new(
        Selection::All,
        Actor {
            user_id: None,
            name: "测试".into(),
        },
    );
    options.version = "next".into();
    options.reader = reader;
    let s = jixiao::reextract::run(&db.store, &options, None)
        .await
        .unwrap();
    assert!(s.reextracted >= 3, "{s:?}");
    check(&db, &st, &a, "re-extraction").await;
    assert!(of(&stored(&db).await, report).2 < decided_before);
}

/// Corrections (each rechecks its report and, through the project they share, the reports
/// linked to it), single decisions and a bulk confirm on three reports of one project, all at
/// once: every request succeeds — none fails on a deadlock between the writers of fact counts
/// and finding counts — and the counts are those of the facts and checks afterwards.
async fn concurrent_writes_on_linked_reports_keep_the_counts(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "上传员").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let mut docs = Vec::new();
    for name in [
        "eval_2022.txt",
        "review_2022_agrees.txt",
        "review_2022_differs.txt",
    ] {
        let path = format!("{}/tests/fixtures/links/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        docs.push(upload_text(&st, &up, name, &text).await);
    }
    let mut tasks = Vec::new();
    let mut corrections = 0;
    for (i, &doc) in docs.iter().enumerate() {
        for f in facts_of(&st, &a, doc).await {
            // The last report's counts are left to the bulk confirm below.
            if i == 2 && f["kind"] == "count" {
                continue;
            }
            let (verb, body) = if f["kind"] == "amount" {
                corrections += 1;
                let value: i64 = f["value"].as_str().unwrap().parse().unwrap();
                (
                    "correct",
                    json!({"version": 1, "value": (value + 100).to_string()}),
                )
            } else {
                ("confirm", json!({"version": 1}))
            };
            let (st, a) = (st.clone(), a.clone());
            tasks.push(tokio::spawn(async move {
                let r = review(&st, &a, &f, verb, body).await;
                (format!("{verb} {}", f["id"]), r.status, r.bytes)
            }));
        }
    }
    assert!(corrections >= 3, "amounts in the linked reports");
    let (st2, a2, last) = (st.clone(), a.clone(), docs[2]);
    tasks.push(tokio::spawn(async move {
        let body = json!({"document_id": last, "kind": "count"});
        let r = call(
            &st2,
            "POST",
            "/api/facts/bulk-confirm",
            Some(&a2),
            Some(body),
        )
        .await;
        ("bulk confirm".to_string(), r.status, r.bytes)
    }));
    for t in tasks {
        let (what, status, bytes) = t.await.unwrap();
        assert_eq!(
            status,
            StatusCode::OK,
            "{what}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    check(&db, &st, &a, "concurrent writes on linked reports").await;
}

/// Documents with facts and checks in the schema before the counts, then the migration: each
/// document's counts are those of its facts and checks.
async fn the_migration_counts_the_documents_stored_before(db: TestDb) {
    let Some(OldSchema {
        pool,
        migrator,
        db: _db,
    }) = old_schema(&db, 14, 15).await
    else {
        return;
    };
    let mut expected = Vec::new();
    for (n, statuses, failed, counts) in [
        (1, vec![], vec![], (0, 0, 0, 0)),
        (
            2,
            vec!["pending", "confirmed", "rejected"],
            vec!["error", "warning"],
            (3, 2, 1, 1),
        ),
        (
            3,
            vec!["corrected", "confirmed"],
            vec!["warning", "warning"],
            (2, 2, 0, 2),
        ),
    ] {
        let doc: i64 = sqlx::query_scalar(
            "INSERT INTO documents (sha256, size_bytes, content, uploaded_at, status)
             VALUES ($1, 1, $2, 0, 'done') RETURNING id",
        )
        .bind(format!("{n}"))
        .bind(b"x".to_vec())
        .fetch_one(&pool)
        .await
        .unwrap();
        expected.push((doc, counts.0, counts.1, counts.2, counts.3));
        for (seq, status) in statuses.iter().enumerate() {
            sqlx::query(
                "INSERT INTO facts (document_id, seq, kind, span_start, span_end, text, value,
                                    qualifier, original, extractor_version, status)
                 VALUES ($1, $2, 'amount', 0, 1, 't', '1', 'exact', '{}', 'old', $3)",
            )
            .bind(doc)
            .bind(seq as i64)
            .bind(*status)
            .execute(&pool)
            .await
            .unwrap();
        }
        // A check that passed counts for nothing.
        for (ok, severity) in failed.iter().map(|s| (0, *s)).chain([(1, "error")]) {
            sqlx::query(
                "INSERT INTO checks (document_id, kind, ok, severity, fact_seqs, stated,
                                     computed, message)
                 VALUES ($1, 'split', $2, $3, '[]', '1', '2', 'old')",
            )
            .bind(doc)
            .bind(ok as i64)
            .bind(severity)
            .execute(&pool)
            .await
            .unwrap();
        }
    }
    migrator.run(&pool).await.unwrap();
    let counts: Counts = sqlx::query_as(
        "SELECT p.document_id, p.facts_total, p.facts_decided, k.findings_error,
                k.findings_warning
         FROM document_fact_counts p JOIN document_finding_counts k USING (document_id)
         ORDER BY p.document_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(counts, expected);
}
