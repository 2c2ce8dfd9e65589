//! An organization's reporting history, as its public page and the filer's
//! own list read it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::super::codes::Code;
use super::super::schema::{pledges, reporting_periods, reports};
use super::super::DbConn;
use crate::domain::report::ReportState;
use crate::domain::standing::ReportFacts;

/// An organization's report of one period, with what its standing is derived from.
#[derive(Debug, Clone, Queryable)]
pub struct HistoryRow {
    pub report_id: i64,
    #[diesel(deserialize_as = Code<ReportState>)]
    pub state: ReportState,
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

impl HistoryRow {
    pub fn facts(&self) -> ReportFacts {
        ReportFacts {
            state: self.state,
            ever_returned: self.ever_returned,
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
        }
    }
}

/// An organization's reports over all periods of every pledge it signed, newest deadline first.
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
