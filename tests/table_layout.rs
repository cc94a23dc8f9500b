//! Where a document's tables stand, end to end on both backends: a DOCX or PDF report's
//! tables come back with the document as cell spans of its text, every table fact inside a
//! cell, so the review page can draw them as tables and everything else as running text.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::Role;
use serde_json::Value;

both_backends!(tables_come_with_the_document);

async fn tables_come_with_the_document(db: TestDb) {
    let st = state(&db);
    let a = token(&db, Role::Assessor, "table-assessor").await;
    for name in [
        "002_c76de0c36188412a-table.docx",
        "002_c76de0c36188412a-table.pdf",
    ] {
        let id = uploaded(&st, &a, name).await;
        let r = call(&st, "GET", &format!("/api/documents/{id}"), Some(&a), None).await;
        assert_eq!(r.status, StatusCode::OK);
        let doc = r.json();
        let text: Vec<char> = doc["text"].as_str().unwrap().chars().collect();
        let tables = doc["tables"].as_array().expect("tables");
        assert!(!tables.is_empty(), "{name}: the table is given");
        let mut cells: Vec<(usize, usize)> = Vec::new();
        for table in tables {
            let rows = table.as_array().unwrap();
            assert!(rows.len() >= 2, "{name}: a table has rows");
            for cell in rows.iter().flat_map(|r| r.as_array().unwrap()) {
                let (start, end) = (span_end(cell, 0), span_end(cell, 1));
                assert!(
                    start <= end && end <= text.len(),
                    "{name}: a cell inside the text"
                );
                if end > start {
                    let written: String = text[start..end].iter().collect();
                    assert!(!written.trim().is_empty(), "{name}: a cell span holds text");
                    cells.push((start, end));
                }
            }
        }
        let facts = facts_of(&st, &a, id).await;
        let in_tables: Vec<&Value> = facts.iter().filter(|f| !f["table"].is_null()).collect();
        assert!(!in_tables.is_empty(), "{name}: the table gives facts");
        for f in in_tables {
            let (s, e) = (
                f["start"].as_u64().unwrap() as usize,
                f["end"].as_u64().unwrap() as usize,
            );
            assert!(
                cells.iter().any(|&(a, b)| a <= s && e <= b),
                "{name}: fact {} at {s}..{e} lies in a cell",
                f["text"]
            );
        }
    }
    // A text report has no ingested tables: the page finds its own.
    let id = uploaded(&st, &a, SAMPLE).await;
    let r = call(&st, "GET", &format!("/api/documents/{id}"), Some(&a), None).await;
    assert_eq!(r.json()["tables"], Value::Array(Vec::new()));
}

fn span_end(cell: &Value, i: usize) -> usize {
    cell[i].as_u64().expect("a code-point offset") as usize
}
