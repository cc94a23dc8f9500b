//! The service commands behind `jixiao serve | worker | migrate | token create | import`:
//! logging set-up, opening the database, first-start bootstrap of an admin token, and the
//! bulk importer. The CLI only parses arguments and calls these.

use crate::store::{Role, Store};
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

async fn open(database_url: &str) -> Result<Store> {
    Store::open(database_url)
        .await
        .with_context(|| format!("opening the database {database_url}"))
}

/// `jixiao serve`: migrates, makes a first admin token if there is no user yet, serves.
pub async fn serve(
    database_url: &str,
    bind: &str,
    workers: usize,
    max_upload_mb: usize,
    rate_limit: Option<crate::http::RateLimit>,
) -> Result<ExitCode> {
    init_logging();
    let store = open(database_url).await?;
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
        "jixiao serving /api"
    );
    // The one line a new user needs: where to point the browser.
    eprintln!(
        "Review page: http://{}/ (sign in with a token)",
        listener.local_addr()?
    );
    let options = crate::http::ServeOptions {
        workers,
        max_upload_bytes: max_upload_mb * 1024 * 1024,
        rate_limit,
    };
    crate::http::serve(
        listener,
        store.clone(),
        options,
        crate::http::shutdown_signal(),
    )
    .await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `jixiao worker`: workers only, until ctrl-c or SIGTERM.
pub async fn worker(database_url: &str, workers: usize) -> Result<ExitCode> {
    init_logging();
    let store = open(database_url).await?;
    crate::worker::release_stale_leases(&store).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let notify = Arc::new(tokio::sync::Notify::new());
    let handles: Vec<_> = (0..workers.max(1))
        .map(|i| {
            tokio::spawn(crate::worker::run(
                store.clone(),
                crate::worker::worker_name(i),
                notify.clone(),
                stop_rx.clone(),
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
pub async fn migrate(database_url: &str) -> Result<ExitCode> {
    let store = open(database_url).await?;
    store.close().await;
    println!("database schema is up to date");
    Ok(ExitCode::SUCCESS)
}

/// `jixiao token create`: prints the token once on stdout.
pub async fn token_create(database_url: &str, role: &str, name: &str) -> Result<ExitCode> {
    let Some(role) = Role::parse(role) else {
        bail!("role is one of uploader, assessor, reader, admin");
    };
    let store = open(database_url).await?;
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
pub async fn import(database_url: &str, dir: &Path, jobs: usize) -> Result<ExitCode> {
    let mut files = Vec::new();
    files_under(dir, &mut files)?;
    files.sort();
    let store = open(database_url).await?;
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
