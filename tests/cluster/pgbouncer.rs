//! jixiao behind PgBouncer in transaction mode, where consecutive transactions of one client
//! connection run on different server connections: with `--transaction-pooling` every
//! statement runs in a transaction and no prepared statement is relied on beyond one, and a
//! server uploads, extracts, lists and takes decisions, single and bulk, through a pool of
//! two server connections shared by all of its own.
//! Skipped when the `pgbouncer` binary (Debian `pgbouncer`) is not installed.

use super::harness::*;
use crate::common::*;
use jixiao::store::Role;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Bouncer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// PgBouncer in transaction mode in front of the test server, two server connections per
/// database; `None` when it is not installed.
fn bouncer(upstream: &str) -> Option<Bouncer> {
    let binary = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(binary) = binary else {
        eprintln!("skipping PgBouncer: not installed (Debian package pgbouncer)");
        return None;
    };
    // postgres://user@host:port/db → the parts PgBouncer's [databases] line wants.
    let rest = upstream.split("://").nth(1).unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    let user = user.split(':').next().unwrap();
    let (hostport, _) = rest.split_once('/').unwrap();
    let (host, pg_port) = hostport.split_once(':').unwrap_or((hostport, "5432"));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let ini = dir.path().join("pgbouncer.ini");
    let users = dir.path().join("users.txt");
    std::fs::write(&users, format!("\"{user}\" \"\"\n")).unwrap();
    std::fs::write(
        &ini,
        format!(
            "[databases]\n* = host={host} port={pg_port}\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {}\npool_mode = transaction\n\
             default_pool_size = 2\nmax_client_conn = 200\n\
             ignore_startup_parameters = extra_float_digits\n",
            users.display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(binary);
    // PgBouncer will not run as root; as root it is told to become the postgres user, who
    // must be able to read its files.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        use std::os::unix::fs::PermissionsExt;
        for p in [dir.path(), &ini, &users] {
            let mode = if p.is_dir() { 0o755 } else { 0o644 };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        cmd.args(["-u", "postgres"]);
    }
    // Killed and waited for when dropped, also when it does not come up.
    let bouncer = Bouncer {
        child: cmd
            .arg(&ini)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        port,
        _dir: dir,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(bouncer);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("PgBouncer did not start on port {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_behind_pgbouncer_in_transaction_mode_works() {
    // Migrated directly, as README says: the migration lock is a session's.
    let Some(db) = postgres().await else { return };
    let Some(bouncer) = bouncer(&db.url) else {
        return;
    };
    let name = db.url.rsplit('/').next().unwrap();
    let through = format!("postgres://postgres@127.0.0.1:{}/{name}", bouncer.port);
    let up = token(&db, Role::Uploader, "up").await;
    let assessor = token(&db, Role::Assessor, "a").await;
    let server = Server::start(
        "server behind pgbouncer",
        &through,
        2,
        &[("JIXIAO_TRANSACTION_POOLING", "true")],
    );

    let mut docs = Vec::new();
    for name in [SAMPLE, "000_af58de54e7000d7e.txt"] {
        let (status, body) = http(
            server.addr,
            "POST",
            &format!("/api/documents?filename={name}"),
            &up,
            &sample(name),
        )
        .await;
        assert!(
            (200..300).contains(&status),
            "upload: {status}\n{}",
            server.proc.log()
        );
        docs.push(
            serde_json::from_slice::<Value>(&body).unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for &doc in &docs {
        eventually("processed", Duration::from_secs(300), || async {
            let (_, d) = http(
                server.addr,
                "GET",
                &format!("/api/documents/{doc}"),
                &up,
                b"",
            )
            .await;
            let d: Value = serde_json::from_slice(&d).unwrap();
            (d["status"] == "done").then_some(())
        })
        .await;
    }
    let (status, body) = http(
        server.addr,
        "GET",
        &format!("/api/facts?document_id={}&limit=1000", docs[0]),
        &assessor,
        b"",
    )
    .await;
    assert_eq!(status, 200);
    let facts = serde_json::from_slice::<Value>(&body).unwrap()["facts"]
        .as_array()
        .unwrap()
        .clone();
    // Many requests at once: the server's connections share PgBouncer's two.
    let decisions = facts.iter().take(30).map(|f| {
        let (id, version) = (f["id"].as_i64().unwrap(), f["version"].as_i64().unwrap());
        let (addr, assessor) = (server.addr, assessor.clone());
        async move {
            let path = format!("/api/facts/{id}/confirm");
            let (status, answer) = http_json(
                addr,
                "POST",
                &path,
                &assessor,
                json!({ "version": version }),
            )
            .await;
            (status, answer.to_string())
        }
    });
    let answers = futures_join_all(decisions).await;
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    let (status, body) = http_json(
        server.addr,
        "POST",
        "/api/facts/bulk-confirm",
        &assessor,
        json!({ "document_id": docs[1] }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = http(server.addr, "GET", "/api/ready", &assessor, b"").await;
    assert_eq!(status, 200);
    assert!(
        !server.proc.log().contains("prepared statement"),
        "{}",
        server.proc.log()
    );
}

/// Runs futures concurrently on the test's runtime and collects their outputs in order.
async fn futures_join_all<
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
>(
    futures: impl Iterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
