//! `selfreg check`: integrity, schema version, row counts and the audit chain
//! of a database, as lines an operator reads; any problem makes the exit
//! status non-zero. `backup` runs the same inspection on its copy.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;

use crate::config::Options;
use crate::db::{self, DbConn};

/// What the inspection found: one line per subject, and the problems.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<(String, String)>,
    pub problems: Vec<String>,
    /// False when the database itself is damaged (not only out of date or tampered with).
    pub damaged: bool,
}

impl Report {
    fn line(&mut self, what: &str, text: impl Into<String>) {
        self.lines.push((what.to_owned(), text.into()));
    }

    fn problem(&mut self, what: &str, text: impl Into<String>) {
        let text = text.into();
        self.damaged |= what == "integrity";
        self.problems.push(format!("{what}: {text}"));
        self.line(what, format!("PROBLEM: {text}"));
    }

    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn print(&self) {
        for (what, text) in &self.lines {
            println!("{what:<14} {text}");
        }
    }
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn lines(conn: &mut DbConn, sql: &str) -> QueryResult<Vec<String>> {
    Ok(diesel::sql_query(sql).load::<Line>(conn)?.into_iter().map(|l| l.line).collect())
}

fn count(conn: &mut DbConn, sql: &str) -> QueryResult<i64> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

/// PostgreSQL: the schema the connection's tables live in.
pub fn current_schema(conn: &mut DbConn) -> QueryResult<String> {
    Ok(lines(conn, "SELECT current_schema()::text AS line")?.join(""))
}

/// The application's tables (not diesel's bookkeeping), by name.
pub fn tables(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT name AS line FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_\\_diesel%' ESCAPE '\\' ORDER BY name"
        }
        DbConn::Pg(_) => {
            "SELECT tablename::text AS line FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename NOT LIKE '\\_\\_diesel%' ORDER BY tablename"
        }
    };
    lines(conn, sql)
}

/// Inspect the database behind `conn`; database errors are problems too.
pub fn inspect(conn: &mut DbConn) -> Report {
    let mut r = Report::default();
    if let Err(e) = integrity(conn, &mut r) {
        r.problem("integrity", format!("cannot check: {e}"));
    }
    match db::migrations::status(conn) {
        Ok(s) => {
            let known = db::migrations::known(conn).len();
            if s.is_current() {
                r.line("migrations", format!("ok: {} of {known} applied, none pending", s.applied.len()));
            }
            if !s.pending.is_empty() {
                let names: Vec<_> = s.pending.iter().map(|k| k.name.as_str()).collect();
                r.problem(
                    "migrations",
                    format!("{} pending (run `selfreg migrate`): {}", names.len(), names.join(", ")),
                );
            }
            if !s.unknown.is_empty() {
                r.problem(
                    "migrations",
                    format!(
                        "{} unknown to this binary (migrated by a newer selfreg): {}",
                        s.unknown.len(),
                        s.unknown.join(", ")
                    ),
                );
            }
        }
        Err(e) => r.problem("migrations", format!("cannot read: {e}")),
    }
    match row_counts(conn) {
        Ok(counts) => {
            let total: i64 = counts.iter().map(|(_, n)| n).sum();
            r.line("rows", format!("{total} in {} tables", counts.len()));
            for (t, n) in counts {
                r.line("", format!("{t:<28} {n:>10}"));
            }
        }
        Err(e) => r.problem("rows", format!("cannot count: {e}")),
    }
    audit_chain(conn, &mut r);
    r
}

fn integrity(conn: &mut DbConn, r: &mut Report) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => {
            let found = lines(conn, "SELECT integrity_check AS line FROM pragma_integrity_check")?;
            if found.len() == 1 && found[0] == "ok" {
                r.line("integrity", "ok (PRAGMA integrity_check)");
            } else {
                r.problem("integrity", found.join("; "));
            }
            let fk = count(conn, "SELECT count(*) AS n FROM pragma_foreign_key_check")?;
            if fk > 0 {
                r.problem("integrity", format!("{fk} rows refer to rows that do not exist (PRAGMA foreign_key_check)"));
            }
        }
        DbConn::Pg(_) => {
            let version = lines(conn, "SELECT current_setting('server_version') AS line")?;
            let schema = lines(conn, "SELECT current_schema()::text AS line")?;
            let invalid = lines(
                conn,
                "SELECT c.relname::text AS line FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)",
            )?;
            if invalid.is_empty() {
                r.line(
                    "integrity",
                    format!("ok (PostgreSQL {}, schema {}, every index valid)", version.join(""), schema.join("")),
                );
            } else {
                r.problem("integrity", format!("invalid indexes (REINDEX them): {}", invalid.join(", ")));
            }
        }
    }
    Ok(())
}

fn row_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for t in tables(conn)? {
        // Names come from the catalog; quoted all the same.
        let n = count(conn, &format!("SELECT count(*) AS n FROM \"{}\"", t.replace('"', "\"\"")))?;
        out.push((t, n));
    }
    Ok(out)
}

/// Verified as it stands (nothing sealed or recorded: `check` only reads).
fn audit_chain(conn: &mut DbConn, r: &mut Report) {
    let has_chain = tables(conn).map(|t| t.iter().any(|t| t == "audit_chain")).unwrap_or(false);
    if !has_chain {
        r.line("audit chain", "not checked: the chain's migration is pending");
        return;
    }
    match db::audit_chain::verify(conn) {
        Ok(v) if v.ok() => r.line("audit chain", db::audit_chain::describe(&v)),
        Ok(v) => r.problem("audit chain", db::audit_chain::describe(&v)),
        Err(e) => r.problem("audit chain", format!("cannot verify: {e}")),
    }
}

/// `selfreg check`.
pub fn run(opts: &Options) -> anyhow::Result<()> {
    let mut conn = super::open_existing(&opts.database_url)?;
    let report = inspect(&mut conn);
    report.print();
    if report.is_ok() {
        println!("{:<14} ok", "result");
        Ok(())
    } else {
        println!("{:<14} {} problem(s)", "result", report.problems.len());
        anyhow::bail!("check found {} problem(s): {}", report.problems.len(), report.problems.join(" | "))
    }
}
