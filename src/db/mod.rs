//! Database access: one connection type over SQLite and PostgreSQL, a bounded
//! pool, embedded migrations, and helpers that run queries off the async executor.

pub mod account;
pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod audit_chain;
pub mod auditnames;
pub mod codes;
pub mod dashboard;
pub mod migrations;
pub mod notify;
pub mod orgs;
pub mod outbox;
pub mod pledges;
pub mod querycount;
pub mod reports;
pub mod schema;
pub mod security_log;
pub mod sessions;
pub mod settings;
pub mod standards;
pub mod throttle;
pub mod todo;
pub mod tokens;
pub mod users;
pub mod watches;

use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

/// One connection type, two backends.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where the data lives, parsed from `--database-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    Sqlite(String),
    Postgres(String),
}

impl DbTarget {
    /// Accepts a SQLite path, `sqlite://path`, `sqlite:path` or a `postgres://` / `postgresql://` URL.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty value".into());
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(s.to_owned()));
        }
        let path = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")).unwrap_or(s);
        if path.is_empty() {
            return Err("empty SQLite path".into());
        }
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(format!("unsupported database scheme '{scheme}' (use a SQLite path or postgres://)"));
        }
        Ok(DbTarget::Sqlite(path.to_owned()))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DbTarget::Postgres(_))
    }
}

/// Builds connections for the pool, configuring each new one.
#[derive(Debug, Clone)]
pub struct Manager {
    target: DbTarget,
}

impl Manager {
    pub fn new(target: DbTarget) -> Self {
        Manager { target }
    }

    pub fn establish(&self) -> Result<DbConn, r2d2::Error> {
        match &self.target {
            DbTarget::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                c.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                querycount::instrument(&mut c);
                Ok(DbConn::Sqlite(c))
            }
            DbTarget::Postgres(url) => {
                let url = with_connect_timeout(url);
                let mut c = diesel::PgConnection::establish(&url).map_err(r2d2::Error::ConnectionError)?;
                c.batch_execute("SET TIME ZONE 'UTC'; SET statement_timeout = '30s';")
                    .map_err(r2d2::Error::QueryError)?;
                querycount::instrument(&mut c);
                Ok(DbConn::Pg(c))
            }
        }
    }
}

/// Fail fast when the server does not answer instead of hanging the request.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=3")
    } else {
        format!("{url}?connect_timeout=3")
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.establish()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

/// Open the pool and apply pending migrations.
pub fn connect(target: &DbTarget, max_size: u32) -> anyhow::Result<DbPool> {
    let pool = open(target, max_size)?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Open the pool without touching the schema (operator commands that only read it).
pub fn open(target: &DbTarget, max_size: u32) -> anyhow::Result<DbPool> {
    let manager = Manager::new(target.clone());
    let pool = Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(3))
        // A PostgreSQL restart breaks idle connections; test them before use so
        // the site recovers by itself. SQLite connections cannot break that way.
        .test_on_check_out(target.is_postgres())
        .build(manager)
        .with_context(|| "cannot open the database (check --database-url / DATABASE_URL)")?;
    Ok(pool)
}

/// Apply the embedded migrations of the connection's backend (none pending: no DDL).
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<()> {
    migrations::apply(conn).map(|_| ())
}

/// Errors of database work, as handlers see them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl DbError {
    /// SQLite's "database or disk is full" and "database is locked" and
    /// PostgreSQL connection loss are reported as unavailability, not bugs.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Unavailable(_) => true,
            DbError::Query(diesel::result::Error::DatabaseError(kind, info)) => {
                matches!(kind, diesel::result::DatabaseErrorKind::ClosedConnection)
                    || is_transient_message(info.message())
            }
            _ => false,
        }
    }
}

fn is_transient_message(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    [
        "disk is full",
        "database is locked",
        "disk i/o error",
        "terminating connection",
        "server closed the connection",
        "could not connect",
        "no connection to the server",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// Check out a connection (blocking: call only from a blocking thread).
pub fn get(pool: &DbPool) -> Result<PooledConn, DbError> {
    // Counted for /metrics: check-outs that found no idle connection, their wait and give-ups.
    let start = std::time::Instant::now();
    if pool.state().idle_connections == 0 {
        metrics::counter!("selfreg_db_pool_waits_total").increment(1);
    }
    let conn = pool.get().map_err(|e| {
        metrics::counter!("selfreg_db_pool_timeouts_total").increment(1);
        DbError::Unavailable(e.to_string())
    });
    metrics::histogram!("selfreg_db_pool_wait_seconds").record(start.elapsed().as_secs_f64());
    conn
}

/// A multi-row INSERT. The multi-backend connection cannot build one, so it
/// runs on the inner connection of either backend (the same statement on both).
pub fn insert_many<T, V>(conn: &mut DbConn, table: T, rows: V) -> QueryResult<usize>
where
    T: diesel::Table,
    V: diesel::Insertable<T>,
    diesel::query_builder::InsertStatement<T, V::Values>: diesel::query_dsl::methods::ExecuteDsl<diesel::SqliteConnection>
        + diesel::query_dsl::methods::ExecuteDsl<diesel::PgConnection>,
{
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(table).values(rows).execute(c),
        DbConn::Pg(c) => diesel::insert_into(table).values(rows).execute(c),
    }
}

/// Why a workflow step did not happen: the rules refused it (`R`, the user's
/// to correct or to hear about), or the database failed.
#[derive(Debug)]
pub enum Fail<R> {
    Refused(R),
    Db(DbError),
}

impl<R> From<diesel::result::Error> for Fail<R> {
    fn from(e: diesel::result::Error) -> Self {
        Fail::Db(DbError::Query(e))
    }
}

impl<R: std::fmt::Debug> std::fmt::Display for Fail<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Refused(r) => write!(f, "refused: {r:?}"),
            Fail::Db(e) => e.fmt(f),
        }
    }
}

/// Tools and demo loaders (anyhow) report a refusal as an error.
impl<R: std::fmt::Debug> std::error::Error for Fail<R> {}

impl<R> From<DbError> for Fail<R> {
    fn from(e: DbError) -> Self {
        Fail::Db(e)
    }
}

/// Run `f` in one write transaction. On SQLite the transaction takes the write
/// lock at once (`BEGIN IMMEDIATE`) so concurrent writers queue on the busy
/// timeout instead of failing on a lock upgrade.
pub fn write<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(_) => {
            conn.batch_execute("BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(v) => match conn.batch_execute("COMMIT") {
                    Ok(()) => Ok(v),
                    Err(e) => {
                        let _ = conn.batch_execute("ROLLBACK");
                        Err(e.into())
                    }
                },
                Err(e) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        }
        DbConn::Pg(_) => conn.transaction(f),
    }
}

/// Where a page of a list starts: after skipping rows (the site's numbered
/// pages), or strictly after the sort key of a row (the API's cursors: rows
/// inserted or moved meanwhile neither repeat nor push others out of sight).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start<K> {
    Offset(i64),
    After(K),
}

impl<K> Start<K> {
    /// The first page.
    pub fn first() -> Self {
        Start::Offset(0)
    }

    /// Rows to skip in the list's order (none after a key: the key does it).
    pub fn offset(&self) -> i64 {
        match self {
            Start::Offset(n) => *n,
            Start::After(_) => 0,
        }
    }

    pub fn after(&self) -> Option<&K> {
        match self {
            Start::Offset(_) => None,
            Start::After(k) => Some(k),
        }
    }

    /// The same start with the key turned into another type.
    pub fn map<J>(self, f: impl FnOnce(K) -> J) -> Start<J> {
        match self {
            Start::Offset(n) => Start::Offset(n),
            Start::After(k) => Start::After(f(k)),
        }
    }
}

/// Current time in UTC, truncated to microseconds (what both backends store).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        assert_eq!(DbTarget::parse("selfreg.db"), Ok(DbTarget::Sqlite("selfreg.db".into())));
        assert_eq!(DbTarget::parse("sqlite:///tmp/x.db"), Ok(DbTarget::Sqlite("/tmp/x.db".into())));
        assert_eq!(DbTarget::parse("sqlite://x.db"), Ok(DbTarget::Sqlite("x.db".into())));
        assert!(DbTarget::parse("postgres://u@h/db").unwrap().is_postgres());
        assert!(DbTarget::parse("postgresql://u@h/db").unwrap().is_postgres());
        assert!(DbTarget::parse("mysql://u@h/db").is_err());
        assert!(DbTarget::parse("").is_err());
        assert!(DbTarget::parse("sqlite://").is_err());
    }

    #[test]
    fn full_disk_and_lost_server_are_unavailability() {
        use diesel::result::{DatabaseErrorKind, Error};
        let db = |kind, m: &str| DbError::Query(Error::DatabaseError(kind, Box::new(m.to_owned())));
        // SQLite's SQLITE_FULL, as diesel reports it.
        assert!(db(DatabaseErrorKind::Unknown, "database or disk is full").is_unavailable());
        assert!(db(DatabaseErrorKind::Unknown, "database is locked").is_unavailable());
        assert!(db(DatabaseErrorKind::Unknown, "disk I/O error").is_unavailable());
        assert!(db(DatabaseErrorKind::ClosedConnection, "").is_unavailable());
        assert!(DbError::Unavailable("pool timed out".into()).is_unavailable());
        // Bugs stay bugs.
        assert!(!db(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed").is_unavailable());
        assert!(!db(DatabaseErrorKind::Unknown, "no such column: x").is_unavailable());
        assert!(!DbError::Query(Error::NotFound).is_unavailable());
    }

    #[test]
    fn adds_connect_timeout() {
        assert_eq!(with_connect_timeout("postgres://h/db"), "postgres://h/db?connect_timeout=3");
        assert_eq!(with_connect_timeout("postgres://h/db?x=1"), "postgres://h/db?x=1&connect_timeout=3");
        assert_eq!(with_connect_timeout("postgres://h/db?connect_timeout=9"), "postgres://h/db?connect_timeout=9");
    }
}
