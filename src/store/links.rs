//! The index of links across documents (`document_links`: each document's normalized keys,
//! from `crate::links`) and what is read through it: the documents citing one, those it
//! cites, the same project or department in other reports with its figures by year, and
//! the stored document a 发文字号 or title names. The index is written in the transaction that
//! stores a document's facts, rewritten when a correction changes them, and filled at start
//! for documents stored before it existed. The same transactions compute the
//! `cross_document` checks again for the document and for every report naming one of its
//! projects: the store gathers their figures and `check::cross` compares them.

use super::documents::{document_columns, uploader_join};
use super::facts::{FACT_COLUMNS, FactRow};
use super::findings::{fact_of, parse_forms, stored_value};
use super::{Backend, Bind, Binds, DocumentRow, Result, Store};
use crate::check::cross::{CrossCheck, Figure, FigureLabel, cross_document};
use crate::domain::{ProjectKey, Qualifier};
use crate::extract::form::Form;
use crate::extract::{Fact, FactKind};
use crate::links::{Link, LinkKind, Meta, document_links};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

/// The PostgreSQL advisory lock (transaction-scoped) under which links and cross-document
/// checks are written: two reports of one project stored at the same moment by two workers
/// would otherwise each miss the other's still uncommitted figures. SQLite has one writer.
const LINKS_LOCK: i64 = 0x6a69_786c_696e_6b73; // "jixlinks"

/// Takes the links lock for the rest of the caller's transaction. Taken before any row
/// is written, so it never waits while holding a row another writer wants.
pub(super) async fn lock(conn: &mut AnyConnection, backend: Backend) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LINKS_LOCK)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Replaces a document's keys (inside the caller's transaction) and marks it indexed.
pub(super) async fn write_links(
    conn: &mut AnyConnection,
    document_id: i64,
    links: &[Link],
) -> Result<()> {
    sqlx::query("DELETE FROM document_links WHERE document_id = $1")
        .bind(document_id)
        .execute(&mut *conn)
        .await?;
    // 5 values a row: 500 rows stay under both backends' limits on bound parameters.
    for chunk in links.chunks(500) {
        let mut b = Binds::in_order(conn);
        let rows: Vec<String> = chunk
            .iter()
            .map(|l| {
                let values = [
                    b.int(document_id),
                    b.text(l.kind.as_str()),
                    b.text(l.key.as_str()),
                    b.text(l.label.map_or("", FigureLabel::as_str)),
                    b.push(Bind::Int(l.fact.map(|f| f as i64))),
                ];
                format!("({})", values.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO document_links (document_id, kind, link_key, label, fact_seq) VALUES {}",
            rows.join(", ")
        );
        b.apply_query(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO links_indexed (document_id) VALUES ($1) ON CONFLICT (document_id) DO NOTHING",
    )
    .bind(document_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The documents that name one of `document_id`'s projects with a figure: the reports
/// whose cross-document checks may change with its figures.
pub(super) async fn partners_of(conn: &mut AnyConnection, document_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT o.document_id FROM document_links o
         WHERE o.kind = 'project' AND o.label <> '' AND o.document_id <> $1
           AND o.link_key IN (SELECT l.link_key FROM document_links l
                              WHERE l.document_id = $1 AND l.kind = 'project' AND l.label <> '')
         ORDER BY o.document_id",
    )
    .bind(document_id)
    .fetch_all(conn)
    .await?)
}

/// The cross-document checks of `document_id` and of every report naming one of its
/// projects, computed again and stored in place of the old ones. The failed-check counts
/// of the facts involved move with them — for the document itself only when `own_counts`
/// (a recheck counts its document's facts itself). `partners_before` are the reports that
/// shared a project before the document's keys were rewritten: their findings against it
/// may have to go.
pub(super) async fn refresh_cross(
    conn: &mut AnyConnection,
    document_id: i64,
    own_counts: bool,
    partners_before: &[i64],
) -> Result<()> {
    let mut docs = partners_of(conn, document_id).await?;
    docs.extend_from_slice(partners_before);
    docs.sort_unstable();
    docs.dedup();
    recompute_cross(conn, document_id, own_counts).await?;
    for d in docs.into_iter().filter(|&d| d != document_id) {
        recompute_cross(conn, d, true).await?;
    }
    Ok(())
}

/// The figures of every project `document_id` names with a figure, in every report naming
/// it (rejected facts are no figures).
async fn figures_around(conn: &mut AnyConnection, document_id: i64) -> Result<Vec<Figure>> {
    type Row = (
        i64,
        String,
        String,
        i64,
        String,
        String,
        Option<String>,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT o.document_id, o.link_key, o.label, f.seq, f.kind, f.value, f.unit, f.qualifier,
                d.year, d.title, d.file_name
         FROM document_links o
         JOIN facts f ON f.document_id = o.document_id AND f.seq = o.fact_seq
         JOIN documents d ON d.id = o.document_id
         WHERE o.kind = 'project' AND o.label <> '' AND f.status <> 'rejected'
           AND o.link_key IN (SELECT l.link_key FROM document_links l
                              WHERE l.document_id = $1 AND l.kind = 'project' AND l.label <> '')
         ORDER BY o.document_id, f.seq",
    )
    .bind(document_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(doc, key, label, seq, kind, value, unit, qualifier, year, title, file_name)| {
                let kind = FactKind::parse(&kind)?;
                let title = title.filter(|t| !t.is_empty());
                Some(Figure {
                    document_id: doc,
                    fact: usize::try_from(seq).ok()?,
                    year,
                    project: ProjectKey::from_stored(&key)?,
                    label: FigureLabel::parse(&label)?,
                    value: stored_value(kind, &value)?,
                    qualifier: Qualifier::parse(&qualifier)?,
                    unit,
                    self_evaluation: title.as_deref().is_some_and(|t| t.contains("自评")),
                    document_name: match (title, file_name) {
                        (Some(t), _) => format!("《{t}》"),
                        (None, Some(f)) => format!("“{f}”"),
                        (None, None) => format!("文档 {doc}"),
                    },
                })
            },
        )
        .collect())
}

/// Replaces one document's cross-document checks.
async fn recompute_cross(conn: &mut AnyConnection, document_id: i64, counts: bool) -> Result<()> {
    let figures = figures_around(conn, document_id).await?;
    let checks: Vec<CrossCheck> = cross_document(document_id, &figures);
    let old: Vec<String> = sqlx::query_scalar(
        "SELECT fact_seqs FROM checks
         WHERE document_id = $1 AND kind = 'cross_document' AND ok = 0",
    )
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM checks WHERE document_id = $1 AND kind = 'cross_document'")
        .bind(document_id)
        .execute(&mut *conn)
        .await?;
    for c in &checks {
        sqlx::query(
            "INSERT INTO checks (document_id, kind, ok, severity, fact_seqs, stated, computed,
                                 message, other_document_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(document_id)
        .bind(c.check.kind.as_str())
        .bind(i64::from(c.check.ok))
        .bind(c.check.severity.as_str())
        .bind(serde_json::to_string(&c.check.facts).unwrap_or_default())
        .bind(c.check.stated.as_str())
        .bind(c.check.computed.as_str())
        .bind(c.check.message.as_str())
        .bind(c.other_document_id)
        .execute(&mut *conn)
        .await?;
    }
    if !counts {
        return Ok(());
    }
    // Each fact's count moves by its new failed cross checks less its old ones.
    let mut delta: BTreeMap<i64, i64> = BTreeMap::new();
    for seqs in &old {
        for s in serde_json::from_str::<Vec<i64>>(seqs).unwrap_or_default() {
            *delta.entry(s).or_default() -= 1;
        }
    }
    for c in checks.iter().filter(|c| !c.check.ok) {
        for &s in &c.check.facts {
            *delta.entry(s as i64).or_default() += 1;
        }
    }
    for (seq, d) in delta.into_iter().filter(|&(_, d)| d != 0) {
        sqlx::query(
            "UPDATE facts SET failed_checks = failed_checks + $1 WHERE document_id = $2 AND seq = $3",
        )
        .bind(d)
        .bind(document_id)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The failed cross-document checks of a document, per fact seq: what a recheck adds to
/// the counts of the checks it computes itself.
pub(super) async fn failed_cross_seqs(
    conn: &mut AnyConnection,
    document_id: i64,
) -> Result<Vec<i64>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT fact_seqs FROM checks
         WHERE document_id = $1 AND kind = 'cross_document' AND ok = 0",
    )
    .bind(document_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .flat_map(|s| serde_json::from_str::<Vec<i64>>(s).unwrap_or_default())
        .collect())
}

/// Writes a document's links from its facts and forms and computes the cross-document
/// checks around it again (inside the caller's transaction, which holds [`lock`]).
pub(super) async fn index_document(
    conn: &mut AnyConnection,
    document_id: i64,
    meta: Meta<'_>,
    facts: &[Fact],
    forms: &[Form],
    own_counts: bool,
) -> Result<()> {
    let before = partners_of(conn, document_id).await?;
    write_links(conn, document_id, &document_links(meta, facts, forms)).await?;
    refresh_cross(conn, document_id, own_counts, &before).await
}

/// Who asks: an uploader sees only the documents they uploaded; a reader only what settled
/// facts say.
#[derive(Clone, Copy, Debug, Default)]
pub struct Viewer {
    pub uploader: Option<i64>,
    pub settled_only: bool,
}

impl Viewer {
    /// `AND …` admitting the document in column `doc` to this viewer.
    fn documents(&self, b: &mut Binds, doc: &str) -> String {
        match self.uploader {
            Some(u) => format!(
                " AND EXISTS (SELECT 1 FROM document_uploads u \
                 WHERE u.document_id = {doc} AND u.user_id = {})",
                b.int(u)
            ),
            None => String::new(),
        }
    }

    /// `AND …` admitting the fact `f` as a reason this viewer may see.
    fn facts(&self) -> &'static str {
        if self.settled_only {
            " AND f.status IN ('confirmed', 'corrected')"
        } else {
            " AND f.status <> 'rejected'"
        }
    }
}

/// Why two documents are related.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    /// `number`, `title` (a citation), `project` or `department` (named by both).
    pub kind: &'static str,
    /// The normalized key they share (a project's as `region|name`).
    pub key: String,
    /// The `document` fact that cites, where the relation is a citation.
    pub fact_id: Option<i64>,
}

/// A related document with the reasons.
#[derive(Clone, Debug)]
pub struct RelatedDocument {
    pub document: DocumentRow,
    pub why: Vec<Reason>,
}

/// One figure of a project in one report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ProjectPoint {
    pub document_id: i64,
    pub year: Option<i64>,
    pub label: &'static str,
    /// An amount in yuan or a grade, as stored.
    pub value: String,
    pub fact_id: i64,
}

/// A project the document names, with its figures in every report the viewer sees.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ProjectSeries {
    pub key: String,
    pub region: String,
    pub name: String,
    pub points: Vec<ProjectPoint>,
}

/// Everything related to one document.
#[derive(Clone, Debug, Default)]
pub struct Related {
    pub cites: Vec<RelatedDocument>,
    pub cited_by: Vec<RelatedDocument>,
    pub same_project: Vec<RelatedDocument>,
    pub projects: Vec<ProjectSeries>,
}

/// A stored 发文字号 or title: the documents that are it and those citing it.
#[derive(Clone, Debug, Default)]
pub struct Citation {
    pub documents: Vec<DocumentRow>,
    pub cited_by: Vec<RelatedDocument>,
}

fn reason_kind(kind: &str) -> &'static str {
    match LinkKind::parse(kind) {
        Some(LinkKind::Number | LinkKind::CitesNumber) => "number",
        Some(LinkKind::Title | LinkKind::CitesTitle) => "title",
        Some(LinkKind::Department) => "department",
        _ => "project",
    }
}

impl Store {
    /// Indexes the links of every processed document that has none yet (those stored
    /// before links existed); run at start. Returns how many were indexed.
    pub async fn index_unlinked_documents(&self) -> Result<u64> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT d.id FROM documents d WHERE d.status = 'done'
             AND NOT EXISTS (SELECT 1 FROM links_indexed i WHERE i.document_id = d.id)
             ORDER BY d.id",
        )
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut indexed = 0;
        for id in ids {
            let mut tx = self.begin_write().await?;
            lock(&mut tx, self.backend).await?;
            // Another server starting at the same moment may have done it meanwhile.
            let done: Option<i64> =
                sqlx::query_scalar("SELECT document_id FROM links_indexed WHERE document_id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_some() {
                continue;
            }
            type Doc = (
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            );
            let (title, number, region, forms): Doc = sqlx::query_as(
                "SELECT title, doc_number, region, forms FROM documents WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let sql = format!(
                "SELECT {FACT_COLUMNS} FROM facts f WHERE f.document_id = $1 \
                 AND f.orphaned_at IS NULL ORDER BY f.seq"
            );
            let rows: Vec<FactRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            let facts: Vec<Fact> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| fact_of(r, i))
                .collect();
            let meta = Meta {
                title: title.as_deref(),
                doc_number: number.as_deref(),
                region: region.as_deref(),
            };
            let forms = parse_forms(forms.as_deref());
            index_document(&mut tx, id, meta, &facts, &forms, true).await?;
            tx.commit().await?;
            indexed += 1;
        }
        if indexed > 0 {
            tracing::info!(
                documents = indexed,
                "links indexed for documents stored before"
            );
        }
        Ok(indexed)
    }

    /// Documents by id as `viewer` sees them (an uploader: their own upload of each).
    async fn documents_by_id(&self, ids: &[i64], viewer: Viewer) -> Result<Vec<DocumentRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut b = Binds::default();
        let join = match viewer.uploader {
            Some(u) => uploader_join(&b.int(u)),
            None => String::new(),
        };
        let list: Vec<String> = ids.iter().map(|&i| b.int(i)).collect();
        let sql = format!(
            "SELECT {} FROM documents d{join} WHERE d.id IN ({}) ORDER BY d.year, d.id",
            document_columns(viewer.uploader.is_some()),
            list.join(", ")
        );
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        Ok(b.apply(q).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Groups (document, reason) pairs by document, in the order the viewer's documents come.
    async fn grouped(
        &self,
        pairs: Vec<(i64, Reason)>,
        viewer: Viewer,
    ) -> Result<Vec<RelatedDocument>> {
        let mut why: HashMap<i64, Vec<Reason>> = HashMap::new();
        for (doc, reason) in pairs {
            let reasons = why.entry(doc).or_default();
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        let ids: Vec<i64> = why.keys().copied().collect();
        Ok(self
            .documents_by_id(&ids, viewer)
            .await?
            .into_iter()
            .map(|document| RelatedDocument {
                why: why.remove(&document.id).unwrap_or_default(),
                document,
            })
            .collect())
    }

    /// What is related to document `id`: the documents citing it and those it cites, those
    /// naming one of its projects or departments, and its projects' figures by year.
    pub async fn related(&self, id: i64, viewer: Viewer) -> Result<Related> {
        let mut conn = self.conn().await?;
        type Pair = (i64, String, String, Option<i64>);
        let to_pairs = |rows: Vec<Pair>| -> Vec<(i64, Reason)> {
            rows.into_iter()
                .map(|(doc, kind, key, fact_id)| {
                    (
                        doc,
                        Reason {
                            kind: reason_kind(&kind),
                            key,
                            fact_id,
                        },
                    )
                })
                .collect()
        };

        let mut b = Binds::default();
        let me = b.int(id);
        let sql = format!(
            "SELECT o.document_id, l.kind, l.link_key, f.id FROM document_links l
             JOIN facts f ON f.document_id = l.document_id AND f.seq = l.fact_seq{facts}
             JOIN document_links o ON o.link_key = l.link_key
              AND o.kind = CASE l.kind WHEN 'cites_number' THEN 'number' ELSE 'title' END
             WHERE l.document_id = {me} AND l.kind IN ('cites_number', 'cites_title')
               AND o.document_id <> {me}{docs}",
            facts = viewer.facts(),
            docs = viewer.documents(&mut b, "o.document_id"),
        );
        let rows: Vec<Pair> = b
            .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        let cites = to_pairs(rows);

        let mut b = Binds::default();
        let me = b.int(id);
        let sql = format!(
            "SELECT l.document_id, l.kind, l.link_key, f.id FROM document_links own
             JOIN document_links l ON l.link_key = own.link_key
              AND l.kind = CASE own.kind WHEN 'number' THEN 'cites_number' ELSE 'cites_title' END
             JOIN facts f ON f.document_id = l.document_id AND f.seq = l.fact_seq{facts}
             WHERE own.document_id = {me} AND own.kind IN ('number', 'title')
               AND l.document_id <> {me}{docs}",
            facts = viewer.facts(),
            docs = viewer.documents(&mut b, "l.document_id"),
        );
        let rows: Vec<Pair> = b
            .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        let cited_by = to_pairs(rows);

        let mut b = Binds::default();
        let me = b.int(id);
        let sql = format!(
            "SELECT DISTINCT o.document_id, o.kind, o.link_key, CAST(NULL AS BIGINT)
             FROM document_links l
             JOIN document_links o ON o.link_key = l.link_key AND o.kind = l.kind AND o.label = ''
             WHERE l.document_id = {me} AND l.kind IN ('project', 'department') AND l.label = ''
               AND o.document_id <> {me}{docs}",
            docs = viewer.documents(&mut b, "o.document_id"),
        );
        let rows: Vec<Pair> = b
            .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        let same_project = to_pairs(rows);

        let mut b = Binds::default();
        let me = b.int(id);
        let sql = format!(
            "SELECT o.link_key, o.document_id, d.year, o.label, f.value, f.id
             FROM document_links o
             JOIN facts f ON f.document_id = o.document_id AND f.seq = o.fact_seq{facts}
             JOIN documents d ON d.id = o.document_id
             WHERE o.kind = 'project' AND o.label <> ''
               AND o.link_key IN (SELECT l.link_key FROM document_links l
                                  WHERE l.document_id = {me} AND l.kind = 'project')
               {docs}
             ORDER BY o.link_key, d.year, o.document_id, f.seq",
            facts = viewer.facts(),
            docs = if viewer.uploader.is_some() {
                // Its own figures always; others' only in the viewer's documents.
                format!(
                    "AND (o.document_id = {me}{})",
                    viewer
                        .documents(&mut b, "o.document_id")
                        .replacen(" AND", " OR", 1)
                )
            } else {
                String::new()
            },
        );
        type PointRow = (String, i64, Option<i64>, String, String, i64);
        let rows: Vec<PointRow> = b
            .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT link_key FROM document_links
             WHERE document_id = $1 AND kind = 'project' ORDER BY link_key",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        let mut projects: Vec<ProjectSeries> = keys
            .iter()
            .filter_map(|k| ProjectKey::from_stored(k))
            .map(|k| ProjectSeries {
                key: k.as_str().to_string(),
                region: k.region().to_string(),
                name: k.name().to_string(),
                points: Vec::new(),
            })
            .collect();
        for (key, document_id, year, label, value, fact_id) in rows {
            let (Some(series), Some(label)) = (
                projects.iter_mut().find(|p| p.key == key),
                FigureLabel::parse(&label),
            ) else {
                continue;
            };
            series.points.push(ProjectPoint {
                document_id,
                year,
                label: label.as_str(),
                value,
                fact_id,
            });
        }

        Ok(Related {
            cites: self.grouped(cites, viewer).await?,
            cited_by: self.grouped(cited_by, viewer).await?,
            same_project: self.grouped(same_project, viewer).await?,
            projects,
        })
    }

    /// The stored documents whose own 发文字号 (`kind` number) or title is `key`, and the
    /// documents citing it.
    pub async fn citation(&self, kind: LinkKind, key: &str, viewer: Viewer) -> Result<Citation> {
        let (own, cites) = match kind {
            LinkKind::Title => ("title", "cites_title"),
            _ => ("number", "cites_number"),
        };
        let mut conn = self.conn().await?;
        let mut b = Binds::default();
        let k = b.text(key);
        let sql = format!(
            "SELECT DISTINCT l.document_id FROM document_links l
             WHERE l.link_key = {k} AND l.kind = '{own}'{docs}",
            docs = viewer.documents(&mut b, "l.document_id"),
        );
        let ids: Vec<i64> = b
            .apply(sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(i,)| i)
            .collect();
        let mut b = Binds::default();
        let k = b.text(key);
        let sql = format!(
            "SELECT l.document_id, l.kind, l.link_key, f.id FROM document_links l
             JOIN facts f ON f.document_id = l.document_id AND f.seq = l.fact_seq{facts}
             WHERE l.link_key = {k} AND l.kind = '{cites}'{docs}",
            facts = viewer.facts(),
            docs = viewer.documents(&mut b, "l.document_id"),
        );
        let rows: Vec<(i64, String, String, Option<i64>)> = b
            .apply(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        drop(conn);
        let pairs = rows
            .into_iter()
            .map(|(doc, kind, key, fact_id)| {
                (
                    doc,
                    Reason {
                        kind: reason_kind(&kind),
                        key,
                        fact_id,
                    },
                )
            })
            .collect();
        Ok(Citation {
            documents: self.documents_by_id(&ids, viewer).await?,
            cited_by: self.grouped(pairs, viewer).await?,
        })
    }
}
