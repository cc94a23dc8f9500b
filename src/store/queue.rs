//! The work queue: listing documents searched by name and title, filtered (region as a part,
//! year, status, review progress, failed checks, assignee) and sorted with a stable order;
//! and assigning documents to assessors, every change of assignee kept in
//! `document_assignments` (who assigned whom, when), rows only ever added.
//!
//! A page is read in two steps: first the ids of the page, filtered and sorted over narrow
//! index entries (progress and findings over the counts `document_fact_counts` and
//! `document_finding_counts` keep per document); then the columns of those ids only. A
//! document row holds its file and text, many pages each, so reading every row to sort
//! 10,000 documents would read them all.

use super::documents::{DocumentRow, document_columns, uploader_join};
use super::facts::Actor;
use super::{Backend, Binds, Result, Store, StoreError, like_pattern, now_ms};
use serde::{Deserialize, Serialize};

/// How far review of a document's facts has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewProgress {
    /// No fact decided yet.
    Unreviewed,
    /// Some decided, some pending.
    InProgress,
    /// Every fact decided.
    Reviewed,
}

/// What the queue is sorted by; ties always fall back to the document id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentSort {
    /// Time of upload.
    #[default]
    Uploaded,
    /// Region name (code-point order on both databases; none first).
    Region,
    /// Year of the report (none first).
    Year,
    /// Share of facts decided (a document without facts first).
    Progress,
    /// Failed checks: errors, then warnings.
    Findings,
}

impl DocumentSort {
    /// The direction a sort takes unless asked: newest and most findings first, the rest
    /// from the smallest.
    pub fn default_order(self) -> SortOrder {
        match self {
            DocumentSort::Uploaded | DocumentSort::Findings => SortOrder::Desc,
            DocumentSort::Region | DocumentSort::Year | DocumentSort::Progress => SortOrder::Asc,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    Desc,
}

impl SortOrder {
    fn sql(self) -> &'static str {
        match self {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        }
    }
}

/// Whose documents: assigned to this user, or to nobody.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignedFilter {
    User(i64),
    Nobody,
}

#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    /// File name or title contains this (case-insensitive).
    pub q: Option<String>,
    /// Region contains this: `相山` finds 淮北市相山区.
    pub region: Option<String>,
    pub year: Option<i64>,
    pub status: Option<String>,
    pub review: Option<ReviewProgress>,
    /// Only documents this user uploaded (an uploader sees only their own).
    pub uploaded_by: Option<i64>,
    /// Only documents with a failed check of this kind (`score_cap` …) and/or severity.
    pub check: Option<String>,
    pub severity: Option<String>,
    pub assigned: Option<AssignedFilter>,
    pub sort: DocumentSort,
    /// `None`: the sort's own default direction.
    pub order: Option<SortOrder>,
    pub limit: i64,
    pub offset: i64,
}

/// One change of a document's assignee.
#[derive(Clone, Debug, Serialize)]
pub struct AssignmentRow {
    pub id: i64,
    pub document_id: i64,
    /// The assessor before and after (`None`: nobody).
    pub before: Option<i64>,
    pub after: Option<i64>,
    /// Who assigned.
    pub user_id: Option<i64>,
    pub actor: String,
    pub at: i64,
}

/// The `LIKE` that finds `term` anywhere in `column`, case-insensitively, with the term's
/// own `%`, `_` and `\` taken literally.
pub(super) fn contains(b: &mut Binds, column: &str, term: &str) -> String {
    format!(
        "LOWER(COALESCE({column}, '')) LIKE {} ESCAPE '\\'",
        b.text(like_pattern(&term.to_lowercase()))
    )
}

impl Store {
    pub async fn list_documents(&self, f: &DocumentFilter) -> Result<Vec<DocumentRow>> {
        let mut b = Binds::default();
        // An uploader sees only what they uploaded, as they uploaded it (their own file name
        // and time, from `u`).
        let uploader = f.uploaded_by.map(|u| b.int(u));
        let join = uploader.as_deref().map(uploader_join).unwrap_or_default();
        let (name, uploaded_at) = if uploader.is_some() {
            ("u.file_name", "u.uploaded_at")
        } else {
            ("d.file_name", "d.uploaded_at")
        };
        let mut filter = String::new();
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            filter += &format!(
                " AND ({} OR {})",
                contains(&mut b, name, q),
                contains(&mut b, "d.title", q)
            );
        }
        if let Some(r) = f.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            filter += &format!(" AND {}", contains(&mut b, "d.region", r));
        }
        if let Some(y) = f.year {
            filter += &format!(" AND d.year = {}", b.int(y));
        }
        if let Some(s) = &f.status {
            filter += &format!(" AND d.status = {}", b.text(s.as_str()));
        }
        match f.assigned {
            Some(AssignedFilter::User(u)) => {
                filter += &format!(" AND d.assigned_to = {}", b.int(u))
            }
            Some(AssignedFilter::Nobody) => filter += " AND d.assigned_to IS NULL",
            None => {}
        }
        // The counts the progress and findings sorts and filters read, kept per document by
        // triggers (migration `…_document_counts`): only a page's worth of their index is read.
        // `fc` holds a document's facts and those decided, `kc` its failed checks by severity.
        let (mut progress, mut findings) = (false, false);
        match (&f.check, f.severity.as_deref()) {
            (None, Some(severity @ ("error" | "warning"))) => {
                findings = true;
                filter += &format!(" AND kc.findings_{severity} > 0");
            }
            (None, None) => {}
            (check, severity) => {
                let failed = super::findings::failed_check_clause(
                    &mut b,
                    check,
                    &severity.map(str::to_string),
                );
                filter += &format!(
                    " AND EXISTS (SELECT 1 FROM checks c WHERE c.document_id = d.id AND {failed})"
                );
            }
        }
        if let Some(review) = f.review {
            progress = true;
            filter += match review {
                ReviewProgress::Unreviewed => " AND fc.facts_decided = 0",
                ReviewProgress::InProgress => {
                    " AND fc.facts_decided > 0 AND fc.facts_decided < fc.facts_total"
                }
                ReviewProgress::Reviewed => {
                    " AND d.status = 'done' AND fc.facts_decided = fc.facts_total"
                }
            };
        }
        // Region in code-point order on PostgreSQL too, whatever the database's collation,
        // so both backends page alike.
        let collate = match self.backend {
            Backend::Postgres => " COLLATE \"C\"",
            Backend::Sqlite => "",
        };
        let keys: Vec<String> = match f.sort {
            DocumentSort::Uploaded => vec![uploaded_at.to_string()],
            DocumentSort::Region => vec![format!("COALESCE(d.region, ''){collate}")],
            DocumentSort::Year => vec!["COALESCE(d.year, 0)".into()],
            // The expression of the index `document_fact_counts_progress`, as written there.
            DocumentSort::Progress => vec![
                "CASE WHEN fc.facts_total = 0 THEN -1.0 \
                 ELSE fc.facts_decided * 1.0 / fc.facts_total END"
                    .into(),
            ],
            DocumentSort::Findings => {
                vec!["kc.findings_error".into(), "kc.findings_warning".into()]
            }
        };
        progress |= f.sort == DocumentSort::Progress;
        findings |= f.sort == DocumentSort::Findings;
        let mut counts = String::new();
        if progress {
            counts += " JOIN document_fact_counts fc ON fc.document_id = d.id";
        }
        if findings {
            counts += " JOIN document_finding_counts kc ON kc.document_id = d.id";
        }
        // Sorted by counts, the page is the next entries of a counts index, which ends in
        // the document id: naming the id by that table lets the index give the ties' order.
        let id = match f.sort {
            DocumentSort::Progress => "fc.document_id",
            DocumentSort::Findings => "kc.document_id",
            _ => "d.id",
        };
        let dir = f.order.unwrap_or_else(|| f.sort.default_order()).sql();
        let key_cols: String = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!(", {k} AS k{i}"))
            .collect();
        let order_by = |table: &str| -> String {
            let mut o: Vec<String> = (0..keys.len())
                .map(|i| format!("{table}.k{i} {dir}"))
                .collect();
            o.push(format!("{table}.id {dir}"));
            o.join(", ")
        };
        // The inner query orders by its own select list (k0 …, id), the outer one keeps that
        // order for the page's rows.
        let inner = format!(
            "SELECT * FROM (SELECT {id} AS id{key_cols} FROM documents d{join}{counts} \
             WHERE 1 = 1{filter}) s \
             ORDER BY {} LIMIT {} OFFSET {}",
            order_by("s"),
            b.int(f.limit),
            b.int(f.offset)
        );
        let sql = format!(
            "SELECT {} FROM ({inner}) p JOIN documents d ON d.id = p.id{join} ORDER BY {}",
            document_columns(uploader.is_some()),
            order_by("p")
        );
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        Ok(b.apply(q).fetch_all(&mut *self.conn().await?).await?)
    }

    /// Assigns a document to an assessor (or an admin), or to nobody, and records who did it;
    /// an assignment that changes nothing records nothing. Returns the document.
    pub async fn assign_document(
        &self,
        id: i64,
        assignee: Option<i64>,
        by: &Actor,
    ) -> Result<DocumentRow> {
        let mut tx = self.begin_write().await?;
        let before: Option<i64> =
            sqlx::query_scalar::<_, Option<i64>>("SELECT assigned_to FROM documents WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        if let Some(user) = assignee {
            let role: Option<(String, Option<i64>)> =
                sqlx::query_as("SELECT role, revoked_at FROM users WHERE id = $1")
                    .bind(user)
                    .fetch_optional(&mut *tx)
                    .await?;
            match role {
                Some((role, None)) if role == "assessor" || role == "admin" => {}
                Some((_, None)) => {
                    return Err(StoreError::Invalid(format!(
                        "user {user} is not an assessor; documents are assigned to assessors"
                    )));
                }
                _ => {
                    return Err(StoreError::Invalid(format!(
                        "user {user} does not exist or their token is revoked"
                    )));
                }
            }
        }
        if before != assignee {
            sqlx::query("UPDATE documents SET assigned_to = $1 WHERE id = $2")
                .bind(assignee)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO document_assignments (document_id, before, after, user_id, actor, at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(before)
            .bind(assignee)
            .bind(by.user_id)
            .bind(&by.name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.document(id).await
    }

    /// Every change of a document's assignee, oldest first.
    pub async fn assignments(&self, document_id: i64) -> Result<Vec<AssignmentRow>> {
        type Row = (i64, i64, Option<i64>, Option<i64>, Option<i64>, String, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, document_id, before, after, user_id, actor, at
             FROM document_assignments WHERE document_id = $1 ORDER BY id",
        )
        .bind(document_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AssignmentRow {
                id: r.0,
                document_id: r.1,
                before: r.2,
                after: r.3,
                user_id: r.4,
                actor: r.5,
                at: r.6,
            })
            .collect())
    }
}
