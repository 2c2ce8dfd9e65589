//! Upgrades: the current binary starts on every kept database of an older
//! version (tests/fixtures/*.sqlite) with its data intact, and every
//! migration's down.sql undoes its up.sql (up → down → up) on both databases.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness;
use selfreg::db::{DbConn, DbTarget};

use crate::helpers::*;
use crate::ops::{run, text};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    title: String,
}

fn counts(conn: &mut DbConn) -> BTreeMap<String, i64> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    selfreg::ops::check::tables(conn)
        .unwrap()
        .into_iter()
        .map(|t| {
            let n: N = diesel::sql_query(format!("SELECT count(*) AS n FROM {t}")).get_result(conn).unwrap();
            (t, n.n)
        })
        .collect()
}

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .collect();
    found.sort();
    found
}

/// Tables whose rows the application may add on its own at start-up (the
/// mail thread's reminders, stamps, settings); every other table keeps its count.
const GROWS_BY_ITSELF: &[&str] = &["outbox", "data_stamps", "settings", "audit_log", "sqlite_sequence"];

#[tokio::test]
async fn the_new_binary_starts_on_every_kept_database_with_its_data_intact() {
    let kept = fixtures();
    assert!(!kept.is_empty(), "tests/fixtures holds at least one kept database");
    for fixture in kept {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let path = std::env::temp_dir().join(format!("selfreg-upgrade-{}-{name}", selfreg::auth::random_hex(4)));
        std::fs::copy(&fixture, &path).unwrap();
        let target = DbTarget::Sqlite(path.display().to_string());
        let (before, standards, pledges) = {
            let mut c = DbConn::Sqlite(diesel::SqliteConnection::establish(&path.display().to_string()).unwrap());
            let standards: Vec<Row> =
                diesel::sql_query("SELECT id, title_zh AS title FROM standards ORDER BY id").load(&mut c).unwrap();
            let pledges: Vec<Row> =
                diesel::sql_query("SELECT id, title_zh AS title FROM pledges ORDER BY id").load(&mut c).unwrap();
            (counts(&mut c), standards, pledges)
        };
        assert!(!standards.is_empty() && !pledges.is_empty(), "{name} has demo data");

        let mut opts = options(target.clone());
        opts.no_demo = true;
        let app = spawn_with(opts, Some(Cleanup::File(path.clone()))).await;
        let after = counts(&mut app.conn());
        for (table, n) in &before {
            let now = after.get(table).copied().unwrap_or(-1);
            if GROWS_BY_ITSELF.contains(&table.as_str()) {
                assert!(now >= *n, "{name}: {table} had {n} rows, now {now}");
            } else {
                assert_eq!(now, *n, "{name}: {table} keeps its rows");
            }
        }
        // The kept accounts still sign in; their records read through the pages.
        let admin = app.signed_in_as("admin@example.org").await;
        for s in &standards {
            let (status, html) = admin.get_html(&format!("/standards/{}", s.id)).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{name}: standard {}", s.id);
            assert!(html.contains(&s.title), "{name}: standard {} shows {}", s.id, s.title);
        }
        for p in &pledges {
            let (status, html) = admin.get_html(&format!("/pledges/{}", p.id)).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{name}: pledge {}", p.id);
            assert!(html.contains(&p.title), "{name}: pledge {} shows {}", p.id, p.title);
        }
        for page in ["/", "/standards", "/pledges", "/dashboard", "/admin/audit", "/admin/users"] {
            assert_eq!(admin.get(page).await.status(), reqwest::StatusCode::OK, "{name}: {page}");
        }
        let out = run(&target, &["check"]);
        assert!(out.status.success(), "{name} after the upgrade: {}", text(&out));
    }
}

/// Each migration in order: up, down (the schema is what it was before the
/// up), up again — then all of them down to an empty database, and up again,
/// and the application starts on the result.
#[tokio::test]
async fn every_migration_goes_up_down_and_up_again() {
    let (target, cleanup) = fresh_database();
    {
        let pool = selfreg::db::open(&target, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let conn = &mut *conn;
        let names: Vec<String> = selfreg::db::migrations::known(conn).into_iter().map(|k| k.name).collect();
        assert!(names.len() > 10);
        step(conn, None, Step::Setup);
        let empty = schema(conn);
        for (i, name) in names.iter().enumerate() {
            let before = schema(conn);
            step(conn, Some(i), Step::Up);
            assert_ne!(schema(conn), before, "{name} changes the schema");
            step(conn, Some(i), Step::Down);
            assert_eq!(schema(conn), before, "{name}: down.sql leaves the schema as it was before up.sql");
            step(conn, Some(i), Step::Up);
        }
        for i in (0..names.len()).rev() {
            step(conn, Some(i), Step::Down);
        }
        assert_eq!(schema(conn), empty, "every down.sql together leave nothing behind");
        for i in 0..names.len() {
            step(conn, Some(i), Step::Up);
        }
        assert!(selfreg::db::migrations::status(conn).unwrap().is_current());
    }
    let app = spawn_with(options(target.clone()), None).await;
    assert_eq!(app.get("/standards").await.status(), reqwest::StatusCode::OK);
    assert!(app.count("standards") > 0, "demo data loads on the re-migrated schema");
    drop(app);
    drop(cleanup);
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Setup,
    Up,
    Down,
}

/// Run migration `i` (in version order) up or down on either backend.
fn step(conn: &mut DbConn, i: Option<usize>, s: Step) {
    fn go<DB, C>(c: &mut C, source: diesel_migrations::EmbeddedMigrations, i: Option<usize>, s: Step)
    where
        DB: diesel::backend::Backend,
        C: MigrationHarness<DB>,
        diesel_migrations::EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
    {
        use diesel::migration::MigrationSource;
        let mut all = source.migrations().unwrap();
        all.sort_by(|a, b| a.name().version().cmp(&b.name().version()));
        let Some(i) = i else {
            // Creates diesel's own table; nothing applied yet.
            assert!(c.applied_migrations().unwrap().is_empty());
            return;
        };
        let m = &all[i];
        let result = match s {
            Step::Up => c.run_migration(m.as_ref()).map(|_| ()),
            Step::Down => c.revert_migration(m.as_ref()).map(|_| ()),
            Step::Setup => Ok(()),
        };
        result.unwrap_or_else(|e| panic!("{} {s:?}: {e}", m.name()));
    }
    match conn {
        DbConn::Sqlite(c) => go(c, selfreg::db::SQLITE_MIGRATIONS, i, s),
        DbConn::Pg(c) => go(c, selfreg::db::PG_MIGRATIONS, i, s),
    }
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Tables, columns, indexes, triggers and constraints, one line each, sorted
/// (diesel's own table left out).
fn schema(conn: &mut DbConn) -> Vec<String> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite%' AND name NOT LIKE '%diesel%'"
        }
        DbConn::Pg(_) => {
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' \
                || coalesce(column_default, '') AS line \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '%diesel%' \
             UNION ALL SELECT 'index ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename NOT LIKE '%diesel%' \
             UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(c.oid) \
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = current_schema() AND conrelid::regclass::text NOT LIKE '%diesel%' \
             UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname FROM pg_trigger t \
             JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace \
             WHERE n.nspname = current_schema() AND NOT tgisinternal \
             UNION ALL SELECT 'function ' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = current_schema() \
             UNION ALL SELECT 'sequence ' || sequence_name FROM information_schema.sequences \
             WHERE sequence_schema = current_schema()"
        }
    };
    let mut lines: Vec<String> = diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        // SQLite rewrites a table's CREATE text on ADD/DROP COLUMN: compare it without spacing.
        .map(|l| l.line.split_whitespace().collect::<Vec<_>>().join(" ").replace(" ,", ",").replace(", )", ")"))
        .collect();
    lines.sort();
    lines
}
