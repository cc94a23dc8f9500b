//! Documents through the API: an upload is queued, processed and read back with exact facts
//! and spans; PDF, DOCX and scans; the filters on document and fact lists; and a worker that
//! dies before its commit leaves no partial facts and its job is done again.
//!
//! In-process (`app(state).oneshot`), on a fresh database per test: every test body runs on
//! SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::store::{JobOutcome, Role};
use serde_json::{Value, json};

both_backends!(
    upload_then_facts_appear,
    pdf_docx_and_scan_uploads,
    crash_between_claim_and_commit_leaves_nothing_and_job_is_redone,
    document_filters,
    ocr_progress_shows_while_a_scan_is_read,
);

/// While a worker reads a scan, the document and the list show pages done of pages; once the
/// document is done, the progress is gone.
async fn ocr_progress_shows_while_a_scan_is_read(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let r = send(&st, upload_request(&up, sample(SAMPLE), SAMPLE)).await;
    let id = r.json()["id"].as_i64().unwrap();
    let job = st.store.claim_job("w", 60_000).await.unwrap().unwrap();
    assert!(st.store.set_ocr_progress(&job, 1, 3).await.unwrap());
    let d = call(&st, "GET", &format!("/api/documents/{id}"), Some(&up), None)
        .await
        .json();
    assert_eq!(d["status"], "processing");
    assert_eq!(d["ocr_progress"], json!({"done": 1, "pages": 3}));
    let list = call(&st, "GET", "/api/documents", Some(&up), None)
        .await
        .json();
    assert_eq!(
        list["documents"][0]["ocr_progress"],
        json!({"done": 1, "pages": 3})
    );
    let doc = jixiao::ingest::ingest(&job.content).unwrap();
    let extraction = jixiao::Extractor::shared().extract(&doc);
    let done = JobOutcome::Done {
        doc: &doc,
        extraction: &extraction,
    };
    assert!(st.store.finish_job(&job, done).await.unwrap());
    let d = call(&st, "GET", &format!("/api/documents/{id}"), Some(&up), None)
        .await
        .json();
    assert_eq!(d["status"], "done");
    assert!(d.get("ocr_progress").is_none(), "{d}");
    // A text document records no OCR.
    assert!(d.get("ocr").is_none(), "{d}");
    // Progress for a job no longer held is refused.
    assert!(!st.store.set_ocr_progress(&job, 2, 3).await.unwrap());
}

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
    // A scan is read by OCR where tesseract is installed, its facts pointing at OCR'd pages;
    // elsewhere it is "needs OCR" with a message saying what to install, not a document
    // with no facts.
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
    if jixiao::ingest::ocr::engine().is_some() {
        assert_eq!(doc["status"], "done", "{doc}");
        assert_eq!(doc["ocr"]["pages"], 2, "{doc}");
        assert!(
            doc["ocr"]["engine"]
                .as_str()
                .unwrap()
                .starts_with("tesseract")
        );
        let facts = facts_of(&st, &a, scan).await;
        assert!(facts.len() > 10);
        assert!(facts.iter().all(|f| f["provenance"]["source"] == "ocr_page"
            && f["provenance"]["confidence"].as_f64().is_some()));
    } else {
        assert_eq!(doc["status"], "needs_ocr");
        let error = doc["error"].as_str().unwrap_or("");
        assert!(
            error.contains("OCR") && error.contains("tesseract-ocr"),
            "{doc}"
        );
    }
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
