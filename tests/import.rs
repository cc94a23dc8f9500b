//! `jixiao import DIR`: every file becomes a queued document; running it again adds nothing
//! (dedupe by SHA-256), so an interrupted import is resumed by re-running it.

mod common;

use common::*;
use jixiao::store::{DocumentFilter, Role};

both_backends!(import_is_resumable);

async fn import_is_resumable(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("2022");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(dir.path().join("a.txt"), sample(SAMPLE)).unwrap();
    std::fs::write(sub.join("b.txt"), sample("000_af58de54e7000d7e.txt")).unwrap();
    // A copy under another name is the same document.
    std::fs::write(sub.join("a-copy.txt"), sample(SAMPLE)).unwrap();

    let code = jixiao::service::import(&jixiao::service::Database::direct(&db.url), dir.path(), 2)
        .await
        .unwrap();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    let all = DocumentFilter {
        limit: 100,
        ..DocumentFilter::default()
    };
    let docs = db.store.list_documents(&all).await.unwrap();
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(|d| d.status == "queued"));

    // Interrupted, then run again with one more file: only the new one is added.
    std::fs::write(sub.join("c.txt"), sample("003_aa47c7ce85badae6.txt")).unwrap();
    jixiao::service::import(&jixiao::service::Database::direct(&db.url), dir.path(), 2)
        .await
        .unwrap();
    assert_eq!(db.store.list_documents(&all).await.unwrap().len(), 3);

    let n = jixiao::worker::run_until_idle(&db.store, "w")
        .await
        .unwrap();
    assert_eq!(n, 3);
    let st = state(&db);
    let a = token(&db, Role::Assessor, "a").await;
    for d in db.store.list_documents(&all).await.unwrap() {
        assert_eq!(d.status, "done");
        assert!(!facts_of(&st, &a, d.id).await.is_empty());
    }
}
