//! Exports and statistics through the API: CSV, XLSX and JSON hold only confirmed and
//! corrected facts with every digit kept, a reader sees only settled facts, and `/api/stats`
//! counts decisions per kind.
//!
//! In-process (`app(state).oneshot`), on a fresh database per test: every test body runs on
//! SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

both_backends!(
    exports_hold_only_confirmed_and_corrected_exactly,
    stats_count_decisions_per_kind,
);

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
    // Headers in Chinese, for Excel; the decision time's column names its zone.
    let col = |n: &str| headers.iter().position(|h| h.starts_with(n)).unwrap();
    assert!(
        headers.iter().any(|h| h.starts_with("审核时间（UTC")),
        "{headers:?}"
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r[col("事实编号")].parse().unwrap())
        .collect();
    assert_eq!(ids, expected_ids);
    assert_eq!(&rows[1][col("值（精确）")], exact);
    assert_eq!(&rows[1][col("审核状态")], "已更正");
    let first = amounts[0]["value"].as_str().unwrap();
    assert_eq!(&rows[0][col("值（精确）")], first);
    // Amounts also as numbers in 元 and in 万元, exact in the file.
    assert_eq!(&rows[0][col("金额（元）")], first);
    let wan =
        rust_decimal::Decimal::from_str_exact(first).unwrap() / rust_decimal::Decimal::from(10_000);
    assert_eq!(&rows[0][col("金额（万元）")], wan.normalize().to_string());
    assert_eq!(&rows[1][col("金额（万元）")], "1234567890123.456789");
    assert_eq!(&rows[0][col("材料 SHA-256")], sha.as_str().unwrap());
    assert_eq!(&rows[0][col("审核人")], "王芳");
    assert_eq!(&rows[1][col("原文")], amounts[1]["text"].as_str().unwrap());
    // What the extractor first read stands beside the correction.
    assert_ne!(&rows[1][col("抽取原值")], exact);
    assert!(rows[1][col("抽取原值")].starts_with(amounts[1]["value"].as_str().unwrap()));
    assert_eq!(&rows[0][col("类别")], "金额");
    assert_eq!(&rows[0][col("地区")], "相山区");
    assert_eq!(&rows[0][col("年度")], "2022");
    assert!(!rows[0][col("材料标题")].is_empty());
    assert!(!rows[0][col("审核时间")].is_empty());
    // The file's name says what it holds; the ASCII name stays for old clients.
    let disposition = r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("filename=\"jixiao-facts.csv\""),
        "{disposition}"
    );
    let encoded: String = "相山区_2022_已确认事实_"
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{encoded}")),
        "{disposition}"
    );

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
    let range = book.worksheet_range("事实").unwrap();
    let grid: Vec<Vec<String>> = range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(grid.len(), 3);
    let vcol = grid[0].iter().position(|h| h == "值（精确）").unwrap();
    let icol = grid[0].iter().position(|h| h == "事实编号").unwrap();
    let ycol = grid[0].iter().position(|h| h == "金额（元）").unwrap();
    assert_eq!(grid[2][vcol], exact, "the exact value, as text");
    assert_eq!(grid[1][icol], expected_ids[0].to_string());
    // 元 as a number a spreadsheet can sum.
    let first: f64 = amounts[0]["value"].as_str().unwrap().parse().unwrap();
    assert_eq!(range.get((1, ycol)), Some(&calamine::Data::Float(first)));
    assert!(book.sheet_names().contains(&"校验结果".to_string()));

    // JSON with decimals as strings.
    let r = call(&st, "GET", "/api/export?format=json", Some(&reader), None).await;
    let rows = r.json()["facts"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["value"], exact);
    assert!(
        rows.iter()
            .all(|f| f["status"] == "confirmed" || f["status"] == "corrected")
    );

    // An assessor may ask for the rejected facts too, with the reason given.
    let r = call(
        &st,
        "GET",
        "/api/export?format=csv&status=rejected",
        Some(&a),
        None,
    )
    .await;
    let mut rdr = csv::Reader::from_reader(&r.bytes[3..]);
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][col("审核状态")], "已驳回");
    assert_eq!(&rows[0][col("驳回原因")], "不是事实");
    let disposition = r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("%E5%B7%B2%E9%A9%B3%E5%9B%9E"),
        "已驳回 in {disposition}"
    );

    // Filters apply; a reader asking for rejected facts still gets only settled ones.
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
