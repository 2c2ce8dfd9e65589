//! Creating, editing, opening and closing pledges.

use super::*;
use crate::domain::audit::{Action, Object};

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
        crate::db::insert_many(conn, pledge_commitments::table, chunk)?;
    }
    Ok(())
}

/// Create a pledge in draft with its commitments.
pub fn insert(conn: &mut DbConn, actor: Actor, d: &PledgeData) -> QueryResult<i64> {
    let now = crate::db::now();
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
    audit::record::<(), _>(conn, actor, Object::Pledge, Some(id), Action::Create, None, Some(&pledge_audit(d)))?;
    Ok(id)
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
        pledges::updated_at.eq(crate::db::now()),
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
        Object::Pledge,
        Some(id),
        Action::Update,
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
    let now = crate::db::now();
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
        PledgeState::Open => Action::Open,
        PledgeState::Closed => Action::Close,
        PledgeState::Draft => Action::ReopenDraft,
    };
    audit::record(
        conn,
        actor,
        Object::Pledge,
        Some(id),
        action,
        Some(&StateAudit { state: from.as_str(), version }),
        Some(&StateAudit { state: to.as_str(), version: version + 1 }),
    )?;
    Ok(())
}
