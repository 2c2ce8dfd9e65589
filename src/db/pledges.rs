//! Pledges, their commitments, signatures, exclusions and signature events.
//!
//! Pages load a fixed number of queries whatever the number of signatories:
//! signatures (with their organizations), their exclusions and their events
//! are each one query, grouped in Rust. State changes are compare-and-set on
//! `(state, version)` and write the event and the audit row in the same
//! transaction.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::schema::{organizations, pledge_commitments, pledges, signature_events, signature_exclusions, signatures};
use super::DbConn;
use crate::domain::pledge::{CommitmentDraft, PledgeKind, PledgeState, SignatureAction, SignatureState, Subscription};

/// A multi-row INSERT. The multi-backend connection cannot build one, so it
/// runs on the inner connection of either backend (same statement on both).
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConn::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

// ---------------------------------------------------------------- rows

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Pledge {
    pub id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub organization_id: i64,
    pub guiding_body_zh: String,
    pub guiding_body_en: String,
    pub text_md_zh: String,
    pub text_md_en: String,
    pub state: String,
    pub opened_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Pledge {
    pub fn kind(&self) -> PledgeKind {
        PledgeKind::parse(&self.kind).unwrap_or(PledgeKind::Convention)
    }

    pub fn state(&self) -> PledgeState {
        PledgeState::parse(&self.state).unwrap_or(PledgeState::Draft)
    }

    pub fn title(&self, en: bool) -> &str {
        if en {
            &self.title_en
        } else {
            &self.title_zh
        }
    }

    pub fn guiding_body(&self, en: bool) -> &str {
        if en {
            &self.guiding_body_en
        } else {
            &self.guiding_body_zh
        }
    }
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Commitment {
    pub id: i64,
    pub pledge_id: i64,
    pub number: String,
    pub area_zh: String,
    pub area_en: String,
    pub text_zh: String,
    pub text_en: String,
    pub position: i32,
}

impl Commitment {
    pub fn area(&self, en: bool) -> &str {
        if en {
            &self.area_en
        } else {
            &self.area_zh
        }
    }

    pub fn text(&self, en: bool) -> &str {
        if en {
            &self.text_en
        } else {
            &self.text_zh
        }
    }

    pub fn draft(&self) -> CommitmentDraft {
        CommitmentDraft {
            number: self.number.clone(),
            area_zh: self.area_zh.clone(),
            area_en: self.area_en.clone(),
            text_zh: self.text_zh.clone(),
            text_en: self.text_en.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Signature {
    pub id: i64,
    pub pledge_id: i64,
    pub organization_id: i64,
    pub state: String,
    pub all_commitments: bool,
    pub representative_name: String,
    pub representative_title: String,
    pub applied_by: Option<i64>,
    pub applied_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub state_changed_at: NaiveDateTime,
    pub reason: String,
    pub version: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl Signature {
    pub fn state(&self) -> SignatureState {
        SignatureState::parse(&self.state).unwrap_or(SignatureState::Applied)
    }
}

/// What pages show of an organization.
#[derive(Debug, Clone, Queryable)]
pub struct OrgBrief {
    pub id: i64,
    pub kind: String,
    pub name_zh: String,
    pub name_en: String,
    pub credit_code: String,
}

impl OrgBrief {
    pub fn name(&self, en: bool) -> &str {
        if en {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct ExclusionRow {
    pub signature_id: i64,
    pub commitment_id: i64,
    pub number: String,
    pub reason: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct Event {
    pub id: i64,
    pub signature_id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
}

impl Event {
    pub fn to(&self) -> SignatureState {
        SignatureState::parse(&self.to_state).unwrap_or(SignatureState::Applied)
    }
}

/// A signature with everything its row on the pledge page shows.
#[derive(Debug, Clone)]
pub struct Signatory {
    pub sig: Signature,
    pub org: OrgBrief,
    pub exclusions: Vec<ExclusionRow>,
    pub events: Vec<Event>,
}

/// A pledge in the list, with its issuing association and number of verified signatories.
#[derive(Debug, Clone)]
pub struct PledgeListItem {
    pub pledge: Pledge,
    pub issuer: OrgBrief,
    pub verified: i64,
}

/// Which drafts a viewer may see in lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drafts {
    None,
    OfOrg(i64),
    All,
}

// ---------------------------------------------------------------- reading

pub fn list(conn: &mut DbConn, drafts: Drafts) -> QueryResult<Vec<PledgeListItem>> {
    let mut q = pledges::table.inner_join(organizations::table).into_boxed();
    q = match drafts {
        Drafts::All => q,
        Drafts::OfOrg(org) => {
            q.filter(pledges::state.ne(PledgeState::Draft.as_str()).or(pledges::organization_id.eq(org)))
        }
        Drafts::None => q.filter(pledges::state.ne(PledgeState::Draft.as_str())),
    };
    let rows: Vec<(Pledge, OrgBrief)> =
        q.select((pledges::all_columns, ORG_COLUMNS)).order(pledges::id.desc()).load(conn)?;
    let counts: Vec<(i64, i64)> = signatures::table
        .filter(signatures::state.eq(SignatureState::Verified.as_str()))
        .group_by(signatures::pledge_id)
        .select((signatures::pledge_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<i64, i64> = counts.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|(pledge, issuer)| {
            let verified = counts.get(&pledge.id).copied().unwrap_or(0);
            PledgeListItem { pledge, issuer, verified }
        })
        .collect())
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Pledge>> {
    pledges::table.find(id).first(conn).optional()
}

/// A pledge with its issuing association (one query).
pub fn get_with_issuer(conn: &mut DbConn, id: i64) -> QueryResult<Option<(Pledge, OrgBrief)>> {
    pledges::table
        .inner_join(organizations::table)
        .filter(pledges::id.eq(id))
        .select((pledges::all_columns, ORG_COLUMNS))
        .first(conn)
        .optional()
}

pub fn commitments(conn: &mut DbConn, pledge_id: i64) -> QueryResult<Vec<Commitment>> {
    pledge_commitments::table
        .filter(pledge_commitments::pledge_id.eq(pledge_id))
        .order((pledge_commitments::position, pledge_commitments::id))
        .load(conn)
}

/// Which signatures of a pledge to load.
#[derive(Debug, Clone, Default)]
pub struct SignatoryFilter {
    /// States to include (empty: none).
    pub states: Vec<SignatureState>,
    pub org_kind: Option<String>,
    pub org_id: Option<i64>,
    pub signature_id: Option<i64>,
}

type OrgColumns = (
    organizations::id,
    organizations::kind,
    organizations::name_zh,
    organizations::name_en,
    organizations::credit_code,
);
const ORG_COLUMNS: OrgColumns = (
    organizations::id,
    organizations::kind,
    organizations::name_zh,
    organizations::name_en,
    organizations::credit_code,
);

/// Signatures of a pledge with their organizations, exclusions and events:
/// three queries, whatever their number.
pub fn signatories(conn: &mut DbConn, pledge_id: i64, f: &SignatoryFilter) -> QueryResult<Vec<Signatory>> {
    let states: Vec<&'static str> = f.states.iter().map(|s| s.as_str()).collect();
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = signatures::table
        .inner_join(organizations::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(states.clone()))
        .into_boxed();
    if let Some(kind) = &f.org_kind {
        q = q.filter(organizations::kind.eq(kind.clone()));
    }
    if let Some(org) = f.org_id {
        q = q.filter(signatures::organization_id.eq(org));
    }
    if let Some(id) = f.signature_id {
        q = q.filter(signatures::id.eq(id));
    }
    let rows: Vec<(Signature, OrgBrief)> = q
        .select((signatures::all_columns, ORG_COLUMNS))
        .order((organizations::kind, organizations::name_zh, signatures::id))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }

    // Exclusions and events of the same signatures, filtered the same way in SQL
    // (by pledge and state, and by organization or id when asked) rather than by
    // a long list of ids.
    let mut xq = signature_exclusions::table
        .inner_join(signatures::table)
        .inner_join(pledge_commitments::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(states.clone()))
        .into_boxed();
    let mut eq = signature_events::table
        .inner_join(signatures::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq_any(states))
        .into_boxed();
    if let Some(org) = f.org_id {
        xq = xq.filter(signatures::organization_id.eq(org));
        eq = eq.filter(signatures::organization_id.eq(org));
    }
    if let Some(id) = f.signature_id {
        xq = xq.filter(signatures::id.eq(id));
        eq = eq.filter(signatures::id.eq(id));
    }
    let exclusions: Vec<ExclusionRow> = xq
        .select((
            signature_exclusions::signature_id,
            signature_exclusions::commitment_id,
            pledge_commitments::number,
            signature_exclusions::reason,
        ))
        .order((signature_exclusions::signature_id, pledge_commitments::position))
        .load(conn)?;
    let events: Vec<Event> = eq
        .select(signature_events::all_columns)
        .order((signature_events::signature_id, signature_events::at, signature_events::id))
        .load(conn)?;

    let mut by_sig_x: HashMap<i64, Vec<ExclusionRow>> = HashMap::new();
    for x in exclusions {
        by_sig_x.entry(x.signature_id).or_default().push(x);
    }
    let mut by_sig_e: HashMap<i64, Vec<Event>> = HashMap::new();
    for e in events {
        by_sig_e.entry(e.signature_id).or_default().push(e);
    }
    Ok(rows
        .into_iter()
        .map(|(sig, org)| {
            let exclusions = by_sig_x.remove(&sig.id).unwrap_or_default();
            let events = by_sig_e.remove(&sig.id).unwrap_or_default();
            Signatory { sig, org, exclusions, events }
        })
        .collect())
}

pub fn signature(conn: &mut DbConn, id: i64) -> QueryResult<Option<Signature>> {
    signatures::table.find(id).first(conn).optional()
}

/// The organization's live (applied, verified or suspended) signature of a pledge.
pub fn live_signature(conn: &mut DbConn, pledge_id: i64, org_id: i64) -> QueryResult<Option<Signature>> {
    let live: Vec<&str> = SignatureState::LIVE.iter().map(|s| s.as_str()).collect();
    signatures::table
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::organization_id.eq(org_id))
        .filter(signatures::state.eq_any(live))
        .first(conn)
        .optional()
}

/// A pledge as the organization page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct PledgeBrief {
    pub id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
}

impl PledgeBrief {
    pub fn title(&self, en: bool) -> &str {
        if en {
            &self.title_en
        } else {
            &self.title_zh
        }
    }

    pub fn kind(&self) -> PledgeKind {
        PledgeKind::parse(&self.kind).unwrap_or(PledgeKind::Convention)
    }
}

/// An organization's signatures in the given states, newest first (one query).
pub fn org_signatures(
    conn: &mut DbConn,
    org_id: i64,
    states: &[SignatureState],
) -> QueryResult<Vec<(Signature, PledgeBrief)>> {
    let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    signatures::table
        .inner_join(pledges::table)
        .filter(signatures::organization_id.eq(org_id))
        .filter(signatures::state.eq_any(states))
        .select((signatures::all_columns, (pledges::id, pledges::kind, pledges::title_zh, pledges::title_en)))
        .order((signatures::applied_at.desc(), signatures::id.desc()))
        .load(conn)
}

/// Public pledges issued by an association, newest first (one query).
pub fn issued_by(conn: &mut DbConn, org_id: i64) -> QueryResult<Vec<Pledge>> {
    pledges::table
        .filter(pledges::organization_id.eq(org_id))
        .filter(pledges::state.ne(PledgeState::Draft.as_str()))
        .order(pledges::id.desc())
        .load(conn)
}

/// Pending applications of a pledge (for its editors), oldest first.
pub fn pending(conn: &mut DbConn, pledge_id: i64) -> QueryResult<Vec<(Signature, OrgBrief)>> {
    signatures::table
        .inner_join(organizations::table)
        .filter(signatures::pledge_id.eq(pledge_id))
        .filter(signatures::state.eq(SignatureState::Applied.as_str()))
        .select((signatures::all_columns, ORG_COLUMNS))
        .order((signatures::applied_at, signatures::id))
        .load(conn)
}

// ---------------------------------------------------------------- writing pledges

/// A checked pledge, ready to save.
#[derive(Debug, Clone, Serialize)]
pub struct PledgeData {
    pub kind: &'static str,
    pub title_zh: String,
    pub title_en: String,
    pub organization_id: i64,
    pub guiding_body_zh: String,
    pub guiding_body_en: String,
    pub text_md_zh: String,
    pub text_md_en: String,
    #[serde(skip)]
    pub commitments: Vec<CommitmentDraft>,
}

#[derive(Serialize)]
struct PledgeAudit<'a> {
    #[serde(flatten)]
    data: &'a PledgeData,
    commitments: Vec<String>,
}

fn pledge_audit(d: &PledgeData) -> PledgeAudit<'_> {
    PledgeAudit { data: d, commitments: d.commitments.iter().map(|c| format!("{} {}", c.number, c.text_zh)).collect() }
}

fn insert_commitments(conn: &mut DbConn, pledge_id: i64, items: &[CommitmentDraft]) -> QueryResult<()> {
    let rows: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                pledge_commitments::pledge_id.eq(pledge_id),
                pledge_commitments::number.eq(&c.number),
                pledge_commitments::area_zh.eq(&c.area_zh),
                pledge_commitments::area_en.eq(&c.area_en),
                pledge_commitments::text_zh.eq(&c.text_zh),
                pledge_commitments::text_en.eq(&c.text_en),
                pledge_commitments::position.eq(i as i32 + 1),
            )
        })
        .collect();
    for chunk in rows.chunks(100) {
        insert_many!(conn, pledge_commitments::table, chunk)?;
    }
    Ok(())
}

/// Create a pledge in draft with its commitments.
pub fn insert(conn: &mut DbConn, actor: Actor, d: &PledgeData) -> QueryResult<i64> {
    let now = super::now();
    let id: i64 = diesel::insert_into(pledges::table)
        .values((
            pledges::kind.eq(d.kind),
            pledges::title_zh.eq(&d.title_zh),
            pledges::title_en.eq(&d.title_en),
            pledges::organization_id.eq(d.organization_id),
            pledges::guiding_body_zh.eq(&d.guiding_body_zh),
            pledges::guiding_body_en.eq(&d.guiding_body_en),
            pledges::text_md_zh.eq(&d.text_md_zh),
            pledges::text_md_en.eq(&d.text_md_en),
            pledges::state.eq(PledgeState::Draft.as_str()),
            pledges::version.eq(1),
            pledges::created_at.eq(now),
            pledges::updated_at.eq(now),
        ))
        .returning(pledges::id)
        .get_result(conn)?;
    insert_commitments(conn, id, &d.commitments)?;
    audit::record::<(), _>(conn, actor, "pledge", Some(id), "create", None, Some(&pledge_audit(d)))?;
    Ok(id)
}

/// The outcome of a compare-and-set write.
#[derive(Debug, thiserror::Error)]
pub enum CasError {
    /// The record moved on (another state or version): nothing was written.
    #[error("the record changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Replace a draft's fields and commitments, if it is still the draft version `version`.
pub fn update_draft(conn: &mut DbConn, actor: Actor, id: i64, version: i32, d: &PledgeData) -> Result<(), CasError> {
    let before = get(conn, id)?.ok_or(CasError::Conflict)?;
    let before_commitments: Vec<CommitmentDraft> = commitments(conn, id)?.iter().map(Commitment::draft).collect();
    let n = diesel::update(
        pledges::table
            .filter(pledges::id.eq(id))
            .filter(pledges::state.eq(PledgeState::Draft.as_str()))
            .filter(pledges::version.eq(version)),
    )
    .set((
        pledges::kind.eq(d.kind),
        pledges::title_zh.eq(&d.title_zh),
        pledges::title_en.eq(&d.title_en),
        pledges::guiding_body_zh.eq(&d.guiding_body_zh),
        pledges::guiding_body_en.eq(&d.guiding_body_en),
        pledges::text_md_zh.eq(&d.text_md_zh),
        pledges::text_md_en.eq(&d.text_md_en),
        pledges::version.eq(pledges::version + 1),
        pledges::updated_at.eq(super::now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(CasError::Conflict);
    }
    // A draft has no signatures, so its commitments can be replaced.
    diesel::delete(pledge_commitments::table.filter(pledge_commitments::pledge_id.eq(id))).execute(conn)?;
    insert_commitments(conn, id, &d.commitments)?;
    let before_data = PledgeData {
        kind: before.kind().as_str(),
        title_zh: before.title_zh,
        title_en: before.title_en,
        organization_id: before.organization_id,
        guiding_body_zh: before.guiding_body_zh,
        guiding_body_en: before.guiding_body_en,
        text_md_zh: before.text_md_zh,
        text_md_en: before.text_md_en,
        commitments: before_commitments,
    };
    audit::record(
        conn,
        actor,
        "pledge",
        Some(id),
        "update",
        Some(&pledge_audit(&before_data)),
        Some(&pledge_audit(d)),
    )?;
    Ok(())
}

#[derive(Serialize)]
struct StateAudit<'a> {
    state: &'a str,
    version: i32,
}

/// Move a pledge from `from` to `to` if it is still at `version`.
pub fn set_state(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    from: PledgeState,
    version: i32,
    to: PledgeState,
) -> Result<(), CasError> {
    let now = super::now();
    let target = pledges::table
        .filter(pledges::id.eq(id))
        .filter(pledges::state.eq(from.as_str()))
        .filter(pledges::version.eq(version));
    let n = match to {
        PledgeState::Open => diesel::update(target)
            .set((
                pledges::state.eq(to.as_str()),
                pledges::opened_at.eq(Some(now)),
                pledges::version.eq(pledges::version + 1),
                pledges::updated_at.eq(now),
            ))
            .execute(conn)?,
        PledgeState::Closed => diesel::update(target)
            .set((
                pledges::state.eq(to.as_str()),
                pledges::closed_at.eq(Some(now)),
                pledges::version.eq(pledges::version + 1),
                pledges::updated_at.eq(now),
            ))
            .execute(conn)?,
        PledgeState::Draft => diesel::update(target)
            .set((
                pledges::state.eq(to.as_str()),
                pledges::version.eq(pledges::version + 1),
                pledges::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    if n == 0 {
        return Err(CasError::Conflict);
    }
    let action = match to {
        PledgeState::Open => "open",
        PledgeState::Closed => "close",
        PledgeState::Draft => "reopen_draft",
    };
    audit::record(
        conn,
        actor,
        "pledge",
        Some(id),
        action,
        Some(&StateAudit { state: from.as_str(), version }),
        Some(&StateAudit { state: to.as_str(), version: version + 1 }),
    )?;
    Ok(())
}

// ---------------------------------------------------------------- writing signatures

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The organization already has a live application or signature.
    #[error("duplicate application")]
    Duplicate,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// An application to sign, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub pledge_id: i64,
    pub organization_id: i64,
    pub representative_name: String,
    pub representative_title: String,
    #[serde(skip)]
    pub subscription: Subscription,
}

#[derive(Serialize)]
struct SignatureAudit<'a> {
    pledge_id: i64,
    organization_id: i64,
    state: &'a str,
    version: i32,
    all_commitments: bool,
    representative_name: &'a str,
    representative_title: &'a str,
    reason: &'a str,
    excluded: Vec<(i64, &'a str)>,
}

fn insert_event(
    conn: &mut DbConn,
    actor: Actor,
    signature_id: i64,
    at: NaiveDateTime,
    from: Option<SignatureState>,
    to: SignatureState,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(signature_events::table)
        .values((
            signature_events::signature_id.eq(signature_id),
            signature_events::at.eq(at),
            signature_events::actor_user_id.eq(actor.user_id),
            signature_events::actor_org_id.eq(actor.org_id),
            signature_events::from_state.eq(from.map(|s| s.as_str())),
            signature_events::to_state.eq(to.as_str()),
            signature_events::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

/// Record an application (state applied) with its exclusions, event and audit row.
/// Refused if the organization already has a live signature of the pledge; the
/// partial unique index backs this up against concurrent applications.
pub fn apply(conn: &mut DbConn, actor: Actor, a: &Application) -> Result<i64, ApplyError> {
    if live_signature(conn, a.pledge_id, a.organization_id)?.is_some() {
        return Err(ApplyError::Duplicate);
    }
    let now = super::now();
    let id: i64 = diesel::insert_into(signatures::table)
        .values((
            signatures::pledge_id.eq(a.pledge_id),
            signatures::organization_id.eq(a.organization_id),
            signatures::state.eq(SignatureState::Applied.as_str()),
            signatures::all_commitments.eq(a.subscription.is_all()),
            signatures::representative_name.eq(&a.representative_name),
            signatures::representative_title.eq(&a.representative_title),
            signatures::applied_by.eq(actor.user_id),
            signatures::applied_at.eq(now),
            signatures::state_changed_at.eq(now),
            signatures::reason.eq(""),
            signatures::version.eq(1),
            signatures::created_at.eq(now),
            signatures::updated_at.eq(now),
        ))
        .returning(signatures::id)
        .get_result(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                ApplyError::Duplicate
            }
            e => ApplyError::Db(e),
        })?;
    let rows: Vec<_> = a
        .subscription
        .exclusions()
        .iter()
        .map(|x| {
            (
                signature_exclusions::signature_id.eq(id),
                signature_exclusions::commitment_id.eq(x.commitment_id),
                signature_exclusions::reason.eq(&x.reason),
            )
        })
        .collect();
    if !rows.is_empty() {
        insert_many!(conn, signature_exclusions::table, &rows)?;
    }
    insert_event(conn, actor, id, now, None, SignatureState::Applied, "")?;
    let after = SignatureAudit {
        pledge_id: a.pledge_id,
        organization_id: a.organization_id,
        state: SignatureState::Applied.as_str(),
        version: 1,
        all_commitments: a.subscription.is_all(),
        representative_name: &a.representative_name,
        representative_title: &a.representative_title,
        reason: "",
        excluded: a.subscription.exclusions().iter().map(|x| (x.commitment_id, x.reason.as_str())).collect(),
    };
    audit::record::<(), _>(conn, actor, "signature", Some(id), "apply", None, Some(&after))?;
    Ok(id)
}

/// Move signature `id` from `from` (at `version`) to `to` by `action`:
/// compare-and-set, then the event and the audit row. 0 rows updated means
/// someone else moved it first: [`CasError::Conflict`], nothing written.
#[allow(clippy::too_many_arguments)]
pub fn change_state(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    from: SignatureState,
    version: i32,
    action: SignatureAction,
    to: SignatureState,
    reason: &str,
) -> Result<(), CasError> {
    let now = super::now();
    let target = signatures::table
        .filter(signatures::id.eq(id))
        .filter(signatures::state.eq(from.as_str()))
        .filter(signatures::version.eq(version));
    let common = (
        signatures::state.eq(to.as_str()),
        signatures::state_changed_at.eq(now),
        // The signature keeps the reason of its current state (declined, withdrawn,
        // suspended); a note on verifying or reinstating stays in the history.
        signatures::reason.eq(if action.needs_reason() { reason } else { "" }),
        signatures::version.eq(signatures::version + 1),
        signatures::updated_at.eq(now),
    );
    // Verifying and declining are the decision on the application: keep its date.
    let n = if matches!(action, SignatureAction::Verify | SignatureAction::Decline) {
        diesel::update(target).set((common, signatures::decided_at.eq(Some(now)))).execute(conn)
    } else {
        diesel::update(target).set(common).execute(conn)
    }
    .map_err(|e| match e {
        // Reinstating while another live signature exists cannot happen through
        // the workflow, but the unique index would refuse it: report a conflict.
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            CasError::Conflict
        }
        e => CasError::Db(e),
    })?;
    if n == 0 {
        return Err(CasError::Conflict);
    }
    insert_event(conn, actor, id, now, Some(from), to, reason)?;
    #[derive(Serialize)]
    struct Move<'a> {
        state: &'a str,
        version: i32,
        reason: &'a str,
    }
    audit::record(
        conn,
        actor,
        "signature",
        Some(id),
        action.as_str(),
        Some(&Move { state: from.as_str(), version, reason: "" }),
        Some(&Move { state: to.as_str(), version: version + 1, reason }),
    )?;
    Ok(())
}

// ---------------------------------------------------------------- demo loading

/// One event of a demo signature: (at, from, to, note, acting organization).
pub type SeedEvent = (NaiveDateTime, Option<SignatureState>, SignatureState, String, Option<i64>);

/// A signature as the demo writes it: backdated, already decided, with its
/// history. Written with batch inserts so that loading stays fast.
pub struct SeedSignature {
    pub organization_id: i64,
    pub state: SignatureState,
    pub representative_name: String,
    pub representative_title: String,
    /// Commitment ids left out, with reasons (empty: all commitments).
    pub excluded: Vec<(i64, String)>,
    /// (at, from, to, note, actor org), oldest first; the last one gives the state.
    pub events: Vec<SeedEvent>,
}

/// Insert the demo's signatures of one pledge in a handful of statements.
pub fn seed_signatures(conn: &mut DbConn, pledge_id: i64, seeds: &[SeedSignature]) -> QueryResult<()> {
    let now = super::now();
    let rows: Vec<_> = seeds
        .iter()
        .map(|s| {
            let applied_at = s.events.first().map(|e| e.0).unwrap_or(now);
            let changed = s.events.last().map(|e| e.0).unwrap_or(now);
            let decided = s
                .events
                .iter()
                .find(|e| matches!(e.2, SignatureState::Verified | SignatureState::Declined))
                .map(|e| e.0);
            let reason = s.events.last().map(|e| e.3.clone()).unwrap_or_default();
            (
                signatures::pledge_id.eq(pledge_id),
                signatures::organization_id.eq(s.organization_id),
                signatures::state.eq(s.state.as_str()),
                signatures::all_commitments.eq(s.excluded.is_empty()),
                signatures::representative_name.eq(s.representative_name.clone()),
                signatures::representative_title.eq(s.representative_title.clone()),
                signatures::applied_at.eq(applied_at),
                signatures::decided_at.eq(decided),
                signatures::state_changed_at.eq(changed),
                signatures::reason.eq(reason),
                signatures::version.eq(s.events.len() as i32),
                signatures::created_at.eq(applied_at),
                signatures::updated_at.eq(changed),
            )
        })
        .collect();
    insert_many!(conn, signatures::table, &rows)?;
    let ids: Vec<(i64, i64)> = signatures::table
        .filter(signatures::pledge_id.eq(pledge_id))
        .select((signatures::organization_id, signatures::id))
        .load(conn)?;
    let id_of: HashMap<i64, i64> = ids.into_iter().collect();
    let mut xs = Vec::new();
    let mut evs = Vec::new();
    for s in seeds {
        let sid = id_of[&s.organization_id];
        for (cid, reason) in &s.excluded {
            xs.push((
                signature_exclusions::signature_id.eq(sid),
                signature_exclusions::commitment_id.eq(*cid),
                signature_exclusions::reason.eq(reason.clone()),
            ));
        }
        for (at, from, to, note, org) in &s.events {
            evs.push((
                signature_events::signature_id.eq(sid),
                signature_events::at.eq(*at),
                signature_events::actor_user_id.eq(None::<i64>),
                signature_events::actor_org_id.eq(*org),
                signature_events::from_state.eq(from.map(|f| f.as_str())),
                signature_events::to_state.eq(to.as_str()),
                signature_events::note.eq(note.clone()),
            ));
        }
    }
    if !xs.is_empty() {
        insert_many!(conn, signature_exclusions::table, &xs)?;
    }
    for chunk in evs.chunks(200) {
        insert_many!(conn, signature_events::table, chunk)?;
    }
    #[derive(Serialize)]
    struct Seeded {
        signatures: usize,
    }
    audit::record::<(), _>(
        conn,
        Actor::SYSTEM,
        "pledge",
        Some(pledge_id),
        "demo_signatures",
        None,
        Some(&Seeded { signatures: seeds.len() }),
    )?;
    Ok(())
}

/// Set a demo pledge's state and dates directly (demo loading only).
pub fn seed_state(
    conn: &mut DbConn,
    id: i64,
    state: PledgeState,
    opened_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(pledges::table.find(id))
        .set((pledges::state.eq(state.as_str()), pledges::opened_at.eq(opened_at), pledges::closed_at.eq(closed_at)))
        .execute(conn)?;
    Ok(())
}
