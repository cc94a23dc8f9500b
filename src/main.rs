//! The `jixiao` command line: parses arguments and calls into the library.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use jixiao::{Extractor, ingest, report};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jixiao::service;

/// mimalloc rather than glibc's allocator: see its line in Cargo.toml (BENCHMARKS.md has the
/// figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "jixiao",
    version,
    about = "Turns budget-performance reports into facts a person can confirm"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Table,
}

#[derive(Subcommand)]
enum Command {
    /// Extract facts from report files (TXT, DOCX, PDF; a directory means every file in it).
    /// Exit status: 0 all read, 2 a file could not be read, 3 a file needs OCR (a scan).
    Extract {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Seconds one file may take to read and extract; a file that takes longer fails
        /// (exit 2) with a message saying so.
        #[arg(long, env = "JIXIAO_DOCUMENT_TIME_LIMIT", default_value_t = 60.0)]
        time_limit: f64,
    },
    /// Print the text ingestion reads from a file (PDF, DOCX or TXT), as the extractor sees it.
    Text {
        file: PathBuf,
        /// Also list the blocks (paragraphs, table cells) with their provenance.
        #[arg(long)]
        blocks: bool,
    },
    /// Measure extraction speed on sample reports repeated to a target size, and ingestion
    /// speed per PDF and DOCX file.
    Bench {
        /// Report files or directories (default: samples/).
        files: Vec<PathBuf>,
        /// Characters to process in total.
        #[arg(long, default_value_t = 4_000_000)]
        chars: usize,
        /// Instead: time `extract` (as a child process, with its peak memory) on generated
        /// inputs of every shape at each size of --sizes.
        #[arg(long)]
        linearity: bool,
        /// Sizes for --linearity, in MiB.
        #[arg(long, value_delimiter = ',', default_value = "1,2,4,8,16")]
        sizes: Vec<usize>,
        /// Shapes for --linearity (default: all): prose, long-line, percent-soup, digit-run,
        /// digit-soup, tab-table, cell-lines.
        #[arg(long, value_delimiter = ',')]
        shapes: Vec<String>,
        /// Binary whose `extract` --linearity times (default: this one).
        #[arg(long)]
        bin: Option<PathBuf>,
        /// Seconds after which --linearity kills a run.
        #[arg(long, default_value_t = 120)]
        time_limit: u64,
        /// Address-space cap of each --linearity run, in MiB.
        #[arg(long, default_value_t = 4096)]
        memory_cap_mb: u64,
    },
    /// Serve the review API (SQLite ./jixiao.db unless --database-url says otherwise).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "JIXIAO_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// In-process workers that extract uploaded documents (0 when `jixiao worker`
        /// processes do it).
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[command(flatten)]
        service: ServiceArgs,
        /// Largest upload accepted, in MiB.
        #[arg(long, default_value_t = 50)]
        max_upload_mb: usize,
        /// Requests per minute each token may make (0: no limit); over it, 429 with Retry-After.
        #[arg(long, env = "JIXIAO_RATE_LIMIT", default_value_t = jixiao::http::RateLimit::DEFAULT.per_minute)]
        rate_limit: u32,
        /// Requests a token may make at once before the per-minute rate applies.
        #[arg(long, env = "JIXIAO_RATE_BURST", default_value_t = jixiao::http::RateLimit::DEFAULT.burst)]
        rate_burst: u32,
        /// Send no webhook deliveries from this server; they wait for a server that does.
        #[arg(long, env = "JIXIAO_NO_WEBHOOKS")]
        no_webhooks: bool,
    },
    /// Run workers only, against a database shared with `serve`.
    Worker {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// Create or update the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Review counts per extraction rule with the precision they imply, or a rule's
    /// corrected and rejected facts as test cases (JSON Lines).
    Stats {
        /// What to count by: `rule`.
        #[arg(long, value_parser = ["rule"])]
        by: String,
        /// Print this rule's corrected and rejected facts, one JSON object a line.
        #[arg(long, value_name = "RULE")]
        cases: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Upload every file of a directory (recursively) into the database; safe to re-run.
    Import {
        dir: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        /// Files read and stored at once.
        #[arg(long, default_value_t = 4)]
        jobs: usize,
    },
    /// Run the current extractor over stored documents again, keeping every decision made
    /// on a fact it still finds. Documents already at this extractor version are skipped
    /// (an interrupted run is resumed by running it again).
    Reextract {
        /// Every stored document.
        #[arg(
            long,
            conflicts_with = "document",
            required_unless_present = "document"
        )]
        all: bool,
        /// This document (repeat for several).
        #[arg(long = "document", value_name = "ID")]
        document: Vec<i64>,
        /// Print what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also documents already at this extractor version.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(clap::Args)]
struct DbArgs {
    /// SQLite file or sqlite:// URL, or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "jixiao.db")]
    database_url: String,
    /// The PostgreSQL URL is a pooler in transaction mode (PgBouncer `pool_mode =
    /// transaction`): every statement then runs in a transaction of its own and no prepared
    /// statement outlives one. Migrate against PostgreSQL directly.
    #[arg(long, env = "JIXIAO_TRANSACTION_POOLING")]
    transaction_pooling: bool,
}

impl DbArgs {
    fn database(&self) -> service::Database {
        service::Database {
            url: self.database_url.clone(),
            transaction_pooling: self.transaction_pooling,
        }
    }
}

/// What `serve` and `worker` share beyond the database.
#[derive(clap::Args)]
struct ServiceArgs {
    /// PostgreSQL connections this process opens at most (default 16 for serve, twice the
    /// workers, OCR workers included, plus one for worker). See README, "Running several servers", for the budget.
    #[arg(long, env = "JIXIAO_MAX_CONNECTIONS")]
    max_connections: Option<u32>,
    /// Seconds a claimed job stays this worker's without renewal; a worker that dies holds
    /// its document up for this long at most.
    #[arg(long, env = "JIXIAO_LEASE_SECS", default_value_t = 30.0)]
    lease_secs: f64,
    /// Workers for scans (OCR), beside --workers: the ordinary workers hand a scan over
    /// unread, so a long scan does not hold up text documents. 0: the ordinary workers read
    /// scans themselves. None run where --workers is 0.
    #[arg(long, env = "JIXIAO_OCR_WORKERS", default_value_t = 1)]
    ocr_workers: usize,
}

impl ServiceArgs {
    fn options(&self, workers: usize, default_connections: u32) -> service::ServiceOptions {
        service::ServiceOptions {
            workers,
            ocr_workers: self.ocr_workers,
            max_connections: self.max_connections.unwrap_or(default_connections),
            lease: jixiao::worker::Lease::from_secs(self.lease_secs),
            webhooks: false,
        }
    }
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (shown only this once).
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Runs `serve` or `worker` to its end. A document whose job was put back at shutdown may
/// still be in extraction on a blocking thread: the process does not wait for it.
fn until_stopped(service: impl Future<Output = Result<ExitCode>>) -> Result<ExitCode> {
    let rt = runtime()?;
    let result = rt.block_on(service);
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

fn main() -> ExitCode {
    // Before any thread starts: the only time the local UTC offset can be read soundly.
    jixiao::http::init_local_offset();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Extract {
            files,
            format,
            time_limit,
        } => extract(&files, format, time_limit),
        Command::Text { file, blocks } => text(&file, blocks),
        Command::Bench {
            files,
            linearity: true,
            sizes,
            shapes,
            bin,
            time_limit,
            memory_cap_mb,
            ..
        } => linearity(&files, &sizes, &shapes, bin, time_limit, memory_cap_mb),
        Command::Bench { files, chars, .. } => bench(&files, chars),
        Command::Serve {
            db,
            bind,
            workers,
            service,
            max_upload_mb,
            rate_limit,
            rate_burst,
            no_webhooks,
        } => until_stopped(service::serve(
            &db.database(),
            &bind,
            service::ServiceOptions {
                webhooks: !no_webhooks,
                ..service.options(workers, jixiao::store::DEFAULT_MAX_CONNECTIONS)
            },
            max_upload_mb,
            (rate_limit > 0).then_some(jixiao::http::RateLimit {
                per_minute: rate_limit,
                burst: rate_burst.max(1),
            }),
        )),
        Command::Worker {
            db,
            workers,
            service,
        } => {
            // A worker holds a connection for its claim and one for its result at most.
            let connections = 2 * (workers.max(1) + service.ocr_workers) as u32 + 1;
            until_stopped(service::worker(
                &db.database(),
                service.options(workers, connections),
            ))
        }
        Command::Migrate { db } => {
            runtime().and_then(|rt| rt.block_on(service::migrate(&db.database())))
        }
        Command::Token {
            command: TokenCommand::Create { role, name, db },
        } => runtime()
            .and_then(|rt| rt.block_on(service::token_create(&db.database(), &role, &name))),
        Command::Stats {
            by: _,
            cases,
            format,
            db,
        } => runtime().and_then(|rt| {
            rt.block_on(service::rule_stats(
                &db.database(),
                cases.as_deref(),
                matches!(format, Format::Json),
            ))
        }),
        Command::Import { dir, db, jobs } => {
            runtime().and_then(|rt| rt.block_on(service::import(&db.database(), &dir, jobs)))
        }
        Command::Reextract {
            all,
            document,
            dry_run,
            force,
            db,
        } => {
            let selection = if all {
                jixiao::reextract::Selection::All
            } else {
                jixiao::reextract::Selection::Documents(document)
            };
            runtime().and_then(|rt| {
                rt.block_on(service::reextract(
                    &db.database(),
                    selection,
                    dry_run,
                    force,
                ))
            })
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jixiao: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Files named, with directories expanded to their files (sorted, not recursive).
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            out.extend(entries);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn extract(paths: &[PathBuf], format: Format, time_limit: f64) -> Result<ExitCode> {
    if !(time_limit.is_finite() && time_limit > 0.0) {
        bail!("--time-limit must be a positive number of seconds");
    }
    let time_limit = std::time::Duration::from_secs_f64(time_limit);
    let files = expand(paths)?;
    let extractor = Extractor::shared();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failures = 0;
    let mut scans = 0;
    // Files are read, extracted and written out on every core; their facts are printed in
    // the order given.
    let threads = jixiao::parallel::threads();
    let render = |path: &PathBuf| -> Result<String> {
        let extraction = extract_one(&extractor, path, time_limit)?;
        let source = path.display().to_string();
        Ok(match format {
            Format::Json => {
                let v = report::to_json(&extraction, Some(&source));
                serde_json::to_string(&v)? + "\n"
            }
            Format::Table => report::to_table(&extraction, Some(&source)),
        })
    };
    jixiao::parallel::in_order(&files, threads, render, |i, result| -> Result<()> {
        let path = &files[i];
        match result {
            Ok(text) => {
                if i > 0 && matches!(format, Format::Table) {
                    writeln!(out)?;
                }
                out.write_all(text.as_bytes())?;
            }
            Err(e) => {
                let needs_ocr = e
                    .downcast_ref::<ingest::IngestError>()
                    .is_some_and(|e| *e == ingest::IngestError::NeedsOcr);
                if needs_ocr {
                    scans += 1;
                    if let Format::Json = format {
                        // A scan is a status, not "no facts": say so in the output itself.
                        let v = serde_json::json!({
                            "source": path.display().to_string(),
                            "status": "needs_ocr",
                            "message": e.to_string(),
                        });
                        writeln!(out, "{}", serde_json::to_string(&v)?)?;
                    }
                } else {
                    failures += 1;
                }
                eprintln!("jixiao: {}: {e:#}", path.display());
            }
        }
        Ok(())
    })?;
    Ok(if failures > 0 {
        ExitCode::from(2)
    } else if scans > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

fn extract_one(
    extractor: &Extractor,
    path: &Path,
    time_limit: std::time::Duration,
) -> Result<jixiao::Extraction> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let deadline = jixiao::Deadline::after(time_limit);
    let doc = jixiao::service::ingest_file(&bytes, &deadline)?;
    // OCR has its own limits; the extraction after it gets the full limit of its own.
    let deadline = match doc.ocr {
        Some(_) => jixiao::Deadline::after(time_limit),
        None => deadline,
    };
    Ok(jixiao::analyze_within(extractor, &doc, &deadline)?)
}

fn text(path: &Path, blocks: bool) -> Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let doc = jixiao::service::ingest_file(&bytes, &jixiao::Deadline::none())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{}", doc.text)?;
    if blocks {
        let chars: Vec<char> = doc.text.chars().collect();
        let slice = |s: usize, e: usize| chars[s..e].iter().collect::<String>();
        for b in &doc.blocks {
            match b {
                ingest::Block::Paragraph {
                    start,
                    end,
                    provenance,
                } => writeln!(out, "P {provenance:?} {:?}", slice(*start, *end))?,
                ingest::Block::Table { table, provenance } => {
                    for (row, provs) in table.rows.iter().zip(provenance) {
                        let cells: Vec<String> = row.iter().map(|c| c.text.clone()).collect();
                        writeln!(out, "R {:?} {cells:?}", provs.first())?;
                    }
                }
            }
        }
    }
    if let Some(ocr) = &doc.ocr {
        eprintln!(
            "jixiao: {}: {} pages read by OCR ({}, mean confidence {:.2}); check the text",
            path.display(),
            ocr.pages,
            ocr.engine,
            ocr.confidence
        );
    } else if doc.low_confidence {
        eprintln!(
            "jixiao: {}: read by a fallback; check the text",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn linearity(
    paths: &[PathBuf],
    sizes: &[usize],
    shapes: &[String],
    bin: Option<PathBuf>,
    time_limit: u64,
    memory_cap_mb: u64,
) -> Result<ExitCode> {
    use jixiao::bench::{linearity, shapes::Shape};
    let shapes: Vec<Shape> = if shapes.is_empty() {
        Shape::ALL.to_vec()
    } else {
        shapes
            .iter()
            .map(|s| Shape::parse(s).with_context(|| format!("unknown shape {s:?}")))
            .collect::<Result<_>>()?
    };
    let paths = if paths.is_empty() {
        vec![PathBuf::from("samples")]
    } else {
        paths.to_vec()
    };
    let mut prose = String::new();
    for f in expand(&paths)? {
        if f.extension().is_some_and(|e| e == "txt") {
            let doc =
                ingest::ingest(&std::fs::read(&f)?).with_context(|| f.display().to_string())?;
            prose.push_str(&doc.text);
            prose.push('\n');
        }
    }
    if prose.is_empty() {
        bail!("no .txt reports found in {:?} for the prose shapes", paths);
    }
    let bin = match bin {
        Some(b) => b,
        None => std::env::current_exe()?,
    };
    let dir = std::env::temp_dir().join(format!("jixiao-linearity-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    println!(
        "{}: `extract --format json`, one child process per input",
        bin.display()
    );
    println!(
        "{:<13} {:>5} {:>9} {:>12} {:>9}  outcome",
        "shape", "MiB", "seconds", "peak RSS MiB", "s/MiB"
    );
    let plan = linearity::Plan {
        bin: &bin,
        dir: &dir,
        shapes: &shapes,
        sizes_mib: sizes,
        prose: &prose,
        limit: std::time::Duration::from_secs(time_limit),
        memory_cap: memory_cap_mb * 1024 * 1024,
    };
    let result = linearity::run(&plan, |row| {
        let mib = row.bytes as f64 / (1024.0 * 1024.0);
        let secs = row.run.elapsed.as_secs_f64();
        println!(
            "{:<13} {:>5} {:>9.2} {:>12.1} {:>9.3}  {}",
            row.shape.name(),
            mib,
            secs,
            row.run.peak_rss as f64 / (1024.0 * 1024.0),
            secs / mib,
            linearity::outcome(&row.run)
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    Ok(ExitCode::SUCCESS)
}

fn bench(paths: &[PathBuf], chars: usize) -> Result<ExitCode> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("samples")]
    } else {
        paths.to_vec()
    };
    let mut texts = Vec::new();
    let mut documents = Vec::new();
    for f in expand(&paths)? {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "txt" {
            let bytes = std::fs::read(&f)?;
            let doc = ingest::ingest(&bytes).with_context(|| f.display().to_string())?;
            texts.push(doc.text);
        } else if matches!(ext, "pdf" | "docx" | "xlsx" | "xls" | "ods") {
            let name = f.file_name().map(|n| n.to_string_lossy().to_string());
            documents.push((name.unwrap_or_default(), std::fs::read(&f)?));
        }
    }
    if texts.is_empty() {
        bail!("no .txt reports found in {:?}", paths);
    }
    let r = jixiao::bench::run(&texts, chars);
    println!(
        "start-up (dictionaries, segmenter): {:.1} ms",
        r.startup.as_secs_f64() * 1e3
    );
    println!(
        "extracted {} documents, {} chars, {} facts in {:.3} s (single thread)",
        r.documents,
        r.chars,
        r.facts,
        r.elapsed.as_secs_f64()
    );
    println!("throughput: {:.2} M chars/s", r.chars_per_second() / 1e6);
    let mcs = |d: std::time::Duration| r.chars as f64 / d.as_secs_f64() / 1e6;
    println!(
        "baseline jieba cut only: {:.2} M chars/s (extraction takes {:.2}x its time)",
        mcs(r.baseline_jieba),
        r.ratio_to(r.baseline_jieba)
    );
    println!(
        "baseline one money regex: {:.2} M chars/s (extraction takes {:.2}x its time)",
        mcs(r.baseline_regex),
        r.ratio_to(r.baseline_regex)
    );
    let xlsx = jixiao::bench::form_xlsx(300);
    if let Some(b) = jixiao::bench::form(&xlsx, 300, std::time::Duration::from_millis(500)) {
        println!();
        println!(
            "self-evaluation form, {} indicator rows, XLSX {:.1} KiB: ingested, extracted and checked \
             in {:.2} ms median, {:.2} ms fastest ({} runs; {} facts, {} checks)",
            b.rows,
            b.bytes as f64 / 1024.0,
            b.median.as_secs_f64() * 1e3,
            b.min.as_secs_f64() * 1e3,
            b.runs,
            b.facts,
            b.checks
        );
    }
    if !documents.is_empty() {
        println!();
        println!("ingestion (bytes → text and blocks), per file, single thread:");
        println!(
            "{:<36} {:>6} {:>8} {:>6} {:>10} {:>10} {:>9}",
            "file", "format", "KiB", "pages", "median ms", "min ms", "ms/page"
        );
        let results = jixiao::bench::ingestion(&documents, std::time::Duration::from_millis(500));
        for b in &results {
            let ms = b.median.as_secs_f64() * 1e3;
            println!(
                "{:<36} {:>6} {:>8.1} {:>6} {:>10.2} {:>10.2} {:>9}{}",
                b.name,
                b.format,
                b.bytes as f64 / 1024.0,
                b.pages.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                ms,
                b.min.as_secs_f64() * 1e3,
                b.pages
                    .map(|p| format!("{:.2}", ms / p as f64))
                    .unwrap_or_else(|| "-".into()),
                if b.low_confidence {
                    "  (fallback reader)"
                } else {
                    ""
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
