//! Exports a spreadsheet opens safely: a CSV cell that would start a formula is written as
//! text (a leading `'`), while plain numbers — negative values too — stay numbers; XLSX holds
//! every text as a string cell, never a formula.

mod common;

use axum::http::StatusCode;
use calamine::{Data, Reader};
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};

both_backends!(csv_and_xlsx_exports_carry_no_formulas);

const FORMULA: &str = "=HYPERLINK(\"http://example.invalid\",\"点此\")";

async fn csv_and_xlsx_exports_carry_no_formulas(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "@王芳").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let amounts: Vec<&Value> = facts.iter().filter(|f| f["kind"] == "amount").collect();
    let corrections = [
        json!({"version": 1, "subject": FORMULA}),
        json!({"version": 1, "subject": "+1+cmd"}),
        // A plain negative number is no formula: it stays a number.
        json!({"version": 1, "subject": "-12.50", "value": "12.50"}),
    ];
    for (fact, body) in amounts.iter().zip(corrections) {
        let r = review(&st, &a, fact, "correct", body).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.bytes)
        );
    }

    let r = call(
        &st,
        "GET",
        "/api/export?format=csv&kind=amount",
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let mut rdr = csv::Reader::from_reader(&r.bytes[3..]);
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][col("主体")], format!("'{FORMULA}"));
    assert_eq!(&rows[1][col("主体")], "'+1+cmd");
    assert_eq!(
        &rows[2][col("主体")],
        "-12.50",
        "a negative number stays a number"
    );
    assert_eq!(&rows[2][col("值（精确）")], "12.5");
    for row in &rows {
        assert_eq!(&row[col("审核人")], "'@王芳");
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r'])
                    && (!cell.starts_with('-') || cell.parse::<f64>().is_ok()),
                "a live formula in the CSV: {cell:?}"
            );
        }
    }

    let r = call(
        &st,
        "GET",
        "/api/export?format=xlsx&kind=amount",
        Some(&a),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    let formulas = book.worksheet_formula("事实").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell of the sheet is a formula"
    );
    let range = book.worksheet_range("事实").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let subject = header.iter().position(|h| h == "主体").unwrap();
    let cell = range.get((1, subject)).unwrap();
    assert_eq!(
        cell,
        &Data::String(FORMULA.to_string()),
        "the text itself, as a string"
    );
}
