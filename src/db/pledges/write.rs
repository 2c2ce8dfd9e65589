//! Creating, editing, opening and closing pledges: lock, load the facts, ask
//! [`pledge_transition`], write the change and its audit row.

use super::*;
use crate::domain::audit::{Action, Object};
use crate::domain::pledge::{pledge_transition, Acting, PledgeAction, PledgeFacts, PledgeRefusal};

/// A checked pledge, ready to save.
#[derive(Debug, Clone, Serialize)]
pub struct PledgeData {
    #[serde(serialize_with = "super::super::codes::serialize")]
    pub kind: PledgeKind,
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

/// The columns a draft's edit changes (and a new pledge starts with).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = pledges)]
struct PledgeText<'a> {
    kind: Code<PledgeKind>,
    title_zh: &'a str,
    title_en: &'a str,
    guiding_body_zh: &'a str,
    guiding_body_en: &'a str,
    text_md_zh: &'a str,
    text_md_en: &'a str,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = pledges)]
struct NewPledge<'a> {
    #[diesel(embed)]
    text: PledgeText<'a>,
    organization_id: i64,
    state: Code<PledgeState>,
    version: i32,
    created_at: NaiveDateTime,
}

/// Inserted many at once: see `signing::NewSignature` on `treat_none_as_default_value`.
#[derive(Insertable)]
#[diesel(table_name = pledge_commitments, treat_none_as_default_value = false)]
struct NewCommitment<'a> {
    pledge_id: i64,
    number: &'a str,
    area_zh: &'a str,
    area_en: &'a str,
    text_zh: &'a str,
    text_en: &'a str,
    position: i32,
}

impl PledgeData {
    fn text(&self, at: NaiveDateTime) -> PledgeText<'_> {
        PledgeText {
            kind: Code(self.kind),
            title_zh: &self.title_zh,
            title_en: &self.title_en,
            guiding_body_zh: &self.guiding_body_zh,
            guiding_body_en: &self.guiding_body_en,
            text_md_zh: &self.text_md_zh,
            text_md_en: &self.text_md_en,
            updated_at: at,
        }
    }
}

/// What the audit log keeps of a pledge's content.
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
    let rows: Vec<NewCommitment> = items
        .iter()
        .enumerate()
        .map(|(i, c)| NewCommitment {
            pledge_id,
            number: &c.number,
            area_zh: &c.area_zh,
            area_en: &c.area_en,
            text_zh: &c.text_zh,
            text_en: &c.text_en,
            position: i as i32 + 1,
        })
        .collect();
    for chunk in rows.chunks(100) {
        crate::db::insert_many(conn, pledge_commitments::table, chunk)?;
    }
    Ok(())
}

/// Write a new pledge in draft with its commitments and audit row, as given
/// (the demo and tools; users go through [`create`]).
pub fn insert(conn: &mut DbConn, actor: Actor, d: &PledgeData) -> QueryResult<i64> {
    let now = crate::db::now();
    let row = NewPledge {
        text: d.text(now),
        organization_id: d.organization_id,
        state: Code(PledgeState::Draft),
        version: 1,
        created_at: now,
    };
    let id: i64 = diesel::insert_into(pledges::table).values(&row).returning(pledges::id).get_result(conn)?;
    insert_commitments(conn, id, &d.commitments)?;
    audit::record::<(), _>(conn, actor, Object::Pledge, Some(id), Action::Create, None, Some(&pledge_audit(d)))?;
    Ok(id)
}

type PledgeResult<T> = Result<T, Fail<PledgeRefusal>>;

/// Create a pledge in draft for the association `d` names, if `who` may
/// issue for it.
pub fn create(conn: &mut DbConn, actor: Actor, who: Acting, d: &PledgeData) -> PledgeResult<i64> {
    // The issuer is read in share mode: its kind cannot change before this commits.
    let q = || organizations::table.find(d.organization_id).select(organizations::kind);
    let kind: Option<Code<OrgKind>> = match conn {
        DbConn::Pg(c) => q().for_share().first(c).optional()?,
        DbConn::Sqlite(c) => q().first(c).optional()?,
    };
    let facts = PledgeFacts { issuer: d.organization_id, issuer_kind: kind.map(|k| k.0), version: 0, seen: 0 };
    pledge_transition(None, PledgeAction::Create, who, &facts).map_err(Fail::Refused)?;
    Ok(insert(conn, actor, d)?)
}

/// The facts of a locked pledge's move, against the version the form carried.
fn facts(p: &Pledge, seen: i32) -> PledgeFacts {
    PledgeFacts { issuer: p.organization_id, issuer_kind: None, version: p.version, seen }
}

/// Replace a draft's fields and commitments (its issuer stays), if it is
/// still the version `seen` the form was shown at.
pub fn edit(conn: &mut DbConn, actor: Actor, who: Acting, id: i64, seen: i32, d: &PledgeData) -> PledgeResult<()> {
    let Some(before) = lock_pledge(conn, id)? else { return refused(PledgeRefusal::NotFound) };
    pledge_transition(Some(before.state), PledgeAction::Edit, who, &facts(&before, seen)).map_err(Fail::Refused)?;
    let n = diesel::update(pledges::table.filter(pledges::id.eq(id)).filter(pledges::version.eq(seen)))
        .set((d.text(crate::db::now()), pledges::version.eq(pledges::version + 1)))
        .execute(conn)?;
    if n == 0 {
        return refused(PledgeRefusal::Stale);
    }
    let before_commitments: Vec<CommitmentDraft> = commitments(conn, id)?.iter().map(Commitment::draft).collect();
    // A draft has no signatures, so its commitments can be replaced.
    diesel::delete(pledge_commitments::table.filter(pledge_commitments::pledge_id.eq(id))).execute(conn)?;
    insert_commitments(conn, id, &d.commitments)?;
    let after = PledgeData { organization_id: before.organization_id, ..d.clone() };
    let before = PledgeData {
        kind: before.kind,
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
        Object::Pledge,
        Some(id),
        Action::Update,
        Some(&pledge_audit(&before)),
        Some(&pledge_audit(&after)),
    )?;
    Ok(())
}

#[derive(Serialize)]
struct StateAudit {
    #[serde(serialize_with = "super::super::codes::serialize")]
    state: PledgeState,
    version: i32,
}

/// Open or close a pledge that is still at the version `seen`.
pub fn move_pledge(
    conn: &mut DbConn,
    actor: Actor,
    who: Acting,
    id: i64,
    action: PledgeAction,
    seen: i32,
) -> PledgeResult<PledgeState> {
    let Some(p) = lock_pledge(conn, id)? else { return refused(PledgeRefusal::NotFound) };
    let to = pledge_transition(Some(p.state), action, who, &facts(&p, seen)).map_err(Fail::Refused)?;
    let now = crate::db::now();
    let (opened_at, closed_at) = match to {
        PledgeState::Open => (Some(now), p.closed_at),
        PledgeState::Closed => (p.opened_at, Some(now)),
        PledgeState::Draft => (p.opened_at, p.closed_at),
    };
    let n = diesel::update(pledges::table.filter(pledges::id.eq(id)).filter(pledges::version.eq(seen)))
        .set((
            pledges::state.eq(Code(to)),
            pledges::opened_at.eq(opened_at),
            pledges::closed_at.eq(closed_at),
            pledges::version.eq(pledges::version + 1),
            pledges::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return refused(PledgeRefusal::Stale);
    }
    audit::record(
        conn,
        actor,
        Object::Pledge,
        Some(id),
        action.into(),
        Some(&StateAudit { state: p.state, version: seen }),
        Some(&StateAudit { state: to, version: seen + 1 }),
    )?;
    Ok(to)
}
