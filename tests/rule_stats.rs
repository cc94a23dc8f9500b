//! Review by extraction rule: every stored fact carries the rule that produced it (API,
//! exports), `/api/stats?by=rule` counts decisions made through the API per rule against
//! counts worked by hand (corrections by field, rejections by reason, precision and its
//! Wilson interval, the documents where the rule failed most), a fact stored before rules
//! were recorded is counted as unrecorded, the rule's failed facts come out as JSON Lines
//! test cases, and `jixiao stats --by rule` prints the same from the terminal.
//!
//! In-process, on a fresh database per test: SQLite, and PostgreSQL when
//! `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};
use std::process::Command;

both_backends!(stats_by_rule_match_decisions_made_through_the_api);

const RULE: &str = "amount.inline";

fn of_rule<'a>(facts: &'a [Value], rule: &str) -> Vec<&'a Value> {
    facts.iter().filter(|f| f["rule"] == rule).collect()
}

async fn decide(st: &jixiao::http::AppState, token: &str, fact: &Value, verb: &str, body: Value) {
    let r = review(st, token, fact, verb, body).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{verb}: {}",
        String::from_utf8_lossy(&r.bytes)
    );
}

/// Sets a fact's rule to NULL, as rows stored before rules were recorded have it.
async fn forget_rule(db: &TestDb, fact_id: i64) {
    sqlx::any::install_default_drivers();
    let url = if db.url.starts_with("postgres") {
        db.url.clone()
    } else {
        format!("sqlite://{}", db.url)
    };
    let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE facts SET rule = NULL WHERE id = {fact_id}"
    )))
    .execute(&mut c)
    .await
    .unwrap();
}

fn rule_entry(stats: &Value, rule: &Value) -> Value {
    stats["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| &r["rule"] == rule)
        .unwrap_or_else(|| panic!("no entry for {rule} in {stats:#}"))
        .clone()
}

async fn stats_by_rule_match_decisions_made_through_the_api(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "王芳").await;
    let reader = token(&db, Role::Reader, "r").await;
    let one = uploaded(&st, &up, SAMPLE).await;
    let two = uploaded(&st, &up, "000_af58de54e7000d7e.txt").await;
    let facts_one = facts_of(&st, &a, one).await;
    let facts_two = facts_of(&st, &a, two).await;
    // Every stored fact names its rule, and the fact as extracted carries the same.
    for f in facts_one.iter().chain(&facts_two) {
        let rule = f["rule"].as_str().expect("a rule on every fact");
        assert!(jixiao::extract::Rule::parse(rule).is_some(), "{rule}");
        assert_eq!(f["original"]["rule"], f["rule"]);
    }
    let a1 = of_rule(&facts_one, RULE);
    let a2 = of_rule(&facts_two, RULE);
    assert_eq!((a1.len(), a2.len()), (5, 6));

    // Document one: 2 confirmed, the value of one corrected, the subject of another, one
    // rejected. Document two: 1 confirmed, 2 rejected, and one confirmed then undone.
    decide(&st, &a, a1[0], "confirm", json!({"version": 1})).await;
    decide(&st, &a, a1[1], "confirm", json!({"version": 1})).await;
    decide(
        &st,
        &a,
        a1[2],
        "correct",
        json!({"version": 1, "value": "7"}),
    )
    .await;
    decide(
        &st,
        &a,
        a1[3],
        "correct",
        json!({"version": 1, "subject": "新主体"}),
    )
    .await;
    let not_a_fact = json!({"version": 1, "reason": "not_a_fact", "note": "是文件名"});
    decide(&st, &a, a1[4], "reject", not_a_fact).await;
    decide(&st, &a, a2[0], "confirm", json!({"version": 1})).await;
    let wrong_span = json!({"version": 1, "reason": "wrong_span"});
    decide(&st, &a, a2[1], "reject", wrong_span).await;
    let duplicate = json!({"version": 1, "reason": "duplicate"});
    decide(&st, &a, a2[2], "reject", duplicate).await;
    decide(&st, &a, a2[3], "confirm", json!({"version": 1})).await;
    decide(&st, &a, a2[3], "undo", json!({"version": 2})).await;
    // Another rule: one rejection.
    let count = of_rule(&facts_one, "count.measure")[0];
    let wrong_value = json!({"version": 1, "reason": "wrong_value"});
    decide(&st, &a, count, "reject", wrong_value).await;
    // A fact stored before rules were recorded.
    let old = of_rule(&facts_two, "document.title")[0]["id"]
        .as_i64()
        .unwrap();
    forget_rule(&db, old).await;

    // The answer without `by` is the per-kind one, as before.
    let plain = call(&st, "GET", "/api/stats", Some(&a), None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.json()["kinds"].is_array() && plain.json()["rules"].is_null());
    let bad = call(&st, "GET", "/api/stats?by=colour", Some(&a), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let r = call(&st, "GET", "/api/stats?by=rule", Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let stats = r.json();
    assert_eq!(stats["by"], "rule");
    let s = rule_entry(&stats, &json!(RULE));
    assert_eq!(s["total"], 11);
    assert_eq!(s["pending"], 3);
    assert_eq!(s["confirmed"], 3);
    assert_eq!(s["corrected"], 2);
    assert_eq!(s["rejected"], 3);
    assert_eq!(s["decided"], 8);
    assert_eq!(s["corrected_fields"], json!({"value": 1, "subject": 1}));
    assert_eq!(
        s["rejected_reasons"],
        json!({"not_a_fact": 1, "wrong_span": 1, "duplicate": 1})
    );
    assert_eq!(s["precision"], 0.375);
    // Wilson, 3 of 8 at 95 %: (0.375 + 0.2401 ± 0.4125) / 1.4802, worked by hand.
    let interval = s["interval"].as_array().unwrap();
    assert!((interval[0].as_f64().unwrap() - 0.1368).abs() < 5e-4, "{s}");
    assert!((interval[1].as_f64().unwrap() - 0.6943).abs() < 5e-4, "{s}");
    let worst: Vec<(i64, i64, i64)> = s["worst_documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["document_id"].as_i64().unwrap(),
                d["corrected"].as_i64().unwrap(),
                d["rejected"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(worst, vec![(one, 2, 1), (two, 0, 2)]);
    assert_eq!(s["worst_documents"][0]["file_name"], SAMPLE);

    let c = rule_entry(&stats, &json!("count.measure"));
    assert_eq!(
        (c["rejected"].clone(), c["precision"].clone()),
        (json!(1), json!(0.0))
    );
    assert_eq!(c["rejected_reasons"], json!({"wrong_value": 1}));
    let titles =
        of_rule(&facts_two, "document.title").len() + of_rule(&facts_one, "document.title").len();
    assert_eq!(
        rule_entry(&stats, &json!("document.title"))["total"],
        titles - 1
    );
    let unrecorded = rule_entry(&stats, &Value::Null);
    assert_eq!(
        (unrecorded["total"].clone(), unrecorded["pending"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(unrecorded["precision"], Value::Null);
    assert_eq!(unrecorded["interval"], Value::Null);
    let fact = call(&st, "GET", &format!("/api/facts/{old}"), Some(&a), None).await;
    assert_eq!(fact.json()["rule"], Value::Null);

    // The cases: the rule's 2 corrected and 3 rejected facts, one JSON object a line.
    let uri = format!("/api/stats/rules/{RULE}/cases");
    let r = call(&st, "GET", &uri, Some(&a), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/x-ndjson")
    );
    let body = String::from_utf8(r.bytes.clone()).unwrap();
    let cases: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cases.len(), 5);
    for case in &cases {
        assert_eq!(case["rule"], RULE);
        assert_eq!(case["extracted"]["rule"], RULE);
        let w = &case["window"];
        let text: Vec<char> = w["text"].as_str().unwrap().chars().collect();
        let (s0, e0) = (
            w["fact_start"].as_u64().unwrap() as usize,
            w["fact_end"].as_u64().unwrap() as usize,
        );
        let fact_text = case["correction"]["text"]
            .as_str()
            .or(case["extracted"]["text"].as_str())
            .unwrap();
        assert_eq!(text[s0..e0].iter().collect::<String>(), fact_text, "{case}");
        // 80 characters either side, less only at the document's edges.
        assert!(s0 == 80 || w["start"] == 0, "{case}");
        assert!(text.len() - e0 <= 80, "{case}");
    }
    let by_fact = |f: &Value| {
        cases
            .iter()
            .find(|c| c["fact_id"] == f["id"])
            .unwrap_or_else(|| panic!("no case for fact {}", f["id"]))
            .clone()
    };
    let corrected = by_fact(a1[2]);
    assert_eq!(corrected["status"], "corrected");
    assert_eq!(corrected["correction"]["value"], "7");
    assert_eq!(corrected["extracted"]["value"], a1[2]["original"]["value"]);
    assert_eq!(corrected["document_id"], one);
    assert_eq!(corrected["file_name"], SAMPLE);
    let rejected = by_fact(a1[4]);
    assert_eq!(rejected["correction"], Value::Null);
    assert_eq!(
        (rejected["reason"].clone(), rejected["note"].clone()),
        (json!("not_a_fact"), json!("是文件名"))
    );
    assert_eq!(by_fact(a2[2])["reason"], "duplicate");

    let r = call(&st, "GET", &uri, Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &st,
        "GET",
        "/api/stats/rules/amount.nothing/cases",
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Exports name the rule: CSV column 抽取规则, JSON key rule.
    let csv = call(&st, "GET", "/api/export?format=csv", Some(&a), None).await;
    let mut csv = csv::Reader::from_reader(&csv.bytes[3..]);
    let col = csv
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "抽取规则")
        .expect("a 抽取规则 column");
    let rules: Vec<String> = csv.records().map(|r| r.unwrap()[col].to_string()).collect();
    // Confirmed and corrected facts of the rule: 3 + 2.
    assert_eq!(rules, vec![RULE.to_string(); 5]);
    let exported = call(&st, "GET", "/api/export?format=json", Some(&a), None)
        .await
        .json();
    assert!(
        exported["facts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] == RULE)
    );

    // The same from the terminal.
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["stats", "--by", "rule", "--database-url", &db.url])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let line = table
        .lines()
        .find(|l| l.starts_with("amount.inline "))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        &cells[..9],
        [
            "amount.inline",
            "11",
            "3",
            "3",
            "2",
            "3",
            "0.375",
            "[0.137,",
            "0.694]"
        ]
    );
    assert!(table.lines().any(|l| l.starts_with("未记录 ")), "{table}");
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args([
            "stats",
            "--by",
            "rule",
            "--cases",
            RULE,
            "--database-url",
            &db.url,
        ])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), body);
}
