//! The service commands behind `jixiao serve | worker | migrate | token create | import`:
//! logging set-up, opening the database, first-start bootstrap of an admin token, and the
//! bulk importer. The CLI only parses arguments and calls these.

use crate::store::{DEFAULT_MAX_CONNECTIONS, PoolOptions, Role, Store};
use crate::worker::Lease;
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Structured logs to stderr; `RUST_LOG` overrides the default level.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Where the database is and how to reach it.
#[derive(Clone, Debug)]
pub struct Database {
    /// A SQLite file, `sqlite://…` or `postgres://…`.
    pub url: String,
    /// The PostgreSQL URL is a pooler in transaction mode (PgBouncer).
    pub transaction_pooling: bool,
}

impl Database {
    /// A database reached directly (no pooler in between).
    pub fn direct(url: &str) -> Database {
        Database {
            url: url.to_string(),
            transaction_pooling: false,
        }
    }
}

async fn open(db: &Database) -> Result<Store> {
    open_with(db, DEFAULT_MAX_CONNECTIONS).await
}

async fn open_with(db: &Database, max_connections: u32) -> Result<Store> {
    let pool = PoolOptions {
        max_connections,
        transaction_pooling: db.transaction_pooling,
    };
    Store::open_with(&db.url, pool)
        .await
        .with_context(|| format!("opening the database {}", redact(&db.url)))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// How `serve` and `worker` run, beyond their database.
#[derive(Clone, Debug)]
pub struct ServiceOptions {
    /// In-process workers.
    pub workers: usize,
    /// In-process workers for scans beside them (see `worker::lanes`).
    pub ocr_workers: usize,
    /// PostgreSQL connections this process opens at most.
    pub max_connections: u32,
    pub lease: Lease,
    /// Send webhook deliveries (`serve` does unless `--no-webhooks`).
    pub webhooks: bool,
}

/// `jixiao serve`: migrates, makes a first admin token if there is no user yet, serves.
pub async fn serve(
    db: &Database,
    bind: &str,
    service: ServiceOptions,
    max_upload_mb: usize,
    rate_limit: Option<crate::http::RateLimit>,
) -> Result<ExitCode> {
    init_logging();
    // Ready before the first document is extracted, by a worker or by /api/extract.
    crate::extract::lexicon::load_unknown_word_model_in_background();
    let workers = service.workers;
    let store = open_with(db, service.max_connections).await?;
    if store.count_users().await? == 0 {
        let (_, token) = store.create_user("admin", Role::Admin).await?;
        // Printed once, on the very first start: the only way in for a new installation.
        eprintln!(
            "\nNo users yet: created user \"admin\" with role admin. Its token (shown only now):\n\n  {token}\n\nMake more with `jixiao token create --role assessor --name NAME` or POST /api/tokens.\n"
        );
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    tracing::info!(
        address = %listener.local_addr()?,
        backend = ?store.backend(),
        workers,
        ocr_workers = service.ocr_workers,
        "jixiao serving /api"
    );
    // The one line a new user needs: where to point the browser.
    eprintln!(
        "Review page: http://{}/ (sign in with a token)",
        listener.local_addr()?
    );
    let options = crate::http::ServeOptions {
        workers,
        ocr_workers: service.ocr_workers,
        max_upload_bytes: max_upload_mb * 1024 * 1024,
        lease: service.lease,
        rate_limit,
    };
    // Webhook deliveries go out from every server; leases keep two from sending one event.
    let webhooks = service.webhooks.then(|| {
        crate::webhook::Dispatcher::start(
            store.clone(),
            format!("{}:webhooks", crate::worker::worker_name(0)),
            crate::webhook::DeliveryOptions::default(),
        )
    });
    crate::http::serve(
        listener,
        store.clone(),
        options,
        crate::http::shutdown_signal(),
    )
    .await?;
    // The tries in hand are recorded before the database closes.
    if let Some(webhooks) = webhooks {
        webhooks.stop().await;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `jixiao worker`: workers only, until ctrl-c or SIGTERM.
pub async fn worker(db: &Database, service: ServiceOptions) -> Result<ExitCode> {
    init_logging();
    crate::extract::lexicon::load_unknown_word_model_in_background();
    let store = open_with(db, service.max_connections).await?;
    crate::worker::release_stale_leases(&store).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let notify = Arc::new(tokio::sync::Notify::new());
    let handles: Vec<_> = crate::worker::lanes(service.workers.max(1), service.ocr_workers)
        .into_iter()
        .enumerate()
        .map(|(i, lane)| {
            tokio::spawn(crate::worker::run(
                store.clone(),
                crate::worker::worker_name(i),
                notify.clone(),
                stop_rx.clone(),
                service.lease,
                lane,
            ))
        })
        .collect();
    crate::http::shutdown_signal().await;
    let _ = stop_tx.send(true);
    for h in handles {
        let _ = h.await;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `jixiao migrate`.
pub async fn migrate(db: &Database) -> Result<ExitCode> {
    let store = open(db).await?;
    store.close().await;
    println!("database schema is up to date");
    Ok(ExitCode::SUCCESS)
}

/// `jixiao token create`: prints the token once on stdout.
pub async fn token_create(db: &Database, role: &str, name: &str) -> Result<ExitCode> {
    let Some(role) = Role::parse(role) else {
        bail!("role is one of uploader, assessor, reader, admin");
    };
    let store = open(db).await?;
    let (user, token) = store.create_user(name, role).await?;
    store.close().await;
    eprintln!(
        "created token #{} for {} ({})",
        user.id, user.name, user.role
    );
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// `jixiao import DIR`: stores every file as a queued document, several at once. Files
/// already in the database (same SHA-256) are skipped, so an interrupted import is resumed
/// by running it again. Workers (`serve` or `worker`) extract them.
pub async fn import(db: &Database, dir: &Path, jobs: usize) -> Result<ExitCode> {
    let mut files = Vec::new();
    files_under(dir, &mut files)?;
    files.sort();
    let store = open(db).await?;
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed_precise}, ETA {eta}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let created = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let sem = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for path in files {
        let permit = sem.clone().acquire_owned().await?;
        let (store, bar, created, failed) =
            (store.clone(), bar.clone(), created.clone(), failed.clone());
        tasks.spawn(async move {
            let _permit = permit;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let result = match tokio::fs::read(&path).await {
                Ok(bytes) if bytes.is_empty() => Err("empty file".to_string()),
                Ok(bytes) => store
                    .upload(&bytes, name.as_deref(), None)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match result {
                Ok(upload) if upload.created => {
                    created.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(e) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    bar.println(format!("{}: {e}", path.display()));
                }
            }
            bar.inc(1);
        });
    }
    while tasks.join_next().await.is_some() {}
    bar.finish_and_clear();
    let total = bar.length().unwrap_or(0) as usize;
    let (created, failed) = (
        created.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    println!(
        "{total} files: {created} new, {} already stored, {failed} failed; workers will extract the new ones",
        total - created - failed
    );
    store.close().await;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// `jixiao reextract`: the current extractor over stored documents, with a bar of documents
/// on a terminal and the summary at the end. Exit 0, or 2 when a document could not be read
/// again (it keeps its facts; the summary names it).
pub async fn reextract(
    db: &Database,
    selection: crate::reextract::Selection,
    dry_run: bool,
    force: bool,
) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let store = open(db).await?;
    let user = std::env::var("USER").unwrap_or_else(|_| "?".into());
    let actor = crate::store::Actor {
        user_id: None,
        name: format!("jixiao reextract ({user})"),
    };
    let mut options = crate::reextract::Options::new(selection, actor);
    options.dry_run = dry_run;
    options.force = force;
    let bar = ProgressBar::hidden();
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} documents [{elapsed_precise}, ETA {eta}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress_bar = bar.clone();
    let progress: crate::reextract::Progress = Arc::new(move |done, total| {
        progress_bar.set_length(total);
        progress_bar.set_position(done);
    });
    let result = crate::reextract::run(&store, &options, Some(progress)).await;
    bar.finish_and_clear();
    store.close().await;
    let summary = match result {
        Ok(summary) => summary,
        Err(crate::store::StoreError::Invalid(message)) => bail!("{message}"),
        Err(e) => return Err(e).context("re-extraction stopped; run it again to resume"),
    };
    for f in &summary.failed {
        eprintln!("document {}: {}", f.document_id, f.error);
    }
    println!("{}", summary.describe());
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Reads a file for the command line, scanned pages and images included when tesseract is
/// installed, with a bar of OCR'd pages on stderr when it is a terminal.
pub fn ingest_file(
    bytes: &[u8],
    deadline: &crate::Deadline,
) -> Result<crate::Ingested, crate::IngestError> {
    use std::io::IsTerminal;
    let run = crate::ingest::may_need_ocr(bytes)
        .then(crate::ingest::ocr::OcrRun::installed)
        .flatten();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("OCR {bar:40} {pos}/{len} pages [{elapsed_precise}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let run = match (run, &bar) {
        (Some(run), Some(bar)) => {
            let bar = bar.clone();
            Some(run.with_progress(Arc::new(move |done, total| {
                if bar.is_hidden() {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })))
        }
        (run, _) => run,
    };
    let doc = crate::ingest::ingest_with(bytes, deadline, run.as_ref());
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    doc
}

/// `jixiao stats --by rule`: review per extraction rule as a table (or its JSON), or with
/// `cases`, that rule's corrected and rejected facts as JSON Lines.
pub async fn rule_stats(db: &Database, cases: Option<&str>, json: bool) -> Result<ExitCode> {
    let rule = match cases {
        Some(c) => Some(crate::extract::Rule::parse(c).with_context(|| {
            format!("unknown rule {c:?}: a rule is an id such as amount.inline")
        })?),
        None => None,
    };
    let store = open(db).await?;
    let out = match rule {
        Some(rule) => {
            let mut out = String::new();
            for c in store.rule_cases(rule.as_str()).await? {
                out += &c.to_json().to_string();
                out.push('\n');
            }
            out
        }
        None if json => {
            let value = crate::http::rules::rule_stats_json(&store).await?;
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        None => {
            let counts = store.rule_counts().await?;
            let failures = store.rule_failures().await?;
            crate::report::rule_stats_table(&crate::precision::per_rule(counts, &failures))
        }
    };
    store.close().await;
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redact("postgres://jixiao:s3cret@db.example:5432/jixiao"),
            "postgres://jixiao:***@db.example:5432/jixiao"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("jixiao.db"), "jixiao.db");
    }
}
