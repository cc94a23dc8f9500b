//! The work-queue figures in BENCHMARKS.md: a database of N documents (10,000 unless given),
//! each with a 12 KB file and 12 KB of text (so every row runs over several pages, as real
//! reports do), 40 facts with review progress that varies from document to document, three
//! checks of which some failed, a tenth of them assigned; then one page of 50 documents (what
//! `GET /api/documents` reads) per kind of query, each timed as the median of 7 runs after one
//! warm-up.
//!
//! `cargo run --release --example queue_bench [DATABASE_URL] [N]`; without a URL a temporary
//! SQLite file. A PostgreSQL URL names an empty database the run may fill (and leaves filled;
//! run again, it is measured as it is). On PostgreSQL the tables are vacuumed and analyzed
//! first, as autovacuum does after a load this size.

use jixiao::store::{AssignedFilter, Backend, DocumentFilter, DocumentSort, SortOrder, Store};
use std::time::{Duration, Instant};

const REGIONS: [&str; 10] = [
    "淮北市相山区",
    "秀洲区",
    "桐川县",
    "杜集区",
    "烈山区",
    "濉溪县",
    "南湖区",
    "海宁市",
    "平湖市",
    "嘉善县",
];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = tempfile::tempdir().unwrap();
    let url = args
        .first()
        .cloned()
        .unwrap_or_else(|| dir.path().join("queue.db").display().to_string());
    let n: i64 = args.get(1).map_or(10_000, |s| s.parse().unwrap());
    let store = Store::open(&url).await.expect("open the database");
    let started = Instant::now();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
        .fetch_one(store.writer_pool())
        .await
        .unwrap();
    // A database filled by an earlier run is measured again as it is.
    let assessor = if stored >= n {
        sqlx::query_scalar("SELECT MIN(id) FROM users WHERE role = 'assessor'")
            .fetch_one(store.writer_pool())
            .await
            .unwrap()
    } else {
        let id = seed(&store, n).await;
        println!(
            "seeded {n} documents, {} facts, in {:.1} s",
            n * 40,
            started.elapsed().as_secs_f64()
        );
        id
    };
    if store.backend() == Backend::Postgres {
        // As autovacuum does after a load this size: without statistics the planner reads
        // `checks` whole for every document, and without the visibility map the counts of
        // facts read the table instead of the index alone.
        sqlx::query("VACUUM ANALYZE")
            .execute(store.writer_pool())
            .await
            .unwrap();
    }

    let base = DocumentFilter {
        limit: 50,
        ..DocumentFilter::default()
    };
    let mut cases: Vec<(String, DocumentFilter)> = vec![
        ("first page (newest first)".into(), base.clone()),
        (
            "last page (offset N-50)".into(),
            DocumentFilter {
                offset: n - 50,
                ..base.clone()
            },
        ),
    ];
    for sort in [
        DocumentSort::Uploaded,
        DocumentSort::Region,
        DocumentSort::Year,
        DocumentSort::Progress,
        DocumentSort::Findings,
    ] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            cases.push((
                format!("sort={sort:?} order={order:?}").to_lowercase(),
                DocumentFilter {
                    sort,
                    order: Some(order),
                    ..base.clone()
                },
            ));
        }
    }
    cases.push((
        "q=相山 (title contains)".into(),
        DocumentFilter {
            q: Some("相山".into()),
            ..base.clone()
        },
    ));
    cases.push((
        "q=report-12 (file name contains, few hits)".into(),
        DocumentFilter {
            q: Some("report-12".into()),
            ..base.clone()
        },
    ));
    cases.push((
        "region=相山 & sort=progress".into(),
        DocumentFilter {
            region: Some("相山".into()),
            sort: DocumentSort::Progress,
            ..base.clone()
        },
    ));
    cases.push((
        "assigned=me & sort=findings".into(),
        DocumentFilter {
            assigned: Some(AssignedFilter::User(assessor)),
            sort: DocumentSort::Findings,
            ..base.clone()
        },
    ));
    println!("| query (page of 50) | median | rows |");
    println!("|---|---|---|");
    for (name, filter) in &cases {
        let rows = store.list_documents(filter).await.unwrap().len();
        let mut times: Vec<Duration> = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            store.list_documents(filter).await.unwrap();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "| {name} | {:.1} ms | {rows} |",
            times[3].as_secs_f64() * 1000.0
        );
    }
}

/// Fills the database; returns the id of the assessor a tenth of the documents are assigned to.
async fn seed(store: &Store, n: i64) -> i64 {
    let pool = store.writer_pool();
    let (assessor, _) = store
        .create_user("王芳", jixiao::store::Role::Assessor)
        .await
        .unwrap();
    let pg = store.backend() == Backend::Postgres;
    let mut tx = pool.begin().await.unwrap();
    for i in 0..n {
        let (content, text) = if pg {
            (
                format!("decode(repeat(md5('{i}'), 375), 'hex')"),
                format!("repeat(md5('t{i}'), 375)"),
            )
        } else {
            ("randomblob(12000)".into(), "hex(randomblob(6000))".into())
        };
        let region = REGIONS[(i % 10) as usize];
        let year = 2019 + i % 6;
        let sql = format!(
            "INSERT INTO documents (sha256, file_name, format, size_bytes, content, status, title,
                                    region, year, text, text_chars, uploaded_by, uploaded_at,
                                    processed_at, assigned_to)
             VALUES ($1, $2, 'txt', 12000, {content}, 'done', $3, $4, $5, {text}, 12000, NULL,
                     $6, $6, $7)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(format!("{i:064}"))
            .bind(format!("report-{i}.txt"))
            .bind(format!("{region}{year}年度预算绩效管理情况说明"))
            .bind(region)
            .bind(year)
            .bind(1_700_000_000_000 + i * 1000)
            .bind((i % 10 == 0).then_some(assessor.id))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    // 40 facts a document, decided up to a share that varies by document; three checks, some
    // failed (errors and warnings).
    let series = if pg {
        "generate_series(1, 40) AS s(n)"
    } else {
        "(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 40) \
         SELECT n FROM c) s"
    };
    let facts = format!(
        "INSERT INTO facts (document_id, seq, kind, span_start, span_end, text, value, qualifier,
                            original, extractor_version, status)
         SELECT d.id, s.n, 'amount', s.n * 10, s.n * 10 + 5, '1.02亿元', '102000000', 'exact',
                '{{}}', 'bench', CASE WHEN s.n <= d.id % 41 THEN 'confirmed' ELSE 'pending' END
         FROM documents d, {series}"
    );
    sqlx::query(sqlx::AssertSqlSafe(facts))
        .execute(&mut *tx)
        .await
        .unwrap();
    let checks = format!(
        "INSERT INTO checks (document_id, kind, ok, fact_seqs, stated, computed, message, severity)
         SELECT d.id, 'split', CASE WHEN (d.id + s.n) % 4 = 0 THEN 0 ELSE 1 END, '[]', '1', '1',
                'bench', CASE WHEN s.n = 1 THEN 'warning' ELSE 'error' END
         FROM documents d, {series} WHERE s.n <= 3"
    );
    sqlx::query(sqlx::AssertSqlSafe(checks))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assessor.id
}
