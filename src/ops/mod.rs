//! Operator commands on the database: `migrate`, `backup`, `check` and
//! `audit verify`. Reached from the command line only; imports db and domain.

pub mod backup;
pub mod check;
pub mod sealer;

use anyhow::Context;

use crate::config::Options;
use crate::db::{self, DbTarget, PooledConn};

/// One connection that does not migrate; a SQLite file must already exist
/// (opening a missing path would create an empty database).
pub fn open_existing(target: &DbTarget) -> anyhow::Result<PooledConn> {
    if let DbTarget::Sqlite(path) = target {
        anyhow::ensure!(std::path::Path::new(path).is_file(), "no database file at {path}");
    }
    let pool = db::open(target, 1)?;
    db::get(&pool).context("cannot get a database connection")
}

/// `selfreg migrate`: apply the pending migrations and say which.
pub fn migrate(opts: &Options) -> anyhow::Result<()> {
    let pool = db::open(&opts.database_url, 1)?;
    let mut conn = db::get(&pool)?;
    let status = db::migrations::status(&mut conn)?;
    let applied = db::migrations::apply(&mut conn)?;
    if applied.is_empty() {
        println!("database is up to date ({} migrations applied)", status.applied.len());
    } else {
        for name in &applied {
            println!("applied {name}");
        }
        println!("{} migrations applied; the database is up to date", applied.len());
    }
    Ok(())
}

/// `selfreg audit verify`: seal what can be sealed, recompute the chain,
/// keep the outcome (shown on /admin/audit); exit 1 when a row does not match.
pub fn audit_verify(opts: &Options) -> anyhow::Result<()> {
    use crate::db::audit_chain;
    let mut conn = open_existing(&opts.database_url)?;
    let status = db::migrations::status(&mut conn)?;
    anyhow::ensure!(status.pending.is_empty(), "the database needs `selfreg migrate` first");
    audit_chain::seal_now(&mut conn, 400)?;
    let v = audit_chain::verify(&mut conn)?;
    audit_chain::record(&mut conn, None, &v)?;
    match &v.problem {
        None => {
            println!("audit chain {}", audit_chain::describe(&v));
            if let Some((id, h)) = &v.head {
                println!("head: row #{id}, hash {h}");
            }
            Ok(())
        }
        Some(_) => anyhow::bail!("audit chain broken: {}", audit_chain::describe(&v)),
    }
}
