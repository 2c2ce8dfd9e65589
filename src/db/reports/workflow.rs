//! What every move of a report goes through in the database: the report's
//! row is locked first (facts read before the lock may be stale on
//! PostgreSQL), and the move is written with a compare-and-set on the
//! version it was decided on.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::super::codes::Code;
use super::super::schema::reports;
use super::super::{DbConn, Fail};
use super::{get, Report};
use crate::domain::report::{Refusal, ReportState};

/// The report's row, locked for this transaction: `FOR UPDATE` on
/// PostgreSQL (a second move waits, then reads what the first wrote); on
/// SQLite the write transaction (`BEGIN IMMEDIATE`) already holds the lock.
/// A report that does not exist is, to anyone, one they may not see.
pub(super) fn lock(conn: &mut DbConn, id: i64) -> Result<Report, Fail<Refusal>> {
    let found = match conn {
        DbConn::Pg(c) => reports::table.find(id).select(Report::as_select()).for_update().first(c).optional()?,
        DbConn::Sqlite(_) => get(conn, id)?,
    };
    found.ok_or(Fail::Refused(Refusal::Hidden))
}

/// What a move changes besides the state, the version and the time of the
/// change (`None`: left as it is).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = reports)]
pub(super) struct Changes {
    pub revisions: Option<i32>,
    pub ever_returned: Option<bool>,
    pub review_comment: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<Option<i64>>,
}

/// Write a decided move: the new state, the version one up and `changes`,
/// only if the report is still at the version the move was decided on
/// (otherwise nothing is written and the form is stale).
pub(super) fn advance(
    conn: &mut DbConn,
    id: i64,
    seen: i32,
    to: ReportState,
    at: NaiveDateTime,
    changes: Changes,
) -> Result<(), Fail<Refusal>> {
    let n = diesel::update(reports::table.filter(reports::id.eq(id)).filter(reports::version.eq(seen)))
        .set((
            reports::state.eq(Code(to)),
            reports::version.eq(reports::version + 1),
            reports::updated_at.eq(at),
            changes,
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(Fail::Refused(Refusal::Stale));
    }
    Ok(())
}
