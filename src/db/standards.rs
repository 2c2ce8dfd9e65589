//! Standards: projects, their lifecycle events, versions, comment periods,
//! public comments with dispositions, and technical-review positions.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::orgs::{escape_like, Org};
use super::schema::{
    comment_periods, comments, organizations, review_positions, standard_codrafters, standard_events,
    standard_versions, standards, users,
};
use super::DbConn;
use crate::domain::standard::{
    review_passes, transition, CommentWindow, Disposition, Publication, ReviewOutcome, ReviewPosition, StandardAction,
    StandardKind, StandardState, Standing, TransitionError,
};
use crate::domain::Role;

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Standard {
    pub id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub scope: String,
    pub proposing_org_id: i64,
    pub lead_org_id: i64,
    pub ics: String,
    pub ccs: String,
    pub replaces_id: Option<i64>,
    pub revision_of_id: Option<i64>,
    pub number: Option<String>,
    pub release_date: Option<NaiveDate>,
    pub implementation_date: Option<NaiveDate>,
    pub withdrawn_date: Option<NaiveDate>,
    pub state: String,
    pub version: i32,
    pub review_round: i32,
    pub comment_seq: i32,
    pub year: i32,
    #[serde(skip)]
    pub search_text: String,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Standard {
    pub fn kind(&self) -> StandardKind {
        StandardKind::parse(&self.kind).unwrap_or(StandardKind::Group)
    }

    pub fn state(&self) -> StandardState {
        StandardState::parse(&self.state).unwrap_or(StandardState::Proposed)
    }

    pub fn standing(&self, today: NaiveDate) -> Standing {
        Standing::of(self.state(), self.implementation_date, today)
    }
}

/// Errors of standards work that the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum StdError {
    #[error("not found")]
    NotFound,
    #[error("state changed meanwhile")]
    Conflict,
    #[error("transition not allowed: {0:?}")]
    Transition(TransitionError),
    /// Field errors (field, catalog key).
    #[error("invalid input")]
    Invalid(Vec<(&'static str, &'static str)>),
    /// Comments without a disposition block leaving public comment.
    #[error("undisposed comments")]
    Undisposed(Vec<i32>),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Standard>> {
    standards::table.find(id).first(conn).optional()
}

// ------------------------------------------------------------------ listing

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub q: String,
    /// A standing code: a stored state, or `published` (upcoming) / `in_force`.
    pub status: Option<String>,
    pub kind: Option<String>,
    pub year: Option<i32>,
    pub org_id: Option<i64>,
    /// Staff also see proposals and rejected ones.
    pub include_unapproved: bool,
}

#[derive(Debug, Clone, Queryable)]
pub struct ListRow {
    pub id: i64,
    pub kind: String,
    pub number: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub state: String,
    pub implementation_date: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
    pub lead_name_zh: String,
    pub lead_name_en: String,
}

impl ListRow {
    pub fn standing(&self, today: NaiveDate) -> Standing {
        Standing::of(
            StandardState::parse(&self.state).unwrap_or(StandardState::Proposed),
            self.implementation_date,
            today,
        )
    }
}

/// One page of standards, newest activity first, and the total. Two queries.
pub fn list(
    conn: &mut DbConn,
    f: &ListFilter,
    today: NaiveDate,
    limit: i64,
    offset: i64,
    known_total: Option<i64>,
) -> QueryResult<(Vec<ListRow>, i64)> {
    // The filters touch `standards` only, so the count needs no join.
    macro_rules! filtered {
        ($q:expr) => {{
            let mut q = $q;
            if !f.include_unapproved {
                q = q.filter(
                    standards::state.ne_all(vec![StandardState::Proposed.as_str(), StandardState::Rejected.as_str()]),
                );
            }
            let needle = f.q.trim().to_lowercase();
            if !needle.is_empty() {
                q = q.filter(standards::search_text.like(format!("%{}%", escape_like(&needle))).escape('\\'));
            }
            match f.status.as_deref() {
                None | Some("") => {}
                Some("in_force") => {
                    q = q.filter(standards::state.eq("published")).filter(standards::implementation_date.le(today))
                }
                Some("published") => {
                    q = q.filter(standards::state.eq("published")).filter(standards::implementation_date.gt(today))
                }
                Some(s) => q = q.filter(standards::state.eq(s.to_owned())),
            }
            if let Some(k) = &f.kind {
                q = q.filter(standards::kind.eq(k.clone()));
            }
            if let Some(y) = f.year {
                q = q.filter(standards::year.eq(y));
            }
            if let Some(org) = f.org_id {
                let codrafted = standard_codrafters::table
                    .filter(standard_codrafters::organization_id.eq(org))
                    .select(standard_codrafters::standard_id);
                q = q.filter(standards::lead_org_id.eq(org).or(standards::id.eq_any(codrafted)));
            }
            q
        }};
    }
    let total = match known_total {
        Some(t) => t,
        None => filtered!(standards::table.into_boxed()).select(count_star()).first(conn)?,
    };
    let rows = filtered!(standards::table
        .inner_join(organizations::table.on(organizations::id.eq(standards::lead_org_id)))
        .into_boxed())
    .select((
        standards::id,
        standards::kind,
        standards::number,
        standards::title_zh,
        standards::title_en,
        standards::state,
        standards::implementation_date,
        standards::updated_at,
        organizations::name_zh,
        organizations::name_en,
    ))
    .order((standards::updated_at.desc(), standards::id.desc()))
    .limit(limit)
    .offset(offset)
    .load(conn)?;
    Ok((rows, total))
}

/// Years that have standards, newest first (for the filter menu).
/// The years from the newest to the oldest standard (two index look-ups,
/// whatever the number of standards).
pub fn years(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    let (lo, hi): (Option<i32>, Option<i32>) =
        standards::table.select((diesel::dsl::min(standards::year), diesel::dsl::max(standards::year))).first(conn)?;
    Ok(match (lo, hi) {
        (Some(lo), Some(hi)) => (lo.max(hi - 60)..=hi).rev().collect(),
        _ => Vec::new(),
    })
}

/// Every standard an organization proposes, leads or co-drafts (public ones only).
pub fn of_org(conn: &mut DbConn, org_id: i64, today: NaiveDate) -> QueryResult<Vec<(ListRow, &'static str)>> {
    let co: Vec<i64> = standard_codrafters::table
        .filter(standard_codrafters::organization_id.eq(org_id))
        .select(standard_codrafters::standard_id)
        .load(conn)?;
    let rows: Vec<(ListRow, i64, i64)> = standards::table
        .inner_join(organizations::table.on(organizations::id.eq(standards::lead_org_id)))
        .filter(standards::state.ne_all(vec!["proposed", "rejected"]))
        .filter(
            standards::lead_org_id
                .eq(org_id)
                .or(standards::proposing_org_id.eq(org_id))
                .or(standards::id.eq_any(co.clone())),
        )
        .select((
            (
                standards::id,
                standards::kind,
                standards::number,
                standards::title_zh,
                standards::title_en,
                standards::state,
                standards::implementation_date,
                standards::updated_at,
                organizations::name_zh,
                organizations::name_en,
            ),
            standards::lead_org_id,
            standards::proposing_org_id,
        ))
        .order(standards::updated_at.desc())
        .load(conn)?;
    let _ = today;
    Ok(rows
        .into_iter()
        .map(|(r, lead, proposer)| {
            let role = if lead == org_id {
                "lead"
            } else if co.contains(&r.id) {
                "codrafter"
            } else if proposer == org_id {
                "proposer"
            } else {
                "codrafter"
            };
            (r, role)
        })
        .collect())
}

// ------------------------------------------------------------------ detail

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub at: NaiveDateTime,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub note: String,
    pub org_name_zh: Option<String>,
    pub org_name_en: Option<String>,
}

#[derive(Debug, Clone, Queryable)]
pub struct VersionMeta {
    pub n: i32,
    pub label: String,
    pub note: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct Period {
    pub id: i64,
    pub standard_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

impl Period {
    pub fn window(&self) -> CommentWindow {
        CommentWindow { starts_on: self.starts_on, ends_on: self.ends_on }
    }

    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.closed_at.is_none() && self.window().is_open(today)
    }
}

/// A standard linked to another (replaces / replaced by / revision of).
#[derive(Debug, Clone, Queryable)]
pub struct Link {
    pub id: i64,
    pub number: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub replaces_id: Option<i64>,
    pub revision_of_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable)]
pub struct PositionRow {
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub position: String,
    pub opinion: String,
    pub cast_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default)]
pub struct DispositionCounts {
    pub total: i64,
    pub undisposed: i64,
    pub by: HashMap<String, i64>,
}

impl DispositionCounts {
    pub fn get(&self, code: &str) -> i64 {
        self.by.get(code).copied().unwrap_or(0)
    }
}

pub struct Detail {
    pub std: Standard,
    pub orgs: HashMap<i64, Org>,
    pub codrafters: Vec<i64>,
    pub links: Vec<Link>,
    pub events: Vec<EventRow>,
    pub versions: Vec<VersionMeta>,
    pub period: Option<Period>,
    pub counts: DispositionCounts,
    pub positions: Vec<PositionRow>,
}

impl Detail {
    pub fn org(&self, id: i64) -> Option<&Org> {
        self.orgs.get(&id)
    }

    pub fn replaces(&self) -> Option<&Link> {
        self.std.replaces_id.and_then(|r| self.links.iter().find(|l| l.id == r))
    }

    pub fn replaced_by(&self) -> Vec<&Link> {
        self.links.iter().filter(|l| l.replaces_id == Some(self.std.id)).collect()
    }

    pub fn revision_of(&self) -> Option<&Link> {
        self.std.revision_of_id.and_then(|r| self.links.iter().find(|l| l.id == r))
    }

    pub fn revisions(&self) -> Vec<&Link> {
        self.links
            .iter()
            .filter(|l| l.revision_of_id == Some(self.std.id) && l.replaces_id != Some(self.std.id))
            .collect()
    }
}

pub fn counts(conn: &mut DbConn, standard_id: i64) -> QueryResult<DispositionCounts> {
    let rows: Vec<(Option<String>, i64)> = comments::table
        .filter(comments::standard_id.eq(standard_id))
        .group_by(comments::disposition)
        .select((comments::disposition, count_star()))
        .load(conn)?;
    let mut c = DispositionCounts::default();
    for (d, n) in rows {
        c.total += n;
        match d {
            Some(d) => {
                c.by.insert(d, n);
            }
            None => c.undisposed += n,
        }
    }
    Ok(c)
}

pub fn latest_period(conn: &mut DbConn, standard_id: i64) -> QueryResult<Option<Period>> {
    comment_periods::table
        .filter(comment_periods::standard_id.eq(standard_id))
        .order(comment_periods::id.desc())
        .first(conn)
        .optional()
}

/// Everything the standard's page shows, in a fixed number of queries.
pub fn detail(conn: &mut DbConn, id: i64) -> QueryResult<Option<Detail>> {
    let Some(std) = get(conn, id)? else { return Ok(None) };
    let codrafters: Vec<i64> = standard_codrafters::table
        .filter(standard_codrafters::standard_id.eq(id))
        .select(standard_codrafters::organization_id)
        .load(conn)?;
    let mut org_ids = codrafters.clone();
    org_ids.extend([std.proposing_org_id, std.lead_org_id]);
    let orgs: HashMap<i64, Org> = organizations::table
        .filter(organizations::id.eq_any(org_ids))
        .load::<Org>(conn)?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut link_filter = vec![-1];
    link_filter.extend(std.replaces_id);
    link_filter.extend(std.revision_of_id);
    let links = standards::table
        .filter(
            standards::id.eq_any(link_filter).or(standards::replaces_id.eq(id)).or(standards::revision_of_id.eq(id)),
        )
        .filter(standards::id.ne(id))
        .select((
            standards::id,
            standards::number,
            standards::title_zh,
            standards::title_en,
            standards::replaces_id,
            standards::revision_of_id,
        ))
        .load(conn)?;
    let events = standard_events::table
        .left_join(organizations::table.on(organizations::id.nullable().eq(standard_events::actor_org_id)))
        .filter(standard_events::standard_id.eq(id))
        .order((standard_events::at.asc(), standard_events::id.asc()))
        .select((
            standard_events::at,
            standard_events::action,
            standard_events::from_state,
            standard_events::to_state,
            standard_events::note,
            organizations::name_zh.nullable(),
            organizations::name_en.nullable(),
        ))
        .load(conn)?;
    let versions = standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .order(standard_versions::n.asc())
        .select((
            standard_versions::n,
            standard_versions::label,
            standard_versions::note,
            standard_versions::created_at,
        ))
        .load(conn)?;
    let period = latest_period(conn, id)?;
    let counts = counts(conn, id)?;
    let positions = review_positions::table
        .inner_join(users::table)
        .filter(review_positions::standard_id.eq(id))
        .filter(review_positions::round.eq(std.review_round))
        .order(review_positions::cast_at.asc())
        .select((
            review_positions::reviewer_id,
            users::display_name,
            review_positions::position,
            review_positions::opinion,
            review_positions::cast_at,
        ))
        .load(conn)?;
    Ok(Some(Detail { std, orgs, codrafters, links, events, versions, period, counts, positions }))
}

// ------------------------------------------------------------------ creating and editing

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

fn check_orgs(conn: &mut DbConn, m: &Metadata) -> Result<(), StdError> {
    let mut ids = m.codrafters.clone();
    ids.extend([m.lead_org_id, m.proposing_org_id]);
    ids.sort_unstable();
    ids.dedup();
    let found: i64 = organizations::table.filter(organizations::id.eq_any(&ids)).count().get_result(conn)?;
    if found != ids.len() as i64 {
        return Err(StdError::Invalid(vec![("lead_org_id", "error.org.choose")]));
    }
    if let Some(r) = m.replaces_id {
        match get(conn, r)? {
            Some(s) if matches!(s.state(), StandardState::Published | StandardState::Revising) => {}
            _ => return Err(StdError::Invalid(vec![("replaces_id", "error.std.replaces")])),
        }
    }
    Ok(())
}

pub(crate) fn record_event(
    conn: &mut DbConn,
    actor: Actor,
    standard_id: i64,
    action: &str,
    from: Option<StandardState>,
    to: Option<StandardState>,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(standard_events::table)
        .values((
            standard_events::standard_id.eq(standard_id),
            standard_events::at.eq(super::now()),
            standard_events::actor_user_id.eq(actor.user_id),
            standard_events::actor_org_id.eq(actor.org_id),
            standard_events::action.eq(action),
            standard_events::from_state.eq(from.map(|s| s.as_str())),
            standard_events::to_state.eq(to.map(|s| s.as_str())),
            standard_events::note.eq(note),
        ))
        .execute(conn)?;
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

/// Create a proposal (state `proposed`).
pub fn create(
    conn: &mut DbConn,
    actor: Actor,
    m: &Metadata,
    revision_of: Option<i64>,
    today: NaiveDate,
) -> Result<i64, StdError> {
    check_orgs(conn, m)?;
    let now = super::now();
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
    audit::record::<(), _>(conn, actor, "standard", Some(id), "create", None, Some(m))?;
    Ok(id)
}

/// Edit metadata until publication; `expected_version` guards against stale forms.
pub fn update(conn: &mut DbConn, actor: Actor, id: i64, expected_version: i32, m: &Metadata) -> Result<(), StdError> {
    let before = get(conn, id)?.ok_or(StdError::NotFound)?;
    if !before.state().metadata_editable() {
        return Err(StdError::Transition(TransitionError::NotAllowedInState));
    }
    if m.replaces_id == Some(id) {
        return Err(StdError::Invalid(vec![("replaces_id", "error.std.replaces")]));
    }
    check_orgs(conn, m)?;
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
                standards::updated_at.eq(super::now()),
            ))
            .execute(conn)?;
    if n == 0 {
        return Err(StdError::Conflict);
    }
    set_codrafters(conn, id, &m.codrafters)?;
    record_event(conn, actor, id, "edit", None, None, "")?;
    audit::record(conn, actor, "standard", Some(id), "update", Some(&before), Some(m))?;
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
                standards::updated_at.eq(super::now()),
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
    audit::record(conn, actor, "standard", Some(id), "set_publication", Some(&before), Some(&after))?;
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

/// Standards a new project may replace (published or being revised).
pub fn replaceable(conn: &mut DbConn) -> QueryResult<Vec<Link>> {
    standards::table
        .filter(standards::state.eq_any(vec!["published", "revising"]))
        .order(standards::number)
        .select((
            standards::id,
            standards::number,
            standards::title_zh,
            standards::title_en,
            standards::replaces_id,
            standards::revision_of_id,
        ))
        .load(conn)
}

// ------------------------------------------------------------------ lifecycle

/// Extra input some actions need.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub note: String,
    pub window: Option<CommentWindow>,
}

/// What an action did, for the flash message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDone {
    pub to: StandardState,
    pub review: Option<ReviewOutcome>,
    /// A revision project created by the periodic review.
    pub new_project: Option<i64>,
}

/// Apply `action` compare-and-set: the standard must still be at
/// `expected_version`; the event and audit rows are written in the same
/// transaction (the caller's).
pub fn act(
    conn: &mut DbConn,
    actor: Actor,
    role: Role,
    id: i64,
    expected_version: i32,
    action: StandardAction,
    input: &ActionInput,
    today: NaiveDate,
) -> Result<ActionDone, StdError> {
    let s = get(conn, id)?.ok_or(StdError::NotFound)?;
    if s.version != expected_version {
        return Err(StdError::Conflict);
    }
    let from = s.state();
    if action.needs_note() && input.note.trim().is_empty() {
        return Err(StdError::Invalid(vec![("note", "error.std.note_required")]));
    }
    // Preconditions beyond the state machine.
    let mut review = None;
    match action {
        StandardAction::OpenComment => {
            let has_version: i64 =
                standard_versions::table.filter(standard_versions::standard_id.eq(id)).count().get_result(conn)?;
            if has_version == 0 {
                return Err(StdError::Invalid(vec![("starts_on", "error.std.no_version")]));
            }
            if input.window.is_none() {
                return Err(StdError::Invalid(vec![("starts_on", "error.required")]));
            }
        }
        StandardAction::SubmitForReview | StandardAction::ReturnToDrafting if from == StandardState::PublicComment => {
            let open: Vec<i32> = comments::table
                .filter(comments::standard_id.eq(id))
                .filter(comments::disposition.is_null())
                .order(comments::seq)
                .select(comments::seq)
                .load(conn)?;
            if !open.is_empty() {
                return Err(StdError::Undisposed(open));
            }
            if action == StandardAction::SubmitForReview {
                if let Some(p) = latest_period(conn, id)? {
                    if p.closed_at.is_none() && today <= p.ends_on {
                        return Err(StdError::Invalid(vec![("note", "error.std.period_not_ended")]));
                    }
                }
            }
        }
        StandardAction::CloseReview => {
            let positions: Vec<String> = review_positions::table
                .filter(review_positions::standard_id.eq(id))
                .filter(review_positions::round.eq(s.review_round))
                .select(review_positions::position)
                .load(conn)?;
            if positions.is_empty() {
                return Err(StdError::Invalid(vec![("note", "error.std.no_positions")]));
            }
            let approvals = positions.iter().filter(|p| ReviewPosition::parse(p).is_ok_and(|p| p.approves())).count();
            review = Some(review_passes(approvals, positions.len()));
        }
        StandardAction::Publish
            if s.number.is_none() || s.release_date.is_none() || s.implementation_date.is_none() =>
        {
            return Err(StdError::Invalid(vec![("note", "error.std.publication_missing")]));
        }
        _ => {}
    }
    let to = transition(from, action, Some(role), review).map_err(StdError::Transition)?;

    let now = super::now();
    let n = diesel::update(
        standards::table
            .filter(standards::id.eq(id))
            .filter(standards::version.eq(expected_version))
            .filter(standards::state.eq(from.as_str())),
    )
    .set((
        standards::state.eq(to.as_str()),
        standards::version.eq(standards::version + 1),
        standards::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(StdError::Conflict);
    }

    let mut new_project = None;
    let mut note = input.note.trim().to_owned();
    match action {
        StandardAction::OpenComment => {
            if let Some(w) = input.window {
                diesel::insert_into(comment_periods::table)
                    .values((
                        comment_periods::standard_id.eq(id),
                        comment_periods::starts_on.eq(w.starts_on),
                        comment_periods::ends_on.eq(w.ends_on),
                        comment_periods::opened_at.eq(now),
                    ))
                    .execute(conn)?;
                note = format!(
                    "{} ~ {}{}",
                    w.starts_on,
                    w.ends_on,
                    if note.is_empty() { String::new() } else { format!(" · {note}") }
                );
            }
        }
        StandardAction::SubmitForReview | StandardAction::ReturnToDrafting if from == StandardState::PublicComment => {
            diesel::update(
                comment_periods::table
                    .filter(comment_periods::standard_id.eq(id))
                    .filter(comment_periods::closed_at.is_null()),
            )
            .set(comment_periods::closed_at.eq(now))
            .execute(conn)?;
            if action == StandardAction::SubmitForReview {
                diesel::update(standards::table.find(id))
                    .set(standards::review_round.eq(standards::review_round + 1))
                    .execute(conn)?;
            }
        }
        StandardAction::Withdraw => {
            diesel::update(standards::table.find(id)).set(standards::withdrawn_date.eq(today)).execute(conn)?;
        }
        StandardAction::Publish => {
            // The standard it replaces is superseded, with a link both ways.
            if let Some(old_id) = s.replaces_id {
                if let Some(old) = get(conn, old_id)? {
                    if let Ok(old_to) = transition(old.state(), StandardAction::Supersede, None, None) {
                        diesel::update(
                            standards::table.filter(standards::id.eq(old_id)).filter(standards::state.eq(&old.state)),
                        )
                        .set((
                            standards::state.eq(old_to.as_str()),
                            standards::version.eq(standards::version + 1),
                            standards::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                        let n = s.number.clone().unwrap_or_default();
                        record_event(conn, actor, old_id, "supersede", Some(old.state()), Some(old_to), &n)?;
                        audit::record(
                            conn,
                            actor,
                            "standard",
                            Some(old_id),
                            "supersede",
                            Some(&old.state),
                            Some(&old_to.as_str()),
                        )?;
                    }
                }
            }
        }
        StandardAction::StartRevision => {
            let codrafters = codrafters(conn, id)?;
            let mut m = metadata_of(&s, codrafters);
            m.replaces_id = Some(id);
            let new_id = create(conn, actor, &m, Some(id), today)?;
            new_project = Some(new_id);
        }
        _ => {}
    }
    if let Some(outcome) = review {
        note = match outcome {
            ReviewOutcome::Passed => {
                format!("passed{}", if note.is_empty() { String::new() } else { format!(" · {note}") })
            }
            ReviewOutcome::Failed => {
                format!("failed{}", if note.is_empty() { String::new() } else { format!(" · {note}") })
            }
        };
    }
    record_event(conn, actor, id, action.as_str(), Some(from), Some(to), &note)?;
    audit::record(conn, actor, "standard", Some(id), action.as_str(), Some(&from.as_str()), Some(&to.as_str()))?;
    Ok(ActionDone { to, review, new_project })
}

/// A reviewer's position in the current technical review (recasting replaces it).
pub fn cast_position(
    conn: &mut DbConn,
    actor: Actor,
    reviewer_id: i64,
    id: i64,
    position: ReviewPosition,
    opinion: &str,
) -> Result<(), StdError> {
    let s = get(conn, id)?.ok_or(StdError::NotFound)?;
    if s.state() != StandardState::TechnicalReview {
        return Err(StdError::Transition(TransitionError::NotAllowedInState));
    }
    if position == ReviewPosition::Disapprove && opinion.trim().is_empty() {
        return Err(StdError::Invalid(vec![("opinion", "error.std.opinion_required")]));
    }
    diesel::delete(
        review_positions::table
            .filter(review_positions::standard_id.eq(id))
            .filter(review_positions::round.eq(s.review_round))
            .filter(review_positions::reviewer_id.eq(reviewer_id)),
    )
    .execute(conn)?;
    diesel::insert_into(review_positions::table)
        .values((
            review_positions::standard_id.eq(id),
            review_positions::round.eq(s.review_round),
            review_positions::reviewer_id.eq(reviewer_id),
            review_positions::position.eq(position.as_str()),
            review_positions::opinion.eq(opinion.trim()),
            review_positions::cast_at.eq(super::now()),
        ))
        .execute(conn)?;
    record_event(conn, actor, id, &format!("position_{}", position.as_str()), None, None, opinion.trim())?;
    audit::record::<(), _>(
        conn,
        actor,
        "standard",
        Some(id),
        "review_position",
        None,
        Some(&(position.as_str(), opinion.trim())),
    )?;
    Ok(())
}

// ------------------------------------------------------------------ versions

use super::attachments::{add_attachments, NewAttachment};

#[derive(Debug, Clone, Queryable)]
pub struct Version {
    pub id: i64,
    pub standard_id: i64,
    pub n: i32,
    pub label: String,
    pub body_md: String,
    pub note: String,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i64>,
}

/// Add the next version of the text; versions are immutable once added.
pub fn add_version(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    label: &str,
    body: &str,
    note: &str,
    files: &[NewAttachment],
) -> Result<i32, StdError> {
    let s = get(conn, id)?.ok_or(StdError::NotFound)?;
    if !s.state().accepts_versions() {
        return Err(StdError::Transition(TransitionError::NotAllowedInState));
    }
    let last: Option<i32> = standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .select(diesel::dsl::max(standard_versions::n))
        .first(conn)?;
    let n = last.unwrap_or(0) + 1;
    let vid: i64 = diesel::insert_into(standard_versions::table)
        .values((
            standard_versions::standard_id.eq(id),
            standard_versions::n.eq(n),
            standard_versions::label.eq(label),
            standard_versions::body_md.eq(body),
            standard_versions::note.eq(note),
            standard_versions::created_at.eq(super::now()),
            standard_versions::created_by.eq(actor.user_id),
        ))
        .returning(standard_versions::id)
        .get_result(conn)
        .map_err(|e| if is_unique_violation(&e) { StdError::Conflict } else { e.into() })?;
    add_attachments(conn, actor, "standard_version", vid, files)?;
    diesel::update(standards::table.find(id)).set(standards::updated_at.eq(super::now())).execute(conn)?;
    record_event(conn, actor, id, "add_version", None, None, &format!("v{n} {label}"))?;
    let names: Vec<(&str, &str)> = files.iter().map(|f| (f.filename.as_str(), f.sha256.as_str())).collect();
    audit::record::<(), _>(conn, actor, "standard_version", Some(vid), "create", None, Some(&(id, n, label, names)))?;
    Ok(n)
}

/// The version numbers of a standard, ascending.
pub fn detail_versions(conn: &mut DbConn, id: i64) -> QueryResult<Vec<i32>> {
    standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .order(standard_versions::n.asc())
        .select(standard_versions::n)
        .load(conn)
}

pub fn version(conn: &mut DbConn, id: i64, n: i32) -> QueryResult<Option<Version>> {
    standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .filter(standard_versions::n.eq(n))
        .first(conn)
        .optional()
}

// ------------------------------------------------------------------ comments

#[derive(Debug, Clone, Queryable)]
pub struct Comment {
    pub id: i64,
    pub standard_id: i64,
    pub period_id: i64,
    pub seq: i32,
    pub version_n: i32,
    pub clause_ref: String,
    pub kind: String,
    pub body: String,
    pub proposed_change: String,
    pub name: String,
    pub organization: String,
    /// Never shown publicly nor exported publicly.
    pub email: String,
    pub created_at: NaiveDateTime,
    pub disposition: Option<String>,
    pub disposition_reason: String,
    pub disposed_at: Option<NaiveDateTime>,
    pub disposed_by: Option<i64>,
}

pub struct NewComment {
    pub version_n: i32,
    pub clause_ref: String,
    pub kind: &'static str,
    pub body: String,
    pub proposed_change: String,
    pub name: String,
    pub organization: String,
    pub email: String,
}

/// Public comments allowed per client address per hour.
pub const COMMENTS_PER_HOUR: i64 = 10;

#[derive(Debug)]
pub enum CommentRefused {
    /// The period is not open; the latest period if any.
    Closed(Option<Period>),
    Throttled(NaiveDateTime),
    UnknownVersion,
}

/// Store a public comment if the period is open and the address is under its
/// hourly limit. Returns its sequence number.
pub fn add_comment(
    conn: &mut DbConn,
    id: i64,
    c: &NewComment,
    client: &str,
    today: NaiveDate,
) -> Result<Result<i32, CommentRefused>, StdError> {
    let s = get(conn, id)?.ok_or(StdError::NotFound)?;
    let period = latest_period(conn, id)?;
    let open = s.state() == StandardState::PublicComment && period.as_ref().is_some_and(|p| p.is_open(today));
    if !open {
        return Ok(Err(CommentRefused::Closed(period)));
    }
    let Some(period) = period else { return Ok(Err(CommentRefused::Closed(None))) };
    let has_version: i64 = standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .filter(standard_versions::n.eq(c.version_n))
        .count()
        .get_result(conn)?;
    if has_version == 0 {
        return Ok(Err(CommentRefused::UnknownVersion));
    }
    let now = super::now();
    let scope = format!("comment:ip:{client}");
    let hour_ago = now - chrono::Duration::hours(1);
    let (n, _) = super::throttle::count_since(conn, &scope, hour_ago)?;
    if n >= COMMENTS_PER_HOUR {
        let oldest = super::throttle::nth_latest_since(conn, &scope, hour_ago, COMMENTS_PER_HOUR)?;
        return Ok(Err(CommentRefused::Throttled(oldest.unwrap_or(now) + chrono::Duration::hours(1))));
    }
    super::throttle::record(conn, &scope, now)?;
    let seq: i32 = diesel::update(standards::table.find(id))
        .set(standards::comment_seq.eq(standards::comment_seq + 1))
        .returning(standards::comment_seq)
        .get_result(conn)?;
    let cid: i64 = diesel::insert_into(comments::table)
        .values((
            comments::standard_id.eq(id),
            comments::period_id.eq(period.id),
            comments::seq.eq(seq),
            comments::version_n.eq(c.version_n),
            comments::clause_ref.eq(&c.clause_ref),
            comments::kind.eq(c.kind),
            comments::body.eq(&c.body),
            comments::proposed_change.eq(&c.proposed_change),
            comments::name.eq(&c.name),
            comments::organization.eq(&c.organization),
            comments::email.eq(&c.email),
            comments::created_at.eq(now),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    audit::record::<(), _>(
        conn,
        Actor::SYSTEM,
        "comment",
        Some(cid),
        "create",
        None,
        Some(&(id, seq, &c.organization)),
    )?;
    Ok(Ok(seq))
}

pub fn comments_of(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Comment>> {
    comments::table.filter(comments::standard_id.eq(id)).order(comments::seq).load(conn)
}

pub fn comment(conn: &mut DbConn, id: i64, seq: i32) -> QueryResult<Option<Comment>> {
    comments::table.filter(comments::standard_id.eq(id)).filter(comments::seq.eq(seq)).first(conn).optional()
}

/// Dispose a comment; `previous` is the disposition the editor saw (stale forms conflict).
pub fn dispose(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    seq: i32,
    previous: Option<&str>,
    d: Disposition,
    reason: &str,
) -> Result<(), StdError> {
    let s = get(conn, id)?.ok_or(StdError::NotFound)?;
    if s.state() != StandardState::PublicComment {
        return Err(StdError::Transition(TransitionError::NotAllowedInState));
    }
    if d.needs_reason() && reason.trim().is_empty() {
        return Err(StdError::Invalid(vec![("reason", "error.std.reason_required")]));
    }
    let before = comment(conn, id, seq)?.ok_or(StdError::NotFound)?;
    if before.disposition.as_deref() != previous {
        return Err(StdError::Conflict);
    }
    let target = comments::table.filter(comments::id.eq(before.id));
    let n = match previous {
        None => diesel::update(target.filter(comments::disposition.is_null()))
            .set((
                comments::disposition.eq(d.as_str()),
                comments::disposition_reason.eq(reason.trim()),
                comments::disposed_at.eq(super::now()),
                comments::disposed_by.eq(actor.user_id),
            ))
            .execute(conn)?,
        Some(p) => diesel::update(target.filter(comments::disposition.eq(p)))
            .set((
                comments::disposition.eq(d.as_str()),
                comments::disposition_reason.eq(reason.trim()),
                comments::disposed_at.eq(super::now()),
                comments::disposed_by.eq(actor.user_id),
            ))
            .execute(conn)?,
    };
    if n == 0 {
        return Err(StdError::Conflict);
    }
    audit::record(
        conn,
        actor,
        "comment",
        Some(before.id),
        "dispose",
        Some(&(before.disposition.as_deref(), &before.disposition_reason)),
        Some(&(d.as_str(), reason.trim())),
    )?;
    Ok(())
}

// ------------------------------------------------------------------ feed

#[derive(Debug, Clone, Queryable)]
pub struct FeedItem {
    pub event_id: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub note: String,
    pub standard_id: i64,
    pub number: Option<String>,
    pub title_zh: String,
    pub title_en: String,
}

/// Newly opened comment periods and newly published standards, newest first.
pub fn feed(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<FeedItem>> {
    standard_events::table
        .inner_join(standards::table)
        .filter(standard_events::action.eq_any(vec!["open_comment", "publish"]))
        .order(standard_events::at.desc())
        .limit(limit)
        .select((
            standard_events::id,
            standard_events::at,
            standard_events::action,
            standard_events::note,
            standards::id,
            standards::number,
            standards::title_zh,
            standards::title_en,
        ))
        .load(conn)
}
