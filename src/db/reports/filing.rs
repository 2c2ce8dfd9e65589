//! Opening a report, saving drafts with evidence, and submitting.

use crate::domain::audit::{Action, Object};
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::super::audit::{self, Actor};
use super::super::pledges::Commitment;
use super::super::schema::{
    attachments, pledge_commitments, pledges, report_entries, report_indicators, report_links, report_revisions,
    reporting_periods, reports, signature_exclusions, signatures,
};
use super::super::DbConn;
use super::*;
use crate::db::attachments::{AttachmentMeta, NewAttachment};
use crate::domain::report::{self as rules, EntryDraft, ReportAction, ReportState};
use crate::domain::Role;

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Report>> {
    reports::table.find(id).first(conn).optional()
}

/// A report and the organization that issued its pledge: what deciding who
/// may see it needs (one query).
pub fn get_with_issuer(conn: &mut DbConn, id: i64) -> QueryResult<Option<(Report, i64)>> {
    reports::table
        .inner_join(reporting_periods::table.inner_join(pledges::table))
        .filter(reports::id.eq(id))
        .select((reports::all_columns, pledges::organization_id))
        .first(conn)
        .optional()
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
    let pledge_id = period(conn, period_id)?.ok_or(ReportError::NotFound)?.pledge_id;
    super::periods::share_pledge(conn, pledge_id)?;
    // Read again under the lock: the period may have been changed or deleted meanwhile.
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
    let ts = crate::db::now();
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
    audit::record::<(), _>(conn, actor, Object::Report, Some(id), Action::Create, None, Some(&(period_id, org_id)))?;
    Ok(id)
}

/// A report with its period, organization and entries: seven queries.
pub fn full(conn: &mut DbConn, id: i64) -> QueryResult<Option<Full>> {
    let Some(report) = get(conn, id)? else { return Ok(None) };
    let (period, issuer_id) = reporting_periods::table
        .inner_join(pledges::table)
        .filter(reporting_periods::id.eq(report.period_id))
        .select((reporting_periods::all_columns, pledges::organization_id))
        .first(conn)?;
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
    Ok(Some(Full { report, period, issuer_id, org, entries }))
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
    /// Evidence files of this entry to remove.
    pub remove_files: Vec<i64>,
}

/// A new evidence file for an entry.
pub struct NewEvidence {
    pub entry_id: i64,
    pub file: NewAttachment,
}

pub(super) fn cas_editable(
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

/// Save a draft (a returned report becomes a draft again) with its new
/// evidence files and the removal of others, all in the caller's one
/// transaction. Compare-and-set on the version the filer's form was built from.
pub fn save(
    conn: &mut DbConn,
    actor: Actor,
    role: Role,
    id: i64,
    expected_version: i32,
    inputs: &[EntryInput],
    files: &[NewEvidence],
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
        reports::updated_at.eq(crate::db::now()),
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
        Object::Report,
        Some(id),
        Action::Save,
        None,
        Some(&(inputs.len(), before.state.as_str())),
    )?;
    remove_evidence(conn, actor, &before, &ids, inputs)?;
    for (entry, group) in group_by_entry(files.iter().filter(|f| ids.contains(&f.entry_id))) {
        for f in &group {
            crate::db::attachments::add_attachments(conn, actor, EVIDENCE_OWNER, entry, std::slice::from_ref(&f.file))?;
        }
        let names: Vec<(&str, &str)> =
            group.iter().map(|f| (f.file.filename.as_str(), f.file.sha256.as_str())).collect();
        audit::record::<(), _>(
            conn,
            actor,
            Object::Report,
            Some(id),
            Action::AddEvidence,
            None,
            Some(&(entry, names)),
        )?;
    }
    Ok(())
}

fn group_by_entry<'a>(files: impl Iterator<Item = &'a NewEvidence>) -> Vec<(i64, Vec<&'a NewEvidence>)> {
    let mut out: Vec<(i64, Vec<&NewEvidence>)> = Vec::new();
    for f in files {
        match out.iter_mut().find(|(e, _)| *e == f.entry_id) {
            Some((_, g)) => g.push(f),
            None => out.push((f.entry_id, vec![f])),
        }
    }
    out
}

/// Remove the evidence files the filer ticked. A file stored since the last
/// submission is deleted; one that was part of a submission is only taken
/// off the report and kept for the record.
fn remove_evidence(
    conn: &mut DbConn,
    actor: Actor,
    report: &Report,
    entry_ids: &[i64],
    inputs: &[EntryInput],
) -> Result<(), ReportError> {
    let wanted: Vec<i64> = inputs
        .iter()
        .filter(|i| entry_ids.contains(&i.entry_id))
        .flat_map(|i| i.remove_files.iter().copied())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let found = crate::db::attachments::owned_among(conn, EVIDENCE_OWNER, entry_ids, &wanted)?;
    let (kept, gone): (Vec<_>, Vec<_>) =
        found.iter().partition(|f| report.submitted_at.is_some_and(|submitted| f.4 <= submitted));
    crate::db::attachments::delete(conn, &gone.iter().map(|f| f.0).collect::<Vec<_>>())?;
    crate::db::attachments::reassign(conn, &kept.iter().map(|f| f.0).collect::<Vec<_>>(), REMOVED_EVIDENCE_OWNER)?;
    let names: Vec<(i64, &str, &str)> = found.iter().map(|f| (f.1, f.2.as_str(), f.3.as_str())).collect();
    audit::record::<_, ()>(conn, actor, Object::Report, Some(report.id), Action::RemoveEvidence, Some(&names), None)?;
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
        Some(o) => crate::db::attachments::attachment(conn, EVIDENCE_OWNER, o, file_id),
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
    let now = crate::db::now();
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
        Object::Report,
        Some(id),
        Action::Submit,
        Some(&before.state),
        Some(&(ReportState::Submitted.as_str(), rev)),
    )?;
    Ok(rev)
}
