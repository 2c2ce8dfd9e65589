//! What the public dashboard, its exports, the reports feed and the history
//! pages read to derive standings: signatories with the dates of their
//! signature, reports with their submission and decision times, and the
//! entries of ACCEPTED reports only. A fixed number of queries per page,
//! whatever the number of signatories, periods or entries.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::codes::Code;
use super::pledges::Commitment;
use super::schema::{
    organizations, pledge_commitments, pledges, report_entries, reporting_periods, reports, signature_exclusions,
    signatures,
};
use super::DbConn;
use crate::domain::pledge::SignatureState;
use crate::domain::report::{EntryStatus, ReportState};
use crate::domain::standing::{Implementation, ReportFacts};

/// One public signature of the pledge (verified, suspended or withdrawn).
#[derive(Debug, Clone, Queryable)]
pub struct Signatory {
    pub signature_id: i64,
    #[diesel(deserialize_as = Code<SignatureState>)]
    pub state: SignatureState,
    pub state_changed_at: NaiveDateTime,
    /// When it was verified.
    pub decided_at: Option<NaiveDateTime>,
    pub org_id: i64,
    pub org_name_zh: String,
    pub org_name_en: String,
}

/// A report of the period, with what its standing is derived from.
#[derive(Debug, Clone, Queryable)]
pub struct PeriodReport {
    pub id: i64,
    pub signature_id: i64,
    #[diesel(deserialize_as = Code<ReportState>)]
    pub state: ReportState,
    pub ever_returned: bool,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
}

impl PeriodReport {
    pub fn facts(&self) -> ReportFacts {
        ReportFacts {
            state: self.state,
            ever_returned: self.ever_returned,
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
        }
    }
}

/// The implemented share of accepted reports in one period.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeriodShare {
    pub accepted_reports: i64,
    pub entries: Implementation,
}

pub struct Board {
    pub signatories: Vec<Signatory>,
    pub commitments: Vec<Commitment>,
    pub reports: Vec<PeriodReport>,
    /// (signature id, commitment id) → status, from accepted reports only.
    pub cells: HashMap<(i64, i64), Option<EntryStatus>>,
    /// Excluded commitments per signature.
    pub excluded: HashMap<i64, Vec<i64>>,
    /// Per period of the pledge: accepted reports and their entries.
    pub trend: HashMap<i64, PeriodShare>,
}

/// Everything the dashboard shows for a pledge and period: seven queries.
pub fn board(conn: &mut DbConn, pledge_id: i64, period_id: i64) -> QueryResult<Board> {
    let public: Vec<Code<SignatureState>> = SignatureState::PUBLIC.into_iter().map(Code).collect();
    let signatories: Vec<Signatory> = signatures::table
        .inner_join(organizations::table.on(organizations::id.eq(signatures::organization_id)))
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(public))
        .order((organizations::name_zh, signatures::id))
        .select((
            signatures::id,
            signatures::state,
            signatures::state_changed_at,
            signatures::decided_at,
            organizations::id,
            organizations::name_zh,
            organizations::name_en,
        ))
        .load(conn)?;
    let commitments: Vec<Commitment> = pledge_commitments::table
        .filter(pledge_commitments::pledge_id.eq(pledge_id))
        .order(pledge_commitments::position)
        .load(conn)?;
    let period_reports: Vec<PeriodReport> = reports::table
        .filter(reports::period_id.eq(period_id))
        .select((
            reports::id,
            reports::signature_id,
            reports::state,
            reports::ever_returned,
            reports::submitted_at,
            reports::decided_at,
        ))
        .load(conn)?;
    let cell_rows: Vec<(i64, i64, Code<Option<EntryStatus>>)> = report_entries::table
        .inner_join(reports::table)
        .filter(reports::period_id.eq(period_id))
        .filter(reports::state.eq(Code(ReportState::Accepted)))
        .select((reports::signature_id, report_entries::commitment_id, report_entries::status))
        .load(conn)?;
    let cells = cell_rows.into_iter().map(|(s, c, st)| ((s, c), st.0)).collect();
    let ex_rows: Vec<(i64, i64)> = signature_exclusions::table
        .inner_join(signatures::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .select((signature_exclusions::signature_id, signature_exclusions::commitment_id))
        .load(conn)?;
    let mut excluded: HashMap<i64, Vec<i64>> = HashMap::new();
    for (s, c) in ex_rows {
        excluded.entry(s).or_default().push(c);
    }
    Ok(Board { signatories, commitments, reports: period_reports, cells, excluded, trend: trend(conn, pledge_id)? })
}

/// Per period of the pledge: how many reports were accepted and their entries by status.
fn trend(conn: &mut DbConn, pledge_id: i64) -> QueryResult<HashMap<i64, PeriodShare>> {
    let entry_rows: Vec<(i64, Code<Option<EntryStatus>>, i64)> = report_entries::table
        .inner_join(reports::table.inner_join(reporting_periods::table))
        .filter(reporting_periods::pledge_id.eq(pledge_id))
        .filter(reports::state.eq(Code(ReportState::Accepted)))
        .group_by((reports::period_id, report_entries::status))
        .select((reports::period_id, report_entries::status, diesel::dsl::count_star()))
        .load(conn)?;
    let report_rows: Vec<(i64, i64)> = reports::table
        .inner_join(reporting_periods::table)
        .filter(reporting_periods::pledge_id.eq(pledge_id))
        .filter(reports::state.eq(Code(ReportState::Accepted)))
        .group_by(reports::period_id)
        .select((reports::period_id, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: HashMap<i64, PeriodShare> = HashMap::new();
    for (p, n) in report_rows {
        out.entry(p).or_default().accepted_reports = n;
    }
    for (p, status, n) in entry_rows {
        out.entry(p).or_default().entries.add(status.0, count(n));
    }
    Ok(out)
}

/// A count of entries (a count beyond `u32` saturates: it cannot occur).
fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The implementation of each of these reports that is accepted (others are left out).
pub fn implementation_of(conn: &mut DbConn, report_ids: &[i64]) -> QueryResult<HashMap<i64, Implementation>> {
    if report_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, Code<Option<EntryStatus>>, i64)> = report_entries::table
        .inner_join(reports::table)
        .filter(reports::id.eq_any(report_ids))
        .filter(reports::state.eq(Code(ReportState::Accepted)))
        .group_by((report_entries::report_id, report_entries::status))
        .select((report_entries::report_id, report_entries::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut out: HashMap<i64, Implementation> = HashMap::new();
    for (r, status, n) in rows {
        out.entry(r).or_default().add(status.0, count(n));
    }
    Ok(out)
}

/// An accepted report for the feed, with what its standing is derived from.
#[derive(Debug, Clone, Queryable)]
pub struct FeedItem {
    pub report_id: i64,
    pub ever_returned: bool,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub org_id: i64,
    pub org_name_zh: String,
    pub org_name_en: String,
    pub period_label_zh: String,
    pub period_label_en: String,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    pub pledge_title_zh: String,
    pub pledge_title_en: String,
    #[diesel(deserialize_as = Code<SignatureState>)]
    pub signature_state: SignatureState,
    pub signature_since: NaiveDateTime,
}

/// The latest accepted reports, newest decision first, with their implementation: two queries.
pub fn accepted_feed(conn: &mut DbConn, limit: i64) -> QueryResult<(Vec<FeedItem>, HashMap<i64, Implementation>)> {
    let items: Vec<FeedItem> = reports::table
        .inner_join(reporting_periods::table.inner_join(pledges::table))
        .inner_join(signatures::table)
        .inner_join(organizations::table.on(organizations::id.eq(reports::organization_id)))
        .filter(reports::state.eq(Code(ReportState::Accepted)))
        .order((reports::decided_at.desc(), reports::id.desc()))
        .limit(limit)
        .select((
            reports::id,
            reports::ever_returned,
            reports::submitted_at,
            reports::decided_at,
            organizations::id,
            organizations::name_zh,
            organizations::name_en,
            reporting_periods::label_zh,
            reporting_periods::label_en,
            reporting_periods::opens_on,
            reporting_periods::due_on,
            pledges::title_zh,
            pledges::title_en,
            signatures::state,
            signatures::state_changed_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = items.iter().map(|i| i.report_id).collect();
    let implementation = implementation_of(conn, &ids)?;
    Ok((items, implementation))
}
