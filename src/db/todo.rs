//! What a signed-in user has to do now (`/todo`): one bounded query per kind
//! of work, whatever the size of the data.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use diesel::dsl::{exists, not};

use super::schema::{
    comment_periods, comments, organizations, outbox, pledges, reporting_periods, reports, review_positions,
    security_log, signatures, standard_versions, standards, users,
};
use super::DbConn;
use crate::domain::pledge::{PledgeState, SignatureState};
use crate::domain::report::ReportState;
use crate::domain::standard::StandardState;
use crate::domain::Role;

/// At most this many items of one kind (the page links to the full list).
pub const LIMIT: i64 = 50;

/// Periods that open within this many days are listed as coming.
pub const SOON: i64 = 14;

/// Declined applications are listed this many days after the decision.
pub const DECLINED_DAYS: i64 = 90;

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
        .filter(not(reporting_periods::id.eq_any(filed)))
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
        .filter(not(exists(voted)))
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

// ------------------------------------------------------------------ account
// The editors' next steps on standards, pledges without a coming period,
// the admins' locked and never-signed-in accounts, and the count of all of a
// user's items for the navigation. Each list and its count share one filter.

/// What an editor must do next on a standard (decided by the state: the
/// filter below admits a standard only when this step is due).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// The project was approved (立项): start drafting.
    StartDrafting,
    /// Drafting, but no version of the text uploaded yet.
    UploadDraft,
    /// The comment period ended and every comment is disposed: submit for technical review.
    SubmitForReview,
}

impl NextStep {
    pub fn code(self) -> &'static str {
        match self {
            NextStep::StartDrafting => "start_drafting",
            NextStep::UploadDraft => "upload_draft",
            NextStep::SubmitForReview => "submit_for_review",
        }
    }
}

// Each kind of item is a filter written once (a macro, so that the list and
// the navigation's count share it whatever the query around it).

/// Standards of `$org`'s association waiting on the editor's next step on `$today`.
macro_rules! standards_waiting {
    ($org:expr, $today:expr) => {{
        let (org, today): (i64, NaiveDate) = ($org, $today);
        let versions = standard_versions::table.filter(standard_versions::standard_id.eq(standards::id));
        let undisposed =
            comments::table.filter(comments::standard_id.eq(standards::id)).filter(comments::disposition.is_null());
        let running = comment_periods::table
            .filter(comment_periods::standard_id.eq(standards::id))
            .filter(comment_periods::closed_at.is_null())
            .filter(comment_periods::ends_on.ge(today));
        standards::table.filter(standards::lead_org_id.eq(org).or(standards::proposing_org_id.eq(org))).filter(
            standards::state
                .eq(StandardState::Approved.as_str())
                .or(standards::state.eq(StandardState::Drafting.as_str()).and(not(exists(versions))))
                .or(standards::state
                    .eq(StandardState::PublicComment.as_str())
                    .and(not(exists(undisposed)))
                    .and(not(exists(running)))),
        )
    }};
}

/// Open pledges `$org` issued with no reporting period opening after `$today`.
macro_rules! pledges_without_period {
    ($org:expr, $today:expr) => {{
        let (org, today): (i64, NaiveDate) = ($org, $today);
        let coming = reporting_periods::table
            .filter(reporting_periods::pledge_id.eq(pledges::id))
            .filter(reporting_periods::opens_on.gt(today));
        pledges::table
            .filter(pledges::organization_id.eq(org))
            .filter(pledges::state.eq(PledgeState::Open.as_str()))
            .filter(not(exists(coming)))
    }};
}

/// Lock-outs of sign-in since `$since` (a lock-out lasts at most [`LOCK_MAX_MINUTES`]).
macro_rules! lockouts {
    ($since:expr) => {{
        let since: NaiveDateTime = $since;
        security_log::table
            .filter(security_log::kind.eq(super::security_log::Kind::Lockout.code()))
            .filter(security_log::at.ge(since))
            .filter(security_log::email.is_not_null())
            // Accounts that exist (guesses at unknown addresses lock nobody out).
            .filter(security_log::user_id.is_not_null())
    }};
}

/// Active users who never signed in.
macro_rules! never_signed_in {
    () => {
        users::table.filter(users::active.eq(true)).filter(users::last_login_at.is_null())
    };
}

/// A sign-in lock-out lasts at most this long (the throttle's longest delay).
pub const LOCK_MAX_MINUTES: i64 = 15;

/// A standard and the editor's next step on it.
#[derive(Debug, Clone)]
pub struct WaitingStandard {
    pub id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub step: NextStep,
}

/// Standards of `org`'s association waiting on the editor's next step, oldest change first.
pub fn standards_waiting(conn: &mut DbConn, org: i64, today: NaiveDate) -> QueryResult<Vec<WaitingStandard>> {
    let rows: Vec<(i64, String, String, String)> = standards_waiting!(org, today)
        .order((standards::updated_at, standards::id))
        .limit(LIMIT)
        .select((standards::id, standards::title_zh, standards::title_en, standards::state))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title_zh, title_en, state)| {
            let step = match StandardState::parse(&state) {
                Some(StandardState::Approved) => NextStep::StartDrafting,
                Some(StandardState::Drafting) => NextStep::UploadDraft,
                _ => NextStep::SubmitForReview,
            };
            WaitingStandard { id, title_zh, title_en, step }
        })
        .collect())
}

/// Open pledges of `org` without a reporting period for the coming cycle: (id, title zh, title en).
pub fn pledges_without_period(
    conn: &mut DbConn,
    org: i64,
    today: NaiveDate,
) -> QueryResult<Vec<(i64, String, String)>> {
    pledges_without_period!(org, today)
        .order(pledges::id)
        .limit(LIMIT)
        .select((pledges::id, pledges::title_zh, pledges::title_en))
        .load(conn)
}

/// A locked account: its e-mail, the user if there is one, the latest lock-out and its detail.
#[derive(Debug, Clone, Queryable)]
pub struct Locked {
    pub email: Option<String>,
    pub at: NaiveDateTime,
    pub detail: Option<String>,
}

/// Accounts locked out of signing in since `now` minus [`LOCK_MAX_MINUTES`], latest first, one row each.
pub fn locked_accounts(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Locked>> {
    let since = now - chrono::Duration::minutes(LOCK_MAX_MINUTES);
    let rows: Vec<Locked> = lockouts!(since)
        .order(security_log::id.desc())
        .limit(LIMIT * 4)
        .select((security_log::email, security_log::at, security_log::detail))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows.into_iter().filter(|r| seen.insert(r.email.clone())).take(LIMIT as usize).collect())
}

/// Active users who never signed in, oldest account first: (id, e-mail, name, created).
pub fn never_signed_in(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, String, NaiveDateTime)>> {
    never_signed_in!()
        .order((users::created_at, users::id))
        .limit(LIMIT)
        .select((users::id, users::email, users::display_name, users::created_at))
        .load(conn)
}

/// How many items `role` has on its to-do page: what the navigation shows.
/// One statement of counting subqueries, each with the filter of its list.
pub fn count(
    conn: &mut DbConn,
    role: Role,
    org: i64,
    user: i64,
    today: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    use diesel::dsl::{count, count_star};
    /// A counting subquery's result (NULL never comes: COUNT always answers).
    type N = Option<i64>;
    let reviewer = || {
        let voted = review_positions::table
            .filter(review_positions::reviewer_id.eq(user))
            .filter(review_positions::round.eq(standards::review_round))
            .filter(review_positions::standard_id.eq(standards::id));
        (
            reports::table
                .filter(reports::state.eq(ReportState::Submitted.as_str()))
                .select(count_star())
                .single_value(),
            standards::table
                .filter(standards::state.eq(StandardState::TechnicalReview.as_str()))
                .filter(not(exists(voted)))
                .select(count_star())
                .single_value(),
            standards::table
                .filter(standards::state.eq(StandardState::SubmittedForApproval.as_str()))
                .select(count_star())
                .single_value(),
        )
    };
    let sum = |v: &[Option<i64>]| v.iter().map(|n| n.unwrap_or(0)).sum::<i64>();
    Ok(match role {
        Role::Filer => {
            let filed = reports::table.filter(reports::organization_id.eq(org)).select(reports::period_id);
            let signed = signatures::table
                .filter(signatures::organization_id.eq(org))
                .filter(signatures::state.eq(SignatureState::Verified.as_str()))
                .select(signatures::pledge_id);
            let since = now - chrono::Duration::days(DECLINED_DAYS);
            let (a, b, c): (N, N, N) = diesel::select((
                reports::table
                    .filter(reports::organization_id.eq(org))
                    .filter(reports::state.eq_any([ReportState::Returned.as_str(), ReportState::Draft.as_str()]))
                    .select(count_star())
                    .single_value(),
                reporting_periods::table
                    .filter(reporting_periods::pledge_id.eq_any(signed))
                    .filter(not(reporting_periods::id.eq_any(filed)))
                    .filter(reporting_periods::opens_on.le(today + chrono::Duration::days(SOON)))
                    .filter(reporting_periods::due_on.ge(today - chrono::Duration::days(30)))
                    .select(count_star())
                    .single_value(),
                signatures::table
                    .filter(signatures::organization_id.eq(org))
                    .filter(signatures::state.eq(SignatureState::Declined.as_str()))
                    .filter(signatures::state_changed_at.ge(since))
                    .select(count_star())
                    .single_value(),
            ))
            .get_result(conn)?;
            sum(&[a, b, c])
        }
        Role::Editor => {
            let (a, b, c, d): (N, N, N, N) = diesel::select((
                comments::table
                    .inner_join(standards::table)
                    .filter(standards::lead_org_id.eq(org).or(standards::proposing_org_id.eq(org)))
                    .filter(comments::disposition.is_null())
                    .select(count(comments::standard_id).aggregate_distinct())
                    .single_value(),
                signatures::table
                    .inner_join(pledges::table)
                    .filter(pledges::organization_id.eq(org))
                    .filter(signatures::state.eq(SignatureState::Applied.as_str()))
                    .select(count_star())
                    .single_value(),
                standards_waiting!(org, today).select(count_star()).single_value(),
                pledges_without_period!(org, today).select(count_star()).single_value(),
            ))
            .get_result(conn)?;
            sum(&[a, b, c, d])
        }
        Role::Reviewer => {
            let (a, b, c): (N, N, N) = diesel::select(reviewer()).get_result(conn)?;
            sum(&[a, b, c])
        }
        Role::Admin => {
            let (a, b, c) = reviewer();
            let since = now - chrono::Duration::minutes(LOCK_MAX_MINUTES);
            let (a, b, c, failed, locked, never): (N, N, N, N, N, N) = diesel::select((
                a,
                b,
                c,
                outbox::table.filter(outbox::state.eq(super::outbox::STATE_FAILED)).select(count_star()).single_value(),
                lockouts!(since).select(count(security_log::email).aggregate_distinct()).single_value(),
                never_signed_in!().select(count_star()).single_value(),
            ))
            .get_result(conn)?;
            // Undeliverable mail is one item, however many messages.
            sum(&[a, b, c, failed.map(|n| n.min(1)), locked, never])
        }
    })
}
