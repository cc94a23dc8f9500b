//! Storage: documents, their facts, checks and forms, the append-only review log, and the users who
//! hold tokens, in SQLite (the default, one file in WAL mode) or PostgreSQL. Both backends run
//! the same SQL through sqlx's `Any` driver; only the job claim differs (PostgreSQL uses
//! `FOR UPDATE SKIP LOCKED` so several servers can share a database). Decimals are TEXT on
//! both: exact, never float. Times are Unix milliseconds.

mod bulk;
mod decisions;
pub mod documents;
mod events;
pub mod facts;
pub mod findings;
mod jobs;
pub mod links;
pub mod queue;
pub mod reextract;
pub mod rule_stats;
mod schema;
pub mod sync;
pub mod users;
pub mod webhooks;
mod writer;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use std::time::Duration;

pub use bulk::BulkUndone;
pub use decisions::Decided;
pub use documents::{Assignee, CheckRow, DocumentRow, Job, JobOutcome, Upload};
pub use events::LogEvent;
pub use facts::{
    Actor, DocumentFactsPage, ExportRow, FactCursor, FactFilter, FactOrder, FactRow, HistoryEntry,
    KindStats,
};
pub use findings::{FindingFilter, FindingRow};
pub use jobs::Lane;
pub use links::{Citation, ProjectPoint, ProjectSeries, Reason, Related, RelatedDocument, Viewer};
pub use queue::{
    AssignedFilter, AssignmentRow, DocumentFilter, DocumentSort, ReviewProgress, SortOrder,
};
pub use rule_stats::RuleCase;
pub use schema::SchemaStatus;
pub use sync::{Changed, SyncCursor, SyncRequest};
pub use users::{Role, User};

/// The extractor version recorded with every stored fact and document: the crate version and
/// a hash of the extraction rules, checks and dictionaries (`build.rs`), so a change to any of
/// them is a new version and `jixiao reextract` reads the documents of older ones again.
pub const EXTRACTOR_VERSION: &str = concat!(
    "jixiao ",
    env!("CARGO_PKG_VERSION"),
    "+",
    env!("JIXIAO_RULES_HASH")
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("stale version: the fact is now at version {current}")]
    Conflict { current: i64 },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database's schema is not one this binary can work with (see [`SchemaStatus`]).
    #[error("{0}")]
    Schema(String),
    /// The task that writes decisions has stopped (the runtime is shutting down).
    #[error("the decision writer has stopped")]
    Closed,
}

impl StoreError {
    /// The database refused a write for want of space: SQLite's SQLITE_FULL, PostgreSQL's
    /// `disk_full` (53100). Nothing of the write was kept; it may succeed once space returns.
    pub fn is_storage_full(&self) -> bool {
        let StoreError::Db(sqlx::Error::Database(e)) = self else {
            return false;
        };
        matches!(e.code().as_deref(), Some("13" | "53100"))
            || e.message().contains("database or disk is full")
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// Reads, and on PostgreSQL writes too.
    pool: AnyPool,
    /// Writes. On SQLite one connection, the same as `pool`: writes are serialized in the
    /// process instead of fighting over the file lock (SQLITE_BUSY). Never read through
    /// `pool` while holding a transaction of `writer`: on SQLite that would wait for itself.
    writer: AnyPool,
    backend: Backend,
    begin: Begin,
    /// Recently seen tokens (by hash), so a burst of requests does not read `users` each time.
    auth_cache: users::AuthCache,
    /// Review decisions, committed in groups through `writer`.
    decisions: writer::DecisionWriter,
}

/// Turns what a user types (`jixiao.db`, `sqlite://…`, `postgres://…`) into a sqlx URL.
pub fn database_url(raw: &str) -> String {
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        raw.to_string()
    } else if raw.starts_with("sqlite:") {
        if raw.contains('?') || raw.contains(":memory:") {
            raw.to_string()
        } else {
            format!("{raw}?mode=rwc")
        }
    } else {
        format!("sqlite://{raw}?mode=rwc")
    }
}

/// How a process connects. On PostgreSQL every process holds up to `max_connections` of the
/// server's connections, so N servers and M worker processes need
/// `N × serve's + M × worker's ≤ max_connections − superuser_reserved_connections` (README,
/// "Running several servers"). SQLite always uses one connection.
#[derive(Clone, Copy, Debug)]
pub struct PoolOptions {
    pub max_connections: u32,
    /// The PostgreSQL URL is a pooler in transaction mode (PgBouncer's `pool_mode =
    /// transaction`), which may hand each transaction of one connection to another server
    /// connection: see [`Begin::Pinned`].
    pub transaction_pooling: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            transaction_pooling: false,
        }
    }
}

/// How a transaction starts on this database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Begin {
    /// SQLite: take the write lock at once, so a transaction that reads before it writes
    /// cannot fail half-way on a busy database.
    Immediate,
    /// PostgreSQL, connected directly.
    Plain,
    /// PostgreSQL behind a transaction pooler. sqlx prepares a statement and executes it in
    /// two round trips, and a pooler in transaction mode may send them to different server
    /// connections unless a transaction holds one; so every statement runs in a transaction.
    /// Statements are not cached (their names would outlive the transaction on a server
    /// connection another client gets next), and each transaction first drops the statements
    /// a previous client of its server connection left there, whose names would collide.
    Pinned,
}

impl Begin {
    fn sql(self) -> &'static str {
        match self {
            Begin::Immediate => "BEGIN IMMEDIATE",
            Begin::Plain => "BEGIN",
            Begin::Pinned => "BEGIN; DEALLOCATE ALL",
        }
    }
}

/// A connection for statements outside a write transaction: straight from the pool, or
/// inside a transaction of its own behind a transaction pooler ([`Begin::Pinned`]). A write
/// calls [`Conn::finish`] to commit; a read may simply drop it: its transaction is rolled
/// back when the pool takes the connection back (sqlx flushes the rollback then).
pub(crate) enum Conn {
    Pooled(PoolConnection<Any>),
    Pinned(Transaction<'static, Any>),
}

impl std::ops::Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Pinned(t) => t,
        }
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Pinned(t) => t,
        }
    }
}

impl Conn {
    /// Commits what was done (behind a transaction pooler) and gives the connection back.
    pub async fn finish(self) -> Result<()> {
        if let Conn::Pinned(t) = self {
            t.commit().await?;
        }
        Ok(())
    }
}

/// Connections a process opens to PostgreSQL at most, unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

impl Store {
    /// Connects without migrating.
    pub async fn connect(raw_url: &str) -> Result<Store> {
        Store::connect_with(raw_url, PoolOptions::default()).await
    }

    /// Connects without migrating, with a pool of the given size on PostgreSQL.
    pub async fn connect_with(raw_url: &str, options: PoolOptions) -> Result<Store> {
        install_default_drivers();
        let url = database_url(raw_url);
        if url.starts_with("sqlite:") {
            let sqlite_options = || {
                discard_broken_transactions(AnyPoolOptions::new()).after_connect(|conn, _| {
                    Box::pin(async move {
                        // WAL lets readers go on while the single writer commits; NORMAL
                        // sync is durable in WAL mode except for the last commits on power
                        // loss, which is the usual trade for a review tool.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // Pages read through a memory map instead of copied by read(2) each
                        // time another connection's commit invalidates this one's cache.
                        conn.execute("PRAGMA mmap_size = 268435456").await?;
                        Ok(())
                    })
                })
            };
            // One connection for reads and writes alike: every commit by another connection
            // would throw away this one's page cache (measured: most of a decision's time went
            // to re-reading pages), while a single connection's cache stays warm. SQLite runs
            // one statement at a time anyway; a review statement takes microseconds.
            let writer = sqlite_options().max_connections(1).connect(&url).await?;
            Ok(Store {
                pool: writer.clone(),
                decisions: writer::DecisionWriter::start(
                    writer.clone(),
                    Backend::Sqlite,
                    Begin::Immediate,
                ),
                writer,
                backend: Backend::Sqlite,
                begin: Begin::Immediate,
                auth_cache: Default::default(),
            })
        } else {
            let (url, begin) = if options.transaction_pooling {
                (without_statement_cache(&url), Begin::Pinned)
            } else {
                (url, Begin::Plain)
            };
            let pool = discard_broken_transactions(AnyPoolOptions::new())
                .max_connections(options.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect(&url)
                .await?;
            Ok(Store {
                writer: pool.clone(),
                decisions: writer::DecisionWriter::start(pool.clone(), Backend::Postgres, begin),
                pool,
                backend: Backend::Postgres,
                begin,
                auth_cache: Default::default(),
            })
        }
    }

    /// Connects and brings the schema up to date.
    pub async fn open(raw_url: &str) -> Result<Store> {
        Store::open_with(raw_url, PoolOptions::default()).await
    }

    /// Connects with the given pool and brings the schema up to date.
    pub async fn open_with(raw_url: &str, options: PoolOptions) -> Result<Store> {
        let store = Store::connect_with(raw_url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// A write transaction. On SQLite it takes the write lock at once (BEGIN IMMEDIATE), so
    /// a transaction that reads before it writes cannot fail half-way on a busy database.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        begin_write_on(&self.writer, self.begin).await
    }

    /// A connection for reads, or for a single write outside a transaction.
    pub(crate) async fn conn(&self) -> Result<Conn> {
        Ok(match self.begin {
            Begin::Pinned => Conn::Pinned(self.pool.begin_with(Begin::Pinned.sql()).await?),
            _ => Conn::Pooled(self.pool.acquire().await?),
        })
    }

    /// Behind a transaction pooler (`--transaction-pooling`).
    pub(crate) fn transaction_pooling(&self) -> bool {
        self.begin == Begin::Pinned
    }

    /// The pool writes go through. For tests that must act on the very connection the store
    /// writes with (on SQLite, per-connection settings such as `max_page_count`).
    #[doc(hidden)]
    pub fn writer_pool(&self) -> &AnyPool {
        &self.writer
    }
}

/// A pool that never hands out a connection still inside a transaction. A write that fails
/// mid-transaction (SQLite's "database or disk is full", an I/O error) may end the transaction
/// inside the database already; the rollback sqlx then issues fails, and its count of open
/// transactions stays at one, so every later `BEGIN` on that connection would be refused
/// ("begin_with at non-zero transaction depth") until a restart. Such a connection is closed
/// instead of reused, and the next caller gets a fresh one.
fn discard_broken_transactions(options: AnyPoolOptions) -> AnyPoolOptions {
    options.before_acquire(|conn, _| {
        Box::pin(async move {
            let usable = !sqlx::Connection::is_in_transaction(conn);
            if !usable {
                tracing::warn!("discarding a database connection left inside a failed transaction");
            }
            Ok(usable)
        })
    })
}

/// A write transaction on `pool`; see [`Store::begin_write`].
pub(crate) async fn begin_write_on(
    pool: &AnyPool,
    begin: Begin,
) -> Result<Transaction<'static, Any>> {
    Ok(match begin {
        Begin::Plain => pool.begin().await?,
        other => pool.begin_with(other.sql()).await?,
    })
}

/// A PostgreSQL URL with sqlx's statement cache turned off ([`Begin::Pinned`]), whatever
/// the URL said: a cached statement would be looked for on another server connection.
fn without_statement_cache(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("statement-cache-capacity="))
        .collect();
    params.push("statement-cache-capacity=0");
    format!("{base}?{}", params.join("&"))
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A stored time as RFC 3339 (UTC, milliseconds).
pub fn format_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt).unwrap_or_default()
}

/// A query's bind values, collected while its SQL is built (filters are optional, so the
/// SQL and the binds grow together). Placeholders are `$n` on both backends, or bare `?` on
/// SQLite for a statement whose SQL names its values in the order they were added
/// ([`Binds::in_order`]).
#[derive(Default)]
pub(crate) struct Binds {
    values: Vec<Bind>,
    bare: bool,
}

/// Whether `conn` is SQLite, where a statement of many values is better written with bare
/// `?` placeholders: sqlx binds a named SQLite parameter (`$7`) by asking SQLite its name, and
/// SQLite finds a name in a list of all of the statement's names, also while preparing it —
/// quadratic in the number of values (a multi-row INSERT of 200 facts holds 3,800).
pub(crate) fn bare_placeholders(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

pub(crate) enum Bind {
    Int(Option<i64>),
    Text(Option<String>),
}

impl Binds {
    /// Binds for a statement on `conn` whose SQL holds each placeholder once, in the order
    /// the values are added (a VALUES list, an IN list): bare `?` on SQLite.
    pub fn in_order(conn: &sqlx::AnyConnection) -> Binds {
        Binds {
            values: Vec::new(),
            bare: bare_placeholders(conn),
        }
    }

    /// Adds a value and returns its placeholder.
    pub fn push(&mut self, v: Bind) -> String {
        self.values.push(v);
        if self.bare {
            "?".to_string()
        } else {
            format!("${}", self.values.len())
        }
    }

    pub fn int(&mut self, v: i64) -> String {
        self.push(Bind::Int(Some(v)))
    }

    pub fn text(&mut self, v: impl Into<String>) -> String {
        self.push(Bind::Text(Some(v.into())))
    }

    pub fn apply<'q, O>(
        self,
        mut q: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments>,
    ) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments> {
        for v in self.values {
            q = match v {
                Bind::Int(i) => q.bind(i),
                Bind::Text(s) => q.bind(s),
            };
        }
        q
    }

    pub fn apply_query<'q>(
        self,
        mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
        for v in self.values {
            q = match v {
                Bind::Int(i) => q.bind(i),
                Bind::Text(s) => q.bind(s),
            };
        }
        q
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut p = String::from("%");
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::without_statement_cache;

    #[test]
    fn transaction_pooling_turns_the_statement_cache_off() {
        assert_eq!(
            without_statement_cache("postgres://u@h/db"),
            "postgres://u@h/db?statement-cache-capacity=0"
        );
        assert_eq!(
            without_statement_cache("postgres://u@h/db?sslmode=disable"),
            "postgres://u@h/db?sslmode=disable&statement-cache-capacity=0"
        );
        assert_eq!(
            without_statement_cache("postgres://u@h/db?statement-cache-capacity=100&x=1"),
            "postgres://u@h/db?x=1&statement-cache-capacity=0"
        );
    }
}
