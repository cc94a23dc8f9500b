//! The job queue's leases: a claim is short and renewed while the worker works; a worker
//! starting on a host puts back the jobs of that host's processes that are gone; a document
//! that never finishes stops after `MAX_ATTEMPTS` with its error kept; shutdown puts the job
//! in hand back. On SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use common::*;
use jixiao::store::documents::MAX_ATTEMPTS;
use jixiao::store::{Role, Store};

both_backends!(
    stale_leases_of_gone_processes_are_released_at_start,
    a_document_out_of_attempts_is_failed_with_its_error_kept,
    renewing_keeps_the_job_and_a_lapsed_lease_frees_it,
    shutdown_puts_the_job_in_hand_back,
);

const HOUR_MS: i64 = 3_600_000;

/// Uploads samples as one uploader, without processing them; returns their ids.
async fn queued(db: &TestDb, names: &[&str]) -> Vec<i64> {
    let up = db
        .store
        .create_user("u", Role::Uploader)
        .await
        .unwrap()
        .0
        .id;
    let mut ids = Vec::new();
    for name in names {
        let u = db
            .store
            .upload(&sample(name), Some(name), Some(up))
            .await
            .unwrap();
        ids.push(u.document.id);
    }
    ids
}

async fn status(store: &Store, id: i64) -> (String, i64) {
    let d = store.document(id).await.unwrap();
    (d.status, d.attempts)
}

/// The pid of a process that has ended.
fn gone_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

async fn stale_leases_of_gone_processes_are_released_at_start(db: TestDb) {
    let ids = queued(
        &db,
        &[
            SAMPLE,
            "000_af58de54e7000d7e.txt",
            "001_769eb15e6e31c174.txt",
        ],
    )
    .await;
    let host = jixiao::worker::host_name();
    let holders = [
        format!("{host}:{}:0", gone_pid()),
        format!("elsewhere:{}:0", gone_pid()),
        format!("{host}:{}:1", std::process::id()),
    ];
    for holder in &holders {
        // Leases of an hour: only the release can free them now.
        db.store.claim_job(holder, HOUR_MS).await.unwrap().unwrap();
    }
    let released = jixiao::worker::release_stale_leases(&db.store)
        .await
        .unwrap();
    assert_eq!(released, 1);
    assert_eq!(status(&db.store, ids[0]).await, ("queued".into(), 1));
    assert_eq!(
        status(&db.store, ids[1]).await.0,
        "processing",
        "another host's job"
    );
    assert_eq!(
        status(&db.store, ids[2]).await.0,
        "processing",
        "a live process's job"
    );
    // The released job is taken up at once.
    let n = jixiao::worker::run_until_idle(&db.store, "next")
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(status(&db.store, ids[0]).await, ("done".into(), 2));
}

async fn a_document_out_of_attempts_is_failed_with_its_error_kept(db: TestDb) {
    let ids = queued(&db, &[SAMPLE, "000_af58de54e7000d7e.txt"]).await;
    // Each claim's lease has run out at once, as if its worker had been killed: the
    // documents are claimed again and again, each at most MAX_ATTEMPTS times.
    let mut claims = std::collections::HashMap::new();
    while let Some(job) = db.store.claim_job("doomed", -1).await.unwrap() {
        let n = claims.entry(job.document_id).or_insert(0);
        *n += 1;
        assert_eq!(job.attempts, *n);
        if job.document_id == ids[0] {
            db.store
                .note_job_error(&job, "the result could not be stored")
                .await
                .unwrap();
        }
        assert!(
            claims.values().sum::<i64>() <= 2 * MAX_ATTEMPTS,
            "{claims:?}"
        );
    }
    assert_eq!(claims[&ids[0]], MAX_ATTEMPTS);
    assert_eq!(claims[&ids[1]], MAX_ATTEMPTS);
    assert!(db.store.claim_job("next", HOUR_MS).await.unwrap().is_none());
    let first = db.store.document(ids[0]).await.unwrap();
    assert_eq!(
        (first.status.as_str(), first.attempts),
        ("failed", MAX_ATTEMPTS)
    );
    assert_eq!(
        first.error.as_deref(),
        Some("the result could not be stored")
    );
    let second = db.store.document(ids[1]).await.unwrap();
    assert_eq!(second.status, "failed");
    assert_eq!(
        second.error.as_deref(),
        Some(format!("processing did not finish in {MAX_ATTEMPTS} attempts").as_str())
    );
    assert_eq!(db.store.queued_jobs().await.unwrap(), 0);
}

async fn renewing_keeps_the_job_and_a_lapsed_lease_frees_it(db: TestDb) {
    let ids = queued(&db, &[SAMPLE]).await;
    let job = db.store.claim_job("w1", HOUR_MS).await.unwrap().unwrap();
    assert!(db.store.claim_job("w2", HOUR_MS).await.unwrap().is_none());
    assert!(db.store.renew_lease(&job, HOUR_MS).await.unwrap());
    assert!(db.store.claim_job("w2", HOUR_MS).await.unwrap().is_none());
    // A renewal that sets the lease in the past lets it lapse: another worker takes it,
    // and the first can no longer renew nor finish it.
    assert!(db.store.renew_lease(&job, -1).await.unwrap());
    let taken = db.store.claim_job("w2", HOUR_MS).await.unwrap().unwrap();
    assert_eq!((taken.document_id, taken.attempts), (ids[0], 2));
    assert!(!db.store.renew_lease(&job, HOUR_MS).await.unwrap());
    assert!(db.store.renew_lease(&taken, HOUR_MS).await.unwrap());
}

async fn shutdown_puts_the_job_in_hand_back(db: TestDb) {
    let ids = queued(&db, &[SAMPLE]).await;
    let (stop, mut shutdown) = tokio::sync::watch::channel(false);
    stop.send(true).unwrap();
    // Told to stop while the document is in hand: it goes back, the attempt not counted.
    let had_job =
        jixiao::worker::process_one_until(&db.store, "w", &mut shutdown, Default::default())
            .await
            .unwrap();
    assert!(had_job);
    assert_eq!(status(&db.store, ids[0]).await, ("queued".into(), 0));
    assert_eq!(db.store.document(ids[0]).await.unwrap().facts_total, 0);
    jixiao::worker::run_until_idle(&db.store, "w")
        .await
        .unwrap();
    assert_eq!(status(&db.store, ids[0]).await, ("done".into(), 1));
}
