//! Operator commands: `selfreg migrate`, `backup`, `check`.

use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use selfreg::db::DbTarget;

use crate::helpers::*;

pub fn selfreg() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_selfreg"));
    c.env_remove("DATABASE_URL").env_remove("SELFREG_BIND").env("RUST_LOG", "warn");
    c
}

pub fn url_of(target: &DbTarget) -> String {
    match target {
        DbTarget::Sqlite(p) => p.clone(),
        DbTarget::Postgres(u) => u.clone(),
    }
}

/// `selfreg --database-url URL args…`
pub fn run(target: &DbTarget, args: &[&str]) -> Output {
    selfreg().arg("--database-url").arg(url_of(target)).args(args).output().unwrap()
}

pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test]
async fn migrate_applies_the_migrations_once_and_the_app_then_starts_on_them() {
    let (target, cleanup) = fresh_database();
    let out = run(&target, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let first = text(&out);
    assert!(first.contains("applied 2026-11-28-000001_foundation"), "{first}");
    assert!(first.contains("the database is up to date"), "{first}");
    let out = run(&target, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("database is up to date"), "nothing to do the second time: {}", text(&out));
    assert!(!text(&out).contains("applied 2026"), "{}", text(&out));

    // A database migrated by a newer binary is not touched by this one.
    let app = spawn_with(options(target.clone()), None).await;
    app.conn().batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001')").unwrap();
    let out = run(&target, &["migrate"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("29991231000001") && text(&out).contains("newer selfreg"), "{}", text(&out));
    // Nor served: `serve` stops at once with the same reason instead of running on a schema it does not know.
    let mut serve = selfreg()
        .arg("--database-url")
        .arg(url_of(&target))
        .args(["--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while serve.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            serve.kill().unwrap();
            panic!("serve ran on a database migrated by a newer binary");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = serve.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("newer selfreg"), "{}", text(&out));
    drop(cleanup);
}

/// The application role of a deployment has no DDL rights; once the owner has
/// run `selfreg migrate`, `serve` starts without trying to create anything.
#[tokio::test]
async fn serve_needs_no_ddl_rights_once_migrated() {
    let Ok(base) = std::env::var("TEST_DATABASE_URL") else { return };
    if base.is_empty() {
        return;
    }
    let (target, cleanup) = fresh_database();
    let out = run(&target, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let DbTarget::Postgres(url) = &target else { unreachable!() };
    let schema = url.rsplit("search_path%3D").next().unwrap().to_owned();
    let role = format!("app_{schema}");
    let mut owner = diesel::PgConnection::establish(&base).unwrap();
    owner
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN;
             REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;
             GRANT USAGE ON SCHEMA {schema} TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role};"
        ))
        .unwrap();
    let app_url = url.replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    assert_ne!(&app_url, url, "TEST_DATABASE_URL is postgres://postgres@…");
    let app = spawn_with(options(DbTarget::Postgres(app_url.clone())), None).await;
    let (status, html) = app.get_html("/standards").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(html.contains("直播"), "demo data was loaded by the application role");
    // The role really cannot create tables.
    let mut as_app = diesel::PgConnection::establish(&app_url).unwrap();
    assert!(as_app.batch_execute("CREATE TABLE nope (x int)").is_err());
    drop(as_app);
    drop(app);
    drop(cleanup);
    let _ = owner.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"));
}

/// Writers keep creating accounts while `selfreg backup` runs; the copy opens,
/// passes `check`, and has every account whose creation was acknowledged
/// before the backup started.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_during_writes_holds_every_acknowledged_write() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let app = spawn_app().await;
    let org = org_named(&app, "示例网络直播电商行业协会");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let admin = app.signed_in_as("admin@example.org").await;
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let email = format!("burst-{w}-{n}@example.org");
                let r = admin.create_user(&UserForm::new(&email, org)).await;
                assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "{email}");
                acknowledged.lock().unwrap().push(email);
                n += 1;
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 6 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let dir = std::env::temp_dir().join(format!("selfreg-backup-{}", selfreg::auth::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("copy.backup");
    let (target, file2) = (app.target.clone(), file.clone());
    let out =
        tokio::task::spawn_blocking(move || run(&target, &["backup", "--to", file2.to_str().unwrap()])).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("backup written to"), "{}", text(&out));
    let written_during = acknowledged.lock().unwrap().len() - before.len();
    eprintln!("{} accounts acknowledged before the backup, {written_during} after it began", before.len());

    let copy = restore(&app.target, &file);
    let out = run(&copy.0, &["check"]);
    assert!(out.status.success(), "the copy passes check: {}", text(&out));
    assert!(text(&out).contains("result         ok"), "{}", text(&out));
    let mut conn = selfreg::db::open(&copy.0, 1).unwrap().get().unwrap();
    for email in &before {
        assert!(selfreg::db::users::by_email(&mut conn, email).unwrap().is_some(), "{email} is in the copy");
    }
    drop(conn);
    // A second backup to the same name is refused, the first one kept.
    let out = run(&app.target, &["backup", "--to", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("already exists"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Restore `file` the way the README says: SQLite, start on the file itself
/// (a copy of it here); PostgreSQL, `pg_restore` into a new database.
fn restore(original: &DbTarget, file: &std::path::Path) -> (DbTarget, Option<Cleanup>) {
    match original {
        DbTarget::Sqlite(_) => {
            let path = std::env::temp_dir().join(format!("selfreg-restored-{}.db", selfreg::auth::random_hex(6)));
            std::fs::copy(file, &path).unwrap();
            (DbTarget::Sqlite(path.display().to_string()), Some(Cleanup::File(path)))
        }
        DbTarget::Postgres(url) => {
            let base = std::env::var("TEST_DATABASE_URL").unwrap();
            let schema = url.rsplit("search_path%3D").next().unwrap().to_owned();
            let db = format!("restored_{}", selfreg::auth::random_hex(6));
            let mut c = diesel::PgConnection::establish(&base).unwrap();
            c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
            let server = base.rsplit_once('/').unwrap().0;
            let out = Command::new("pg_restore")
                .arg("--no-owner")
                .arg(format!("--dbname={server}/{db}"))
                .arg(file)
                .output()
                .unwrap();
            assert!(out.status.success(), "pg_restore: {}", text(&out));
            let target = DbTarget::Postgres(format!("{server}/{db}?options=-csearch_path%3D{schema}"));
            (target, Some(Cleanup::Database { url: base, name: db }))
        }
    }
}

#[tokio::test]
async fn check_names_what_is_wrong_and_exits_non_zero() {
    let app = spawn_app().await;
    let out = run(&app.target, &["check"]);
    assert!(out.status.success(), "{}", text(&out));
    let report = text(&out);
    for line in ["integrity      ok", "migrations     ok", "audit_log", "users", "result         ok"] {
        assert!(report.contains(line), "{line}: {report}");
    }
    // A migration missing from the record and one the binary does not know.
    app.conn()
        .batch_execute(
            "DELETE FROM __diesel_schema_migrations WHERE version = '20261201800003';
             INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001');",
        )
        .unwrap();
    let out = run(&app.target, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(report.contains("1 pending (run `selfreg migrate`): 2026-12-01-800003_comment_notify"), "{report}");
    assert!(report.contains("unknown to this binary (migrated by a newer selfreg): 29991231000001"), "{report}");
    assert!(report.contains("result         2 problem(s)"), "{report}");
    // No database there: said so, nothing created.
    let missing = std::env::temp_dir().join(format!("selfreg-none-{}.db", selfreg::auth::random_hex(4)));
    let out = run(&DbTarget::Sqlite(missing.display().to_string()), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("no database file at"), "{}", text(&out));
    assert!(!missing.exists());
}

#[test]
fn backup_on_postgresql_without_pg_dump_gives_the_command_to_run() {
    let out = selfreg()
        .env("PATH", "/nonexistent")
        .args(["--database-url", "postgres://app@db.internal/selfreg", "backup", "--to", "/tmp/x.dump"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("pg_dump is not on the PATH"), "{t}");
    assert!(t.contains("pg_dump --format=custom --file=/tmp/x.dump --dbname=\"$DATABASE_URL\""), "{t}");
}
