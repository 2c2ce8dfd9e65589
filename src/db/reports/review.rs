//! Reviewers' decisions and the review queue.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::super::audit::{self, Actor};
use super::super::codes::Code;
use super::super::schema::{organizations, pledges, report_entries, reporting_periods, reports};
use super::super::{DbConn, Fail};
use super::workflow::{advance, lock, Changes};
use crate::domain::audit::Object;
use crate::domain::report::{self as rules, Facts, Outcome, Refusal, ReportAction, ReportState, Who};

/// A reviewer's decision as the form carries it.
#[derive(Debug, Clone)]
pub struct Decision {
    /// `Accept` or `Return`.
    pub action: ReportAction,
    /// The version the reviewer's page was built from.
    pub seen: i32,
    pub comment: String,
    /// Comments on entries: (entry id, comment).
    pub entry_comments: Vec<(i64, String)>,
}

/// Accept, or return with comments on the report and on entries: lock the
/// report, let the domain decide, then write the state, the comments and the
/// audit row. The state the report is in afterwards.
pub fn decide(conn: &mut DbConn, actor: Actor, who: Who, id: i64, d: &Decision) -> Result<ReportState, Fail<Refusal>> {
    let report = lock(conn, id)?;
    let comment = d.comment.trim();
    let facts = Facts {
        organization_id: report.organization_id,
        version: report.version,
        seen: d.seen,
        filing_open: true,
        entries: &[],
        commented: !comment.is_empty() || d.entry_comments.iter().any(|(_, c)| !c.trim().is_empty()),
    };
    let outcome = rules::transition(report.state, d.action, who, &facts).map_err(Fail::Refused)?;
    let to = outcome.state();
    let now = crate::db::now();
    let changes = Changes {
        ever_returned: (outcome == Outcome::Returned).then_some(true),
        review_comment: Some(comment.to_owned()),
        decided_at: Some(now),
        decided_by: Some(actor.user_id),
        ..Changes::default()
    };
    advance(conn, id, d.seen, to, now, changes)?;
    // Entry comments belong to this decision: clear old ones, set new ones.
    diesel::update(report_entries::table.filter(report_entries::report_id.eq(id)))
        .set(report_entries::review_comment.eq(""))
        .execute(conn)?;
    for (entry, c) in d.entry_comments.iter().filter(|(_, c)| !c.trim().is_empty()) {
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
        d.action.into(),
        Some(&report.state.as_str()),
        Some(&(to.as_str(), comment, &d.entry_comments)),
    )?;
    let notice = match to {
        ReportState::Returned => Some(crate::db::notify::ReportNotice::Returned),
        ReportState::Accepted => Some(crate::db::notify::ReportNotice::Accepted),
        _ => None,
    };
    if let Some(notice) = notice {
        crate::db::notify::report_moved(conn, id, notice)?;
    }
    Ok(to)
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
                .filter(reports::state.eq(Code(ReportState::Submitted)))
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
