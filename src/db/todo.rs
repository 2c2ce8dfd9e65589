//! What a signed-in user has to do now (`/todo`): one bounded query per kind
//! of work, whatever the size of the data.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    comments, organizations, outbox, pledges, reporting_periods, reports, review_positions, signatures, standards,
};
use super::DbConn;
use crate::domain::pledge::SignatureState;
use crate::domain::report::ReportState;
use crate::domain::standard::StandardState;

/// At most this many items of one kind (the page links to the full list).
pub const LIMIT: i64 = 50;

/// A report of the user's organization that waits on it.
#[derive(Debug, Clone, Queryable)]
pub struct OwnReport {
    pub report_id: i64,
    pub state: String,
    pub review_comment: String,
    pub pledge_zh: String,
    pub pledge_en: String,
    pub period_zh: String,
    pub period_en: String,
    pub due_on: NaiveDate,
}

/// Returned reports and drafts of `org`, due first.
pub fn own_reports(conn: &mut DbConn, org: i64) -> QueryResult<Vec<OwnReport>> {
    reports::table
        .inner_join(reporting_periods::table.inner_join(pledges::table))
        .filter(reports::organization_id.eq(org))
        .filter(reports::state.eq_any([ReportState::Returned.as_str(), ReportState::Draft.as_str()]))
        .order((reporting_periods::due_on, reports::id))
        .limit(LIMIT)
        .select((
            reports::id,
            reports::state,
            reports::review_comment,
            pledges::title_zh,
            pledges::title_en,
            reporting_periods::label_zh,
            reporting_periods::label_en,
            reporting_periods::due_on,
        ))
        .load(conn)
}

/// A period open for filing in which `org` has no report yet.
#[derive(Debug, Clone, Queryable)]
pub struct OpenPeriod {
    pub period_id: i64,
    pub pledge_zh: String,
    pub pledge_en: String,
    pub period_zh: String,
    pub period_en: String,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// Periods of pledges `org` signed (verified) that are open on `today` or
/// open within `soon` days, and have no report of `org`.
pub fn periods_to_file(conn: &mut DbConn, org: i64, today: NaiveDate, soon: i64) -> QueryResult<Vec<OpenPeriod>> {
    let filed = reports::table.filter(reports::organization_id.eq(org)).select(reports::period_id);
    let signed = signatures::table
        .filter(signatures::organization_id.eq(org))
        .filter(signatures::state.eq(SignatureState::Verified.as_str()))
        .select(signatures::pledge_id);
    reporting_periods::table
        .inner_join(pledges::table)
        .filter(reporting_periods::pledge_id.eq_any(signed))
        .filter(diesel::dsl::not(reporting_periods::id.eq_any(filed)))
        .filter(reporting_periods::opens_on.le(today + chrono::Duration::days(soon)))
        .filter(reporting_periods::due_on.ge(today - chrono::Duration::days(30)))
        .order((reporting_periods::due_on, reporting_periods::id))
        .limit(LIMIT)
        .select((
            reporting_periods::id,
            pledges::title_zh,
            pledges::title_en,
            reporting_periods::label_zh,
            reporting_periods::label_en,
            reporting_periods::opens_on,
            reporting_periods::due_on,
        ))
        .load(conn)
}

/// A signature (application) and its pledge.
#[derive(Debug, Clone, Queryable)]
pub struct SignatureItem {
    pub signature_id: i64,
    pub org_zh: String,
    pub org_en: String,
    pub pledge_zh: String,
    pub pledge_en: String,
    pub reason: String,
    pub at: NaiveDateTime,
}

/// `org`'s applications declined in the last 90 days.
pub fn declined_applications(conn: &mut DbConn, org: i64, since: NaiveDateTime) -> QueryResult<Vec<SignatureItem>> {
    signatures::table
        .inner_join(pledges::table)
        .inner_join(organizations::table)
        .filter(signatures::organization_id.eq(org))
        .filter(signatures::state.eq(SignatureState::Declined.as_str()))
        .filter(signatures::state_changed_at.ge(since))
        .order(signatures::state_changed_at.desc())
        .limit(LIMIT)
        .select((
            signatures::id,
            organizations::name_zh,
            organizations::name_en,
            pledges::title_zh,
            pledges::title_en,
            signatures::reason,
            signatures::state_changed_at,
        ))
        .load(conn)
}

/// Applications to the pledges `issuer` issued that wait for verification, oldest first.
pub fn applications_to_verify(conn: &mut DbConn, issuer: i64) -> QueryResult<Vec<SignatureItem>> {
    signatures::table
        .inner_join(pledges::table)
        .inner_join(organizations::table)
        .filter(pledges::organization_id.eq(issuer))
        .filter(signatures::state.eq(SignatureState::Applied.as_str()))
        .order(signatures::applied_at)
        .limit(LIMIT)
        .select((
            signatures::id,
            organizations::name_zh,
            organizations::name_en,
            pledges::title_zh,
            pledges::title_en,
            signatures::reason,
            signatures::applied_at,
        ))
        .load(conn)
}

/// Standards `org` leads or proposed with public comments not yet disposed:
/// (id, title zh, title en, pending comments).
pub fn comments_to_dispose(conn: &mut DbConn, org: i64) -> QueryResult<Vec<(i64, String, String, i64)>> {
    comments::table
        .inner_join(standards::table)
        .filter(standards::lead_org_id.eq(org).or(standards::proposing_org_id.eq(org)))
        .filter(comments::disposition.is_null())
        .group_by((standards::id, standards::title_zh, standards::title_en))
        .order(standards::id)
        .limit(LIMIT)
        .select((standards::id, standards::title_zh, standards::title_en, diesel::dsl::count_star()))
        .load(conn)
}

/// A submitted report waiting for review.
#[derive(Debug, Clone, Queryable)]
pub struct ToReview {
    pub report_id: i64,
    pub org_zh: String,
    pub org_en: String,
    pub pledge_zh: String,
    pub pledge_en: String,
    pub period_zh: String,
    pub period_en: String,
    pub submitted_at: Option<NaiveDateTime>,
}

/// Submitted reports, oldest first, with how many there are.
pub fn reports_to_review(conn: &mut DbConn) -> QueryResult<(Vec<ToReview>, i64)> {
    let submitted = || reports::table.filter(reports::state.eq(ReportState::Submitted.as_str()));
    let total = submitted().count().get_result(conn)?;
    let rows = submitted()
        .inner_join(organizations::table.on(organizations::id.eq(reports::organization_id)))
        .inner_join(reporting_periods::table.inner_join(pledges::table))
        .order((reports::submitted_at, reports::id))
        .limit(LIMIT)
        .select((
            reports::id,
            organizations::name_zh,
            organizations::name_en,
            pledges::title_zh,
            pledges::title_en,
            reporting_periods::label_zh,
            reporting_periods::label_en,
            reports::submitted_at,
        ))
        .load(conn)?;
    Ok((rows, total))
}

/// Standards in technical review on which `reviewer` has not voted in the current round.
pub fn ballots(conn: &mut DbConn, reviewer: i64) -> QueryResult<Vec<(i64, String, String)>> {
    let voted = review_positions::table
        .filter(review_positions::reviewer_id.eq(reviewer))
        .filter(review_positions::round.eq(standards::review_round))
        .filter(review_positions::standard_id.eq(standards::id));
    standards::table
        .filter(standards::state.eq(StandardState::TechnicalReview.as_str()))
        .filter(diesel::dsl::not(diesel::dsl::exists(voted)))
        .order(standards::id)
        .limit(LIMIT)
        .select((standards::id, standards::title_zh, standards::title_en))
        .load(conn)
}

/// Standards submitted for approval (the approvers' step).
pub fn approvals(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, String)>> {
    standards::table
        .filter(standards::state.eq(StandardState::SubmittedForApproval.as_str()))
        .order(standards::id)
        .limit(LIMIT)
        .select((standards::id, standards::title_zh, standards::title_en))
        .load(conn)
}

/// Messages that could not be delivered.
pub fn failed_mail(conn: &mut DbConn) -> QueryResult<i64> {
    outbox::table.filter(outbox::state.eq(super::outbox::STATE_FAILED)).count().get_result(conn)
}
