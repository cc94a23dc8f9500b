//! Incremental sync: the facts and documents changed since a consumer last looked, in the
//! order their changes became durable, a page at a time. Each row carries `change_seq` and
//! `updated_at`, set by triggers (migrations `*_sync.sql`) whenever a row is made or changes
//! in a way its JSON shows; a page is keyed on (change_seq, id) after the consumer's
//! [`SyncCursor`], never an offset, so rows that change while a consumer pages move behind
//! its cursor and come again on a later page instead of shifting what it reads now.
//!
//! Why no change is missed even while decisions commit concurrently: on SQLite writes are
//! serialized, so change_seq (drawn inside the write transaction) follows commit order. On
//! PostgreSQL change_seq is the writing transaction's id, and a page holds only changes of
//! transactions older than the oldest one still running — all of them finished; anything
//! that commits later has a larger id than every change already handed out. The migrations
//! say this at length.

use super::documents::{DocumentRow, document_columns, uploader_join};
use super::facts::{FACT_COLUMNS, FactFilter, FactRow};
use super::{Backend, Binds, Result, Store};
use sqlx::Row;

/// Where a consumer stands in the feed: the (change_seq, id) of the last row it read.
/// Opaque to clients: written and read only by [`SyncCursor::encode`] and
/// [`SyncCursor::decode`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct SyncCursor {
    pub seq: i64,
    pub id: i64,
}

impl SyncCursor {
    /// `c1.<seq hex>.<id hex>`; the prefix versions the format.
    pub fn encode(&self) -> String {
        format!("c1.{:x}.{:x}", self.seq, self.id)
    }

    pub fn decode(s: &str) -> Option<SyncCursor> {
        let mut parts = s.strip_prefix("c1.")?.split('.');
        let seq = i64::from_str_radix(parts.next()?, 16).ok()?;
        let id = i64::from_str_radix(parts.next()?, 16).ok()?;
        if parts.next().is_some() || seq < 0 || id < 0 {
            return None;
        }
        Some(SyncCursor { seq, id })
    }
}

/// One changed row with where it stands in the feed.
#[derive(Clone, Debug)]
pub struct Changed<T> {
    pub row: T,
    pub cursor: SyncCursor,
    /// Unix ms of the row's last change.
    pub updated_at: Option<i64>,
}

/// What a sync page asks for besides its filter.
#[derive(Clone, Copy, Debug)]
pub struct SyncRequest {
    pub after: SyncCursor,
    /// Only rows whose last change is at or after this time (Unix ms). A coarse start for a
    /// first pull; the cursor, not the time, is what makes later pulls exact.
    pub updated_since: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// The keyset condition and, on PostgreSQL, the bound that keeps out changes of
    /// transactions that may still have company (see the module's note).
    fn sync_clause(&self, b: &mut Binds, table: &str, req: &SyncRequest) -> String {
        let (s1, s2, i) = (
            b.int(req.after.seq),
            b.int(req.after.seq),
            b.int(req.after.id),
        );
        let mut sql = format!(
            " AND ({table}.change_seq > {s1} OR ({table}.change_seq = {s2} AND {table}.id > {i}))"
        );
        if let Some(t) = req.updated_since {
            sql += &format!(" AND {table}.updated_at >= {}", b.int(t));
        }
        if self.backend == Backend::Postgres {
            sql += &format!(
                " AND {table}.change_seq < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            );
        }
        sql
    }

    /// Facts that `filter` selects (its statuses aside: the caller sorts those out, since a
    /// fact that left a status is a change too) changed after `req.after`, oldest change first.
    pub async fn changed_facts(
        &self,
        filter: &FactFilter,
        req: &SyncRequest,
    ) -> Result<Vec<Changed<FactRow>>> {
        let mut filter = filter.clone();
        filter.statuses.clear();
        let mut b = Binds::default();
        let mut sql = format!("SELECT {FACT_COLUMNS}, f.change_seq, f.updated_at FROM facts f");
        sql += &filter.where_clause(&mut b);
        self.page_of_changes(sql, b, "f", req, |r: &FactRow| r.id)
            .await
    }

    /// Documents changed after `req.after` (an uploader's own only, when `uploaded_by`),
    /// oldest change first.
    pub async fn changed_documents(
        &self,
        uploaded_by: Option<i64>,
        req: &SyncRequest,
    ) -> Result<Vec<Changed<DocumentRow>>> {
        let mut b = Binds::default();
        let sql = match uploaded_by {
            Some(u) => format!(
                "SELECT {}, d.change_seq, d.updated_at FROM documents d{} WHERE 1 = 1",
                document_columns(true),
                uploader_join(&b.int(u))
            ),
            None => format!(
                "SELECT {}, d.change_seq, d.updated_at FROM documents d WHERE 1 = 1",
                document_columns(false)
            ),
        };
        self.page_of_changes(sql, b, "d", req, |r: &DocumentRow| r.id)
            .await
    }

    /// Runs a changed-rows query of `table` (aliased so) one page long, in feed order, each
    /// row with its cursor.
    async fn page_of_changes<T>(
        &self,
        mut sql: String,
        mut b: Binds,
        table: &str,
        req: &SyncRequest,
        id_of: impl Fn(&T) -> i64,
    ) -> Result<Vec<Changed<T>>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sql += &self.sync_clause(&mut b, table, req);
        sql += &format!(
            " ORDER BY {table}.change_seq, {table}.id LIMIT {}",
            b.int(req.limit)
        );
        let q = sqlx::query(sqlx::AssertSqlSafe(sql));
        let rows = b.apply_query(q).fetch_all(&mut *self.conn().await?).await?;
        rows.iter()
            .map(|r| {
                let row = T::from_row(r)?;
                let cursor = SyncCursor {
                    seq: r.try_get("change_seq")?,
                    id: id_of(&row),
                };
                Ok(Changed {
                    row,
                    cursor,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect::<sqlx::Result<Vec<_>>>()
            .map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::SyncCursor;

    #[test]
    fn cursor_round_trips() {
        for c in [
            SyncCursor { seq: 0, id: 0 },
            SyncCursor { seq: 1, id: 42 },
            SyncCursor {
                seq: i64::MAX,
                id: 7,
            },
        ] {
            assert_eq!(SyncCursor::decode(&c.encode()), Some(c));
        }
    }

    #[test]
    fn foreign_text_is_no_cursor() {
        for s in [
            "", "c1.", "c1.1", "c1.1.2.3", "c2.1.2", "c1.x.2", "c1.-1.2", "12",
        ] {
            assert_eq!(SyncCursor::decode(s), None, "{s}");
        }
    }
}
