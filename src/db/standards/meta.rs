//! Proposing a project, editing its details, recording publication details.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::detail::{Link, LINK_COLUMNS};
use super::{get, is_unique_violation, lock, record_event, Standard, Step};
use crate::db::audit::{self, Actor};
use crate::db::codes::{serialize_code, Code};
use crate::db::schema::{organizations, standard_codrafters, standards};
use crate::db::{DbConn, Fail};
use crate::domain::audit::{Action, Object};
use crate::domain::standard::{
    candidate_number, may_edit_details, may_propose, publication, EditFacts, NameFacts, Named, Person,
    PublicationFacts, Refusal, Replaced, StandardKind, StandardState,
};
use crate::domain::OrgKind;

/// The details of a standard project, as checked by the form.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    #[serde(serialize_with = "serialize_code")]
    pub kind: StandardKind,
    pub title_zh: String,
    pub title_en: String,
    pub scope: String,
    pub proposing_org_id: i64,
    pub lead_org_id: i64,
    pub codrafters: Vec<i64>,
    pub ics: String,
    pub ccs: String,
    pub replaces_id: Option<i64>,
}

/// The columns a project's details fill, written alike by proposing and by editing.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = standards, treat_none_as_null = true)]
struct DetailsRow<'a> {
    kind: Code<StandardKind>,
    title_zh: &'a str,
    title_en: &'a str,
    scope: &'a str,
    proposing_org_id: i64,
    lead_org_id: i64,
    ics: &'a str,
    ccs: &'a str,
    replaces_id: Option<i64>,
    search_text: String,
}

impl<'a> DetailsRow<'a> {
    fn of(m: &'a Metadata, search_text: String) -> Self {
        DetailsRow {
            kind: Code(m.kind),
            title_zh: &m.title_zh,
            title_en: &m.title_en,
            scope: &m.scope,
            proposing_org_id: m.proposing_org_id,
            lead_org_id: m.lead_org_id,
            ics: &m.ics,
            ccs: &m.ccs,
            replaces_id: m.replaces_id,
            search_text,
        }
    }
}

/// The lower-cased text that search matches: titles, number, drafting organizations.
fn search_text(conn: &mut DbConn, m: &Metadata, number: Option<&str>) -> QueryResult<String> {
    let mut ids = m.codrafters.clone();
    ids.extend([m.lead_org_id, m.proposing_org_id]);
    let names: Vec<(String, String)> = organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::name_zh, organizations::name_en))
        .load(conn)?;
    let mut s = format!("{} {}", m.title_zh, m.title_en);
    if let Some(n) = number {
        s.push_str(&format!(" {n} {}", n.replace('—', "-")));
    }
    for (zh, en) in names {
        s.push_str(&format!(" {zh} {en}"));
    }
    Ok(s.to_lowercase())
}

/// What the details name, as found: do the organizations exist (and what
/// kind is the proposer), and the replaced standard's state and lead.
fn name_facts(conn: &mut DbConn, m: &Metadata) -> QueryResult<NameFacts> {
    let mut ids = m.codrafters.clone();
    ids.extend([m.lead_org_id, m.proposing_org_id]);
    ids.sort_unstable();
    ids.dedup();
    let found: i64 = organizations::table.filter(organizations::id.eq_any(&ids)).count().get_result(conn)?;
    let proposing_kind = if found == ids.len() as i64 {
        organizations::table
            .find(m.proposing_org_id)
            .select(organizations::kind)
            .first::<Code<OrgKind>>(conn)
            .optional()?
            .map(|c| c.0)
    } else {
        None
    };
    let replaces = match m.replaces_id {
        Some(id) => Some(Replaced { id, found: get(conn, id)?.map(|s| (s.state, s.lead_org_id)) }),
        None => None,
    };
    Ok(NameFacts { lead_org: m.lead_org_id, proposing_org: m.proposing_org_id, proposing_kind, replaces })
}

fn set_codrafters(conn: &mut DbConn, id: i64, orgs: &[i64]) -> QueryResult<()> {
    diesel::delete(standard_codrafters::table.filter(standard_codrafters::standard_id.eq(id))).execute(conn)?;
    let rows: Vec<_> = orgs
        .iter()
        .map(|o| (standard_codrafters::standard_id.eq(id), standard_codrafters::organization_id.eq(*o)))
        .collect();
    if !rows.is_empty() {
        crate::db::insert_many(conn, standard_codrafters::table, rows)?;
    }
    Ok(())
}

/// Create a proposal (state `proposed`). `who` proposes it (None: the
/// registry itself, e.g. the revision project of a periodic review).
pub fn create(
    conn: &mut DbConn,
    actor: Actor,
    who: Option<Person>,
    m: &Metadata,
    revision_of: Option<i64>,
    today: NaiveDate,
) -> Step<i64> {
    may_propose(who, &name_facts(conn, m)?)?;
    let now = crate::db::now();
    let search = search_text(conn, m, None)?;
    let id: i64 = diesel::insert_into(standards::table)
        .values((
            DetailsRow::of(m, search),
            standards::revision_of_id.eq(revision_of),
            standards::state.eq(Code(StandardState::Proposed)),
            standards::year.eq(chrono::Datelike::year(&today)),
            standards::created_at.eq(now),
            standards::updated_at.eq(now),
        ))
        .returning(standards::id)
        .get_result(conn)?;
    set_codrafters(conn, id, &m.codrafters)?;
    record_event(conn, actor, id, "propose", None, Some(StandardState::Proposed), "")?;
    audit::record::<(), _>(conn, actor, Object::Standard, Some(id), Action::Create, None, Some(m))?;
    Ok(id)
}

/// Edit the details until publication, on the form as shown at `shown_version`.
pub fn update(conn: &mut DbConn, actor: Actor, who: Person, id: i64, shown_version: i32, m: &Metadata) -> Step<()> {
    let before = lock(conn, id)?;
    let facts = EditFacts {
        id,
        owners: before.owners(),
        before: Named {
            lead_org: before.lead_org_id,
            proposing_org: before.proposing_org_id,
            replaces: before.replaces_id,
        },
        stale: before.version != shown_version,
    };
    may_edit_details(before.state, who, &facts, &name_facts(conn, m)?)?;
    let search = search_text(conn, m, before.number.as_deref())?;
    let n = diesel::update(standards::table.filter(standards::id.eq(id)).filter(standards::version.eq(shown_version)))
        .set((
            DetailsRow::of(m, search),
            standards::version.eq(standards::version + 1),
            standards::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(Fail::Refused(Refusal::Stale));
    }
    set_codrafters(conn, id, &m.codrafters)?;
    record_event(conn, actor, id, "edit", None, None, "")?;
    audit::record(conn, actor, Object::Standard, Some(id), Action::Update, Some(&before), Some(m))?;
    Ok(())
}

/// Publication details as typed (checked for the standard's kind in the transaction).
#[derive(Debug, Clone, Default)]
pub struct PublicationInput {
    pub number: String,
    pub release_date: String,
    pub implementation_date: String,
}

/// Record number and dates before publication, on the form as shown at `shown_version`.
pub fn set_publication(
    conn: &mut DbConn,
    actor: Actor,
    who: Person,
    id: i64,
    shown_version: i32,
    input: &PublicationInput,
) -> Step<()> {
    let before = lock(conn, id)?;
    let number_taken = match candidate_number(before.kind, &input.number) {
        Some(n) => {
            let taken: i64 = standards::table
                .filter(standards::number.eq(n))
                .filter(standards::id.ne(id))
                .count()
                .get_result(conn)?;
            taken > 0
        }
        None => false,
    };
    let facts = PublicationFacts {
        owners: before.owners(),
        kind: before.kind,
        stale: before.version != shown_version,
        number_taken,
    };
    let p = publication(before.state, who, &facts, &input.number, &input.release_date, &input.implementation_date)?;
    let m = metadata_of(&before, codrafters(conn, id)?);
    let search = search_text(conn, &m, Some(p.number.as_str()))?;
    let n = diesel::update(standards::table.filter(standards::id.eq(id)).filter(standards::version.eq(shown_version)))
        .set((
            standards::number.eq(p.number.as_str()),
            standards::release_date.eq(p.release),
            standards::implementation_date.eq(p.implementation),
            standards::year.eq(p.number.year()),
            standards::search_text.eq(search),
            standards::version.eq(standards::version + 1),
            standards::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map_err(|e| {
            // Another standard took the number in a concurrent transaction.
            if is_unique_violation(&e) {
                Fail::Refused(Refusal::invalid("number", "error.std.number_taken"))
            } else {
                e.into()
            }
        })?;
    if n == 0 {
        return Err(Fail::Refused(Refusal::Stale));
    }
    let note = format!("{} · {} · {}", p.number.as_str(), p.release, p.implementation);
    record_event(conn, actor, id, "set_publication", None, None, &note)?;
    #[derive(Serialize)]
    struct After<'a> {
        number: &'a str,
        release_date: NaiveDate,
        implementation_date: NaiveDate,
    }
    let after = After { number: p.number.as_str(), release_date: p.release, implementation_date: p.implementation };
    audit::record(conn, actor, Object::Standard, Some(id), Action::SetPublication, Some(&before), Some(&after))?;
    Ok(())
}

pub fn metadata_of(s: &Standard, codrafters: Vec<i64>) -> Metadata {
    Metadata {
        kind: s.kind,
        title_zh: s.title_zh.clone(),
        title_en: s.title_en.clone(),
        scope: s.scope.clone(),
        proposing_org_id: s.proposing_org_id,
        lead_org_id: s.lead_org_id,
        codrafters,
        ics: s.ics.clone(),
        ccs: s.ccs.clone(),
        replaces_id: s.replaces_id,
    }
}

pub fn codrafters(conn: &mut DbConn, id: i64) -> QueryResult<Vec<i64>> {
    standard_codrafters::table
        .filter(standard_codrafters::standard_id.eq(id))
        .select(standard_codrafters::organization_id)
        .load(conn)
}

/// Standards a new project may replace (published or being revised); led by
/// `lead` only, when given (what an editor's association may replace).
pub fn replaceable(conn: &mut DbConn, lead: Option<i64>) -> QueryResult<Vec<Link>> {
    let mut q = standards::table
        .filter(standards::state.eq_any([Code(StandardState::Published), Code(StandardState::Revising)]))
        .into_boxed();
    if let Some(l) = lead {
        q = q.filter(standards::lead_org_id.eq(l));
    }
    q.order(standards::number).select(LINK_COLUMNS).load(conn)
}
