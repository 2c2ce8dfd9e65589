//! Reporting periods and commitment reports: filing, submission with a kept
//! revision, review, and the data of the public dashboard. Every page loads a
//! fixed number of queries, whatever the number of signatories or entries.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::attachments::{AttachmentMeta, NewAttachment};
use super::audit::{self, Actor};
use super::pledges::{Commitment, OrgBrief};
use super::schema::{
    attachments, organizations, pledge_commitments, report_entries, report_indicators, report_links, report_revisions,
    reporting_periods, reports, signature_exclusions, signatures,
};
use super::DbConn;
use crate::domain::report::{self as rules, EntryDraft, Problem, ReportAction, ReportState, ReportTransitionError};
use crate::domain::Role;

pub const EVIDENCE_OWNER: &str = "report_entry";

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Period {
    pub id: i64,
    pub pledge_id: i64,
    pub label_zh: String,
    pub label_en: String,
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub created_by: Option<i64>,
}

impl Period {
    pub fn label(&self, en: bool) -> &str {
        if en {
            &self.label_en
        } else {
            &self.label_zh
        }
    }

    pub fn due(&self) -> NaiveDateTime {
        rules::due_instant(self.due_on)
    }

    pub fn opened(&self, now: NaiveDateTime) -> bool {
        now >= rules::start_instant(self.opens_on)
    }
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Report {
    pub id: i64,
    pub period_id: i64,
    pub signature_id: i64,
    pub organization_id: i64,
    pub state: String,
    pub version: i32,
    pub revisions: i32,
    pub ever_returned: bool,
    pub review_comment: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Report {
    pub fn state(&self) -> ReportState {
        ReportState::parse(&self.state).unwrap_or(ReportState::Draft)
    }
}

#[derive(Debug, Clone, Queryable, Serialize, Deserialize, PartialEq)]
pub struct Indicator {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub entry_id: i64,
    #[serde(skip)]
    pub position: i32,
    pub name: String,
    pub value: String,
    pub unit: String,
}

#[derive(Debug, Clone, Queryable, Serialize, Deserialize, PartialEq)]
pub struct EvidenceLink {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub entry_id: i64,
    pub url: String,
    pub label: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct EntryRow {
    pub id: i64,
    pub report_id: i64,
    pub commitment_id: i64,
    pub status: String,
    pub na_reason: String,
    pub measures_md: String,
    pub review_comment: String,
}

/// One entry with its commitment, indicators and evidence.
#[derive(Debug, Clone)]
pub struct Entry {
    pub row: EntryRow,
    pub commitment: Commitment,
    pub indicators: Vec<Indicator>,
    pub links: Vec<EvidenceLink>,
    pub files: Vec<AttachmentMeta>,
}

impl Entry {
    pub fn draft(&self) -> EntryDraft {
        EntryDraft {
            commitment_number: self.commitment.number.clone(),
            status: self.row.status.clone(),
            not_applicable_reason: self.row.na_reason.clone(),
            measures: self.row.measures_md.clone(),
            indicators: self.indicators.iter().map(|i| (i.name.clone(), i.value.clone(), i.unit.clone())).collect(),
        }
    }
}

pub struct Full {
    pub report: Report,
    pub period: Period,
    pub org: OrgBrief,
    pub entries: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("not found")]
    NotFound,
    #[error("not a verified signatory")]
    NotSigned,
    #[error("period not open yet")]
    NotOpen,
    #[error("changed meanwhile")]
    Conflict,
    #[error("not allowed: {0:?}")]
    Transition(ReportTransitionError),
    #[error("incomplete")]
    Incomplete(Vec<Problem>),
    #[error("invalid")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn org_brief(conn: &mut DbConn, id: i64) -> QueryResult<OrgBrief> {
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

// ------------------------------------------------------------------ periods

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
pub fn public_pledges(conn: &mut DbConn) -> QueryResult<Vec<super::pledges::Pledge>> {
    use super::schema::pledges;
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
            reporting_periods::created_at.eq(super::now()),
            reporting_periods::created_by.eq(actor.user_id),
        ))
        .returning(reporting_periods::id)
        .get_result(conn)?;
    audit::record::<(), _>(conn, actor, "reporting_period", Some(id), "create", None, Some(d))?;
    Ok(id)
}

// ------------------------------------------------------------------ reports

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Report>> {
    reports::table.find(id).first(conn).optional()
}

pub fn for_period_and_org(conn: &mut DbConn, period_id: i64, org_id: i64) -> QueryResult<Option<Report>> {
    reports::table
        .filter(reports::period_id.eq(period_id))
        .filter(reports::organization_id.eq(org_id))
        .first(conn)
        .optional()
}

/// The organization's report for a period, created as a draft (one entry per
/// subscribed commitment) the first time it is opened.
pub fn open_or_create(
    conn: &mut DbConn,
    actor: Actor,
    period_id: i64,
    org_id: i64,
    now: NaiveDateTime,
) -> Result<i64, ReportError> {
    let p = period(conn, period_id)?.ok_or(ReportError::NotFound)?;
    if let Some(r) = for_period_and_org(conn, period_id, org_id)? {
        return Ok(r.id);
    }
    if !p.opened(now) {
        return Err(ReportError::NotOpen);
    }
    let sig: Option<(i64, bool)> = signatures::table
        .filter(signatures::pledge_id.eq(p.pledge_id))
        .filter(signatures::organization_id.eq(org_id))
        .filter(signatures::state.eq("verified"))
        .select((signatures::id, signatures::all_commitments))
        .first(conn)
        .optional()?;
    let (sig_id, _) = sig.ok_or(ReportError::NotSigned)?;
    let excluded: Vec<i64> = signature_exclusions::table
        .filter(signature_exclusions::signature_id.eq(sig_id))
        .select(signature_exclusions::commitment_id)
        .load(conn)?;
    let commitments: Vec<i64> = pledge_commitments::table
        .filter(pledge_commitments::pledge_id.eq(p.pledge_id))
        .order(pledge_commitments::position)
        .select(pledge_commitments::id)
        .load(conn)?;
    let ts = super::now();
    let id: i64 = diesel::insert_into(reports::table)
        .values((
            reports::period_id.eq(period_id),
            reports::signature_id.eq(sig_id),
            reports::organization_id.eq(org_id),
            reports::state.eq(ReportState::Draft.as_str()),
            reports::created_at.eq(ts),
            reports::updated_at.eq(ts),
        ))
        .returning(reports::id)
        .get_result(conn)?;
    let rows: Vec<_> = commitments
        .into_iter()
        .filter(|c| !excluded.contains(c))
        .map(|c| (report_entries::report_id.eq(id), report_entries::commitment_id.eq(c)))
        .collect();
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(report_entries::table).values(&rows).execute(c)?,
        DbConn::Pg(c) => diesel::insert_into(report_entries::table).values(&rows).execute(c)?,
    };
    audit::record::<(), _>(conn, actor, "report", Some(id), "create", None, Some(&(period_id, org_id)))?;
    Ok(id)
}

/// A report with its period, organization and entries: seven queries.
pub fn full(conn: &mut DbConn, id: i64) -> QueryResult<Option<Full>> {
    let Some(report) = get(conn, id)? else { return Ok(None) };
    let period = reporting_periods::table.find(report.period_id).first(conn)?;
    let org = org_brief(conn, report.organization_id)?;
    let rows: Vec<(EntryRow, Commitment)> = report_entries::table
        .inner_join(pledge_commitments::table)
        .filter(report_entries::report_id.eq(id))
        .order(pledge_commitments::position)
        .select((report_entries::all_columns, pledge_commitments::all_columns))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(e, _)| e.id).collect();
    let mut indicators: HashMap<i64, Vec<Indicator>> = HashMap::new();
    for i in report_indicators::table
        .filter(report_indicators::entry_id.eq_any(&ids))
        .order((report_indicators::entry_id, report_indicators::position))
        .load::<Indicator>(conn)?
    {
        indicators.entry(i.entry_id).or_default().push(i);
    }
    let mut links: HashMap<i64, Vec<EvidenceLink>> = HashMap::new();
    for l in report_links::table
        .filter(report_links::entry_id.eq_any(&ids))
        .order(report_links::id)
        .load::<EvidenceLink>(conn)?
    {
        links.entry(l.entry_id).or_default().push(l);
    }
    let mut files: HashMap<i64, Vec<AttachmentMeta>> = HashMap::new();
    let metas: Vec<(i64, i64, String, String, i64, String)> = attachments::table
        .filter(attachments::owner_type.eq(EVIDENCE_OWNER))
        .filter(attachments::owner_id.eq_any(&ids))
        .order(attachments::id)
        .select((
            attachments::owner_id,
            attachments::id,
            attachments::filename,
            attachments::content_type,
            attachments::size,
            attachments::sha256,
        ))
        .load(conn)?;
    for (owner, id, filename, content_type, size, sha256) in metas {
        files.entry(owner).or_default().push(AttachmentMeta { id, filename, content_type, size, sha256 });
    }
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
    Ok(Some(Full { report, period, org, entries }))
}

/// What the filer sends for one entry.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub entry_id: i64,
    pub status: String,
    pub na_reason: String,
    pub measures: String,
    pub indicators: Vec<(String, String, String)>,
    pub links: Vec<(String, String)>,
}

fn cas_editable(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    role: Role,
    action: ReportAction,
) -> Result<Report, ReportError> {
    let r = get(conn, id)?.ok_or(ReportError::NotFound)?;
    rules::transition(r.state(), action, role).map_err(ReportError::Transition)?;
    if r.version != expected_version {
        return Err(ReportError::Conflict);
    }
    Ok(r)
}

/// Save a draft (a returned report becomes a draft again). Compare-and-set on
/// the version the filer's form was built from.
pub fn save(
    conn: &mut DbConn,
    actor: Actor,
    role: Role,
    id: i64,
    expected_version: i32,
    inputs: &[EntryInput],
) -> Result<(), ReportError> {
    let before = cas_editable(conn, id, expected_version, role, ReportAction::Save)?;
    let ids: Vec<i64> =
        report_entries::table.filter(report_entries::report_id.eq(id)).select(report_entries::id).load(conn)?;
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(id))
            .filter(reports::version.eq(expected_version))
            .filter(reports::state.eq(&before.state)),
    )
    .set((
        reports::state.eq(ReportState::Draft.as_str()),
        reports::version.eq(reports::version + 1),
        reports::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(ReportError::Conflict);
    }
    let touched: Vec<i64> = inputs.iter().map(|i| i.entry_id).filter(|e| ids.contains(e)).collect();
    diesel::delete(report_indicators::table.filter(report_indicators::entry_id.eq_any(&touched))).execute(conn)?;
    diesel::delete(report_links::table.filter(report_links::entry_id.eq_any(&touched))).execute(conn)?;
    let mut indicator_rows = Vec::new();
    let mut link_rows = Vec::new();
    for input in inputs.iter().filter(|i| ids.contains(&i.entry_id)) {
        diesel::update(report_entries::table.find(input.entry_id))
            .set((
                report_entries::status.eq(&input.status),
                report_entries::na_reason.eq(&input.na_reason),
                report_entries::measures_md.eq(&input.measures),
            ))
            .execute(conn)?;
        for (pos, (name, value, unit)) in input.indicators.iter().enumerate() {
            indicator_rows.push((
                report_indicators::entry_id.eq(input.entry_id),
                report_indicators::position.eq(pos as i32),
                report_indicators::name.eq(name.clone()),
                report_indicators::value.eq(value.clone()),
                report_indicators::unit.eq(unit.clone()),
            ));
        }
        for (url, label) in &input.links {
            link_rows.push((
                report_links::entry_id.eq(input.entry_id),
                report_links::url.eq(url.clone()),
                report_links::label.eq(label.clone()),
            ));
        }
    }
    if !indicator_rows.is_empty() {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(report_indicators::table).values(&indicator_rows).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(report_indicators::table).values(&indicator_rows).execute(c)?,
        };
    }
    if !link_rows.is_empty() {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(report_links::table).values(&link_rows).execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(report_links::table).values(&link_rows).execute(c)?,
        };
    }
    audit::record::<(), _>(
        conn,
        actor,
        "report",
        Some(id),
        "save",
        None,
        Some(&(inputs.len(), before.state.as_str())),
    )?;
    Ok(())
}

/// Attach evidence files to an entry of an editable report.
pub fn add_evidence(
    conn: &mut DbConn,
    actor: Actor,
    role: Role,
    id: i64,
    expected_version: i32,
    entry_id: i64,
    files: &[NewAttachment],
) -> Result<(), ReportError> {
    let r = cas_editable(conn, id, expected_version, role, ReportAction::Save)?;
    let belongs: i64 = report_entries::table
        .filter(report_entries::id.eq(entry_id))
        .filter(report_entries::report_id.eq(id))
        .count()
        .get_result(conn)?;
    if belongs == 0 {
        return Err(ReportError::NotFound);
    }
    let n = diesel::update(reports::table.filter(reports::id.eq(id)).filter(reports::version.eq(expected_version)))
        .set((
            reports::state.eq(ReportState::Draft.as_str()),
            reports::version.eq(reports::version + 1),
            reports::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(ReportError::Conflict);
    }
    super::attachments::add_attachments(conn, actor, EVIDENCE_OWNER, entry_id, files)?;
    let names: Vec<(&str, &str)> = files.iter().map(|f| (f.filename.as_str(), f.sha256.as_str())).collect();
    audit::record::<(), _>(
        conn,
        actor,
        "report",
        Some(id),
        "add_evidence",
        None,
        Some(&(entry_id, names, r.state.as_str())),
    )?;
    Ok(())
}

/// An evidence file, only if it belongs to an entry of this report.
pub fn evidence(conn: &mut DbConn, report_id: i64, file_id: i64) -> QueryResult<Option<(AttachmentMeta, Vec<u8>)>> {
    let owner: Option<i64> = attachments::table
        .inner_join(report_entries::table.on(report_entries::id.eq(attachments::owner_id)))
        .filter(attachments::id.eq(file_id))
        .filter(attachments::owner_type.eq(EVIDENCE_OWNER))
        .filter(report_entries::report_id.eq(report_id))
        .select(attachments::owner_id)
        .first(conn)
        .optional()?;
    match owner {
        Some(o) => super::attachments::attachment(conn, EVIDENCE_OWNER, o, file_id),
        None => Ok(None),
    }
}

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

pub fn snapshot(entries: &[Entry]) -> Vec<SnapshotEntry> {
    entries
        .iter()
        .map(|e| SnapshotEntry {
            commitment_id: e.commitment.id,
            number: e.commitment.number.clone(),
            status: e.row.status.clone(),
            na_reason: e.row.na_reason.clone(),
            measures: e.row.measures_md.clone(),
            indicators: e.indicators.iter().map(|i| (i.name.clone(), i.value.clone(), i.unit.clone())).collect(),
            links: e.links.iter().map(|l| (l.url.clone(), l.label.clone())).collect(),
            files: e.files.iter().map(|f| (f.filename.clone(), f.sha256.clone())).collect(),
        })
        .collect()
}

/// Submit a complete report; every missing piece is listed at once.
pub fn submit(conn: &mut DbConn, actor: Actor, role: Role, id: i64, expected_version: i32) -> Result<i32, ReportError> {
    let before = cas_editable(conn, id, expected_version, role, ReportAction::Submit)?;
    let f = full(conn, id)?.ok_or(ReportError::NotFound)?;
    let drafts: Vec<EntryDraft> = f.entries.iter().map(Entry::draft).collect();
    let problems = rules::submit_problems(&drafts);
    if !problems.is_empty() {
        return Err(ReportError::Incomplete(problems));
    }
    let now = super::now();
    let n = diesel::update(
        reports::table
            .filter(reports::id.eq(id))
            .filter(reports::version.eq(expected_version))
            .filter(reports::state.eq(&before.state)),
    )
    .set((
        reports::state.eq(ReportState::Submitted.as_str()),
        reports::version.eq(reports::version + 1),
        reports::revisions.eq(reports::revisions + 1),
        reports::submitted_at.eq(now),
        reports::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(ReportError::Conflict);
    }
    let rev = before.revisions + 1;
    let json = serde_json::to_string(&snapshot(&f.entries)).unwrap_or_else(|_| "[]".into());
    diesel::insert_into(report_revisions::table)
        .values((
            report_revisions::report_id.eq(id),
            report_revisions::n.eq(rev),
            report_revisions::submitted_at.eq(now),
            report_revisions::submitted_by.eq(actor.user_id),
            report_revisions::snapshot_json.eq(json),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        actor,
        "report",
        Some(id),
        "submit",
        Some(&before.state),
        Some(&(ReportState::Submitted.as_str(), rev)),
    )?;
    Ok(rev)
}

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
        return Err(ReportError::Invalid(vec![(String::new(), "error.report.return_comment")]));
    }
    let to = if accept { ReportState::Accepted } else { ReportState::Returned };
    let now = super::now();
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
        "report",
        Some(id),
        action.as_str(),
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
}

pub fn queue(conn: &mut DbConn) -> QueryResult<Vec<QueueItem>> {
    reports::table
        .inner_join(reporting_periods::table)
        .inner_join(organizations::table.on(organizations::id.eq(reports::organization_id)))
        .filter(reports::state.eq(ReportState::Submitted.as_str()))
        .order((reports::submitted_at.asc(), reports::id.asc()))
        .select((
            reports::id,
            reports::submitted_at,
            reports::revisions,
            reporting_periods::label_zh,
            reporting_periods::label_en,
            reporting_periods::due_on,
            organizations::name_zh,
            organizations::name_en,
        ))
        .load(conn)
}

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
}

pub fn history(conn: &mut DbConn, org_id: i64) -> QueryResult<Vec<HistoryRow>> {
    reports::table
        .inner_join(reporting_periods::table)
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
