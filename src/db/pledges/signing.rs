//! Applications and the moves of a signature: lock, load the facts, ask
//! [`signature_transition`] / [`decide_application`], write the state, the
//! event and the audit row.

use super::*;
use crate::db::notify::SignatureNotice;
use crate::domain::audit::{Action, Object};
use crate::domain::pledge::{
    decide_application, signature_transition, Acting, ApplicationInput, SignatureFacts, SignatureMove, SignatureRefusal,
};

// Rows inserted many at once say `treat_none_as_default_value = false`: a
// `None` is NULL, never "the column's default", so SQLite inserts them in one
// statement instead of one by one in a nested transaction of diesel's (which
// fails inside `db::write`'s BEGIN IMMEDIATE).
#[derive(Insertable)]
#[diesel(table_name = signatures, treat_none_as_default_value = false)]
pub(super) struct NewSignature<'a> {
    pub pledge_id: i64,
    pub organization_id: i64,
    pub state: Code<SignatureState>,
    pub all_commitments: bool,
    pub representative_name: &'a str,
    pub representative_title: &'a str,
    pub applied_by: Option<i64>,
    pub applied_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub state_changed_at: NaiveDateTime,
    pub reason: &'a str,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = signature_exclusions, treat_none_as_default_value = false)]
pub(super) struct NewExclusion<'a> {
    pub signature_id: i64,
    pub commitment_id: i64,
    pub reason: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = signature_events, treat_none_as_default_value = false)]
pub(super) struct NewEvent<'a> {
    pub signature_id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    pub from_state: Option<Code<SignatureState>>,
    pub to_state: Code<SignatureState>,
    pub note: &'a str,
}

/// What the audit log keeps of a new application.
#[derive(Serialize)]
struct ApplicationAudit<'a> {
    pledge_id: i64,
    organization_id: i64,
    #[serde(serialize_with = "super::super::codes::serialize")]
    state: SignatureState,
    version: i32,
    all_commitments: bool,
    representative_name: &'a str,
    representative_title: &'a str,
    reason: &'a str,
    excluded: Vec<(i64, &'a str)>,
}

/// What the audit log keeps of a move.
#[derive(Serialize)]
struct MoveAudit<'a> {
    #[serde(serialize_with = "super::super::codes::serialize")]
    state: SignatureState,
    version: i32,
    reason: &'a str,
}

type SignatureResult<T> = Result<T, Fail<SignatureRefusal>>;

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// Apply to sign pledge `pledge_id` for organization `signatory`: record the
/// application (state applied) with its exclusions, event and audit row.
///
/// The pledge is locked first, so two applications of one organization run
/// one after the other: the second sees the first's live signature and is a
/// [`SignatureRefusal::Duplicate`]. The partial unique index on live
/// signatures backs this up; its refusal is a duplicate too, never an error.
pub fn apply(
    conn: &mut DbConn,
    actor: Actor,
    who: Acting,
    pledge_id: i64,
    signatory: i64,
    input: &ApplicationInput,
) -> SignatureResult<i64> {
    let Some(pledge) = lock_pledge(conn, pledge_id)? else { return refused(SignatureRefusal::NotFound) };
    let live = live_signature(conn, pledge_id, signatory)?.map(|s| s.state);
    let commitments = commitments(conn, pledge_id)?;
    let numbered: Vec<(i64, &str)> = commitments.iter().map(|c| (c.id, c.number.as_str())).collect();
    let facts = SignatureFacts { pledge: pledge.state, issuer: pledge.organization_id, signatory, version: 0, seen: 0 };
    let (m, a) = decide_application(live, who, &facts, input, &numbered).map_err(Fail::Refused)?;
    let now = crate::db::now();
    let row = NewSignature {
        pledge_id,
        organization_id: signatory,
        state: Code(m.to),
        all_commitments: a.subscription.is_all(),
        representative_name: &a.representative_name,
        representative_title: &a.representative_title,
        applied_by: actor.user_id,
        applied_at: now,
        decided_at: None,
        state_changed_at: now,
        reason: "",
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let id: i64 = match diesel::insert_into(signatures::table).values(&row).returning(signatures::id).get_result(conn) {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return refused(SignatureRefusal::Duplicate),
        Err(e) => return Err(e.into()),
    };
    let exclusions: Vec<NewExclusion> = a
        .subscription
        .exclusions()
        .iter()
        .map(|x| NewExclusion { signature_id: id, commitment_id: x.commitment_id, reason: &x.reason })
        .collect();
    if !exclusions.is_empty() {
        crate::db::insert_many(conn, signature_exclusions::table, &exclusions)?;
    }
    insert_event(conn, actor, id, now, &m)?;
    let after = ApplicationAudit {
        pledge_id,
        organization_id: signatory,
        state: m.to,
        version: 1,
        all_commitments: a.subscription.is_all(),
        representative_name: &a.representative_name,
        representative_title: &a.representative_title,
        reason: "",
        excluded: a.subscription.exclusions().iter().map(|x| (x.commitment_id, x.reason.as_str())).collect(),
    };
    audit::record::<(), _>(conn, actor, Object::Signature, Some(id), Action::Apply, None, Some(&after))?;
    Ok(id)
}

fn insert_event(
    conn: &mut DbConn,
    actor: Actor,
    signature_id: i64,
    at: NaiveDateTime,
    m: &SignatureMove,
) -> QueryResult<()> {
    diesel::insert_into(signature_events::table)
        .values(&NewEvent {
            signature_id,
            at,
            actor_user_id: actor.user_id,
            actor_org_id: actor.org_id,
            from_state: m.from.map(Code),
            to_state: Code(m.to),
            note: &m.note,
        })
        .execute(conn)?;
    Ok(())
}

/// Move signature `id` by `action` (not an application) with `note`, if the
/// form was shown at its current version `seen`: lock the signature, load
/// the pledge's facts, decide, write the state, the event and the audit row.
/// A concurrent move of the same signature waits for the lock and is then
/// refused ([`SignatureRefusal::Illegal`] or [`SignatureRefusal::Stale`]).
pub fn move_signature(
    conn: &mut DbConn,
    actor: Actor,
    who: Acting,
    id: i64,
    action: SignatureAction,
    seen: i32,
    note: &str,
) -> SignatureResult<SignatureState> {
    let Some(sig) = lock_signature(conn, id)? else { return refused(SignatureRefusal::NotFound) };
    let Some(pledge) = get(conn, sig.pledge_id)? else { return refused(SignatureRefusal::NotFound) };
    let facts = SignatureFacts {
        pledge: pledge.state,
        issuer: pledge.organization_id,
        signatory: sig.organization_id,
        version: sig.version,
        seen,
    };
    let m = signature_transition(Some(sig.state), action, who, &facts, note).map_err(Fail::Refused)?;
    let now = crate::db::now();
    let decided_at = if m.decides { Some(now) } else { sig.decided_at };
    let n = diesel::update(signatures::table.filter(signatures::id.eq(id)).filter(signatures::version.eq(seen)))
        .set((
            signatures::state.eq(Code(m.to)),
            signatures::state_changed_at.eq(now),
            signatures::decided_at.eq(decided_at),
            signatures::reason.eq(&m.reason),
            signatures::version.eq(signatures::version + 1),
            signatures::updated_at.eq(now),
        ))
        .execute(conn);
    match n {
        Ok(0) => return refused(SignatureRefusal::Stale),
        Ok(_) => {}
        // A second live signature: the workflow never makes one, the index refuses it.
        Err(e) if is_unique_violation(&e) => return refused(SignatureRefusal::Illegal),
        Err(e) => return Err(e.into()),
    }
    insert_event(conn, actor, id, now, &m)?;
    audit::record(
        conn,
        actor,
        Object::Signature,
        Some(id),
        action.into(),
        Some(&MoveAudit { state: sig.state, version: seen, reason: "" }),
        Some(&MoveAudit { state: m.to, version: seen + 1, reason: &m.note }),
    )?;
    let notice = match action {
        SignatureAction::Verify => Some(SignatureNotice::Verified),
        SignatureAction::Decline => Some(SignatureNotice::Declined),
        SignatureAction::Suspend => Some(SignatureNotice::Suspended),
        _ => None,
    };
    if let Some(notice) = notice {
        crate::db::notify::signature_moved(conn, id, notice, &m.note)?;
    }
    Ok(m.to)
}
