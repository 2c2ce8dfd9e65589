//! The filer's moves: opening the organization's report for a period, and
//! filing it — saving what the form carries (entries, evidence files and
//! their removal) and, when asked, submitting it — in one transaction,
//! against the version the filer's form was built from.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::super::audit::{self, Actor};
use super::super::codes::Code;
use super::super::schema::{
    pledge_commitments, report_entries, report_indicators, report_links, report_revisions, reports,
    signature_exclusions, signatures,
};
use super::super::{insert_many, DbConn, Fail};
use super::workflow::{advance, lock, Changes};
use super::*;
use crate::db::attachments::NewAttachment;
use crate::domain::audit::{Action, Object};
use crate::domain::pledge::SignatureState;
use crate::domain::report::{
    self as rules, entry_status, EntryDraft, Facts, OpenFacts, Opening, Outcome, Problem, Refusal, ReportAction, Who,
};

type Step<T> = Result<T, Fail<Refusal>>;

#[derive(Insertable)]
#[diesel(table_name = reports)]
struct NewReport {
    period_id: i64,
    signature_id: i64,
    organization_id: i64,
    state: Code<ReportState>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = report_entries)]
// Every column given (none left to its default): on SQLite several rows go
// in one statement, not in a transaction of their own inside this one.
#[diesel(treat_none_as_default_value = false)]
struct NewEntry {
    report_id: i64,
    commitment_id: i64,
}

/// The verified signature of the organization for the pledge, locked on
/// PostgreSQL: two openings of one report at once take turns here, and the
/// second finds the first one's report.
fn lock_signature(conn: &mut DbConn, pledge_id: i64, org_id: i64) -> QueryResult<Option<i64>> {
    let q = signatures::table
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::organization_id.eq(org_id))
        .filter(signatures::state.eq(Code(SignatureState::Verified)))
        .select(signatures::id);
    match conn {
        DbConn::Pg(c) => q.for_update().first(c).optional(),
        DbConn::Sqlite(c) => q.first(c).optional(),
    }
}

/// The organization's report for a period: the one opened before, or a new
/// draft with one entry per subscribed commitment.
pub fn open(conn: &mut DbConn, actor: Actor, who: Who, period_id: i64, now: NaiveDateTime) -> Step<i64> {
    let pledge_id = period(conn, period_id)?.ok_or(Fail::Refused(Refusal::Hidden))?.pledge_id;
    // The period cannot be changed or deleted while its first report is opened.
    super::periods::share_pledge(conn, pledge_id)?;
    let signature = lock_signature(conn, pledge_id, who.org_id)?;
    // Read under the locks: the period may have been changed or deleted meanwhile.
    let p = period(conn, period_id)?.ok_or(Fail::Refused(Refusal::Hidden))?;
    let existing = for_period_and_org(conn, period_id, who.org_id)?.map(|r| r.id);
    let facts = OpenFacts { existing, filing_open: p.opened(now), signed: signature.is_some() };
    let sig_id = match rules::open(who, &facts).map_err(Fail::Refused)? {
        Opening::Existing(id) => return Ok(id),
        Opening::New => signature.ok_or(Fail::Refused(Refusal::NotSigned))?,
    };
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
    let new = NewReport {
        period_id,
        signature_id: sig_id,
        organization_id: who.org_id,
        state: Code(ReportState::Draft),
        created_at: ts,
        updated_at: ts,
    };
    let id: i64 = diesel::insert_into(reports::table).values(&new).returning(reports::id).get_result(conn)?;
    let rows: Vec<NewEntry> = commitments
        .into_iter()
        .filter(|c| !excluded.contains(c))
        .map(|commitment_id| NewEntry { report_id: id, commitment_id })
        .collect();
    insert_many(conn, report_entries::table, &rows)?;
    audit::record::<(), _>(
        conn,
        actor,
        Object::Report,
        Some(id),
        Action::Create,
        None,
        Some(&(period_id, who.org_id)),
    )?;
    Ok(id)
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

/// The filer's form: save it, or save and submit it.
pub struct Filing<'a> {
    /// `Save` or `Submit`.
    pub action: ReportAction,
    /// The version the form was built from.
    pub seen: i32,
    pub inputs: &'a [EntryInput],
    pub files: &'a [NewEvidence],
}

/// What filing came to.
pub enum Filed {
    Saved,
    /// Submitted as this revision.
    Submitted(i32),
    /// Submission asked for but incomplete: saved as a draft (the report as
    /// it now stands), and every problem.
    Incomplete(Box<Full>, Vec<Problem>),
}

/// The entries as the report will hold them: what the form carries over what is stored.
fn as_filed(stored: &Full, inputs: &[EntryInput]) -> Vec<EntryDraft> {
    stored
        .entries
        .iter()
        .map(|e| match inputs.iter().find(|i| i.entry_id == e.row.id) {
            Some(i) => EntryDraft {
                entry_id: e.row.id,
                commitment_number: e.commitment.number.clone(),
                status: i.status.clone(),
                not_applicable_reason: i.na_reason.clone(),
                measures: i.measures.clone(),
                indicators: i.indicators.clone(),
                links: i.links.clone(),
            },
            None => e.draft(),
        })
        .collect()
}

/// File the report: lock it, read what it holds and its period, let the
/// domain decide, then save the form (and its files) and, if the report is
/// complete and submission was asked for, submit it with a kept revision —
/// all in the caller's one transaction.
pub fn file(conn: &mut DbConn, actor: Actor, who: Who, id: i64, filing: &Filing) -> Step<Filed> {
    let report = lock(conn, id)?;
    let stored = full(conn, id)?.ok_or(Fail::Refused(Refusal::Hidden))?;
    let now = crate::db::now();
    let entries = as_filed(&stored, filing.inputs);
    let facts = Facts {
        organization_id: report.organization_id,
        version: report.version,
        seen: filing.seen,
        filing_open: stored.period.opened(now),
        entries: &entries,
        commented: false,
    };
    let outcome = rules::transition(report.state, filing.action, who, &facts).map_err(Fail::Refused)?;
    save_entries(conn, &entries, filing.inputs)?;
    audit::record::<(), _>(
        conn,
        actor,
        Object::Report,
        Some(id),
        Action::Save,
        None,
        Some(&(filing.inputs.len(), report.state.as_str())),
    )?;
    let entry_ids: Vec<i64> = stored.entries.iter().map(|e| e.row.id).collect();
    remove_evidence(conn, actor, &report, &entry_ids, filing.inputs)?;
    add_evidence(conn, actor, id, &entry_ids, filing.files)?;
    match outcome {
        Outcome::Submitted => {
            let rev = report.revisions + 1;
            let changes = Changes { revisions: Some(rev), submitted_at: Some(now), ..Changes::default() };
            advance(conn, id, filing.seen, ReportState::Submitted, now, changes)?;
            // What was submitted, files included, as it now stands.
            let submitted = full(conn, id)?.ok_or(Fail::Refused(Refusal::Hidden))?;
            keep_revision(conn, actor, id, rev, now, &snapshot(&submitted.entries))?;
            audit::record(
                conn,
                actor,
                Object::Report,
                Some(id),
                Action::Submit,
                Some(&report.state.as_str()),
                Some(&(ReportState::Submitted.as_str(), rev)),
            )?;
            crate::db::notify::report_moved(conn, id, crate::db::notify::ReportNotice::Submitted)?;
            Ok(Filed::Submitted(rev))
        }
        Outcome::Incomplete(problems) => {
            advance(conn, id, filing.seen, ReportState::Draft, now, Changes::default())?;
            let saved = full(conn, id)?.ok_or(Fail::Refused(Refusal::Hidden))?;
            Ok(Filed::Incomplete(Box::new(saved), problems))
        }
        _ => {
            advance(conn, id, filing.seen, ReportState::Draft, now, Changes::default())?;
            Ok(Filed::Saved)
        }
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = report_entries)]
struct EntryChange<'a> {
    status: Code<Option<EntryStatus>>,
    na_reason: &'a str,
    measures_md: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = report_indicators)]
#[diesel(treat_none_as_default_value = false)]
struct NewIndicator<'a> {
    entry_id: i64,
    position: i32,
    name: &'a str,
    value: &'a str,
    unit: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = report_links)]
#[diesel(treat_none_as_default_value = false)]
struct NewLink<'a> {
    entry_id: i64,
    url: &'a str,
    label: &'a str,
}

/// Write the entries the form carries (each entry's indicators and links
/// replaced by the form's rows); `entries` are the report's entries as filed,
/// checked by the domain.
fn save_entries(conn: &mut DbConn, entries: &[EntryDraft], inputs: &[EntryInput]) -> Step<()> {
    let sent: Vec<&EntryDraft> = entries.iter().filter(|d| inputs.iter().any(|i| i.entry_id == d.entry_id)).collect();
    let touched: Vec<i64> = sent.iter().map(|d| d.entry_id).collect();
    diesel::delete(report_indicators::table.filter(report_indicators::entry_id.eq_any(&touched))).execute(conn)?;
    diesel::delete(report_links::table.filter(report_links::entry_id.eq_any(&touched))).execute(conn)?;
    let mut indicators = Vec::new();
    let mut links = Vec::new();
    for d in &sent {
        // Checked by the domain already; a status outside the list never gets here.
        let status = entry_status(&d.status).map_err(|_| Fail::Refused(Refusal::Invalid(Vec::new())))?;
        let change =
            EntryChange { status: Code(status), na_reason: &d.not_applicable_reason, measures_md: &d.measures };
        diesel::update(report_entries::table.find(d.entry_id)).set(&change).execute(conn)?;
        for (pos, (name, value, unit)) in d.indicators.iter().enumerate() {
            indicators.push(NewIndicator { entry_id: d.entry_id, position: pos as i32, name, value, unit });
        }
        for (url, label) in &d.links {
            links.push(NewLink { entry_id: d.entry_id, url, label });
        }
    }
    if !indicators.is_empty() {
        insert_many(conn, report_indicators::table, &indicators)?;
    }
    if !links.is_empty() {
        insert_many(conn, report_links::table, &links)?;
    }
    Ok(())
}

/// Store the new evidence files of this report's entries, one audit row per entry.
fn add_evidence(conn: &mut DbConn, actor: Actor, id: i64, entry_ids: &[i64], files: &[NewEvidence]) -> Step<()> {
    let mut by_entry: Vec<(i64, Vec<&NewEvidence>)> = Vec::new();
    for f in files.iter().filter(|f| entry_ids.contains(&f.entry_id)) {
        match by_entry.iter_mut().find(|(e, _)| *e == f.entry_id) {
            Some((_, group)) => group.push(f),
            None => by_entry.push((f.entry_id, vec![f])),
        }
    }
    for (entry, group) in by_entry {
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

/// Remove the evidence files the filer ticked. A file stored since the last
/// submission is deleted; one that was part of a submission is only taken
/// off the report and kept for the record.
fn remove_evidence(
    conn: &mut DbConn,
    actor: Actor,
    report: &Report,
    entry_ids: &[i64],
    inputs: &[EntryInput],
) -> Step<()> {
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
        found.iter().partition(|f| report.submitted_at.is_some_and(|submitted| f.created_at <= submitted));
    crate::db::attachments::delete(conn, &gone.iter().map(|f| f.id).collect::<Vec<_>>())?;
    crate::db::attachments::reassign(conn, &kept.iter().map(|f| f.id).collect::<Vec<_>>(), REMOVED_EVIDENCE_OWNER)?;
    let names: Vec<(i64, &str, &str)> =
        found.iter().map(|f| (f.owner_id, f.filename.as_str(), f.sha256.as_str())).collect();
    audit::record::<_, ()>(conn, actor, Object::Report, Some(report.id), Action::RemoveEvidence, Some(&names), None)?;
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = report_revisions)]
struct NewRevision {
    report_id: i64,
    n: i32,
    submitted_at: NaiveDateTime,
    submitted_by: Option<i64>,
    snapshot_json: String,
}

/// Keep a submission as revision `n` (a snapshot that cannot be encoded fails the submission).
fn keep_revision(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    n: i32,
    at: NaiveDateTime,
    entries: &[SnapshotEntry],
) -> QueryResult<()> {
    let row = NewRevision {
        report_id: id,
        n,
        submitted_at: at,
        submitted_by: actor.user_id,
        snapshot_json: Snapshot::encode(entries)?,
    };
    diesel::insert_into(report_revisions::table).values(&row).execute(conn)?;
    Ok(())
}
