//! What the public pages read: the dashboard's data, an organization's
//! history, and the feed of accepted reports.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::super::pledges::Commitment;
use super::super::schema::{
    organizations, pledge_commitments, pledges, report_entries, reporting_periods, reports, signature_exclusions,
    signatures,
};
use super::super::DbConn;
use crate::domain::report::ReportState;

// ------------------------------------------------------------------ dashboard data

/// One signature on the dashboard.
#[derive(Debug, Clone, Queryable)]
pub struct BoardSignatory {
    pub signature_id: i64,
    pub state: String,
    pub org_id: i64,
    pub org_name_zh: String,
    pub org_name_en: String,
}

/// Reports of a period: (signature, state, ever_returned, report id).
#[derive(Debug, Clone, Queryable)]
pub struct BoardReport {
    pub id: i64,
    pub signature_id: i64,
    pub state: String,
    pub ever_returned: bool,
}

pub struct Board {
    pub signatories: Vec<BoardSignatory>,
    pub commitments: Vec<Commitment>,
    pub reports: Vec<BoardReport>,
    /// (signature id, commitment id) → status, from accepted reports only.
    pub cells: HashMap<(i64, i64), String>,
    /// Excluded commitments per signature.
    pub excluded: HashMap<i64, Vec<i64>>,
    /// Per period: (implemented entries, all entries) of accepted reports.
    pub trend: HashMap<i64, (i64, i64)>,
}

/// Everything the dashboard shows for a pledge and period: six queries.
pub fn board(conn: &mut DbConn, pledge_id: i64, period_id: i64) -> QueryResult<Board> {
    let signatories: Vec<BoardSignatory> = signatures::table
        .inner_join(organizations::table.on(organizations::id.eq(signatures::organization_id)))
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(vec!["verified", "withdrawn", "suspended"]))
        .order((organizations::name_zh, signatures::id))
        .select((signatures::id, signatures::state, organizations::id, organizations::name_zh, organizations::name_en))
        .load(conn)?;
    let commitments: Vec<Commitment> = pledge_commitments::table
        .filter(pledge_commitments::pledge_id.eq(pledge_id))
        .order(pledge_commitments::position)
        .load(conn)?;
    let reports_: Vec<BoardReport> = reports::table
        .filter(reports::period_id.eq(period_id))
        .select((reports::id, reports::signature_id, reports::state, reports::ever_returned))
        .load(conn)?;
    let cell_rows: Vec<(i64, i64, String)> = report_entries::table
        .inner_join(reports::table)
        .filter(reports::period_id.eq(period_id))
        .filter(reports::state.eq(ReportState::Accepted.as_str()))
        .select((reports::signature_id, report_entries::commitment_id, report_entries::status))
        .load(conn)?;
    let cells = cell_rows.into_iter().map(|(s, c, st)| ((s, c), st)).collect();
    let ex_rows: Vec<(i64, i64)> = signature_exclusions::table
        .inner_join(signatures::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .select((signature_exclusions::signature_id, signature_exclusions::commitment_id))
        .load(conn)?;
    let mut excluded: HashMap<i64, Vec<i64>> = HashMap::new();
    for (s, c) in ex_rows {
        excluded.entry(s).or_default().push(c);
    }
    let trend_rows: Vec<(i64, String, i64)> = report_entries::table
        .inner_join(reports::table.inner_join(reporting_periods::table))
        .filter(reporting_periods::pledge_id.eq(pledge_id))
        .filter(reports::state.eq(ReportState::Accepted.as_str()))
        .group_by((reports::period_id, report_entries::status))
        .select((reports::period_id, report_entries::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut trend: HashMap<i64, (i64, i64)> = HashMap::new();
    for (p, status, n) in trend_rows {
        let t = trend.entry(p).or_default();
        if status == "implemented" {
            t.0 += n;
        }
        if status != "not_applicable" {
            t.1 += n;
        }
    }
    Ok(Board { signatories, commitments, reports: reports_, cells, excluded, trend })
}

/// An organization's reports over all periods of every pledge it signed.
#[derive(Debug, Clone, Queryable)]
pub struct HistoryRow {
    pub report_id: i64,
    pub state: String,
    pub ever_returned: bool,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub period_id: i64,
    pub period_label_zh: String,
    pub period_label_en: String,
    pub due_on: NaiveDate,
    pub pledge_id: i64,
    /// The association that issued the pledge.
    pub issuer_id: i64,
}

pub fn history(conn: &mut DbConn, org_id: i64) -> QueryResult<Vec<HistoryRow>> {
    reports::table
        .inner_join(reporting_periods::table.inner_join(pledges::table))
        .filter(reports::organization_id.eq(org_id))
        .order(reporting_periods::due_on.desc())
        .select((
            reports::id,
            reports::state,
            reports::ever_returned,
            reports::submitted_at,
            reports::decided_at,
            reporting_periods::id,
            reporting_periods::label_zh,
            reporting_periods::label_en,
            reporting_periods::due_on,
            reporting_periods::pledge_id,
            pledges::organization_id,
        ))
        .load(conn)
}

/// Newly accepted reports, newest first (for the feed).
#[derive(Debug, Clone, Queryable)]
pub struct AcceptedItem {
    pub report_id: i64,
    pub decided_at: Option<NaiveDateTime>,
    pub org_id: i64,
    pub org_name_zh: String,
    pub org_name_en: String,
    pub period_label_zh: String,
    pub period_label_en: String,
}

pub fn accepted_feed(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<AcceptedItem>> {
    reports::table
        .inner_join(reporting_periods::table)
        .inner_join(organizations::table.on(organizations::id.eq(reports::organization_id)))
        .filter(reports::state.eq(ReportState::Accepted.as_str()))
        .order(reports::decided_at.desc())
        .limit(limit)
        .select((
            reports::id,
            reports::decided_at,
            organizations::id,
            organizations::name_zh,
            organizations::name_en,
            reporting_periods::label_zh,
            reporting_periods::label_en,
        ))
        .load(conn)
}
