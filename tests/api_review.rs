//! Reviewing facts through the API: confirm, correct and reject, how a correction is
//! validated, undo, bulk confirmation as one audited action, and a fact's history.
//!
//! In-process (`app(state).oneshot`), on a fresh database per test: every test body runs on
//! SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

both_backends!(
    confirm_correct_reject,
    correction_is_validated,
    undo_restores_the_state_before,
    bulk_confirm_is_one_audited_action,
    a_bulk_confirm_is_undone_as_one_action,
    history_lists_every_decision,
);

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

async fn a_bulk_confirm_is_undone_as_one_action(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "a").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let before = facts_of(&st, &a, doc).await;
    let r = call(
        &st,
        "POST",
        "/api/facts/bulk-confirm",
        Some(&a),
        Some(json!({"document_id": doc, "table": 0})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let bulk = r.json();
    let confirmed: Vec<i64> = bulk["fact_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(confirmed.len() > 3);
    // One of them is decided again after the bulk action: its later decision stands.
    let later = confirmed[0];
    let r = review(
        &st,
        &a,
        &json!({"id": later}),
        "reject",
        json!({"version": 2, "reason": "duplicate"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    let undo = format!("/api/facts/bulk-confirm/{}/undo", bulk["bulk_id"]);
    let r = call(&st, "POST", &undo, Some(&a), None).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    let done = r.json();
    assert_eq!(done["undone"], confirmed.len() - 1);
    assert_eq!(done["skipped"], json!([later]));
    assert_ne!(
        done["bulk_id"], bulk["bulk_id"],
        "the undo is an action of its own"
    );

    let after = facts_of(&st, &a, doc).await;
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old["id"], new["id"]);
        if new["id"] == later {
            assert_eq!(new["status"], "rejected");
        } else {
            // Back where it stood, value and all; only the version moved on.
            assert_eq!(new["status"], old["status"], "{new}");
            assert_eq!(new["value"], old["value"]);
        }
    }
    // Each fact's history tells it: the confirm of the bulk action, then an undo of it
    // that belongs to the undo's own action.
    let h = history_of(&st, &a, confirmed[1]).await;
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0]["action"].as_str(), h[1]["action"].as_str()),
        (Some("confirm"), Some("undo"))
    );
    assert_eq!(h[1]["undoes"], h[0]["id"]);
    assert_eq!(h[1]["bulk_id"], done["bulk_id"]);

    // Undone once: nothing of it is left to undo; an undo is no bulk confirm; no such action.
    let r = call(&st, "POST", &undo, Some(&a), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let again = format!("/api/facts/bulk-confirm/{}/undo", done["bulk_id"]);
    let r = call(&st, "POST", &again, Some(&a), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(
        &st,
        "POST",
        "/api/facts/bulk-confirm/999999/undo",
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let reader = token(&db, Role::Reader, "r").await;
    let r = call(&st, "POST", &undo, Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
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
