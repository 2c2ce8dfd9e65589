//! `selfreg backup --to FILE`: SQLite copies itself while it serves
//! (`VACUUM INTO` reads one snapshot, so the copy holds every transaction
//! committed before it began and none half-done), into a temporary name next
//! to FILE; the copy is checked and only then renamed to FILE. PostgreSQL
//! backups are `pg_dump` custom-format archives.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::Connection;

use crate::config::Options;
use crate::db::{DbConn, DbTarget};

pub fn run(opts: &Options, to: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(!to.exists(), "{} already exists; choose a new file name", to.display());
    let dir = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    anyhow::ensure!(dir.is_dir(), "directory {} does not exist", dir.display());
    let name = to.file_name().context("--to must name a file")?.to_string_lossy().into_owned();
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let result = match &opts.database_url {
        DbTarget::Sqlite(_) => sqlite(opts, &partial),
        DbTarget::Postgres(url) => postgres(url, &partial, to),
    };
    match result {
        Ok(()) => {
            std::fs::rename(&partial, to).with_context(|| format!("cannot rename the copy to {}", to.display()))?;
            let size = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
            println!("backup written to {} ({size} bytes)", to.display());
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn sqlite(opts: &Options, partial: &Path) -> anyhow::Result<()> {
    let mut conn = super::open_existing(&opts.database_url)?;
    let target = partial.to_str().context("the backup path must be valid UTF-8")?;
    conn.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .context("VACUUM INTO failed (is there room on the disk?)")?;
    drop(conn);
    // Checked through a plain connection: nothing written, no -wal file left.
    let copy = diesel::SqliteConnection::establish(target).context("the copy does not open")?;
    let mut copy = DbConn::Sqlite(copy);
    let report = super::check::inspect(&mut copy);
    drop(copy);
    report.print();
    anyhow::ensure!(!report.damaged, "the copy is damaged ({}); not kept", report.problems.join(" | "));
    if !report.is_ok() {
        // A faithful copy of a database with problems is still worth keeping (evidence, say).
        eprintln!(
            "warning: the copy is faithful, but the database has problems (see `selfreg check`): {}",
            report.problems.join(" | ")
        );
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

fn postgres(url: &str, partial: &Path, to: &Path) -> anyhow::Result<()> {
    if !on_path("pg_dump") {
        anyhow::bail!(
            "pg_dump is not on the PATH; install the PostgreSQL client of the server's major version (Debian: \
             apt-get install postgresql-client) and run it yourself:\n  pg_dump --format=custom --file={} \
             --dbname=\"$DATABASE_URL\"\nor run `selfreg backup` again with pg_dump on the PATH",
            to.display()
        );
    }
    // The schema the application uses (search_path): the whole database when it is `public`.
    let schema = {
        let mut conn = super::open_existing(&DbTarget::Postgres(url.to_owned()))?;
        super::check::current_schema(&mut conn)?
    };
    let mut cmd = Command::new("pg_dump");
    if schema != "public" {
        cmd.arg(format!("--schema={schema}"));
    }
    let status = cmd
        .arg("--format=custom")
        .arg(format!("--file={}", partial.display()))
        .arg(format!("--dbname={url}"))
        .status()
        .context("cannot run pg_dump")?;
    anyhow::ensure!(status.success(), "pg_dump failed ({status}); its message is above");
    if on_path("pg_restore") {
        let out = Command::new("pg_restore").arg("--list").arg(partial).output().context("cannot run pg_restore")?;
        anyhow::ensure!(
            out.status.success(),
            "pg_restore cannot read the archive: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let entries = String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.contains("TABLE DATA")).count();
        println!("archive readable: {entries} tables' data (pg_restore --list)");
    }
    Ok(())
}
