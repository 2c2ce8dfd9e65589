//! Which of the binary's migrations a database has: applied, pending (in the
//! binary, not yet in the database) and unknown (in the database, not in this
//! binary — a newer binary migrated it). Read without DDL, so an application
//! role without the right to create tables can ask.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use super::DbConn;

/// A migration of this binary: folder name and diesel version (its digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Versions recorded in the database.
    pub applied: Vec<String>,
    /// This binary's migrations the database does not have, oldest first.
    pub pending: Vec<Known>,
    /// Versions recorded in the database that this binary does not know.
    pub unknown: Vec<String>,
}

impl Status {
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty()
    }
}

fn source(conn: &DbConn) -> &'static EmbeddedMigrations {
    match conn {
        DbConn::Sqlite(_) => &super::SQLITE_MIGRATIONS,
        DbConn::Pg(_) => &super::PG_MIGRATIONS,
    }
}

/// This binary's migrations for the connection's backend, oldest first.
pub fn known(conn: &DbConn) -> Vec<Known> {
    use diesel::migration::MigrationSource;
    let list = match conn {
        DbConn::Sqlite(_) => MigrationSource::<diesel::sqlite::Sqlite>::migrations(source(conn))
            .map(|v| v.iter().map(|m| (m.name().to_string(), m.name().version().to_string())).collect::<Vec<_>>()),
        DbConn::Pg(_) => MigrationSource::<diesel::pg::Pg>::migrations(source(conn))
            .map(|v| v.iter().map(|m| (m.name().to_string(), m.name().version().to_string())).collect::<Vec<_>>()),
    };
    let mut list: Vec<Known> =
        list.unwrap_or_default().into_iter().map(|(name, version)| Known { name, version }).collect();
    list.sort_by(|a, b| a.version.cmp(&b.version));
    list
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The versions recorded in the database (none when it was never migrated).
pub fn applied(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let exists = match conn {
        DbConn::Sqlite(_) => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__diesel_schema_migrations'"
        }
        DbConn::Pg(_) => {
            "SELECT count(*) AS n FROM (SELECT to_regclass('__diesel_schema_migrations') AS r) t WHERE r IS NOT NULL"
        }
    };
    let n: Count = diesel::sql_query(exists).get_result(conn)?;
    if n.n == 0 {
        return Ok(Vec::new());
    }
    let rows: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version").load(conn)?;
    Ok(rows.into_iter().map(|r| r.version).collect())
}

pub fn status(conn: &mut DbConn) -> QueryResult<Status> {
    let applied = applied(conn)?;
    let known = known(conn);
    let pending = known.iter().filter(|k| !applied.contains(&k.version)).cloned().collect();
    let unknown = applied.iter().filter(|v| !known.iter().any(|k| &k.version == *v)).cloned().collect();
    Ok(Status { applied, pending, unknown })
}

/// Apply the pending migrations; returns the names of those applied. Nothing
/// pending means no DDL at all, so `serve` runs as a role without DDL rights
/// once `selfreg migrate` has been run by the owner. A database a newer
/// binary migrated is refused untouched (`serve` and `migrate` alike): this
/// binary does not know what the newer schema means.
pub fn apply(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let status = status(conn)?;
    anyhow::ensure!(
        status.unknown.is_empty(),
        "the database has migrations this binary does not know ({}): it was migrated by a newer selfreg; \
         run that version (or restore the backup taken before the upgrade)",
        status.unknown.join(", ")
    );
    if status.pending.is_empty() {
        return Ok(Vec::new());
    }
    let names = |v: Vec<diesel::migration::MigrationVersion<'_>>| v.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(super::SQLITE_MIGRATIONS)
            .map(names)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?,
        DbConn::Pg(c) => {
            // Several instances may start at once: one migrates, the others wait.
            c.batch_execute("SELECT pg_advisory_lock(73658411)")?;
            let result = c
                .run_pending_migrations(super::PG_MIGRATIONS)
                .map(names)
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            c.batch_execute("SELECT pg_advisory_unlock(73658411)")?;
            result?
        }
    };
    let known = known(conn);
    Ok(applied
        .into_iter()
        .map(|v| known.iter().find(|k| k.version == v).map(|k| k.name.clone()).unwrap_or(v))
        .collect())
}
