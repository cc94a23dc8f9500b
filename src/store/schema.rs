//! The schema's version, for processes that share a database. Migrations run under sqlx's
//! migration lock (on PostgreSQL an advisory lock on the database), so servers started at
//! the same moment apply each migration once and the later ones find nothing to do. A
//! database that a newer jixiao has migrated is refused with a message that says so, rather
//! than sqlx's "previously applied but missing". [`Store::schema_status`] is what `/api/ready`
//! asks: a server whose schema is not the one it was built for takes no traffic.

use super::{Backend, Result, Store, StoreError};
use sqlx::migrate::Migrator;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// Where the database's schema stands against the migrations built into this binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaStatus {
    /// Every migration this binary knows is applied, and no other.
    Current { version: i64 },
    /// Migrations of this binary not applied yet (`jixiao migrate` or a server start applies them).
    Behind { version: i64, pending: usize },
    /// A migration this binary does not know is applied: a newer jixiao migrated the database.
    Newer { version: i64, known: i64 },
    /// A migration failed half-way (`success = false` in `_sqlx_migrations`).
    Dirty { version: i64 },
}

impl SchemaStatus {
    pub fn is_current(&self) -> bool {
        matches!(self, SchemaStatus::Current { .. })
    }

    /// A sentence for an operator, in English and Chinese.
    pub fn describe(&self) -> String {
        match self {
            SchemaStatus::Current { version } => format!("schema at version {version}"),
            SchemaStatus::Behind { version, pending } => format!(
                "schema at version {version} with {pending} migration(s) of this jixiao not applied: \
                 run `jixiao migrate` / 数据库结构尚未升级，请运行 jixiao migrate"
            ),
            SchemaStatus::Newer { version, known } => format!(
                "the database schema is at version {version}, newer than this jixiao {} knows \
                 (up to {known}): run the newer jixiao that migrated it / 数据库结构版本 {version} \
                 高于本程序支持的版本 {known}，请使用升级后的 jixiao",
                env!("CARGO_PKG_VERSION")
            ),
            SchemaStatus::Dirty { version } => format!(
                "migration {version} failed part-way; repair the database before serving / \
                 数据库迁移 {version} 未完成"
            ),
        }
    }
}

fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

/// The status of a database whose applied migrations are `applied` (version, success), for
/// a binary that knows the migrations `known`.
fn status_of(applied: &[(i64, bool)], known: &[i64]) -> SchemaStatus {
    let version = applied.iter().map(|&(v, _)| v).max().unwrap_or(0);
    let latest_known = known.iter().copied().max().unwrap_or(0);
    if let Some(&(v, _)) = applied.iter().find(|(v, _)| !known.contains(v)) {
        return SchemaStatus::Newer {
            version: version.max(v),
            known: latest_known,
        };
    }
    if let Some(&(v, _)) = applied.iter().find(|(_, ok)| !ok) {
        return SchemaStatus::Dirty { version: v };
    }
    let pending = known
        .iter()
        .filter(|k| !applied.iter().any(|(v, _)| v == *k))
        .count();
    if pending > 0 {
        SchemaStatus::Behind { version, pending }
    } else {
        SchemaStatus::Current { version }
    }
}

impl Store {
    /// Brings the schema up to date, or refuses a database a newer jixiao has migrated.
    /// A schema already current is left alone without taking the migration lock: behind
    /// PgBouncer in transaction mode a session's advisory lock cannot be relied on, so
    /// servers started there after `jixiao migrate` never take it.
    /// Then indexes the links of documents stored before links existed
    /// ([`Store::index_unlinked_documents`]).
    pub async fn migrate(&self) -> Result<()> {
        self.migrate_schema().await?;
        self.index_unlinked_documents().await?;
        Ok(())
    }

    async fn migrate_schema(&self) -> Result<()> {
        match self.schema_status().await? {
            SchemaStatus::Current { .. } => Ok(()),
            status @ SchemaStatus::Newer { .. } => Err(StoreError::Schema(status.describe())),
            // The migration lock is a session's, which a transaction pooler does not keep.
            _ if self.transaction_pooling() => Err(StoreError::Schema(
                "the schema needs migrating, which cannot go through a transaction pooler: \
                 run `jixiao migrate` against PostgreSQL directly / 请直连 PostgreSQL 运行 jixiao migrate"
                    .into(),
            )),
            SchemaStatus::Behind { .. } | SchemaStatus::Dirty { .. } => {
                migrator(self.backend).run(&self.writer).await?;
                Ok(())
            }
        }
    }

    /// Where the schema stands; also proves the database answers.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let exists_sql = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()"
            }
        };
        let exists: i64 = sqlx::query_scalar(exists_sql)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        let applied: Vec<(i64, i64)> = if exists > 0 {
            sqlx::query_as(
                // As an integer: SQLite keeps booleans as integers, which sqlx's `Any` will
                // not read as `bool`.
                "SELECT version, CAST(CASE WHEN success THEN 1 ELSE 0 END AS BIGINT) \
                 FROM _sqlx_migrations ORDER BY version",
            )
            .fetch_all(&mut *self.conn().await?)
            .await?
        } else {
            Vec::new()
        };
        let known: Vec<i64> = migrator(self.backend)
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| m.version)
            .collect();
        let applied: Vec<(i64, bool)> = applied.into_iter().map(|(v, ok)| (v, ok != 0)).collect();
        Ok(status_of(&applied, &known))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_known_applied_is_current() {
        assert_eq!(
            status_of(&[(1, true), (2, true)], &[1, 2]),
            SchemaStatus::Current { version: 2 }
        );
    }

    #[test]
    fn a_fresh_database_is_behind_by_every_migration() {
        assert_eq!(
            status_of(&[], &[1, 2, 3]),
            SchemaStatus::Behind {
                version: 0,
                pending: 3
            }
        );
    }

    #[test]
    fn an_unknown_applied_migration_means_a_newer_binary() {
        assert_eq!(
            status_of(&[(1, true), (2, true), (3, true)], &[1, 2]),
            SchemaStatus::Newer {
                version: 3,
                known: 2
            }
        );
        assert!(
            SchemaStatus::Newer {
                version: 3,
                known: 2
            }
            .describe()
            .contains("newer than this jixiao")
        );
    }

    #[test]
    fn a_failed_migration_is_dirty() {
        assert_eq!(
            status_of(&[(1, true), (2, false)], &[1, 2]),
            SchemaStatus::Dirty { version: 2 }
        );
    }
}
