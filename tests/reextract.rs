//! Re-extraction keeps what assessors decided: a decision survives when its fact is read
//! again unchanged or at a moved span; a value read differently goes back to pending with the
//! reason in its history; a decided fact no longer read stays visible as orphaned; a second
//! run is a no-op; a run that stops part-way leaves every document either as it was or
//! re-extracted, and running again completes it.
//!
//! A newer extractor is simulated by a reader that edits the stored text before extracting it
//! (text inserted before every fact, a figure blanked out) or edits the facts it gives.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::reextract::{Options, Reader, Selection, Summary};
use jixiao::store::reextract::Reread;
use jixiao::store::{Actor, Role};
use jixiao::{Extractor, FactValue};
use serde_json::{Value, json};
use std::sync::Arc;

both_backends!(
    a_decision_survives_and_a_second_run_is_a_no_op,
    a_moved_span_carries_its_decision_over,
    a_changed_value_goes_back_to_pending_with_history,
    a_decided_fact_no_longer_read_stays_visible_as_orphaned,
    a_run_stopped_part_way_leaves_documents_whole_and_a_rerun_completes,
    the_admin_route_runs_and_refuses_bad_requests,
);

/// Reads each document's stored text through `edit` and extracts it.
fn reading(edit: impl Fn(&str) -> String + Send + Sync + 'static) -> Reader {
    Arc::new(move |stored| {
        let text = edit(stored.text.as_deref().unwrap_or_default());
        let extraction = jixiao::analyze_text(&Extractor::shared(), &text);
        Ok(Reread {
            text,
            tables: None,
            extraction,
        })
    })
}

fn options(version: &str, reader: Reader) -> Options {
    let mut o = Options::new(
        Selection::All,
        Actor {
            user_id: None,
            name: "测试".into(),
        },
    );
    o.version = version.into();
    o.reader = reader;
    o.jobs = 2;
    o
}

async fn run(db: &TestDb, o: &Options) -> Summary {
    jixiao::reextract::run(&db.store, o, None).await.unwrap()
}

/// The first fact of `kind` whose text occurs once in the document.
fn unique_fact<'a>(facts: &'a [Value], text: &str, kind: &str) -> &'a Value {
    facts
        .iter()
        .find(|f| f["kind"] == kind && text.matches(f["text"].as_str().unwrap()).count() == 1)
        .unwrap_or_else(|| panic!("no {kind} fact with a text of its own"))
}

async fn fact(st: &jixiao::http::AppState, token: &str, id: &Value) -> Value {
    let r = call(st, "GET", &format!("/api/facts/{id}"), Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
}

async fn stored_text(db: &TestDb, doc: i64) -> String {
    db.store.document_text(doc).await.unwrap().unwrap()
}

async fn a_decision_survives_and_a_second_run_is_a_no_op(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let amount = facts.iter().find(|f| f["kind"] == "amount").unwrap();
    let rating = facts.iter().find(|f| f["kind"] == "rating").unwrap();
    assert_eq!(
        review(&st, &a, amount, "confirm", json!({"version": 1}))
            .await
            .status,
        StatusCode::OK
    );
    let r = review(
        &st,
        &a,
        rating,
        "reject",
        json!({"version": 1, "reason": "not_a_fact"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    let same = reading(str::to_string);
    let s = run(&db, &options("next", same.clone())).await;
    assert_eq!((s.reextracted, s.skipped), (1, 0));
    assert_eq!(s.facts.kept, facts.len() as i64, "{s:?}");
    assert_eq!(
        (
            s.facts.new,
            s.facts.changed,
            s.facts.orphaned,
            s.facts.removed_pending
        ),
        (0, 0, 0, 0)
    );
    let after = facts_of(&st, &a, doc).await;
    assert_eq!(after.len(), facts.len());
    let kept = fact(&st, &a, &amount["id"]).await;
    assert_eq!(
        (kept["status"].clone(), kept["version"].clone()),
        (json!("confirmed"), json!(2))
    );
    assert_eq!(kept["reviewed_by"], "王芳");
    assert_eq!(kept["extractor_version"], "next");
    assert_eq!(kept["orphaned"], false);
    assert_eq!(fact(&st, &a, &rating["id"]).await["status"], "rejected");
    assert_eq!(history_of(&st, &a, &amount["id"]).await.len(), 1);
    let r = call(&st, "GET", &format!("/api/documents/{doc}"), Some(&a), None).await;
    assert_eq!(r.json()["extractor_version"], "next");

    // Again at the same version: nothing to do.
    let s = run(&db, &options("next", same.clone())).await;
    assert_eq!((s.reextracted, s.skipped, s.run_id), (0, 1, None));
    assert_eq!(facts_of(&st, &a, doc).await, after);
    // Forced, the same reading changes nothing either.
    let mut forced = options("next", same);
    forced.force = true;
    let s = run(&db, &forced).await;
    assert_eq!((s.reextracted, s.facts.kept), (1, facts.len() as i64));
    assert_eq!(facts_of(&st, &a, doc).await, after);

    // Each run that wrote is audited: who, versions, counts.
    let runs: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT actor, to_version, documents FROM reextract_runs ORDER BY id")
            .fetch_all(db.store.writer_pool())
            .await
            .unwrap();
    assert_eq!(
        runs,
        vec![
            ("测试".into(), "next".into(), 1),
            ("测试".into(), "next".into(), 1)
        ]
    );
    let rows: Vec<(Option<String>, String, i64)> = sqlx::query_as(
        "SELECT from_version, to_version, kept FROM reextract_documents ORDER BY id",
    )
    .fetch_all(db.store.writer_pool())
    .await
    .unwrap();
    assert_eq!(rows[0].0.as_deref(), Some(jixiao::store::EXTRACTOR_VERSION));
    assert_eq!(
        rows[1],
        (Some("next".into()), "next".into(), facts.len() as i64)
    );
}

async fn a_moved_span_carries_its_decision_over(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let text = stored_text(&db, doc).await;
    let confirmed = unique_fact(&facts, &text, "amount").clone();
    let corrected = facts
        .iter()
        .find(|f| f["kind"] == "percent" || f["kind"] == "count")
        .unwrap()
        .clone();
    assert_eq!(
        review(&st, &a, &confirmed, "confirm", json!({"version": 1}))
            .await
            .status,
        StatusCode::OK
    );
    let value = if corrected["kind"] == "count" {
        json!(7)
    } else {
        json!("7")
    };
    let r = review(
        &st,
        &a,
        &corrected,
        "correct",
        json!({"version": 1, "value": value}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );

    // A newer reading finds a fact before all the others: every span moves.
    let prefix = "说明：本报告另附材料3份。\n";
    let shift = prefix.chars().count() as i64;
    let s = run(
        &db,
        &options("next", reading(move |t| format!("{prefix}{t}"))),
    )
    .await;
    assert_eq!(s.facts.kept, facts.len() as i64, "{s:?}");
    assert!(s.facts.new >= 1, "{s:?}");
    assert_eq!(
        (s.facts.changed, s.facts.orphaned, s.facts.removed_pending),
        (0, 0, 0)
    );

    let moved = fact(&st, &a, &confirmed["id"]).await;
    assert_eq!(moved["status"], "confirmed");
    assert_eq!(moved["version"], 2);
    assert_eq!(moved["start"], confirmed["start"].as_i64().unwrap() + shift);
    assert_eq!(moved["text"], confirmed["text"]);
    let text = stored_text(&db, doc).await;
    let at: String = text
        .chars()
        .skip(moved["start"].as_u64().unwrap() as usize)
        .take(moved["text"].as_str().unwrap().chars().count())
        .collect();
    assert_eq!(at, moved["text"].as_str().unwrap());
    let still = fact(&st, &a, &corrected["id"]).await;
    assert_eq!(still["status"], "corrected");
    assert_eq!(still["value"], value);
    assert_eq!(still["start"], corrected["start"].as_i64().unwrap() + shift);
    // The new fact is pending; every fact's span is its text.
    let after = facts_of(&st, &a, doc).await;
    assert_eq!(after.len() as i64, facts.len() as i64 + s.facts.new);
    let fresh: Vec<&Value> = after
        .iter()
        .filter(|f| f["start"].as_i64().unwrap() < shift)
        .collect();
    assert!(!fresh.is_empty() && fresh.iter().all(|f| f["status"] == "pending"));
    let r = call(&st, "GET", &format!("/api/documents/{doc}"), Some(&a), None).await;
    assert_eq!(r.status, StatusCode::OK);
}

async fn a_changed_value_goes_back_to_pending_with_history(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let amount = facts
        .iter()
        .find(|f| f["kind"] == "amount")
        .unwrap()
        .clone();
    let r = review(
        &st,
        &a,
        &amount,
        "confirm",
        json!({"version": 1, "note": "核对无误"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    // The newer extractor reads one yuan more at the same place.
    let start = amount["start"].as_u64().unwrap() as usize;
    let reader: Reader = Arc::new(move |stored| {
        let text = stored.text.clone().unwrap_or_default();
        let mut extraction = jixiao::analyze_text(&Extractor::shared(), &text);
        for f in extraction.facts.iter_mut().filter(|f| f.start == start) {
            if let FactValue::Decimal(d) = &mut f.value {
                *d += rust_decimal::Decimal::ONE;
            }
        }
        Ok(Reread {
            text,
            tables: None,
            extraction,
        })
    });
    let s = run(&db, &options("next", reader)).await;
    assert_eq!(s.facts.changed, 1, "{s:?}");
    assert_eq!(s.facts.kept, facts.len() as i64 - 1);

    let old_value: rust_decimal::Decimal = amount["value"].as_str().unwrap().parse().unwrap();
    let new_value = (old_value + rust_decimal::Decimal::ONE)
        .normalize()
        .to_string();
    let f = fact(&st, &a, &amount["id"]).await;
    assert_eq!(f["status"], "pending");
    assert_eq!(f["value"], new_value);
    assert_eq!(f["version"], 3);
    assert_eq!(f["reviewed_by"], Value::Null);
    let history = history_of(&st, &a, &amount["id"]).await;
    assert_eq!(history.len(), 2);
    let e = &history[1];
    assert_eq!(
        (e["action"].clone(), e["actor"].clone()),
        (json!("reextract"), json!("reextract"))
    );
    assert_eq!(e["before"]["status"], "confirmed");
    assert_eq!(e["before"]["value"], amount["value"]);
    assert_eq!(e["after"]["status"], "pending");
    assert_eq!(e["after"]["value"], new_value);
    assert!(e["note"].as_str().unwrap().contains("新版抽取"));
}

async fn a_decided_fact_no_longer_read_stays_visible_as_orphaned(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let text = stored_text(&db, doc).await;
    let gone = unique_fact(&facts, &text, "amount").clone();
    assert_eq!(
        review(&st, &a, &gone, "confirm", json!({"version": 1}))
            .await
            .status,
        StatusCode::OK
    );

    // The newer reading no longer finds that figure (nor any fact of the same text).
    let figure = gone["text"].as_str().unwrap().to_string();
    let blank = "■".repeat(figure.chars().count());
    let (f2, b2) = (figure.clone(), blank.clone());
    let edit = move |t: &str| t.replace(&figure, &blank);
    let restore = move |t: &str| t.replace(&b2, &f2);
    let s = run(&db, &options("next", reading(edit.clone()))).await;
    assert_eq!(s.facts.orphaned, 1, "{s:?}");

    let f = fact(&st, &a, &gone["id"]).await;
    assert_eq!(
        (f["status"].clone(), f["orphaned"].clone()),
        (json!("confirmed"), json!(true))
    );
    assert!(f["orphaned_at"].is_string());
    let uri = format!("/api/facts?document_id={doc}&orphaned=true");
    let r = call(&st, "GET", &uri, Some(&a), None).await;
    let orphans = r.json()["facts"].as_array().unwrap().clone();
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0]["id"], gone["id"]);
    let r = call(
        &st,
        "GET",
        &format!("/api/facts?document_id={doc}&orphaned=false&limit=1000"),
        Some(&a),
        None,
    )
    .await;
    assert!(
        r.json()["facts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != gone["id"])
    );
    // The document's checks still name live facts only.
    let r = call(&st, "GET", &format!("/api/documents/{doc}"), Some(&a), None).await;
    assert_eq!(r.status, StatusCode::OK);
    for c in r.json()["checks"].as_array().into_iter().flatten() {
        assert!(
            c["facts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|id| *id != gone["id"])
        );
    }

    // Forced again with the same reading: the orphan stays, counted once.
    let mut again = options("next", reading(edit));
    again.force = true;
    let s = run(&db, &again).await;
    assert_eq!((s.facts.orphaned, s.facts.removed_pending), (0, 0));
    assert_eq!(fact(&st, &a, &gone["id"]).await["orphaned"], true);

    // A reading that finds it again takes it back.
    let s = run(&db, &options("later", reading(restore))).await;
    assert_eq!(s.facts.orphaned, 0);
    let f = fact(&st, &a, &gone["id"]).await;
    assert_eq!(
        (f["status"].clone(), f["orphaned"].clone()),
        (json!("confirmed"), json!(false))
    );
}

async fn a_run_stopped_part_way_leaves_documents_whole_and_a_rerun_completes(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let mut docs = Vec::new();
    for name in [
        "000_af58de54e7000d7e.txt",
        "002_c76de0c36188412a.txt",
        "003_aa47c7ce85badae6.txt",
    ] {
        let doc = uploaded(&st, &up, name).await;
        let facts = facts_of(&st, &a, doc).await;
        let r = review(&st, &a, &facts[0], "confirm", json!({"version": 1})).await;
        assert_eq!(r.status, StatusCode::OK);
        docs.push((doc, facts_of(&st, &a, doc).await));
    }
    let prefix = "附件3份。\n";
    let mut crashing = options("next", reading(move |t| format!("{prefix}{t}")));
    crashing.jobs = 1;
    crashing.crash_at = Some(2);
    assert!(
        jixiao::reextract::run(&db.store, &crashing, None)
            .await
            .is_err()
    );

    let version = |doc: i64| {
        let st = st.clone();
        let a = a.clone();
        async move {
            let r = call(&st, "GET", &format!("/api/documents/{doc}"), Some(&a), None).await;
            r.json()["extractor_version"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(version(docs[0].0).await, "next");
    for (doc, before) in &docs[1..] {
        assert_eq!(version(*doc).await, jixiao::store::EXTRACTOR_VERSION);
        assert_eq!(
            &facts_of(&st, &a, *doc).await,
            before,
            "document {doc} is as it was"
        );
        assert!(!stored_text(&db, *doc).await.starts_with(prefix));
    }

    crashing.crash_at = None;
    let s = run(&db, &crashing).await;
    assert_eq!((s.reextracted, s.skipped), (2, 1));
    for (doc, before) in &docs {
        assert_eq!(version(*doc).await, "next");
        assert!(stored_text(&db, *doc).await.starts_with(prefix));
        let first = fact(&st, &a, &before[0]["id"]).await;
        assert_eq!(first["status"], "confirmed", "document {doc}");
    }
    let s = run(&db, &crashing).await;
    assert_eq!((s.reextracted, s.skipped), (0, 3));
}

async fn the_admin_route_runs_and_refuses_bad_requests(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let admin = token(&db, Role::Admin, "管理员").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let n = facts_of(&st, &a, doc).await.len() as i64;

    let post = |token: String, body: Value| {
        let st = st.clone();
        async move {
            call(
                &st,
                "POST",
                "/api/admin/reextract",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    // Already at the current version: skipped unless forced.
    let r = post(admin.clone(), json!({"all": true})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (r.json()["skipped"].clone(), r.json()["reextracted"].clone()),
        (json!(1), json!(0))
    );
    let r = post(
        admin.clone(),
        json!({"documents": [doc], "force": true, "dry_run": true}),
    )
    .await;
    let s = r.json();
    assert_eq!(
        (s["dry_run"].clone(), s["run_id"].clone(), s["kept"].clone()),
        (json!(true), Value::Null, json!(n))
    );
    let r = post(admin.clone(), json!({"documents": [doc], "force": true})).await;
    let s = r.json();
    assert_eq!(
        (
            s["reextracted"].clone(),
            s["kept"].clone(),
            s["new"].clone()
        ),
        (json!(1), json!(n), json!(0))
    );
    assert!(s["run_id"].is_i64());

    assert_eq!(
        post(a.clone(), json!({"all": true})).await.status,
        StatusCode::FORBIDDEN
    );
    for bad in [
        json!({}),
        json!({"all": true, "documents": [doc]}),
        json!({"documents": []}),
        json!({"documents": [doc + 1000]}),
        json!({"all": true, "everything": true}),
    ] {
        let r = post(admin.clone(), bad.clone()).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
    }
}
