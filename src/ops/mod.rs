//! Operator commands on the database: `migrate`, `backup`, `check` and
//! `audit verify`. Reached from the command line only; imports db and domain.

pub mod backup;
pub mod check;

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
    anyhow::ensure!(
        status.unknown.is_empty(),
        "the database has migrations this binary does not know ({}): it was migrated by a newer selfreg; \
         run that version (or restore the backup taken before the upgrade)",
        status.unknown.join(", ")
    );
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

/// `selfreg audit verify`.
pub fn audit_verify(_opts: &Options) -> anyhow::Result<()> {
    anyhow::bail!("the audit chain does not exist yet")
}
