//! Scans in the job queue: a worker of the text lane hands a scan over unread, with its
//! pages to read shown; an OCR worker takes it; while the OCR worker is held on the scan, the
//! text documents behind it are extracted by the text lane. The engine here is a stand-in
//! for `tesseract` (a shell script named by `JIXIAO_TESSERACT`) that reads a fixed line and
//! holds on to each page while a `hold` file beside it exists, so "a long scan" is a state
//! the test controls, not a time. On SQLite, and on PostgreSQL when
//! `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use common::*;
use jixiao::store::documents::OcrProgress;
use jixiao::store::{Lane, Role, Store};
use jixiao::worker::{Lease, process_one_in};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

both_backends!(a_scan_goes_to_the_ocr_lane_and_text_flows_past_it);

/// Held by each test while it uses the stand-in engine's `hold` file.
static ENGINE_IN_USE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const TSV_HEADER: &str =
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";

/// The stand-in engine's directory, made and named to the library once per test binary.
fn engine_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let script = dir.join("tesseract");
        let page = format!(
            "{TSV_HEADER}\n1\t1\t0\t0\t0\t0\t0\t0\t1240\t1754\t-1\t\n\
             5\t1\t1\t1\t1\t1\t120\t200\t900\t40\t95\t项目年度预算资金120万元，实际支出96万元。\n"
        );
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n\
                 case \"$1\" in\n\
                 --version) echo 'tesseract 5.3.0'; exit 0;;\n\
                 --list-langs) printf 'List of available languages (1):\\nchi_sim\\n'; exit 0;;\n\
                 esac\n\
                 while [ -e '{hold}' ]; do sleep 0.05; done\n\
                 printf '%s' '{page}'\n",
                hold = dir.join("hold").display(),
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        // SAFETY: set once, before the library first looks for its engine, and this binary's
        // tests read the environment only through std (which serialises it).
        unsafe { std::env::set_var("JIXIAO_TESSERACT", &script) };
        dir
    })
}

/// A blank A4 page at 150 dpi: what the stand-in engine reads does not depend on it.
fn blank_scan() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(1240, 1754, image::Luma([255]));
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    bytes
}

async fn one(store: &Store, worker: &str, lane: Lane) -> bool {
    let (_stop, mut never) = tokio::sync::watch::channel(false);
    process_one_in(store, worker, &mut never, Lease::default(), lane)
        .await
        .unwrap()
}

/// Waits (without a time limit on what is asserted) until `ready` holds for the document.
async fn until(store: &Store, id: i64, ready: impl Fn(&jixiao::store::DocumentRow) -> bool) {
    for _ in 0..6000 {
        if ready(&store.document(id).await.unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("document {id} never reached the state waited for");
}

async fn a_scan_goes_to_the_ocr_lane_and_text_flows_past_it(db: TestDb) {
    let dir = engine_dir();
    let _engine = ENGINE_IN_USE.lock().await;
    let store = &db.store;
    let up = store.create_user("u", Role::Uploader).await.unwrap().0.id;
    // The scan first: the oldest job, which a single queue would give the next worker.
    let scan = store
        .upload(&blank_scan(), Some("scan.png"), Some(up))
        .await
        .unwrap()
        .document
        .id;
    let mut texts = Vec::new();
    for name in [
        "000_af58de54e7000d7e.txt",
        "002_c76de0c36188412a.txt",
        "003_aa47c7ce85badae6.txt",
    ] {
        let u = store.upload(&sample(name), Some(name), Some(up)).await;
        texts.push(u.unwrap().document.id);
    }

    // The text lane takes the scan, finds it is one and hands it over unread: queued again,
    // the attempt not counted, its one page shown as waiting.
    assert!(one(store, "text-1", Lane::Text).await);
    let d = store.document(scan).await.unwrap();
    assert_eq!((d.status.as_str(), d.attempts), ("queued", 0));
    assert_eq!(d.ocr_progress, Some(OcrProgress { done: 0, pages: 1 }));
    assert!(d.ocr.is_none());

    // The text lane does not take it again: its next job is the first text document.
    assert!(one(store, "text-1", Lane::Text).await);
    assert_eq!(store.document(texts[0]).await.unwrap().status, "done");
    assert_eq!(store.document(scan).await.unwrap().status, "queued");

    // An OCR worker takes the scan and is held on its page.
    let hold = dir.join("hold");
    std::fs::write(&hold, b"").unwrap();
    let ocr = tokio::spawn({
        let store = store.clone();
        async move { one(&store, "ocr-1", Lane::Ocr).await }
    });
    until(store, scan, |d| d.status == "processing").await;
    let d = store.document(scan).await.unwrap();
    assert_eq!(d.ocr_progress, Some(OcrProgress { done: 0, pages: 1 }));

    // Meanwhile the text lane extracts every text document and then finds nothing to do:
    // the scan in the OCR worker's hands is not its work.
    while one(store, "text-1", Lane::Text).await {}
    for &id in &texts {
        let d = store.document(id).await.unwrap();
        assert_eq!(d.status, "done", "document {id}: {:?}", d.error);
        assert!(d.facts_total > 0);
    }
    assert_eq!(store.document(scan).await.unwrap().status, "processing");

    // Let go of the page: the scan is read and stored with its OCR recorded.
    std::fs::remove_file(&hold).unwrap();
    assert!(ocr.await.unwrap());
    let d = store.document(scan).await.unwrap();
    assert_eq!(d.status, "done", "{:?}", d.error);
    assert_eq!(d.ocr.as_ref().and_then(|o| o["pages"].as_i64()), Some(1));
    assert_eq!(d.ocr_progress, None);
    assert!(d.facts_total > 0);

    // With no scan waiting, an OCR worker takes text documents too.
    let late = store
        .upload(
            &sample("004_354e2257854ed30b.txt"),
            Some("late.txt"),
            Some(up),
        )
        .await
        .unwrap()
        .document
        .id;
    assert!(one(store, "ocr-1", Lane::Ocr).await);
    assert_eq!(store.document(late).await.unwrap().status, "done");
}
