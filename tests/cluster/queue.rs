//! The job queue across worker processes: several `jixiao worker` processes racing over one
//! queue process each document once; a worker killed with SIGKILL mid-document loses its
//! job to another once its lease runs out, and the document gets one set of facts; a
//! document whose workers keep dying stops after the attempt cap with its error kept.

use super::harness::*;
use crate::common::*;
use jixiao::store::Role;
use jixiao::store::documents::MAX_ATTEMPTS;
use sqlx::AnyPool;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// A short self-evaluation report, different for each `i` (the store keeps one document
/// per distinct file).
fn small_report(i: usize) -> Vec<u8> {
    format!(
        "第{i}号项目绩效自评报告\n该项目年度预算资金{}.5万元，实际支出{}万元，预算执行率{}%。\n\
         全年开展培训{}场，培训{}人次，综合得分{}分，绩效评价等级为优秀。\n",
        100 + i,
        90 + i,
        80 + i % 20,
        3 + i % 7,
        40 + i,
        85 + i % 10
    )
    .into_bytes()
}

/// A report long enough that extracting it in a test build takes seconds, so a worker can be
/// killed while it is in hand: the sample once, then its prose many times over with every
/// number and title taken out (facts would hit the per-document cap and end reading early).
fn long_report() -> Vec<u8> {
    let sample = String::from_utf8(sample(SAMPLE)).unwrap();
    let prose: String = sample
        .chars()
        .filter(|c| !c.is_numeric() && !"%％《》〔〕.．".contains(*c))
        .collect();
    let mut out = sample;
    for _ in 0..300 {
        out.push('\n');
        out.push_str(&prose);
    }
    out.into_bytes()
}

/// Queues `bytes` as one uploader's file; its document id.
async fn queue_one(db: &TestDb, bytes: &[u8]) -> i64 {
    let up = db
        .store
        .create_user("u", Role::Uploader)
        .await
        .unwrap()
        .0
        .id;
    db.store
        .upload(bytes, Some("long.txt"), Some(up))
        .await
        .unwrap()
        .document
        .id
}

/// How many facts the extractor makes of `bytes`: what one processing stores.
async fn facts_made_of(bytes: Vec<u8>) -> i64 {
    tokio::task::spawn_blocking(move || jixiao::extract_bytes(&bytes).unwrap().facts.len() as i64)
        .await
        .unwrap()
}

struct Row {
    status: String,
    attempts: i64,
    claimed_by: Option<String>,
    error: Option<String>,
}

async fn document(pool: &AnyPool, id: i64) -> Row {
    let (status, attempts, claimed_by, error): (String, i64, Option<String>, Option<String>) =
        sqlx::query_as("SELECT status, attempts, claimed_by, error FROM documents WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap();
    Row {
        status,
        attempts,
        claimed_by,
        error,
    }
}

/// Stored facts per document, and whether any document holds a fact twice (the same
/// place in its sequence).
async fn stored_facts(pool: &AnyPool) -> (HashMap<i64, i64>, bool) {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT document_id, COUNT(*), COUNT(DISTINCT seq) FROM facts GROUP BY document_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let twice = rows.iter().any(|(_, n, distinct)| n != distinct);
    (rows.into_iter().map(|(d, n, _)| (d, n)).collect(), twice)
}

/// The pid in a worker's name (`host:pid:n`).
fn pid_of(worker: &str) -> u32 {
    worker.split(':').nth(1).unwrap().parse().unwrap()
}

async fn pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(url).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_process_each_document_once() {
    let Some(db) = postgres().await else { return };
    let pool = pool(&db.url).await;
    // The workers wait on an empty queue first, so they race from the first document on.
    let mut workers: Vec<Proc> = (0..3)
        .map(|n| spawn_worker(&format!("worker {n}"), &db.url, 2, "30"))
        .collect();
    for w in &mut workers {
        w.wait_for_log("worker started", START);
    }
    let up = db
        .store
        .create_user("u", Role::Uploader)
        .await
        .unwrap()
        .0
        .id;
    let mut expected = HashMap::new();
    for i in 0..300 {
        let bytes = small_report(i);
        let id = db
            .store
            .upload(&bytes, Some(&format!("{i}.txt")), Some(up))
            .await
            .unwrap()
            .document
            .id;
        expected.insert(id, facts_made_of(bytes).await);
    }
    eventually(
        "300 documents processed",
        Duration::from_secs(600),
        || async {
            let done: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE status = 'done'")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            (done == 300).then_some(())
        },
    )
    .await;

    let (facts, twice) = stored_facts(&pool).await;
    assert!(!twice, "a document holds a fact twice");
    let mut processes = HashSet::new();
    for (&id, &n) in &expected {
        let d = document(&pool, id).await;
        assert_eq!(
            (d.status.as_str(), d.attempts),
            ("done", 1),
            "document {id}"
        );
        assert_eq!(facts.get(&id).copied().unwrap_or(0), n, "facts of {id}");
        processes.insert(pid_of(&d.claimed_by.unwrap()));
    }
    assert!(n_facts(&facts) > 300, "the reports have facts");
    let pids: HashSet<u32> = workers.iter().map(Proc::pid).collect();
    assert!(
        processes.is_subset(&pids),
        "only the three workers processed"
    );
    assert!(processes.len() >= 2, "the processes raced: {processes:?}");
    for w in &workers {
        assert!(
            !w.log().contains("lease lost"),
            "{} lost a lease:\n{}",
            w.name,
            w.log()
        );
    }
}

fn n_facts(facts: &HashMap<i64, i64>) -> i64 {
    facts.values().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_document_is_taken_by_another_after_its_lease() {
    let Some(db) = postgres().await else { return };
    let pool = pool(&db.url).await;
    // Both wait on an empty queue, so neither starts while the other holds the job (a
    // worker starting on this host would put a dead process's job back at once; this test
    // is about the lease).
    let mut a = spawn_worker("worker a", &db.url, 1, "2");
    let mut b = spawn_worker("worker b", &db.url, 1, "2");
    a.wait_for_log("worker started", START);
    b.wait_for_log("worker started", START);
    let bytes = long_report();
    let id = queue_one(&db, &bytes).await;
    let holder = eventually("the document claimed", Duration::from_secs(60), || async {
        let d = document(&pool, id).await;
        (d.status == "processing").then(|| pid_of(&d.claimed_by.unwrap()))
    })
    .await;
    let (mut dead, survivor) = if holder == a.pid() { (a, b) } else { (b, a) };
    // Held past its 2-second lease by renewing it: the other worker does not take it.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let d = document(&pool, id).await;
    assert_eq!(d.status, "processing", "still in {}'s hands", dead.name);
    assert_eq!(pid_of(&d.claimed_by.unwrap()), dead.pid());
    dead.kill_hard();

    let expected = facts_made_of(bytes).await;
    eventually(
        "the document processed",
        Duration::from_secs(600),
        || async { (document(&pool, id).await.status == "done").then_some(()) },
    )
    .await;
    let d = document(&pool, id).await;
    assert_eq!(
        d.attempts, 2,
        "the killed attempt and the one that finished"
    );
    assert_eq!(pid_of(&d.claimed_by.unwrap()), survivor.pid());
    let (facts, twice) = stored_facts(&pool).await;
    assert!(!twice);
    assert_eq!(facts[&id], expected, "one set of facts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_whose_workers_keep_dying_fails_after_the_attempt_cap() {
    let Some(db) = postgres().await else { return };
    let pool = pool(&db.url).await;
    let id = queue_one(&db, &long_report()).await;
    for attempt in 1..=MAX_ATTEMPTS {
        let mut w = worker(&format!("worker {attempt}"), &db.url, 1, "2");
        eventually("the document claimed", Duration::from_secs(60), || async {
            let d = document(&pool, id).await;
            (d.status == "processing" && d.attempts == attempt).then_some(())
        })
        .await;
        w.kill_hard();
    }
    // The next worker puts the dead worker's job back and finds it out of attempts.
    let _last = worker("last worker", &db.url, 1, "2");
    eventually("the document given up", Duration::from_secs(60), || async {
        (document(&pool, id).await.status == "failed").then_some(())
    })
    .await;
    let d = document(&pool, id).await;
    assert_eq!(d.attempts, MAX_ATTEMPTS);
    let error = d.error.unwrap();
    assert!(
        error.contains(&format!("{MAX_ATTEMPTS} attempts")),
        "error kept: {error}"
    );
    assert!(!stored_facts(&pool).await.0.contains_key(&id));
}
