//! Findings kept with their document: its checks (a failed check is a finding, an `error` or
//! a `warning`) and the self-evaluation forms the extractor read. A form is stored as the
//! extractor's JSON whose fact references are the facts' sequence numbers in the document,
//! as a check's `fact_seqs` are; readers get them as fact ids. When an assessor changes a
//! value, `recheck` computes the document's checks again from its stored facts as they now
//! stand (`check::rerun`) and replaces them, with each fact's count of failed checks, so a
//! finding the correction resolved is gone and one it caused appears.

use super::documents::CheckRow;
use super::facts::{FACT_COLUMNS, FactRow};
use super::{Backend, Binds, Result, Store, StoreError};
use crate::check::Check;
use crate::domain::{Qualifier, Rating, parse_decimal};
use crate::extract::form::Form;
use crate::extract::{CellRef, Fact, FactKind, FactValue, Rule, Span};
use serde_json::Value;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Whether fact `f` is among check `c`'s facts. `fact_seqs` is written by serde_json as
/// `[3,5,7]`: with its brackets turned into commas, ",3,5,7," holds ",5," exactly when 5 is
/// one of them. Plain SQL that both backends run alike, where their JSON functions differ.
pub(super) const FACT_IN_CHECK: &str = "REPLACE(REPLACE(c.fact_seqs, '[', ','), ']', ',') \
    LIKE ('%,' || CAST(f.seq AS TEXT) || ',%')";

/// `c.ok = 0` and, where given, the check's kind and severity: a failed check of that sort.
pub(super) fn failed_check_clause(
    b: &mut Binds,
    kind: &Option<String>,
    severity: &Option<String>,
) -> String {
    let mut sql = String::from("c.ok = 0");
    if let Some(k) = kind {
        sql += &format!(" AND c.kind = {}", b.text(k.as_str()));
    }
    if let Some(s) = severity {
        sql += &format!(" AND c.severity = {}", b.text(s.as_str()));
    }
    sql
}

/// Which findings an export holds: those of a document, or of the documents of a region
/// and year; of one kind of check and one severity.
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    pub document_id: Option<i64>,
    pub region: Option<String>,
    pub year: Option<i64>,
    pub check: Option<String>,
    pub severity: Option<String>,
}

/// A failed check with what an export row needs: its document and its facts' texts.
#[derive(Clone, Debug)]
pub struct FindingRow {
    pub sha256: String,
    pub file_name: Option<String>,
    pub check: CheckRow,
    /// The check's facts as (id, text), the stated one first.
    pub facts: Vec<(i64, String)>,
}

/// The forms as stored: the extractor's JSON, plus `"sub": true` on a funds row whose name
/// began with 其中 — the extractor does not write that flag, and the funds total needs it.
pub(super) fn forms_json(forms: &[Form]) -> Option<String> {
    if forms.is_empty() {
        return None;
    }
    let values: Vec<Value> = forms
        .iter()
        .map(|form| {
            let mut v = serde_json::to_value(form).unwrap_or(Value::Null);
            if let Some(rows) = v.get_mut("funds").and_then(Value::as_array_mut) {
                for (row, r) in rows.iter_mut().zip(&form.funds) {
                    if r.sub {
                        row["sub"] = Value::Bool(true);
                    }
                }
            }
            v
        })
        .collect();
    serde_json::to_string(&values).ok()
}

/// The stored forms read back (a form that no longer reads is left out).
pub(super) fn parse_forms(json: Option<&str>) -> Vec<Form> {
    let values: Vec<Value> = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    values
        .iter()
        .filter_map(|v| {
            let mut form = <Form as serde::Deserialize>::deserialize(v).ok()?;
            if let Some(rows) = v.get("funds").and_then(Value::as_array) {
                for (r, row) in form.funds.iter_mut().zip(rows) {
                    r.sub = row.get("sub") == Some(&Value::Bool(true));
                }
            }
            Some(form)
        })
        .collect()
}

/// A stored value in its typed form, as extraction made it.
pub(super) fn stored_value(kind: FactKind, value: &str) -> Option<FactValue> {
    Some(match kind {
        FactKind::Amount | FactKind::Percent | FactKind::Score => {
            FactValue::Decimal(parse_decimal(value)?)
        }
        FactKind::Count => FactValue::Integer(value.parse().ok()?),
        FactKind::Rating => FactValue::Rating(Rating::parse(value)?),
        FactKind::Document => {
            let v: Value = serde_json::from_str(value).ok()?;
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
            FactValue::Document {
                title: text("title"),
                number: text("number"),
            }
        }
    })
}

/// A stored fact as the checks read it: its current value, unit, qualifier, subject and
/// span, and what extraction recorded beside them (table, row, cell, a grade's count).
pub(super) fn fact_of(r: &FactRow, id: usize) -> Fact {
    let kind = FactKind::parse(&r.kind).unwrap_or(FactKind::Document);
    // A value that does not read is no number: every check that needs it stays silent.
    let value = stored_value(kind, &r.value).unwrap_or(FactValue::Document {
        title: None,
        number: None,
    });
    let span = Span {
        start: usize::try_from(r.start).unwrap_or(0),
        end: usize::try_from(r.end).unwrap_or(0),
    };
    // The rule a stored row records (none for rows written before rules were recorded);
    // the checks do not read it.
    let rule = r.rule.as_deref().and_then(Rule::parse);
    let mut f = Fact::new(kind, value, span, rule.unwrap_or(Rule::DocumentTitle));
    f.rule = rule;
    f.id = id;
    f.text = r.text.clone();
    f.unit = r.unit.clone();
    f.qualifier = Qualifier::parse(&r.qualifier).unwrap_or(Qualifier::Exact);
    f.subject = r.subject.clone();
    f.row = r.row.and_then(|n| u32::try_from(n).ok());
    f.table = r.table.and_then(|n| u32::try_from(n).ok());
    let extra: Value = r
        .extra
        .as_deref()
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or_default();
    let small = |k: &str| extra.get(k).and_then(Value::as_u64);
    f.count = small("count");
    f.issuer = extra
        .get("issuer")
        .and_then(Value::as_str)
        .map(str::to_string);
    f.doc_year = small("doc_year").and_then(|y| u16::try_from(y).ok());
    f.seq = small("seq").and_then(|n| u32::try_from(n).ok());
    let original: Value = serde_json::from_str(&r.original).unwrap_or_default();
    f.cell = original.get("cell").and_then(|c| {
        Some(CellRef {
            table: u32::try_from(c.get("table")?.as_u64()?).ok()?,
            row: u32::try_from(c.get("row")?.as_u64()?).ok()?,
            column: c.get("column")?.as_str()?.to_string(),
        })
    });
    f
}

/// Writes checks of a document (inside the caller's transaction).
pub(super) async fn insert_checks(
    conn: &mut AnyConnection,
    document_id: i64,
    checks: &[Check],
) -> Result<()> {
    // 8 values a row; 500 rows stay under both backends' limits on bound parameters.
    for chunk in checks.chunks(500) {
        let mut b = Binds::in_order(conn);
        let rows: Vec<String> = chunk
            .iter()
            .map(|c| {
                let values = [
                    b.int(document_id),
                    b.text(c.kind.as_str()),
                    b.int(i64::from(c.ok)),
                    b.text(c.severity.as_str()),
                    b.text(serde_json::to_string(&c.facts).unwrap_or_default()),
                    b.text(c.stated.as_str()),
                    b.text(c.computed.as_str()),
                    b.text(c.message.as_str()),
                ];
                format!("({})", values.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO checks (document_id, kind, ok, severity, fact_seqs, stated, computed,
                                 message)
             VALUES {}",
            rows.join(", ")
        );
        b.apply_query(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Sequence number → fact id, for a document.
async fn fact_ids(conn: &mut AnyConnection, document_id: i64) -> Result<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT seq, id FROM facts WHERE document_id = $1")
        .bind(document_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

fn seqs_of(json: &str) -> Vec<i64> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A document's checks, their facts given by id.
pub(super) async fn read_checks(
    conn: &mut AnyConnection,
    document_id: i64,
) -> Result<Vec<CheckRow>> {
    type Row = (
        i64,
        String,
        i64,
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, kind, ok, severity, fact_seqs, stated, computed, message, other_document_id
         FROM checks
         WHERE document_id = $1 ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?;
    let id_of = fact_ids(conn, document_id).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, ok, severity, seqs, stated, computed, message, related)| CheckRow {
                id,
                kind,
                ok: ok != 0,
                severity,
                facts: seqs_of(&seqs)
                    .iter()
                    .filter_map(|s| id_of.get(s).copied())
                    .collect(),
                stated,
                computed,
                message,
                related_document: related,
            },
        )
        .collect())
}

/// Computes a document's checks again from its stored facts as they now stand (orphaned facts
/// aside: no extractor produced them, and their sequence numbers follow the others') and
/// stores them, with each fact's count of failed checks, inside the caller's transaction.
pub(super) async fn recheck_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    document_id: i64,
    text: Option<&str>,
    forms: Option<&str>,
    meta: crate::links::Meta<'_>,
) -> Result<()> {
    let sql = format!(
        "SELECT {FACT_COLUMNS} FROM facts f WHERE f.document_id = $1 \
             AND f.orphaned_at IS NULL ORDER BY f.seq"
    );
    let rows: Vec<FactRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(document_id)
        .fetch_all(&mut **tx)
        .await?;
    // The checks find a fact by its index: the sequence numbers must be exactly that.
    if rows.iter().enumerate().any(|(i, r)| r.seq != i as i64) {
        return Err(StoreError::Invalid(format!(
            "the facts of document {document_id} are not numbered 0 to n"
        )));
    }
    let facts: Vec<Fact> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| fact_of(r, i))
        .collect();
    let totals: Vec<String> = sqlx::query_scalar(
        "SELECT fact_seqs FROM checks WHERE document_id = $1 AND kind = 'table_total'
         ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(&mut **tx)
    .await?;
    let totals: Vec<Vec<usize>> = totals
        .iter()
        .map(|t| {
            seqs_of(t)
                .into_iter()
                .filter_map(|s| usize::try_from(s).ok())
                .collect()
        })
        .collect();
    let forms = parse_forms(forms);
    let checks = crate::check::rerun(&facts, text.unwrap_or(""), &forms, &totals);

    // The cross-document checks are not the document's own: they are computed again
    // below, with the links a corrected fact may have changed.
    sqlx::query("DELETE FROM checks WHERE document_id = $1 AND kind <> 'cross_document'")
        .bind(document_id)
        .execute(&mut **tx)
        .await?;
    insert_checks(tx, document_id, &checks).await?;
    super::links::index_document(tx, document_id, meta, &facts, &forms, false).await?;
    let mut failed = vec![0i64; rows.len()];
    for seq in super::links::failed_cross_seqs(tx, document_id).await? {
        if let Some(n) = usize::try_from(seq).ok().and_then(|s| failed.get_mut(s)) {
            *n += 1;
        }
    }
    for c in checks.iter().filter(|c| !c.ok) {
        let mut ids = c.facts.clone();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            if let Some(n) = failed.get_mut(id) {
                *n += 1;
            }
        }
    }
    // Only the counts that changed: a correction moves a few.
    for (r, n) in rows.iter().zip(&failed) {
        if r.failed_checks != *n {
            sqlx::query("UPDATE facts SET failed_checks = $1 WHERE id = $2")
                .bind(*n)
                .bind(r.id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

impl Store {
    /// A document's self-evaluation forms, their cells given as fact ids.
    pub async fn forms(&self, document_id: i64) -> Result<Vec<Form>> {
        let mut conn = self.conn().await?;
        let json: Option<Option<String>> =
            sqlx::query_scalar("SELECT forms FROM documents WHERE id = $1")
                .bind(document_id)
                .fetch_optional(&mut *conn)
                .await?;
        let mut forms = parse_forms(json.ok_or(StoreError::NotFound)?.as_deref());
        if forms.is_empty() {
            return Ok(forms);
        }
        let id_of = fact_ids(&mut conn, document_id).await?;
        for form in &mut forms {
            form.map_fact_refs(|seq| {
                let id = id_of.get(&i64::try_from(seq).ok()?)?;
                usize::try_from(*id).ok()
            });
        }
        Ok(forms)
    }

    /// Computes a document's checks again from its stored facts as they now stand, and
    /// stores them in place of the old ones; returns them. Run after a decision changed a
    /// value (a correction, or the undo of one).
    pub async fn recheck(&self, document_id: i64) -> Result<Vec<CheckRow>> {
        let mut tx = self.begin_write().await?;
        // First of all, before any row lock: the cross-document checks below read and
        // write other reports' figures (see `links::lock`).
        super::links::lock(&mut tx, self.backend).await?;
        // Rechecks of one document take turns: each reads the facts only once the one
        // before has stored its result, so the last to finish saw every committed change.
        // NO KEY UPDATE, not UPDATE: a decision's review-log row holds a key-share lock on
        // its document (the foreign key) while its fact stays locked, and this transaction
        // goes on to update facts; a full lock here could wait on it in a cycle.
        // (SQLite's write transaction holds the whole database already.)
        let lock = match self.backend {
            Backend::Postgres => " FOR NO KEY UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT status, text, forms, title, doc_number, region FROM documents WHERE id = $1{lock}"
        );
        type Doc = (
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let doc: Option<Doc> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(document_id)
            .fetch_optional(&mut *tx)
            .await?;
        let (status, text, forms, title, doc_number, region) = doc.ok_or(StoreError::NotFound)?;
        if status != "done" {
            return read_checks(&mut tx, document_id).await;
        }
        let meta = crate::links::Meta {
            title: title.as_deref(),
            doc_number: doc_number.as_deref(),
            region: region.as_deref(),
        };
        recheck_in(
            &mut tx,
            document_id,
            text.as_deref(),
            forms.as_deref(),
            meta,
        )
        .await?;
        let stored = read_checks(&mut tx, document_id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Failed checks for export, with their document and their facts' texts, by document.
    pub async fn export_findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>> {
        let mut b = Binds::default();
        let mut sql = String::from(
            "SELECT c.id, c.document_id, c.kind, c.severity, c.fact_seqs, c.stated, c.computed,
                    c.message, d.sha256, d.file_name
             FROM checks c JOIN documents d ON d.id = c.document_id WHERE ",
        );
        sql += &failed_check_clause(&mut b, &filter.check, &filter.severity);
        if let Some(d) = filter.document_id {
            sql += &format!(" AND c.document_id = {}", b.int(d));
        }
        if let Some(r) = &filter.region {
            sql += &format!(" AND d.region = {}", b.text(r.as_str()));
        }
        if let Some(y) = filter.year {
            sql += &format!(" AND d.year = {}", b.int(y));
        }
        sql += " ORDER BY c.document_id, c.id";
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
        );
        let q = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
        let mut conn = self.conn().await?;
        let rows = b.apply(q).fetch_all(&mut *conn).await?;
        let mut facts_of: HashMap<i64, HashMap<i64, (i64, String)>> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for (id, document_id, kind, severity, seqs, stated, computed, message, sha256, file_name) in
            rows
        {
            if let Entry::Vacant(e) = facts_of.entry(document_id) {
                let facts: Vec<(i64, i64, String)> =
                    sqlx::query_as("SELECT seq, id, text FROM facts WHERE document_id = $1")
                        .bind(document_id)
                        .fetch_all(&mut *conn)
                        .await?;
                e.insert(facts.into_iter().map(|(s, i, t)| (s, (i, t))).collect());
            }
            let by_seq = &facts_of[&document_id];
            let facts: Vec<(i64, String)> = seqs_of(&seqs)
                .iter()
                .filter_map(|s| by_seq.get(s).cloned())
                .collect();
            out.push(FindingRow {
                sha256,
                file_name,
                check: CheckRow {
                    id,
                    kind,
                    ok: false,
                    severity,
                    facts: facts.iter().map(|(i, _)| *i).collect(),
                    stated,
                    computed,
                    message,
                    related_document: None,
                },
                facts,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::form::{BlockWeight, FundsRow, IndicatorRow, Target};

    fn form() -> Form {
        Form {
            funds: vec![
                FundsRow {
                    name: Some("年度资金总额".into()),
                    total: true,
                    budget: Some(1),
                    ..FundsRow::default()
                },
                FundsRow {
                    name: Some("一般公共预算".into()),
                    sub: true,
                    budget: Some(2),
                    ..FundsRow::default()
                },
            ],
            indicators: vec![IndicatorRow {
                name: "更换课桌椅套数".into(),
                target: Some(Target {
                    text: "≥2400套".into(),
                    direction: Some(Qualifier::AtLeast),
                    fact: Some(3),
                }),
                weight: Some(4),
                score: Some(5),
                ..IndicatorRow::default()
            }],
            blocks: vec![BlockWeight {
                name: "产出指标".into(),
                weight: 6,
            }],
            grade: Some(7),
            ..Form::default()
        }
    }

    #[test]
    fn stored_forms_read_back_with_their_sub_rows() {
        let json = forms_json(&[form()]).unwrap();
        let back = parse_forms(Some(&json));
        assert_eq!(back.len(), 1);
        assert_eq!(
            back[0].funds.iter().map(|r| r.sub).collect::<Vec<_>>(),
            [false, true]
        );
        assert_eq!(back[0].indicators[0].score, Some(5));
        assert_eq!(
            back[0].indicators[0].target.as_ref().unwrap().direction,
            Some(Qualifier::AtLeast)
        );
        assert!(forms_json(&[]).is_none());
        assert!(parse_forms(None).is_empty());
        assert!(parse_forms(Some("not json")).is_empty());
    }

    #[test]
    fn fact_references_map_to_ids_and_unknown_ones_drop() {
        let mut f = form();
        f.map_fact_refs(|seq| (seq != 6).then_some(seq + 100));
        assert_eq!(f.funds[0].budget, Some(101));
        assert_eq!(f.indicators[0].target.as_ref().unwrap().fact, Some(103));
        assert_eq!(f.indicators[0].score, Some(105));
        assert_eq!(f.grade, Some(107));
        assert!(
            f.blocks.is_empty(),
            "a block whose weight is unknown is dropped"
        );
    }

    #[test]
    fn stored_values_read_as_extraction_made_them() {
        assert_eq!(
            stored_value(FactKind::Score, "12"),
            Some(FactValue::Decimal(12.into()))
        );
        assert_eq!(
            stored_value(FactKind::Count, "18"),
            Some(FactValue::Integer(18))
        );
        assert_eq!(
            stored_value(FactKind::Rating, "优"),
            Some(FactValue::Rating(Rating::parse("优").unwrap()))
        );
        assert_eq!(stored_value(FactKind::Amount, "abc"), None);
    }
}
