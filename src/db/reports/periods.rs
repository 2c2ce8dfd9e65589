//! Reporting periods of a pledge.

use crate::domain::audit::{Action, Object};
use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::super::audit::{self, Actor};
use super::super::schema::{reporting_periods, reports};
use super::super::{DbConn, Fail};
use super::{period, Period};
use crate::domain::period::{DateProblem, PeriodDates};

pub fn periods_of(conn: &mut DbConn, pledge_id: i64) -> QueryResult<Vec<Period>> {
    reporting_periods::table
        .filter(reporting_periods::pledge_id.eq(pledge_id))
        .order((reporting_periods::due_on.asc(), reporting_periods::id.asc()))
        .select(Period::as_select())
        .load(conn)
}

/// Periods of several pledges, newest deadline first.
pub fn periods_of_pledges(conn: &mut DbConn, pledge_ids: &[i64]) -> QueryResult<Vec<Period>> {
    reporting_periods::table
        .filter(reporting_periods::pledge_id.eq_any(pledge_ids))
        .order((reporting_periods::due_on.desc(), reporting_periods::id.desc()))
        .select(Period::as_select())
        .load(conn)
}

/// Pledges the public sees (not drafts), oldest first.
pub fn public_pledges(conn: &mut DbConn) -> QueryResult<Vec<crate::db::pledges::Pledge>> {
    use crate::db::schema::pledges;
    pledges::table.filter(pledges::state.ne("draft")).order(pledges::id.asc()).load(conn)
}

/// What an editor sets of a period (written as it is on create and update).
#[derive(Debug, Clone, Serialize, Insertable, AsChangeset)]
#[diesel(table_name = reporting_periods)]
pub struct PeriodData {
    pub label_zh: String,
    pub label_en: String,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
}

impl PeriodData {
    pub fn dates(&self) -> PeriodDates {
        PeriodDates {
            covers_from: self.covers_from,
            covers_to: self.covers_to,
            opens_on: self.opens_on,
            due_on: self.due_on,
        }
    }
}

/// What is wrong with a period as given, under the field it is about.
#[derive(Debug, Clone)]
pub enum PeriodProblem {
    /// The dates themselves: (field, catalog key).
    Dates(DateProblem),
    /// Its coverage shares days with another period of the pledge (field covers_from).
    Overlaps(Box<Period>),
    /// Another period of the pledge has this name (the field: label_zh or label_en).
    LabelTaken(&'static str),
}

/// Why a period cannot be created, changed or deleted.
#[derive(Debug)]
pub enum PeriodRefusal {
    NotFound,
    /// Every problem of the period as given, at once.
    Invalid(Vec<PeriodProblem>),
    /// A report has been opened for it: it stays as it is.
    HasReports,
    /// Changed or deleted by someone else since the form was shown.
    Stale,
}

type PeriodResult<T> = Result<T, Fail<PeriodRefusal>>;

/// Number of reports opened for each of these periods (one query).
pub fn report_counts(conn: &mut DbConn, period_ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = reports::table
        .filter(reports::period_id.eq_any(period_ids))
        .group_by(reports::period_id)
        .select((reports::period_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Take the pledge's periods for this transaction: on PostgreSQL the pledge's
/// row is locked (SQLite's BEGIN IMMEDIATE already serializes writers), so two
/// editors cannot add overlapping periods at once.
fn lock_pledge(conn: &mut DbConn, pledge_id: i64) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT id FROM pledges WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(pledge_id)
            .execute(c)?;
    }
    Ok(())
}

/// Opening a report takes the pledge's periods in shared mode (PostgreSQL), so
/// that a period cannot be changed or deleted while its first report is opened.
pub(super) fn share_pledge(conn: &mut DbConn, pledge_id: i64) -> QueryResult<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT id FROM pledges WHERE id = $1 FOR SHARE")
            .bind::<diesel::sql_types::BigInt, _>(pledge_id)
            .execute(c)?;
    }
    Ok(())
}

/// The rules between a period and the pledge's other periods; every problem at once.
fn check(conn: &mut DbConn, pledge_id: i64, except: Option<i64>, d: &PeriodData) -> PeriodResult<()> {
    let mut problems: Vec<PeriodProblem> = d.dates().problems().into_iter().map(PeriodProblem::Dates).collect();
    let others: Vec<Period> = periods_of(conn, pledge_id)?.into_iter().filter(|p| Some(p.id) != except).collect();
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    if others.iter().any(|p| same(&p.label_zh, &d.label_zh)) {
        problems.push(PeriodProblem::LabelTaken("label_zh"));
    }
    if others.iter().any(|p| same(&p.label_en, &d.label_en)) {
        problems.push(PeriodProblem::LabelTaken("label_en"));
    }
    // A reversed coverage overlaps nothing worth naming.
    if d.covers_from <= d.covers_to {
        if let Some(p) = others.into_iter().find(|p| p.dates().overlaps(&d.dates())) {
            problems.push(PeriodProblem::Overlaps(Box::new(p)));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Fail::Refused(PeriodRefusal::Invalid(problems)))
    }
}

pub fn create_period(conn: &mut DbConn, actor: Actor, pledge_id: i64, d: &PeriodData) -> PeriodResult<i64> {
    lock_pledge(conn, pledge_id)?;
    check(conn, pledge_id, None, d)?;
    let id = diesel::insert_into(reporting_periods::table)
        .values((
            reporting_periods::pledge_id.eq(pledge_id),
            d,
            reporting_periods::created_at.eq(crate::db::now()),
            reporting_periods::created_by.eq(actor.user_id),
        ))
        .returning(reporting_periods::id)
        .get_result(conn)?;
    audit::record::<(), _>(conn, actor, Object::ReportingPeriod, Some(id), Action::Create, None, Some(d))?;
    Ok(id)
}

/// The period, locked for this transaction, if no report was opened for it
/// and it is still at `expected_version`.
fn lock_unused(conn: &mut DbConn, pledge_id: i64, id: i64, expected_version: i32) -> PeriodResult<Period> {
    lock_pledge(conn, pledge_id)?;
    let p = period(conn, id)?.filter(|p| p.pledge_id == pledge_id).ok_or(Fail::Refused(PeriodRefusal::NotFound))?;
    if p.version != expected_version {
        return Err(Fail::Refused(PeriodRefusal::Stale));
    }
    let opened: i64 = reports::table.filter(reports::period_id.eq(id)).count().get_result(conn)?;
    if opened > 0 {
        return Err(Fail::Refused(PeriodRefusal::HasReports));
    }
    Ok(p)
}

/// Change a period that no report was opened for (compare-and-set on its version).
pub fn update_period(
    conn: &mut DbConn,
    actor: Actor,
    pledge_id: i64,
    id: i64,
    expected_version: i32,
    d: &PeriodData,
) -> PeriodResult<()> {
    let before = lock_unused(conn, pledge_id, id, expected_version)?;
    check(conn, pledge_id, Some(id), d)?;
    let n = diesel::update(
        reporting_periods::table
            .filter(reporting_periods::id.eq(id))
            .filter(reporting_periods::version.eq(expected_version)),
    )
    .set((d, reporting_periods::version.eq(reporting_periods::version + 1)))
    .execute(conn)?;
    if n == 0 {
        return Err(Fail::Refused(PeriodRefusal::Stale));
    }
    audit::record(conn, actor, Object::ReportingPeriod, Some(id), Action::Update, Some(&before), Some(d))?;
    Ok(())
}

/// Delete a period that no report was opened for.
pub fn delete_period(
    conn: &mut DbConn,
    actor: Actor,
    pledge_id: i64,
    id: i64,
    expected_version: i32,
) -> PeriodResult<()> {
    let before = lock_unused(conn, pledge_id, id, expected_version)?;
    let n = diesel::delete(
        reporting_periods::table
            .filter(reporting_periods::id.eq(id))
            .filter(reporting_periods::version.eq(expected_version)),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(Fail::Refused(PeriodRefusal::Stale));
    }
    audit::record::<_, ()>(conn, actor, Object::ReportingPeriod, Some(id), Action::Delete, Some(&before), None)?;
    Ok(())
}
