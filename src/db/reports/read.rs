//! Reading reports: a report with its period, organization and entries, its
//! evidence files, its kept revisions, and the same organization's report of
//! the period before.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

use super::super::pledges::{Commitment, OrgBrief};
use super::super::schema::{
    organizations, pledge_commitments, pledges, report_entries, report_indicators, report_links, report_revisions,
    reporting_periods, reports,
};
use super::super::DbConn;
use super::*;

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Report>> {
    reports::table.find(id).select(Report::as_select()).first(conn).optional()
}

/// A report and the organization that issued its pledge: what deciding who
/// may see it needs (one query).
pub fn get_with_issuer(conn: &mut DbConn, id: i64) -> QueryResult<Option<(Report, i64)>> {
    reports::table
        .inner_join(reporting_periods::table.inner_join(pledges::table))
        .filter(reports::id.eq(id))
        .select((Report::as_select(), pledges::organization_id))
        .first(conn)
        .optional()
}

pub fn for_period_and_org(conn: &mut DbConn, period_id: i64, org_id: i64) -> QueryResult<Option<Report>> {
    reports::table
        .filter(reports::period_id.eq(period_id))
        .filter(reports::organization_id.eq(org_id))
        // A report opened twice before there was one per organization: the first one.
        .filter(reports::duplicate_of.is_null())
        .select(Report::as_select())
        .first(conn)
        .optional()
}

pub fn period(conn: &mut DbConn, id: i64) -> QueryResult<Option<Period>> {
    reporting_periods::table.find(id).select(Period::as_select()).first(conn).optional()
}

pub(super) fn org_brief(conn: &mut DbConn, id: i64) -> QueryResult<OrgBrief> {
    organizations::table
        .find(id)
        .select((
            organizations::id,
            organizations::kind,
            organizations::name_zh,
            organizations::name_en,
            organizations::credit_code,
        ))
        .first(conn)
}

/// A report with its period, organization and entries: seven queries.
pub fn full(conn: &mut DbConn, id: i64) -> QueryResult<Option<Full>> {
    let Some(report) = get(conn, id)? else { return Ok(None) };
    let (period, issuer_id) = reporting_periods::table
        .inner_join(pledges::table)
        .filter(reporting_periods::id.eq(report.period_id))
        .select((Period::as_select(), pledges::organization_id))
        .first(conn)?;
    let org = org_brief(conn, report.organization_id)?;
    let rows: Vec<(EntryRow, Commitment)> = report_entries::table
        .inner_join(pledge_commitments::table)
        .filter(report_entries::report_id.eq(id))
        .order(pledge_commitments::position)
        .select((EntryRow::as_select(), pledge_commitments::all_columns))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(e, _)| e.id).collect();
    let mut indicators: HashMap<i64, Vec<Indicator>> = HashMap::new();
    for i in report_indicators::table
        .filter(report_indicators::entry_id.eq_any(&ids))
        .order((report_indicators::entry_id, report_indicators::position))
        .select(Indicator::as_select())
        .load(conn)?
    {
        indicators.entry(i.entry_id).or_default().push(i);
    }
    let mut links: HashMap<i64, Vec<EvidenceLink>> = HashMap::new();
    for l in report_links::table
        .filter(report_links::entry_id.eq_any(&ids))
        .order(report_links::id)
        .select(EvidenceLink::as_select())
        .load(conn)?
    {
        links.entry(l.entry_id).or_default().push(l);
    }
    let mut files = crate::db::attachments::metas_of(conn, EVIDENCE_OWNER, &ids)?;
    let entries = rows
        .into_iter()
        .map(|(row, commitment)| Entry {
            indicators: indicators.remove(&row.id).unwrap_or_default(),
            links: links.remove(&row.id).unwrap_or_default(),
            files: files.remove(&row.id).unwrap_or_default(),
            row,
            commitment,
        })
        .collect();
    Ok(Some(Full { report, period, issuer_id, org, entries }))
}

/// An evidence file, only if it belongs to an entry of this report.
pub fn evidence(conn: &mut DbConn, report_id: i64, file_id: i64) -> QueryResult<Option<(AttachmentMeta, Vec<u8>)>> {
    use super::super::schema::attachments;
    let owner: Option<i64> = attachments::table
        .inner_join(report_entries::table.on(report_entries::id.eq(attachments::owner_id)))
        .filter(attachments::id.eq(file_id))
        .filter(attachments::owner_type.eq(EVIDENCE_OWNER))
        .filter(report_entries::report_id.eq(report_id))
        .select(attachments::owner_id)
        .first(conn)
        .optional()?;
    match owner {
        Some(o) => crate::db::attachments::attachment(conn, EVIDENCE_OWNER, o, file_id),
        None => Ok(None),
    }
}

// ------------------------------------------------------------------ revisions

/// What a submitted revision keeps of each entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SnapshotEntry {
    pub commitment_id: i64,
    pub number: String,
    pub status: String,
    pub na_reason: String,
    pub measures: String,
    pub indicators: Vec<(String, String, String)>,
    pub links: Vec<(String, String)>,
    pub files: Vec<(String, String)>,
}

/// The entries of a report as a revision keeps them.
pub fn snapshot(entries: &[Entry]) -> Vec<SnapshotEntry> {
    entries
        .iter()
        .map(|e| SnapshotEntry {
            commitment_id: e.commitment.id,
            number: e.commitment.number.clone(),
            status: e.row.status_code().to_owned(),
            na_reason: e.row.na_reason.clone(),
            measures: e.row.measures_md.clone(),
            indicators: e.indicators.iter().map(|i| (i.name.clone(), i.value.clone(), i.unit.clone())).collect(),
            links: e.links.iter().map(|l| (l.url.clone(), l.label.clone())).collect(),
            files: e.files.iter().map(|f| (f.filename.clone(), f.sha256.clone())).collect(),
        })
        .collect()
}

/// A snapshot as stored (JSON): one that cannot be encoded fails the
/// submission; one that cannot be read back is an error, never an empty report.
#[derive(Debug, Clone, PartialEq, FromSqlRow)]
pub struct Snapshot(pub Vec<SnapshotEntry>);

impl Snapshot {
    pub fn encode(entries: &[SnapshotEntry]) -> QueryResult<String> {
        serde_json::to_string(entries).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
    }
}

impl<DB: Backend> FromSql<Text, DB> for Snapshot
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let json = String::from_sql(bytes)?;
        let entries = serde_json::from_str(&json).map_err(|e| format!("unreadable revision snapshot: {e}"))?;
        Ok(Snapshot(entries))
    }
}

impl From<Snapshot> for Vec<SnapshotEntry> {
    fn from(s: Snapshot) -> Self {
        s.0
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_revisions)]
pub struct Revision {
    pub id: i64,
    pub report_id: i64,
    pub n: i32,
    pub submitted_at: NaiveDateTime,
    pub submitted_by: Option<i64>,
    #[diesel(column_name = snapshot_json, deserialize_as = Snapshot)]
    pub entries: Vec<SnapshotEntry>,
}

pub fn revisions(conn: &mut DbConn, report_id: i64) -> QueryResult<Vec<Revision>> {
    report_revisions::table
        .filter(report_revisions::report_id.eq(report_id))
        .order(report_revisions::n)
        .select(Revision::as_select())
        .load(conn)
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
