//! Reviewers' decisions, kept revisions, and the review queue.

use crate::domain::audit::Object;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::super::audit::{self, Actor};
use super::super::schema::{organizations, pledges, report_entries, report_revisions, reporting_periods, reports};
use super::super::DbConn;
use super::*;
use crate::domain::report::{ReportAction, ReportState};
use crate::domain::Role;

/// A reviewer's decision: accept, or return with comments on the report and on entries.
pub fn decide(
    conn: &mut DbConn,
    actor: Actor,
    role: Role,
    id: i64,
    expected_version: i32,
    accept: bool,
    comment: &str,
    entry_comments: &[(i64, String)],
) -> Result<(), ReportError> {
    let action = if accept { ReportAction::Accept } else { ReportAction::Return };
    let before = cas_editable(conn, id, expected_version, role, action)?;
    if !accept && comment.trim().is_empty() && entry_comments.iter().all(|(_, c)| c.trim().is_empty()) {
        return Err(ReportError::Invalid("error.report.return_comment"));
    }
    let to = if accept { ReportState::Accepted } else { ReportState::Returned };
    let now = crate::db::now();
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(id))
            .filter(reports::version.eq(expected_version))
            .filter(reports::state.eq(&before.state)),
    )
    .set((
        reports::state.eq(to.as_str()),
        reports::version.eq(reports::version + 1),
        reports::review_comment.eq(comment.trim()),
        reports::decided_at.eq(now),
        reports::decided_by.eq(actor.user_id),
        reports::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(ReportError::Conflict);
    }
    if !accept {
        diesel::update(reports::table.find(id)).set(reports::ever_returned.eq(true)).execute(conn)?;
    }
    // Entry comments belong to this decision: clear old ones, set new ones.
    diesel::update(report_entries::table.filter(report_entries::report_id.eq(id)))
        .set(report_entries::review_comment.eq(""))
        .execute(conn)?;
    for (entry, c) in entry_comments.iter().filter(|(_, c)| !c.trim().is_empty()) {
        diesel::update(
            report_entries::table.filter(report_entries::id.eq(entry)).filter(report_entries::report_id.eq(id)),
        )
        .set(report_entries::review_comment.eq(c.trim()))
        .execute(conn)?;
    }
    audit::record(
        conn,
        actor,
        Object::Report,
        Some(id),
        action.into(),
        Some(&before.state),
        Some(&(to.as_str(), comment.trim(), entry_comments)),
    )?;
    Ok(())
}

// ------------------------------------------------------------------ revisions

#[derive(Debug, Clone, Queryable)]
pub struct Revision {
    pub id: i64,
    pub report_id: i64,
    pub n: i32,
    pub submitted_at: NaiveDateTime,
    pub submitted_by: Option<i64>,
    pub snapshot_json: String,
}

impl Revision {
    pub fn entries(&self) -> Vec<SnapshotEntry> {
        serde_json::from_str(&self.snapshot_json).unwrap_or_default()
    }
}

pub fn revisions(conn: &mut DbConn, report_id: i64) -> QueryResult<Vec<Revision>> {
    report_revisions::table.filter(report_revisions::report_id.eq(report_id)).order(report_revisions::n).load(conn)
}

/// The same organization's report for the period before this one, if any.
pub fn previous_report(conn: &mut DbConn, r: &Report, p: &Period) -> QueryResult<Option<Report>> {
    let prev: Option<i64> = reporting_periods::table
        .filter(reporting_periods::pledge_id.eq(p.pledge_id))
        .filter(reporting_periods::due_on.lt(p.due_on))
        .order(reporting_periods::due_on.desc())
        .select(reporting_periods::id)
        .first(conn)
        .optional()?;
    match prev {
        Some(pid) => for_period_and_org(conn, pid, r.organization_id),
        None => Ok(None),
    }
}

// ------------------------------------------------------------------ review queue

#[derive(Debug, Clone, Queryable)]
pub struct QueueItem {
    pub report_id: i64,
    pub submitted_at: Option<NaiveDateTime>,
    pub revisions: i32,
    pub period_label_zh: String,
    pub period_label_en: String,
    pub due_on: NaiveDate,
    pub org_name_zh: String,
    pub org_name_en: String,
    pub pledge_title_zh: String,
    pub pledge_title_en: String,
}

/// Which submitted reports the queue shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueFilter {
    pub pledge: Option<i64>,
    pub period: Option<i64>,
}

/// Submitted reports awaiting review, oldest submission first: one page of
/// them and how many there are (two queries).
pub fn queue(conn: &mut DbConn, f: QueueFilter, limit: i64, offset: i64) -> QueryResult<(Vec<QueueItem>, i64)> {
    macro_rules! filtered {
        () => {{
            let mut q = reports::table
                .inner_join(reporting_periods::table.inner_join(pledges::table))
                .inner_join(organizations::table.on(organizations::id.eq(reports::organization_id)))
                .filter(reports::state.eq(ReportState::Submitted.as_str()))
                .into_boxed();
            if let Some(p) = f.pledge {
                q = q.filter(reporting_periods::pledge_id.eq(p));
            }
            if let Some(p) = f.period {
                q = q.filter(reports::period_id.eq(p));
            }
            q
        }};
    }
    let total: i64 = match conn {
        DbConn::Sqlite(c) => filtered!().count().get_result(c)?,
        DbConn::Pg(c) => filtered!().count().get_result(c)?,
    };
    let select = (
        reports::id,
        reports::submitted_at,
        reports::revisions,
        reporting_periods::label_zh,
        reporting_periods::label_en,
        reporting_periods::due_on,
        organizations::name_zh,
        organizations::name_en,
        pledges::title_zh,
        pledges::title_en,
    );
    let items = match conn {
        DbConn::Sqlite(c) => filtered!()
            .order((reports::submitted_at.asc(), reports::id.asc()))
            .limit(limit)
            .offset(offset)
            .select(select)
            .load(c)?,
        DbConn::Pg(c) => filtered!()
            .order((reports::submitted_at.asc(), reports::id.asc()))
            .limit(limit)
            .offset(offset)
            .select(select)
            .load(c)?,
    };
    Ok((items, total))
}
