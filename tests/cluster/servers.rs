//! Several `jixiao serve` processes on one database, as behind a load balancer: a fact
//! decided through two servers at once has one winner and one 409, with one row in the
//! review log; a bulk confirm through one server and single decisions through the other
//! lose nothing; SIGTERM lets a request in flight finish; servers starting together migrate
//! once; a database migrated by a newer jixiao is refused at start and makes `/api/ready`
//! say no.

use super::harness::*;
use crate::common::*;
use jixiao::store::Role;
use serde_json::{Value, json};
use sqlx::AnyPool;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

/// Uploads a sample through `addr` and waits until a worker has processed it.
async fn processed_sample(addr: SocketAddr, token: &str) -> i64 {
    let (status, body) = http(
        addr,
        "POST",
        &format!("/api/documents?filename={SAMPLE}"),
        token,
        &sample(SAMPLE),
    )
    .await;
    assert!((200..300).contains(&status), "upload: {status}");
    let id = serde_json::from_slice::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    eventually("the upload processed", Duration::from_secs(300), || async {
        let (_, d) = http_json(
            addr,
            "GET",
            &format!("/api/documents/{id}"),
            token,
            Value::Null,
        )
        .await;
        (d["status"] == "done").then_some(())
    })
    .await;
    id
}

async fn facts(addr: SocketAddr, token: &str, doc: i64) -> Vec<Value> {
    let (status, body) = http_json(
        addr,
        "GET",
        &format!("/api/facts?document_id={doc}&limit=1000"),
        token,
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    body["facts"].as_array().unwrap().clone()
}

async fn log_rows(pool: &AnyPool, fact: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM review_log WHERE fact_id = $1")
        .bind(fact)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_decide_one_fact_with_one_winner_and_lose_no_update() {
    let Some(db) = postgres().await else { return };
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&db.url).await.unwrap();
    let up = token(&db, Role::Uploader, "up").await;
    let alice = token(&db, Role::Assessor, "alice").await;
    let bob = token(&db, Role::Assessor, "bob").await;
    let a = Server::start("server a", &db.url, 1, &[]);
    let b = Server::start("server b", &db.url, 0, &[]);
    let doc = processed_sample(a.addr, &up).await;
    let all = facts(b.addr, &bob, doc).await;
    assert!(all.len() > 40, "enough facts to race on: {}", all.len());

    // The same fact, the same version, through both servers at once.
    let (raced, rest) = all.split_at(20);
    for f in raced {
        let (id, version) = (f["id"].as_i64().unwrap(), f["version"].as_i64().unwrap());
        let (confirm, reject) = (
            format!("/api/facts/{id}/confirm"),
            format!("/api/facts/{id}/reject"),
        );
        let ((sa, _), (sb, _)) = tokio::join!(
            http_json(
                a.addr,
                "POST",
                &confirm,
                &alice,
                json!({ "version": version })
            ),
            http_json(
                b.addr,
                "POST",
                &reject,
                &bob,
                json!({ "version": version, "reason": "not_a_fact" })
            ),
        );
        let mut statuses = [sa, sb];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "fact {id}: one winner, one conflict");
        assert_eq!(log_rows(&pool, id).await, 1, "one log row for fact {id}");
        let (_, now) = http_json(
            a.addr,
            "GET",
            &format!("/api/facts/{id}"),
            &alice,
            Value::Null,
        )
        .await;
        let winner = if sa == 200 { "confirmed" } else { "rejected" };
        assert_eq!(now["status"], winner, "fact {id}");
    }

    // A bulk confirm through one server while the other rejects the same facts one by one.
    let pending: Vec<(i64, i64)> = rest
        .iter()
        .map(|f| (f["id"].as_i64().unwrap(), f["version"].as_i64().unwrap()))
        .collect();
    let singles = async {
        let mut won = HashSet::new();
        for &(id, version) in &pending {
            let (status, _) = http_json(
                b.addr,
                "POST",
                &format!("/api/facts/{id}/reject"),
                &bob,
                json!({ "version": version, "reason": "duplicate" }),
            )
            .await;
            assert!(status == 200 || status == 409, "reject {id}: {status}");
            if status == 200 {
                won.insert(id);
            }
        }
        won
    };
    let bulk = async {
        // Let a few single decisions land first, so both sides win some.
        tokio::time::sleep(Duration::from_millis(150)).await;
        http_json(
            a.addr,
            "POST",
            "/api/facts/bulk-confirm",
            &alice,
            json!({ "document_id": doc }),
        )
        .await
    };
    let (rejected, (bulk_status, bulk_body)) = tokio::join!(singles, bulk);
    assert_eq!(bulk_status, 200, "{bulk_body}");
    let confirmed: HashSet<i64> = bulk_body["fact_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(confirmed.is_disjoint(&rejected), "a fact won by both sides");
    for &(id, _) in &pending {
        let (_, now) = http_json(
            b.addr,
            "GET",
            &format!("/api/facts/{id}"),
            &bob,
            Value::Null,
        )
        .await;
        let expected = if rejected.contains(&id) {
            "rejected"
        } else {
            assert!(confirmed.contains(&id), "fact {id} decided by nobody");
            "confirmed"
        };
        assert_eq!(now["status"], expected, "fact {id}");
        assert_eq!(now["version"], 2, "fact {id}: one decision");
        assert_eq!(log_rows(&pool, id).await, 1, "one log row for fact {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_request_in_flight_finish() {
    let db = sqlite().await;
    let up = token(&db, Role::Uploader, "up").await;
    let mut server = Server::start("server", &db.url, 0, &[]);
    let body = sample(SAMPLE);
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /api/documents?filename=drain.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {up}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let half = body.len() / 2;
    s.write_all(&body[..half]).await.unwrap();
    s.flush().await.unwrap();
    // The upload is half sent when the server is told to stop.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.proc.terminate();
    tokio::time::sleep(Duration::from_millis(500)).await;
    s.write_all(&body[half..]).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let response = String::from_utf8_lossy(&out);
    assert!(
        response.starts_with("HTTP/1.1 201") || response.starts_with("HTTP/1.1 200"),
        "the upload in flight was answered: {response}"
    );
    let status = server.proc.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "{}", server.proc.log());
    // New connections are refused once it has gone; the document was kept.
    assert!(tokio::net::TcpStream::connect(server.addr).await.is_err());
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let id = serde_json::from_slice::<Value>(&out[split + 4..]).unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(db.store.document(id).await.unwrap().status, "queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_migrate_once() {
    let Some(bare) = bare_postgres().await else {
        return;
    };
    let runs: Vec<Proc> = (0..4)
        .map(|n| {
            Proc::spawn(
                &format!("migrate {n}"),
                &["migrate", "--database-url", &bare.url],
                &[],
            )
        })
        .collect();
    for run in runs {
        let (status, log) = run.finish(START);
        assert!(status.success(), "{log}");
    }
    let store = jixiao::store::Store::connect(&bare.url).await.unwrap();
    let status = store.schema_status().await.unwrap();
    assert!(status.is_current(), "{status:?}");
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&bare.url).await.unwrap();
    let (rows, versions): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(rows, versions, "each migration applied once");
}

/// Records a migration this binary does not know, as a newer jixiao would have.
async fn migrate_ahead(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&jixiao::store::database_url(url))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from a newer jixiao', TRUE, $1, 1)",
    )
    .bind(vec![0u8; 48])
    .execute(&pool)
    .await
    .unwrap();
}

async fn newer_schema_is_refused_at_start(db: TestDb) {
    migrate_ahead(&db.url).await;
    let (status, log) = Proc::spawn(
        "serve",
        &["serve", "--database-url", &db.url, "--bind", "127.0.0.1:0"],
        &[],
    )
    .finish(START);
    assert!(!status.success());
    assert!(log.contains("newer than this jixiao"), "{log}");
    assert!(!log.contains("Review page"), "{log}");
}

async fn ready_says_no_once_a_newer_jixiao_migrated(db: TestDb) {
    let st = state(&db);
    let r = call(&st, "GET", "/api/ready", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ready");
    migrate_ahead(&db.url).await;
    let r = call(&st, "GET", "/api/ready", None, None).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"]["code"], "not_ready");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("newer than this jixiao")
    );
    // Liveness is another question: the process is up.
    assert_eq!(
        call(&st, "GET", "/api/health", None, None).await.status,
        200
    );
}

crate::both_backends!(
    newer_schema_is_refused_at_start,
    ready_says_no_once_a_newer_jixiao_migrated,
);
