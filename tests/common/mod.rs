//! Test support: a fresh database per test on SQLite (a temporary file) and, when
//! `JIXIAO_TEST_DATABASE_URL` is set, on PostgreSQL (a uniquely named database, dropped
//! after the test), plus helpers to call the API in-process.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use jixiao::http::{AppState, app};
use jixiao::store::{Role, Store};
use serde_json::Value;
use sqlx::Connection;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

pub const PG_ENV: &str = "JIXIAO_TEST_DATABASE_URL";

pub struct TestDb {
    pub store: Store,
    /// What `--database-url` would be for this database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// Admin URL and the name of the database to drop.
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            drop_postgres_database(admin, name);
        }
    }
}

fn drop_postgres_database(admin: String, name: String) {
    // Drop may run inside the test's runtime: do the async clean-up on a thread with its own.
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            if let Ok(mut c) = sqlx::AnyConnection::connect(&admin).await {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await;
            }
        });
    })
    .join();
}

fn unique_name() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "jixiao_test_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.db");
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    TestDb {
        store,
        url: path.to_str().unwrap().to_string(),
        _dir: Some(dir),
        pg: None,
    }
}

/// A new, empty PostgreSQL database: its URL, and its admin URL and name for dropping it.
async fn new_postgres_database() -> Option<(String, (String, String))> {
    let Ok(admin) = std::env::var(PG_ENV) else {
        eprintln!("skipping PostgreSQL: {PG_ENV} not set");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = unique_name();
    let mut c = sqlx::AnyConnection::connect(&admin)
        .await
        .expect("connecting to the PostgreSQL test server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let base = admin.split('?').next().unwrap();
    let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
    Some((url, (admin, name)))
}

pub async fn postgres() -> Option<TestDb> {
    let (url, pg) = new_postgres_database().await?;
    let store = Store::open(&url).await.unwrap();
    Some(TestDb {
        store,
        url,
        _dir: None,
        pg: Some(pg),
    })
}

/// A database with no schema yet, for migration tests: its sqlx URL and what keeps it
/// (dropping the guard removes it). PostgreSQL only when `JIXIAO_TEST_DATABASE_URL` is set.
pub struct BareDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgGuard>,
}

struct PgGuard(Option<(String, String)>);

impl Drop for PgGuard {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.0.take() {
            drop_postgres_database(admin, name);
        }
    }
}

pub async fn bare_sqlite() -> BareDb {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.db");
    BareDb {
        url: jixiao::store::database_url(path.to_str().unwrap()),
        _dir: Some(dir),
        _pg: None,
    }
}

pub async fn bare_postgres() -> Option<BareDb> {
    let (url, pg) = new_postgres_database().await?;
    Some(BareDb {
        url,
        _dir: None,
        _pg: Some(PgGuard(Some(pg))),
    })
}

/// A fresh database of `db`'s backend holding the schema up to migration `sqlite` (on SQLite)
/// or `postgres` (on PostgreSQL), as a build before the later migrations left it, and the
/// migrator that brings it up to date. `None` on PostgreSQL when it is not configured.
pub struct OldSchema {
    pub pool: sqlx::AnyPool,
    pub migrator: sqlx::migrate::Migrator,
    /// The database itself, removed when this is dropped: bind it for as long as `pool`.
    pub db: BareDb,
}

pub async fn old_schema(db: &TestDb, sqlite: i64, postgres: i64) -> Option<OldSchema> {
    let (bare, migrator, before) = match db.store.backend() {
        jixiao::store::Backend::Sqlite => (
            bare_sqlite().await,
            sqlx::migrate!("migrations/sqlite"),
            sqlite,
        ),
        jixiao::store::Backend::Postgres => (
            bare_postgres().await?,
            sqlx::migrate!("migrations/postgres"),
            postgres,
        ),
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&bare.url).await.unwrap();
    migrator.run_to(before, &pool).await.unwrap();
    Some(OldSchema {
        pool,
        migrator,
        db: bare,
    })
}

/// A self-evaluation form, one cell a line, as text: 更换课桌椅套数 scores 12 of 10
/// (score_cap, an error), the scores add up to 100.5 where the total says 98.5 (score_total,
/// an error), and 师生满意度 met its target but lost half a point with no reason given
/// (target_met_docked, a warning). With 12 corrected to 10 only the warning is left.
pub const SCORED_FORM: &str = "项目支出绩效自评表\n（2023年度）\n项目名称\n桐川县校舍维修改造项目\n主管部门\n桐川县教育局\n\
项目资金\n（万元）\n\n年初预算数\n全年预算数\n全年执行数\n分值\n执行率\n得分\n\
年度资金总额\n400.00\n400.00\n360.00\n10\n90.00%\n9\n\
其中：当年财政拨款\n400.00\n400.00\n360.00\n/\n/\n/\n\
绩效指标\n一级指标\n二级指标\n三级指标\n年度指标值\n实际完成值\n分值\n得分\n偏差原因分析及改进措施\n\
产出指标(50分)\n数量指标\n维修改造学校数量\n≥18所\n18所\n40\n40\n\n\
质量指标\n更换课桌椅套数\n≥2400套\n2400套\n10\n12\n\n\
效益指标(30分)\n社会效益指标\n受益学生人数\n≥9000人\n9120人\n30\n30\n\n\
满意度指标(10分)\n服务对象满意度指标\n师生满意度\n≥90%\n92%\n10\n9.5\n\n\
总分\n100\n98.5\n\n自评等级\n优\n";

/// Runs a test body once on SQLite and once on PostgreSQL (if configured).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::common::sqlite().await;
                super::$name(db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::common::postgres().await {
                    super::$name(db).await;
                }
            }
        }
    )*};
}

pub async fn token(db: &TestDb, role: Role, name: &str) -> String {
    db.store.create_user(name, role).await.unwrap().1
}

pub fn state(db: &TestDb) -> AppState {
    AppState::new(db.store.clone())
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|_| {
            panic!(
                "not JSON ({}): {}",
                self.status,
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }
}

pub async fn send(st: &AppState, req: Request<Body>) -> Resp {
    let res = app(st.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp {
        status,
        headers,
        bytes,
    }
}

pub fn request(method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

pub async fn call(
    st: &AppState,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Resp {
    send(st, request(method, uri, token, body)).await
}

/// A review decision (`confirm`, `correct`, `reject`, `undo`) on a fact, as `token`.
pub async fn review(st: &AppState, token: &str, fact: &Value, verb: &str, body: Value) -> Resp {
    let uri = format!("/api/facts/{}/{verb}", fact["id"]);
    call(st, "POST", &uri, Some(token), Some(body)).await
}

/// A fact's review history, oldest first.
pub async fn history_of(st: &AppState, token: &str, fact: impl std::fmt::Display) -> Vec<Value> {
    let r = call(
        st,
        "GET",
        &format!("/api/facts/{fact}/history"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["history"].as_array().unwrap().clone()
}

pub fn upload_request(token: &str, bytes: Vec<u8>, name: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(format!("/api/documents?filename={name}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap()
}

pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

pub const SAMPLE: &str = "002_c76de0c36188412a.txt";

/// Uploads a sample as `token` and processes the queue; returns the document id.
pub async fn uploaded(st: &AppState, token: &str, name: &str) -> i64 {
    let r = send(st, upload_request(token, sample(name), name)).await;
    assert!(r.status.is_success(), "upload: {}", r.status);
    let id = r.json()["id"].as_i64().unwrap();
    jixiao::worker::run_until_idle(&st.store, "test-worker")
        .await
        .unwrap();
    id
}

/// All facts of a document, as an assessor sees them.
pub async fn facts_of(st: &AppState, token: &str, doc: i64) -> Vec<Value> {
    let r = call(
        st,
        "GET",
        &format!("/api/facts?document_id={doc}&limit=1000"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["facts"].as_array().unwrap().clone()
}

/// The first fact of `kind` in a document, as an assessor sees it.
pub async fn first_of(st: &AppState, token: &str, doc: i64, kind: &str) -> Value {
    facts_of(st, token, doc)
        .await
        .into_iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} fact"))
}

/// `serve` on a free loopback port with `workers` in-process workers, until `stop` is sent:
/// its address, the stop, and the task that ends when the server has stopped.
pub async fn serve_on_loopback(
    store: &Store,
    workers: usize,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = jixiao::http::ServeOptions {
        workers,
        ocr_workers: 0,
        max_upload_bytes: 1 << 20,
        lease: Default::default(),
        rate_limit: Some(jixiao::http::RateLimit::DEFAULT),
    };
    let server = tokio::spawn(jixiao::http::serve(
        listener,
        store.clone(),
        options,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop, server)
}

/// One HTTP/1.1 request to a real server on its own connection; returns the status and the
/// body (de-chunked).
pub async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    http_typed(addr, method, path, token, "application/octet-stream", body).await
}

/// A JSON request to a real server (no body when `body` is null); the status and the JSON
/// answered (null when the answer is not JSON).
pub async fn http_json(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let bytes = if body.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(&body).unwrap()
    };
    let (status, out) = http_typed(addr, method, path, token, "application/json", &bytes).await;
    (status, serde_json::from_slice(&out).unwrap_or(Value::Null))
}

async fn http_typed(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = out[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}
