//! Reporting periods of a pledge.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::super::audit::{self, Actor};
use super::super::schema::reporting_periods;
use super::super::DbConn;
use super::Period;

pub fn periods_of(conn: &mut DbConn, pledge_id: i64) -> QueryResult<Vec<Period>> {
    reporting_periods::table
        .filter(reporting_periods::pledge_id.eq(pledge_id))
        .order((reporting_periods::due_on.asc(), reporting_periods::id.asc()))
        .load(conn)
}

/// Periods of several pledges, newest deadline first.
pub fn periods_of_pledges(conn: &mut DbConn, pledge_ids: &[i64]) -> QueryResult<Vec<Period>> {
    reporting_periods::table
        .filter(reporting_periods::pledge_id.eq_any(pledge_ids))
        .order((reporting_periods::due_on.desc(), reporting_periods::id.desc()))
        .load(conn)
}

/// Pledges the public sees (not drafts), oldest first.
pub fn public_pledges(conn: &mut DbConn) -> QueryResult<Vec<crate::db::pledges::Pledge>> {
    use crate::db::schema::pledges;
    pledges::table.filter(pledges::state.ne("draft")).order(pledges::id.asc()).load(conn)
}

pub fn period(conn: &mut DbConn, id: i64) -> QueryResult<Option<Period>> {
    reporting_periods::table.find(id).first(conn).optional()
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodData {
    pub label_zh: String,
    pub label_en: String,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
}

pub fn create_period(conn: &mut DbConn, actor: Actor, pledge_id: i64, d: &PeriodData) -> QueryResult<i64> {
    let id = diesel::insert_into(reporting_periods::table)
        .values((
            reporting_periods::pledge_id.eq(pledge_id),
            reporting_periods::label_zh.eq(&d.label_zh),
            reporting_periods::label_en.eq(&d.label_en),
            reporting_periods::covers_from.eq(d.covers_from),
            reporting_periods::covers_to.eq(d.covers_to),
            reporting_periods::opens_on.eq(d.opens_on),
            reporting_periods::due_on.eq(d.due_on),
            reporting_periods::created_at.eq(crate::db::now()),
            reporting_periods::created_by.eq(actor.user_id),
        ))
        .returning(reporting_periods::id)
        .get_result(conn)?;
    audit::record::<(), _>(conn, actor, "reporting_period", Some(id), "create", None, Some(d))?;
    Ok(id)
}
