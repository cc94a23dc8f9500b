//! What the page view stands on: `GET /api/documents/{id}/original` gives back the uploaded
//! bytes with their media type and file name, to those who may see the document; and the OCR
//! confidence of facts, which the lists filter (`low_confidence=true`) and sort
//! (`sort=confidence`) by. Facts with OCR provenance are made by reading a text sample and
//! giving its lines (its blocks) `ocr_page` provenance, as OCR would, before extraction.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::ingest::{Block, Format, Provenance};
use jixiao::store::{JobOutcome, Role};
use serde_json::Value;

both_backends!(
    the_original_comes_back_with_its_type_and_name,
    low_confidence_facts_are_filtered_and_sorted,
);

fn header<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn the_original_comes_back_with_its_type_and_name(db: TestDb) {
    let st = state(&db);
    let owner = token(&db, Role::Uploader, "上传甲").await;
    let other = token(&db, Role::Uploader, "上传乙").await;
    let assessor = token(&db, Role::Assessor, "评审").await;
    let reader = token(&db, Role::Reader, "读者").await;
    let pdf = sample("000_af58de54e7000d7e.pdf");
    let name = "相山区2022年绩效报告.pdf";
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let r = send(&st, upload_request(&owner, pdf.clone(), &encoded)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let id = r.json()["id"].as_i64().unwrap();
    let uri = format!("/api/documents/{id}/original");

    // Queued or done, the bytes are the upload's, byte for byte.
    for who in [&owner, &assessor, &reader] {
        let r = call(&st, "GET", &uri, Some(who), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.bytes, pdf);
        assert_eq!(header(&r, "content-type"), "application/pdf");
        assert_eq!(
            header(&r, "content-disposition"),
            format!("attachment; filename=\"document-{id}.pdf\"; filename*=UTF-8''{encoded}")
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        assert_eq!(header(&r, "cache-control"), "private, no-store");
    }
    // Another uploader does not see it; nobody without a token; no such document.
    let r = call(&st, "GET", &uri, Some(&other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found");
    let r = call(&st, "GET", &uri, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = call(
        &st,
        "GET",
        "/api/documents/999999/original",
        Some(&assessor),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The same bytes uploaded by the other uploader under their name: their name comes back.
    let r = send(&st, upload_request(&other, pdf.clone(), "b.pdf")).await;
    assert_eq!(r.json()["id"], id);
    let r = call(&st, "GET", &uri, Some(&other), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        header(&r, "content-disposition"),
        "attachment; filename=\"b.pdf\"; filename*=UTF-8''b.pdf"
    );

    // A GBK text file comes back in its own encoding, said so.
    let gbk = sample("001_769eb15e6e31c174.gbk.txt");
    let gid = uploaded(&st, &owner, "001_769eb15e6e31c174.gbk.txt").await;
    let r = call(
        &st,
        "GET",
        &format!("/api/v1/documents/{gid}/original"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, gbk);
    assert_eq!(header(&r, "content-type"), "text/plain; charset=GBK");
}

/// Confidence given to the paragraphs of the sample in turn: below the threshold, at it, well
/// above.
const CONFIDENCES: [f64; 4] = [0.62, 0.80, 0.95, 0.79];

/// Uploads the text sample and stores it as if OCR had read it: each paragraph on page 1
/// with a box and a confidence from `CONFIDENCES` in turn.
async fn ocr_document(st: &jixiao::http::AppState, token: &str) -> i64 {
    let r = send(st, upload_request(token, sample(SAMPLE), SAMPLE)).await;
    let id = r.json()["id"].as_i64().unwrap();
    let job = st.store.claim_job("w", 60_000).await.unwrap().unwrap();
    let mut doc = jixiao::ingest::ingest(&job.content).unwrap();
    let mut n = 0usize;
    let mut next = || {
        n += 1;
        Provenance::OcrPage {
            page: 1,
            bbox: Some([72.0, 700.0 - n as f32, 500.0, 712.0 - n as f32]),
            confidence: CONFIDENCES[n % CONFIDENCES.len()],
        }
    };
    for block in &mut doc.blocks {
        match block {
            Block::Paragraph { provenance, .. } => *provenance = next(),
            Block::Table { provenance, .. } => {
                for p in provenance.iter_mut().flatten() {
                    *p = next();
                }
            }
        }
    }
    // Read as a photo of the page would be (a text file's provenance is its line and column).
    doc.format = Format::Image;
    let extraction = jixiao::Extractor::shared().extract(&doc);
    let done = JobOutcome::Done {
        doc: &doc,
        extraction: &extraction,
    };
    assert!(st.store.finish_job(&job, done).await.unwrap());
    id
}

fn confidence(f: &Value) -> Option<f64> {
    f["confidence"].as_f64()
}

async fn low_confidence_facts_are_filtered_and_sorted(db: TestDb) {
    let st = state(&db);
    let assessor = token(&db, Role::Assessor, "评审").await;
    let id = ocr_document(&st, &assessor).await;
    // A document not OCR'd beside it: its facts have no confidence.
    let plain = uploaded(&st, &assessor, "003_aa47c7ce85badae6.txt").await;

    let all = facts_of(&st, &assessor, id).await;
    assert!(all.len() > 10, "{} facts", all.len());
    // A fact in an OCR'd block carries its confidence; one outside every block (none here
    // but a few) has text provenance and none.
    let mut ocr = 0;
    for f in &all {
        if f["provenance"]["source"] != "ocr_page" {
            assert_eq!(f["confidence"], Value::Null, "{f}");
            continue;
        }
        ocr += 1;
        let c = confidence(f).unwrap_or_else(|| panic!("no confidence: {f}"));
        assert_eq!(f["provenance"]["confidence"].as_f64(), Some(c));
        assert_eq!(f["low_confidence"], c < 0.80, "{f}");
    }
    assert!(ocr * 10 > all.len() * 9, "{ocr} of {} OCR'd", all.len());
    let low: Vec<&Value> = all.iter().filter(|f| f["low_confidence"] == true).collect();
    assert!(!low.is_empty() && low.len() < all.len());
    assert!(all.iter().any(|f| confidence(f) == Some(0.80)));
    for f in facts_of(&st, &assessor, plain).await {
        assert_eq!(f["confidence"], Value::Null);
        assert_eq!(f["low_confidence"], false);
    }

    // /api/facts: the filter gives exactly the facts under 0.80, and its negation the rest.
    let get = |uri: String| {
        let st = st.clone();
        let t = assessor.clone();
        async move {
            let r = call(&st, "GET", &uri, Some(&t), None).await;
            assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.json());
            r.json()
        }
    };
    let ids = |v: &Value, key: &str| -> Vec<i64> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect()
    };
    let page = get(format!(
        "/api/facts?document_id={id}&low_confidence=true&limit=1000"
    ))
    .await;
    let mut want: Vec<i64> = low.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    let mut got = ids(&page, "facts");
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let rest = get("/api/facts?low_confidence=false&limit=1000".to_string()).await;
    let rest = rest["facts"].as_array().unwrap();
    assert!(rest.iter().all(|f| f["low_confidence"] == false));
    assert!(rest.iter().any(|f| f["document_id"] == plain));

    // Sorted by confidence: least sure first, facts not OCR'd last.
    let sorted = get("/api/facts?sort=confidence&limit=1000".to_string()).await;
    let keys: Vec<f64> = sorted["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| confidence(f).unwrap_or(2.0))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
    assert_eq!(keys[0], 0.62);
    assert_eq!(*keys.last().unwrap(), 2.0);
    let r = call(&st, "GET", "/api/facts?sort=value", Some(&assessor), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A document's facts page by page, by confidence: every fact once, in order.
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut uri = format!("/api/documents/{id}/facts?sort=confidence&limit=7");
        if let Some(n) = &next {
            uri += &format!("&after={n}");
        }
        let page = get(uri).await;
        seen.extend(page["facts"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => next = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), all.len());
    let order: Vec<(f64, i64, i64)> = seen
        .iter()
        .map(|f| {
            (
                confidence(f).unwrap_or(2.0),
                f["start"].as_i64().unwrap(),
                f["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // Only the doubtful ones, still paged.
    let page = get(format!(
        "/api/documents/{id}/facts?low_confidence=true&sort=confidence&limit=1000"
    ))
    .await;
    let got = ids(&page, "facts");
    assert_eq!(got.len(), low.len());
    // A reading-order cursor is no confidence cursor.
    let r = call(
        &st,
        "GET",
        &format!("/api/documents/{id}/facts?sort=confidence&after=12.3"),
        Some(&assessor),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
