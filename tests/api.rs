//! The review API end to end, in-process (`app(state).oneshot`), on a fresh database per
//! test: every test body runs on SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL`
//! is set.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use jixiao::review::Decision;
use jixiao::store::{JobOutcome, Role, StoreError};
use serde_json::{Value, json};

both_backends!(
    upload_then_facts_appear,
    pdf_docx_and_scan_uploads,
    confirm_correct_reject,
    correction_is_validated,
    stale_version_is_409_and_row_unchanged,
    racing_decisions_on_many_facts,
    a_refused_decision_fails_alone,
    successive_decisions_in_one_group,
    undo_restores_the_state_before,
    bulk_confirm_is_one_audited_action,
    history_lists_every_decision,
    exports_hold_only_confirmed_and_corrected_exactly,
    stats_count_decisions_per_kind,
    every_route_checks_its_role,
    crash_between_claim_and_commit_leaves_nothing_and_job_is_redone,
    document_filters,
    tokens_are_managed_by_admin,
    openapi_and_swagger_ui_are_served,
);

async fn upload_then_facts_appear(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "上传员").await;
    let assessor = token(&db, Role::Assessor, "王芳").await;
    let r = send(&st, upload_request(&up, sample(SAMPLE), SAMPLE)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let doc = r.json();
    assert_eq!(doc["status"], "queued");
    assert_eq!(doc["file_name"], SAMPLE);
    assert_eq!(doc["duplicate"], false);
    let id = doc["id"].as_i64().unwrap();
    assert_eq!(
        r.headers["location"].to_str().unwrap(),
        format!("/api/documents/{id}")
    );

    let n = jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();
    assert_eq!(n, 1);

    let r = call(&st, "GET", &format!("/api/documents/{id}"), Some(&up), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["status"], "done");
    assert_eq!(doc["year"], 2022);
    assert!(doc["text"].as_str().unwrap().contains("相山区"));
    let expected = jixiao::extract_bytes(&sample(SAMPLE)).unwrap();
    let facts = doc["facts"].as_array().unwrap();
    assert_eq!(facts.len(), expected.facts.len());
    assert_eq!(
        doc["checks"].as_array().unwrap().len(),
        expected.checks.len()
    );
    // Stored facts are the extraction's, with exact values and spans into the stored text.
    let text: Vec<char> = doc["text"].as_str().unwrap().chars().collect();
    for (f, e) in facts.iter().zip(&expected.facts) {
        assert_eq!(f["kind"], e.kind.as_str());
        assert_eq!(f["text"], e.text);
        assert_eq!(f["value"], serde_json::to_value(&e.value).unwrap());
        let (s, en) = (f["start"].as_u64().unwrap(), f["end"].as_u64().unwrap());
        let slice: String = text[s as usize..en as usize].iter().collect();
        assert_eq!(f["text"], slice);
        assert_eq!(f["status"], "pending");
        assert_eq!(f["version"], 1);
    }
    let listed = facts_of(&st, &assessor, id).await;
    assert_eq!(listed.len(), expected.facts.len());
    let amounts = call(
        &st,
        "GET",
        &format!("/api/facts?document_id={id}&kind=amount"),
        Some(&assessor),
        None,
    )
    .await
    .json();
    assert!(
        amounts["facts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] == "amount")
    );
}

async fn pdf_docx_and_scan_uploads(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "王芳").await;
    // A PDF and a DOCX of the same report give the same facts as its TXT, with provenance of
    // their format.
    let txt = uploaded(&st, &a, "004_354e2257854ed30b.txt").await;
    let pdf = uploaded(&st, &a, "004_354e2257854ed30b.pdf").await;
    let docx = uploaded(&st, &a, "004_354e2257854ed30b.docx").await;
    let key = |facts: &[Value]| {
        let mut k: Vec<String> = facts
            .iter()
            .map(|f| format!("{} {} {}", f["kind"], f["value"], f["subject"]))
            .collect();
        k.sort();
        k
    };
    let (t, p, d) = (
        facts_of(&st, &a, txt).await,
        facts_of(&st, &a, pdf).await,
        facts_of(&st, &a, docx).await,
    );
    assert!(!t.is_empty());
    assert_eq!(key(&p), key(&t));
    assert_eq!(key(&d), key(&t));
    assert!(
        p.iter().all(|f| f["provenance"]["source"] == "pdf_page"
            && f["provenance"]["page"].as_u64() >= Some(1))
    );
    assert!(
        d.iter()
            .all(|f| f["provenance"]["source"] == "docx_paragraph")
    );
    // A scan is "needs OCR" with a message, not a document with no facts.
    let scan = uploaded(&st, &a, "scanned-000.pdf").await;
    let doc = call(
        &st,
        "GET",
        &format!("/api/documents/{scan}"),
        Some(&a),
        None,
    )
    .await
    .json();
    assert_eq!(doc["status"], "needs_ocr");
    assert!(doc["error"].as_str().unwrap_or("").contains("OCR"), "{doc}");
}

/// The first fact of `kind` in the sample's document.
async fn first_of(st: &jixiao::http::AppState, token: &str, doc: i64, kind: &str) -> Value {
    facts_of(st, token, doc)
        .await
        .into_iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} fact"))
}

async fn confirm_correct_reject(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let amount = facts.iter().find(|f| f["kind"] == "amount").unwrap();
    let count = facts.iter().find(|f| f["kind"] == "count").unwrap();
    let rating = facts.iter().find(|f| f["kind"] == "rating").unwrap();

    let r = review(
        &st,
        &a,
        count,
        "confirm",
        json!({"version": 1, "note": "看过"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let f = r.json();
    assert_eq!(f["status"], "confirmed");
    assert_eq!(f["version"], 2);
    assert_eq!(f["reviewed_by"], "王芳");
    assert!(f["reviewed_at"].is_string());

    let r = review(
        &st,
        &a,
        amount,
        "correct",
        json!({"version": 1, "value": "123456789.01", "unit": "万元",
                    "subject": "项目资金", "qualifier": "approx", "start": 0, "end": 4}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let f = r.json();
    assert_eq!(f["status"], "corrected");
    assert_eq!(f["value"], "123456789.01");
    assert_eq!(f["unit"], "万元");
    assert_eq!(f["subject"], "项目资金");
    assert_eq!(f["qualifier"], "approx");
    assert_eq!((f["start"].clone(), f["end"].clone()), (json!(0), json!(4)));
    assert_eq!(f["text"].as_str().unwrap().chars().count(), 4);
    // The extracted original is kept beside the correction.
    assert_eq!(f["original"]["value"], amount["value"]);

    let r = review(
        &st,
        &a,
        rating,
        "reject",
        json!({"version": 1, "reason": "not_a_fact", "note": "标题里的词"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "rejected");

    let r = review(
        &st,
        &a,
        rating,
        "reject",
        json!({"version": 2, "reason": "because"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = call(
        &st,
        "POST",
        "/api/facts/999999/confirm",
        Some(&a),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let pending = call(
        &st,
        "GET",
        &format!("/api/facts?document_id={doc}&status=confirmed,corrected,rejected"),
        Some(&a),
        None,
    )
    .await
    .json();
    assert_eq!(pending["facts"].as_array().unwrap().len(), 3);
}

async fn correction_is_validated(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let amount = first_of(&st, &a, doc, "amount").await;
    let rating = first_of(&st, &a, doc, "rating").await;
    let url = |f: &Value| format!("/api/facts/{}/correct", f["id"]);

    for bad in [
        json!({"version": 1, "value": "1.2.3"}),
        json!({"version": 1, "unit": "美元"}),
        json!({"version": 1, "value": "-5"}),
        json!({"version": 1, "qualifier": "roughly"}),
        json!({"version": 1, "start": 10, "end": 3}),
        json!({"version": 1}),
    ] {
        let r = call(&st, "POST", &url(&amount), Some(&a), Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let e = r.json();
        assert_eq!(e["error"]["code"], "invalid");
        assert!(e["error"]["details"]["fields"].is_array(), "{e}");
    }
    // A span past the end of the text; a letter grade, which is not a rating.
    for (fact, bad) in [
        (
            &amount,
            json!({"version": 1, "start": 1, "end": 10_000_000}),
        ),
        (&rating, json!({"version": 1, "value": "A"})),
    ] {
        let r = call(&st, "POST", &url(fact), Some(&a), Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let r = call(
        &st,
        "POST",
        &url(&rating),
        Some(&a),
        Some(json!({"version": 1, "value": "良好"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["value"], "良");
    // Nothing invalid was stored.
    let now = call(
        &st,
        "GET",
        &format!("/api/facts/{}", amount["id"]),
        Some(&a),
        None,
    )
    .await
    .json();
    assert_eq!(now["version"], 1);
    assert_eq!(now["value"], amount["value"]);
}

async fn stale_version_is_409_and_row_unchanged(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let b = token(&db, Role::Assessor, "乙").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let fact = first_of(&st, &a, doc, "amount").await;
    let id = &fact["id"];
    let r = call(
        &st,
        "POST",
        &format!("/api/facts/{id}/confirm"),
        Some(&a),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let after_first = call(&st, "GET", &format!("/api/facts/{id}"), Some(&a), None)
        .await
        .json();

    // 乙 still holds version 1: every verb is refused.
    for (verb, body) in [
        ("confirm", json!({"version": 1})),
        ("reject", json!({"version": 1, "reason": "wrong_value"})),
        ("correct", json!({"version": 1, "value": "1"})),
        ("undo", json!({"version": 1})),
    ] {
        let r = call(
            &st,
            "POST",
            &format!("/api/facts/{id}/{verb}"),
            Some(&b),
            Some(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{verb}");
        let e = r.json();
        assert_eq!(e["error"]["code"], "version_conflict");
        assert_eq!(e["error"]["details"]["current_version"], 2);
    }
    let now = call(&st, "GET", &format!("/api/facts/{id}"), Some(&a), None)
        .await
        .json();
    assert_eq!(now, after_first);
    let h = history_of(&st, &a, id).await;
    assert_eq!(h.len(), 1);

    // Concurrent decisions on one version: exactly one wins.
    let fact2 = first_of(&st, &a, doc, "count").await;
    let id2 = fact2["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for t in [a.clone(), b.clone(), a.clone(), b.clone()] {
        let st = st.clone();
        tasks.push(tokio::spawn(async move {
            call(
                &st,
                "POST",
                &format!("/api/facts/{id2}/confirm"),
                Some(&t),
                Some(json!({"version": 1})),
            )
            .await
            .status
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            s => assert_eq!(s, StatusCode::CONFLICT),
        }
    }
    assert_eq!(ok, 1);
}

/// Decisions arriving together are committed together, but each is still its own
/// compare-and-set: of three racing decisions on one version exactly one wins, on every fact.
async fn racing_decisions_on_many_facts(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let b = token(&db, Role::Assessor, "乙").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts: Vec<Value> = facts_of(&st, &a, doc).await.into_iter().take(12).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for f in &facts {
        for (t, verb, body) in [
            (&a, "confirm", json!({"version": 1})),
            (&b, "confirm", json!({"version": 1})),
            (&b, "reject", json!({"version": 1, "reason": "not_a_fact"})),
        ] {
            let (st, t, f) = (st.clone(), t.clone(), f.clone());
            tasks.spawn(async move {
                let r = review(&st, &t, &f, verb, body).await;
                (f["id"].as_i64().unwrap(), verb, r.status)
            });
        }
    }
    let mut winners = std::collections::HashMap::new();
    while let Some(outcome) = tasks.join_next().await {
        let (id, verb, status) = outcome.unwrap();
        match status {
            StatusCode::OK => assert!(winners.insert(id, verb).is_none(), "two won on {id}"),
            s => assert_eq!(s, StatusCode::CONFLICT),
        }
    }
    assert_eq!(winners.len(), facts.len());
    for f in &facts {
        let id = f["id"].as_i64().unwrap();
        let now = call(&st, "GET", &format!("/api/facts/{id}"), Some(&a), None)
            .await
            .json();
        let expected = if winners[&id] == "confirm" {
            "confirmed"
        } else {
            "rejected"
        };
        assert_eq!(now["status"], expected);
        assert_eq!(now["version"], 2);
        let h = history_of(&st, &a, id).await;
        assert_eq!(h.len(), 1);
        assert_eq!(h[0]["action"], winners[&id]);
    }
}

/// A raw connection to the test database, beside the store's.
async fn raw_pool(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&jixiao::store::database_url(&db.url))
        .await
        .unwrap()
}

/// Holds the facts' write lock from outside until the transaction is dropped or rolled
/// back, so decisions arriving meanwhile queue up and are committed as groups.
async fn hold_write_lock(
    db: &TestDb,
    pool: &sqlx::AnyPool,
) -> sqlx::Transaction<'static, sqlx::Any> {
    if db.url.starts_with("postgres") {
        let mut tx = pool.begin().await.unwrap();
        sqlx::raw_sql("LOCK TABLE facts IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx
    } else {
        pool.begin_with("BEGIN IMMEDIATE").await.unwrap()
    }
}

/// Successive decisions on one fact that arrive together are committed in one group, each
/// seeing the fact as the one before left it.
async fn successive_decisions_in_one_group(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let (first, second) = (
        facts[0]["id"].as_i64().unwrap(),
        facts[1]["id"].as_i64().unwrap(),
    );
    let pool = raw_pool(&db).await;
    let lock = hold_write_lock(&db, &pool).await;
    let actor = jixiao::store::Actor {
        user_id: None,
        name: "甲".into(),
    };
    let confirm = Decision::Confirm { note: None };
    let reject = Decision::Reject {
        reason: jixiao::review::RejectReason::WrongValue,
        note: Some("见附表".into()),
    };
    let mut tasks = Vec::new();
    // The writer takes the first decision and waits for the lock; the rest queue behind it
    // in this order and form the next group.
    for (fact, version, decision) in [
        (second, 1, Some(confirm.clone())),
        (first, 1, Some(confirm.clone())),
        (first, 2, None),
        (first, 3, Some(reject.clone())),
        (first, 3, Some(confirm.clone())),
    ] {
        let (store, actor) = (db.store.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            match decision {
                Some(d) => store.review(fact, version, &d, &actor).await,
                None => store.undo(fact, version, &actor).await,
            }
        }));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    lock.rollback().await.unwrap();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap().map(|f| (f.status, f.version)));
    }
    assert_eq!(outcomes[0].as_ref().unwrap(), &("confirmed".to_string(), 2));
    assert_eq!(outcomes[1].as_ref().unwrap(), &("confirmed".to_string(), 2));
    assert_eq!(outcomes[2].as_ref().unwrap(), &("pending".to_string(), 3));
    assert_eq!(outcomes[3].as_ref().unwrap(), &("rejected".to_string(), 4));
    assert!(
        matches!(outcomes[4], Err(StoreError::Conflict { current: 4 })),
        "{:?}",
        outcomes[4]
    );
    let actions: Vec<String> = db
        .store
        .history(first)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(actions, ["confirm", "undo", "reject"]);
    pool.close().await;
}

/// A decision the database refuses fails alone: the others committed in the same group are
/// applied, and the refused one leaves its fact untouched. The write lock is held from
/// outside while the decisions arrive, so they queue up and are committed as groups.
async fn a_refused_decision_fails_alone(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts: Vec<i64> = facts_of(&st, &a, doc)
        .await
        .iter()
        .take(40)
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    let refused = facts[21];
    let pool = raw_pool(&db).await;
    let refuse = if db.url.starts_with("postgres") {
        format!(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'refused by a test trigger'; END $$;
             CREATE TRIGGER refuse BEFORE UPDATE ON facts FOR EACH ROW
                 WHEN (NEW.id = {refused}) EXECUTE FUNCTION refuse();"
        )
    } else {
        format!(
            "CREATE TRIGGER refuse BEFORE UPDATE ON facts WHEN NEW.id = {refused}
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;"
        )
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(refuse))
        .execute(&pool)
        .await
        .unwrap();
    let lock = hold_write_lock(&db, &pool).await;

    let actor = jixiao::store::Actor {
        user_id: None,
        name: "甲".into(),
    };
    let confirm = Decision::Confirm { note: None };
    let mut tasks = tokio::task::JoinSet::new();
    let spawn = |tasks: &mut tokio::task::JoinSet<_>, id: i64| {
        let (store, actor, confirm) = (db.store.clone(), actor.clone(), confirm.clone());
        tasks.spawn(async move { (id, store.review(id, 1, &confirm, &actor).await) });
    };
    // Every writer task takes its first decision and waits for the lock; the refused one
    // comes later, so it queues behind and is committed in a group with others.
    for &id in facts.iter().filter(|&&id| id != refused) {
        spawn(&mut tasks, id);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    spawn(&mut tasks, refused);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    lock.rollback().await.unwrap();

    while let Some(outcome) = tasks.join_next().await {
        let (id, result) = outcome.unwrap();
        if id == refused {
            assert!(matches!(result, Err(StoreError::Db(_))), "{result:?}");
        } else {
            assert_eq!(result.unwrap().status, "confirmed", "fact {id}");
        }
    }
    pool.close().await;
    for &id in &facts {
        let now = db.store.fact(id).await.unwrap();
        let entries = db.store.history(id).await.unwrap().len();
        if id == refused {
            assert_eq!(
                (now.status.as_str(), now.version, entries),
                ("pending", 1, 0)
            );
        } else {
            assert_eq!(
                (now.status.as_str(), now.version, entries),
                ("confirmed", 2, 1)
            );
        }
    }
}

async fn undo_restores_the_state_before(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let fact = first_of(&st, &a, doc, "amount").await;
    let id = &fact["id"];
    let post = |verb: &str, body: Value| {
        let st = st.clone();
        let a = a.clone();
        let uri = format!("/api/facts/{id}/{verb}");
        async move { call(&st, "POST", &uri, Some(&a), Some(body)).await }
    };

    let r = post("undo", json!({"version": 1})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing to undo yet"
    );

    post("confirm", json!({"version": 1})).await;
    let r = post(
        "correct",
        json!({"version": 2, "value": "42", "unit": "元"}),
    )
    .await;
    assert_eq!(r.json()["value"], "42");

    let r = post("undo", json!({"version": 3})).await;
    assert_eq!(r.status, StatusCode::OK);
    let f = r.json();
    assert_eq!(f["status"], "confirmed");
    assert_eq!(f["value"], fact["value"]);
    assert_eq!(f["unit"], fact["unit"]);
    assert_eq!(f["version"], 4);

    let r = post("undo", json!({"version": 4})).await;
    let f = r.json();
    assert_eq!(f["status"], "pending");
    assert_eq!(f["reviewed_by"], Value::Null);
    assert_eq!(f["version"], 5);

    let r = post("undo", json!({"version": 5})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn bulk_confirm_is_one_audited_action(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let in_table: Vec<&Value> = facts
        .iter()
        .filter(|f| f["table"] == 0 && f["failed_checks"] == 0)
        .collect();
    assert!(in_table.len() > 5);
    // One of them is already decided: bulk leaves it alone.
    let rejected = in_table[0]["id"].clone();
    call(
        &st,
        "POST",
        &format!("/api/facts/{rejected}/reject"),
        Some(&a),
        Some(json!({"version": 1, "reason": "duplicate"})),
    )
    .await;

    let r = call(
        &st,
        "POST",
        "/api/facts/bulk-confirm",
        Some(&a),
        Some(
            json!({"document_id": doc, "table": 0, "failed_checks": false, "note": "表一核对无误"}),
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let bulk = r.json();
    assert_eq!(bulk["confirmed"], in_table.len() - 1);
    let bulk_id = bulk["bulk_id"].clone();

    let after = facts_of(&st, &a, doc).await;
    for f in &after {
        let expected = if f["id"] == rejected {
            "rejected"
        } else if f["table"] == 0 {
            "confirmed"
        } else {
            "pending"
        };
        assert_eq!(f["status"], expected, "{f}");
    }
    let some = &bulk["fact_ids"][0];
    let h = history_of(&st, &a, some).await;
    assert_eq!(h[0]["bulk_id"], bulk_id);
    assert_eq!(h[0]["note"], "表一核对无误");

    let r = call(
        &st,
        "POST",
        "/api/facts/bulk-confirm",
        Some(&a),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn history_lists_every_decision(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let b = token(&db, Role::Admin, "李雷").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let fact = first_of(&st, &a, doc, "percent").await;
    let id = &fact["id"];
    let steps = [
        (&a, "confirm", json!({"version": 1})),
        (
            &b,
            "reject",
            json!({"version": 2, "reason": "wrong_value", "note": "应为 95%"}),
        ),
        (&a, "undo", json!({"version": 3})),
        (&a, "correct", json!({"version": 4, "value": "95"})),
    ];
    for (t, verb, body) in &steps {
        let r = call(
            &st,
            "POST",
            &format!("/api/facts/{id}/{verb}"),
            Some(t),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{verb}: {}",
            String::from_utf8_lossy(&r.bytes)
        );
    }
    let h = history_of(&st, &a, id).await;
    let actions: Vec<&str> = h.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["confirm", "reject", "undo", "correct"]);
    let actors: Vec<&str> = h.iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["王芳", "李雷", "王芳", "王芳"]);
    assert_eq!(h[1]["reason"], "wrong_value");
    assert_eq!(h[1]["note"], "应为 95%");
    assert_eq!(h[1]["before"]["status"], "confirmed");
    assert_eq!(h[1]["after"]["status"], "rejected");
    assert_eq!(h[2]["undoes"], h[1]["id"]);
    assert_eq!(h[2]["after"]["status"], "confirmed");
    assert_eq!(h[3]["before"]["value"], fact["value"]);
    assert_eq!(h[3]["after"]["value"], "95");
    let versions: Vec<i64> = h.iter().map(|e| e["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, [2, 3, 4, 5]);
    assert!(h.iter().all(|e| e["at"].as_str().unwrap().ends_with('Z')));
}

async fn exports_hold_only_confirmed_and_corrected_exactly(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let reader = token(&db, Role::Reader, "api").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let amounts: Vec<&Value> = facts.iter().filter(|f| f["kind"] == "amount").collect();
    let sha = call(&st, "GET", &format!("/api/documents/{doc}"), Some(&a), None)
        .await
        .json()["sha256"]
        .clone();

    review(&st, &a, amounts[0], "confirm", json!({"version": 1})).await;
    // A value no f64 can hold: the export must keep every digit.
    let exact = "12345678901234567.89";
    let r = review(
        &st,
        &a,
        amounts[1],
        "correct",
        json!({"version": 1, "value": exact}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    review(
        &st,
        &a,
        amounts[2],
        "reject",
        json!({"version": 1, "reason": "not_a_fact"}),
    )
    .await;
    let expected_ids = [
        amounts[0]["id"].as_i64().unwrap(),
        amounts[1]["id"].as_i64().unwrap(),
    ];

    // CSV with a UTF-8 BOM.
    let r = call(&st, "GET", "/api/export?format=csv", Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(r.bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let mut rdr = csv::Reader::from_reader(&r.bytes[3..]);
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r[col("fact_id")].parse().unwrap())
        .collect();
    assert_eq!(ids, expected_ids);
    assert_eq!(&rows[1][col("value")], exact);
    assert_eq!(&rows[1][col("status")], "corrected");
    assert_eq!(
        &rows[0][col("value")],
        amounts[0]["value"].as_str().unwrap()
    );
    assert_eq!(&rows[0][col("document_sha256")], sha.as_str().unwrap());
    assert_eq!(&rows[0][col("reviewer")], "王芳");
    assert_eq!(
        &rows[1][col("original_text")],
        amounts[1]["text"].as_str().unwrap()
    );
    assert!(rows[0][col("provenance")].contains("line"));
    assert!(!rows[0][col("decided_at")].is_empty());

    // XLSX, read back with calamine.
    let r = call(
        &st,
        "GET",
        "/api/export?format=xlsx&kind=amount",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    let range = book.worksheet_range("facts").unwrap();
    let grid: Vec<Vec<String>> = range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(grid.len(), 3);
    let vcol = grid[0].iter().position(|h| h == "value").unwrap();
    let icol = grid[0].iter().position(|h| h == "fact_id").unwrap();
    assert_eq!(grid[2][vcol], exact);
    assert_eq!(grid[1][icol], expected_ids[0].to_string());

    // JSON with decimals as strings.
    let r = call(&st, "GET", "/api/export?format=json", Some(&reader), None).await;
    let rows = r.json()["facts"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["value"], exact);
    assert!(
        rows.iter()
            .all(|f| f["status"] == "confirmed" || f["status"] == "corrected")
    );

    // Filters apply; asking for rejected facts still exports only decided-right ones.
    let r = call(
        &st,
        "GET",
        "/api/export?format=json&status=rejected",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.json()["facts"].as_array().unwrap().len(), 2);
    let r = call(
        &st,
        "GET",
        "/api/export?format=json&kind=rating",
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.json()["facts"].as_array().unwrap().len(), 0);
    let r = call(&st, "GET", "/api/export?format=pdf", Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // A reader lists only settled facts.
    let r = call(
        &st,
        "GET",
        &format!("/api/facts?document_id={doc}"),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.json()["facts"].as_array().unwrap().len(), 2);
    let r = call(
        &st,
        "GET",
        &format!("/api/facts/{}", amounts[2]["id"]),
        Some(&reader),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn stats_count_decisions_per_kind(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let amounts: Vec<&Value> = facts.iter().filter(|f| f["kind"] == "amount").collect();
    for (f, verb, body) in [
        (amounts[0], "confirm", json!({"version": 1})),
        (amounts[1], "confirm", json!({"version": 1})),
        (amounts[2], "correct", json!({"version": 1, "value": "7"})),
        (
            amounts[3],
            "reject",
            json!({"version": 1, "reason": "wrong_span"}),
        ),
    ] {
        let r = call(
            &st,
            "POST",
            &format!("/api/facts/{}/{verb}", f["id"]),
            Some(&a),
            Some(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let s = call(&st, "GET", "/api/stats", Some(&a), None).await.json();
    let amount = s["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "amount")
        .unwrap()
        .clone();
    assert_eq!(amount["total"], amounts.len());
    assert_eq!(amount["confirmed"], 2);
    assert_eq!(amount["corrected"], 1);
    assert_eq!(amount["rejected"], 1);
    assert_eq!(amount["pending"], amounts.len() - 4);
    assert_eq!(amount["precision"], 0.5);
    assert_eq!(amount["precision_found"], 0.75);
    assert_eq!(s["all"]["total"], facts.len());
    let rating = s["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "rating")
        .unwrap()
        .clone();
    assert_eq!(rating["precision"], Value::Null);
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
            vec![Assessor],
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

async fn crash_between_claim_and_commit_leaves_nothing_and_job_is_redone(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let r = send(&st, upload_request(&up, sample(SAMPLE), SAMPLE)).await;
    let id = r.json()["id"].as_i64().unwrap();

    // A worker claims the job with a lease that runs out at once, extracts, writes every
    // fact in its transaction and dies before the commit.
    let job = st.store.claim_job("doomed", 0).await.unwrap().unwrap();
    assert_eq!(job.document_id, id);
    let doc = jixiao::ingest::ingest(&job.content).unwrap();
    let extraction = jixiao::Extractor::shared().extract(&doc);
    assert!(!extraction.facts.is_empty());
    let wrote = st
        .store
        .finish_job_but_crash_before_commit(
            &job,
            JobOutcome::Done {
                doc: &doc,
                extraction: &extraction,
            },
        )
        .await
        .unwrap();
    assert!(wrote);

    let d = call(&st, "GET", &format!("/api/documents/{id}"), Some(&a), None)
        .await
        .json();
    assert_eq!(d["status"], "processing");
    assert_eq!(d["facts"].as_array().unwrap().len(), 0, "no partial facts");
    assert_eq!(d["checks"].as_array().unwrap().len(), 0);

    // The lease has run out: the next worker takes the job again and completes it.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let n = jixiao::worker::run_until_idle(&st.store, "survivor")
        .await
        .unwrap();
    assert_eq!(n, 1);
    let d = call(&st, "GET", &format!("/api/documents/{id}"), Some(&a), None)
        .await
        .json();
    assert_eq!(d["status"], "done");
    assert_eq!(d["attempts"], 2);
    assert_eq!(d["facts"].as_array().unwrap().len(), extraction.facts.len());

    // The dead worker's late commit is refused: the job is no longer its own.
    let stale = st
        .store
        .finish_job(
            &job,
            JobOutcome::Done {
                doc: &doc,
                extraction: &extraction,
            },
        )
        .await
        .unwrap();
    assert!(!stale);
    assert_eq!(facts_of(&st, &a, id).await.len(), extraction.facts.len());

    // Two workers claiming at once never get the same job.
    for name in ["000_af58de54e7000d7e.txt", "003_aa47c7ce85badae6.txt"] {
        send(&st, upload_request(&up, sample(name), name)).await;
    }
    let (s1, s2) = (st.store.clone(), st.store.clone());
    let (j1, j2) = tokio::join!(
        async move { s1.claim_job("w1", 60_000).await.unwrap() },
        async move { s2.claim_job("w2", 60_000).await.unwrap() },
    );
    let (j1, j2) = (j1.unwrap(), j2.unwrap());
    assert_ne!(j1.document_id, j2.document_id);
    assert!(st.store.claim_job("w3", 60_000).await.unwrap().is_none());
    st.store.release_job(&j1).await.unwrap();
    assert_eq!(
        st.store
            .claim_job("w3", 60_000)
            .await
            .unwrap()
            .unwrap()
            .document_id,
        j1.document_id
    );
}

async fn document_filters(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let d1 = uploaded(&st, &up, SAMPLE).await;
    let d2 = uploaded(&st, &up, "000_af58de54e7000d7e.txt").await;
    let get = |q: &str| {
        let st = st.clone();
        let a = a.clone();
        let q = q.to_string();
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
    assert_eq!(get("year=2022").await, [d1]);
    assert_eq!(get("status=done").await, [d2, d1]);
    assert_eq!(get("status=queued").await, Vec::<i64>::new());
    assert_eq!(get("review=unreviewed").await, [d2, d1]);
    let f = first_of(&st, &a, d1, "amount").await;
    review(&st, &a, &f, "confirm", json!({"version": 1})).await;
    assert_eq!(get("review=in_progress").await, [d1]);
    assert_eq!(get("review=unreviewed").await, [d2]);
    assert_eq!(get("limit=1").await, [d2]);
    assert_eq!(get("limit=1&offset=1").await, [d1]);
    let region = call(&st, "GET", &format!("/api/documents/{d1}"), Some(&a), None)
        .await
        .json()["region"]
        .clone();
    if let Some(region) = region.as_str() {
        let q = format!("region={}", urlencode(region));
        assert_eq!(get(&q).await, [d1]);
    }
    let r = call(&st, "GET", "/api/documents?status=bogus", Some(&a), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Fact filters: failed checks, subject search.
    let r = call(
        &st,
        "GET",
        &format!("/api/facts?document_id={d1}&failed_checks=true"),
        Some(&a),
        None,
    )
    .await;
    assert!(
        r.json()["facts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["failed_checks"].as_i64().unwrap() > 0)
    );
    let with_subject = facts_of(&st, &a, d1)
        .await
        .into_iter()
        .find(|f| f["subject"].is_string())
        .unwrap();
    let term: String = with_subject["subject"]
        .as_str()
        .unwrap()
        .chars()
        .take(2)
        .collect();
    let r = call(
        &st,
        "GET",
        &format!("/api/facts?subject={}", urlencode(&term)),
        Some(&a),
        None,
    )
    .await;
    let found = r.json()["facts"].as_array().unwrap().clone();
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|f| f["subject"].as_str().unwrap().contains(&term))
    );
    let r = call(&st, "GET", "/api/facts?subject=%25", Some(&a), None).await;
    assert!(
        r.json()["facts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["subject"].as_str().unwrap().contains('%'))
    );
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
        "/api/documents",
        "/api/documents/{id}",
        "/api/facts",
        "/api/facts/{id}/confirm",
        "/api/facts/{id}/correct",
        "/api/facts/{id}/reject",
        "/api/facts/{id}/undo",
        "/api/facts/{id}/history",
        "/api/facts/bulk-confirm",
        "/api/export",
        "/api/stats",
        "/api/tokens",
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
