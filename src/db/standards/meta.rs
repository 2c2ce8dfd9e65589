//! Creating a project, editing its details, recording publication details.

use crate::domain::audit::{Action, Object};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::detail::{Link, LINK_COLUMNS};
use super::{get, is_unique_violation, record_event, Standard, StdError};
use crate::db::audit::{self, Actor};
use crate::db::schema::{organizations, standard_codrafters, standards};
use crate::db::DbConn;
use crate::domain::standard::{check_naming, Named, Naming, Person, Publication, StandardState, TransitionError};
use crate::domain::OrgKind;

/// Checked metadata of a standard project.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    pub kind: &'static str,
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

/// The organizations exist, the replaced standard can be replaced, and a
/// user (`who`; None: the registry itself) names only what it may.
fn check_orgs(conn: &mut DbConn, m: &Metadata, who: Option<Person>, before: Option<&Standard>) -> Result<(), StdError> {
    let mut ids = m.codrafters.clone();
    ids.extend([m.lead_org_id, m.proposing_org_id]);
    ids.sort_unstable();
    ids.dedup();
    let found: i64 = organizations::table.filter(organizations::id.eq_any(&ids)).count().get_result(conn)?;
    if found != ids.len() as i64 {
        return Err(StdError::Invalid(vec![("lead_org_id", "error.org.choose")]));
    }
    let replaces = match m.replaces_id {
        Some(r) => match get(conn, r)? {
            Some(s) if matches!(s.state(), StandardState::Published | StandardState::Revising) => {
                Some((s.id, s.lead_org_id))
            }
            _ => return Err(StdError::Invalid(vec![("replaces_id", "error.std.replaces")])),
        },
        None => None,
    };
    if let Some(p) = who {
        let kind: String = organizations::table.find(m.proposing_org_id).select(organizations::kind).first(conn)?;
        let naming = Naming {
            lead_org: m.lead_org_id,
            proposing_org: m.proposing_org_id,
            proposing_kind: OrgKind::parse(&kind).unwrap_or(OrgKind::Other),
            replaces,
        };
        let named = before.map(|b| Named {
            lead_org: b.lead_org_id,
            proposing_org: b.proposing_org_id,
            replaces: b.replaces_id,
        });
        let refused = check_naming(p, &naming, named);
        if !refused.is_empty() {
            return Err(StdError::Invalid(refused));
        }
    }
    Ok(())
}

fn set_codrafters(conn: &mut DbConn, id: i64, orgs: &[i64]) -> QueryResult<()> {
    diesel::delete(standard_codrafters::table.filter(standard_codrafters::standard_id.eq(id))).execute(conn)?;
    for o in orgs {
        diesel::insert_into(standard_codrafters::table)
            .values((standard_codrafters::standard_id.eq(id), standard_codrafters::organization_id.eq(o)))
            .execute(conn)?;
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
) -> Result<i64, StdError> {
    check_orgs(conn, m, who, None)?;
    let now = crate::db::now();
    let search = search_text(conn, m, None)?;
    let id: i64 = diesel::insert_into(standards::table)
        .values((
            standards::kind.eq(m.kind),
            standards::title_zh.eq(&m.title_zh),
            standards::title_en.eq(&m.title_en),
            standards::scope.eq(&m.scope),
            standards::proposing_org_id.eq(m.proposing_org_id),
            standards::lead_org_id.eq(m.lead_org_id),
            standards::ics.eq(&m.ics),
            standards::ccs.eq(&m.ccs),
            standards::replaces_id.eq(m.replaces_id),
            standards::revision_of_id.eq(revision_of),
            standards::state.eq(StandardState::Proposed.as_str()),
            standards::year.eq(chrono::Datelike::year(&today)),
            standards::search_text.eq(search),
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

/// Edit metadata until publication; `expected_version` guards against stale forms.
pub fn update(
    conn: &mut DbConn,
    actor: Actor,
    who: Person,
    id: i64,
    expected_version: i32,
    m: &Metadata,
) -> Result<(), StdError> {
    let before = get(conn, id)?.ok_or(StdError::NotFound)?;
    if !before.state().metadata_editable() {
        return Err(StdError::Transition(TransitionError::NotAllowedInState));
    }
    if m.replaces_id == Some(id) {
        return Err(StdError::Invalid(vec![("replaces_id", "error.std.replaces")]));
    }
    check_orgs(conn, m, Some(who), Some(&before))?;
    let search = search_text(conn, m, before.number.as_deref())?;
    let n =
        diesel::update(standards::table.filter(standards::id.eq(id)).filter(standards::version.eq(expected_version)))
            .set((
                standards::kind.eq(m.kind),
                standards::title_zh.eq(&m.title_zh),
                standards::title_en.eq(&m.title_en),
                standards::scope.eq(&m.scope),
                standards::proposing_org_id.eq(m.proposing_org_id),
                standards::lead_org_id.eq(m.lead_org_id),
                standards::ics.eq(&m.ics),
                standards::ccs.eq(&m.ccs),
                standards::replaces_id.eq(m.replaces_id),
                standards::search_text.eq(search),
                standards::version.eq(standards::version + 1),
                standards::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
    if n == 0 {
        return Err(StdError::Conflict);
    }
    set_codrafters(conn, id, &m.codrafters)?;
    record_event(conn, actor, id, "edit", None, None, "")?;
    audit::record(conn, actor, Object::Standard, Some(id), Action::Update, Some(&before), Some(m))?;
    Ok(())
}

/// Record number and dates before publication (editor, while submitted for approval).
pub fn set_publication(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    expected_version: i32,
    p: &Publication,
) -> Result<(), StdError> {
    let before = get(conn, id)?.ok_or(StdError::NotFound)?;
    if before.state() != StandardState::SubmittedForApproval {
        return Err(StdError::Transition(TransitionError::NotAllowedInState));
    }
    let taken: i64 = standards::table
        .filter(standards::number.eq(p.number.as_str()))
        .filter(standards::id.ne(id))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(StdError::Invalid(vec![("number", "error.std.number_taken")]));
    }
    let codrafters: Vec<i64> = standard_codrafters::table
        .filter(standard_codrafters::standard_id.eq(id))
        .select(standard_codrafters::organization_id)
        .load(conn)?;
    let m = metadata_of(&before, codrafters);
    let search = search_text(conn, &m, Some(p.number.as_str()))?;
    let n =
        diesel::update(standards::table.filter(standards::id.eq(id)).filter(standards::version.eq(expected_version)))
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
                if is_unique_violation(&e) {
                    StdError::Invalid(vec![("number", "error.std.number_taken")])
                } else {
                    e.into()
                }
            })?;
    if n == 0 {
        return Err(StdError::Conflict);
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
        kind: s.kind().as_str(),
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
    let mut q = standards::table.filter(standards::state.eq_any(vec!["published", "revising"])).into_boxed();
    if let Some(l) = lead {
        q = q.filter(standards::lead_org_id.eq(l));
    }
    q.order(standards::number).select(LINK_COLUMNS).load(conn)
}
