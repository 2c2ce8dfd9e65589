//! Conflicting requests at the same moment, checked against the invariant
//! afterwards. Some are about PostgreSQL's READ COMMITTED only (SQLite
//! serializes writers with BEGIN IMMEDIATE) and return early on SQLite.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use selfreg::db::audit::{self, Actor};
use selfreg::db::DbConn;
use selfreg::domain::audit::{Action, Object};

use crate::helpers::*;

fn pg_url(app: &TestApp) -> Option<String> {
    match &app.target {
        selfreg::db::DbTarget::Postgres(url) => Some(url.clone()),
        selfreg::db::DbTarget::Sqlite(_) => None,
    }
}

/// Two changes of different records, in two open transactions at once: the
/// second does not wait for the first (no single hot row such as one data
/// stamp that every write updates), and the data stamp moves with each.
#[tokio::test]
async fn writes_to_different_records_do_not_queue_on_one_row() {
    let app = spawn_app().await;
    let Some(url) = pg_url(&app) else { return };
    let before = selfreg::db::settings::data_stamp(&mut app.conn()).unwrap();
    let mut first = DbConn::Pg(diesel::PgConnection::establish(&url).unwrap());
    let mut second = DbConn::Pg(diesel::PgConnection::establish(&url).unwrap());
    let actor = Actor::SYSTEM;
    first.batch_execute("BEGIN").unwrap();
    audit::record::<(), ()>(&mut first, actor, Object::Organization, Some(1), Action::Update, None, None).unwrap();
    // The first transaction stays open. The second must not wait on it.
    second.batch_execute("BEGIN; SET LOCAL lock_timeout = '2s'").unwrap();
    audit::record::<(), ()>(&mut second, actor, Object::Organization, Some(2), Action::Update, None, None)
        .expect("a change of another record does not wait for the first transaction");
    second.batch_execute("COMMIT").unwrap();
    first.batch_execute("COMMIT").unwrap();
    let after = selfreg::db::settings::data_stamp(&mut app.conn()).unwrap();
    assert_eq!(after.parse::<i64>().unwrap(), before.parse::<i64>().unwrap() + 2, "each change moved the stamp");
}
