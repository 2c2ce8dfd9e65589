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
