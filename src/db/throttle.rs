//! Counters of events per scope (failed logins per account and per address,
//! public comments per address), kept in the database so that every instance
//! sees the same counts and they survive restarts.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max, min};
use diesel::prelude::*;

use super::schema::throttle_events;
use super::DbConn;

/// For a transaction that writes nothing but counts: on PostgreSQL its commit
/// does not wait for the disk (`synchronous_commit` off for it alone). A
/// crash may forget the last moment's counts and never leaves anything half
/// written; every other transaction keeps full durability. The API's rate
/// limit counts every request this way.
pub fn counts_only(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::connection::SimpleConnection::batch_execute(c, "SET LOCAL synchronous_commit TO OFF")?;
    }
    Ok(())
}

pub fn record(conn: &mut DbConn, scope: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(throttle_events::table)
        .values((throttle_events::scope.eq(scope), throttle_events::at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// How many events `scope` had since `since`, and when the oldest of them happened.
pub fn count_since(conn: &mut DbConn, scope: &str, since: NaiveDateTime) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    throttle_events::table
        .filter(throttle_events::scope.eq(scope))
        .filter(throttle_events::at.ge(since))
        .select((count_star(), min(throttle_events::at)))
        .first(conn)
}

/// How many events `scope` had since `since`, and when the latest of them happened.
pub fn latest_since(conn: &mut DbConn, scope: &str, since: NaiveDateTime) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    throttle_events::table
        .filter(throttle_events::scope.eq(scope))
        .filter(throttle_events::at.ge(since))
        .select((count_star(), max(throttle_events::at)))
        .first(conn)
}

/// The `n`-th most recent event of `scope` since `since` (1 = newest), to tell when a window frees up.
pub fn nth_latest_since(
    conn: &mut DbConn,
    scope: &str,
    since: NaiveDateTime,
    n: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    throttle_events::table
        .filter(throttle_events::scope.eq(scope))
        .filter(throttle_events::at.ge(since))
        .select(throttle_events::at)
        .order(throttle_events::at.desc())
        .offset(n - 1)
        .first(conn)
        .optional()
}

pub fn clear(conn: &mut DbConn, scope: &str) -> QueryResult<usize> {
    diesel::delete(throttle_events::table.filter(throttle_events::scope.eq(scope))).execute(conn)
}

/// Forget events older than `before` (they no longer count for any window).
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(throttle_events::table.filter(throttle_events::at.lt(before))).execute(conn)
}

/// Forget the events of `scope` older than `before` (the API's per-address counters, see `api::gate`).
pub fn forget_before(conn: &mut DbConn, scope: &str, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        throttle_events::table.filter(throttle_events::scope.eq(scope)).filter(throttle_events::at.lt(before)),
    )
    .execute(conn)
}
