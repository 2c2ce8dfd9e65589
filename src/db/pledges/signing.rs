//! Applications and the moves of a signature, each with its event and audit row.

use super::*;
use crate::domain::audit::{Action, Object};

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
    let now = crate::db::now();
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
        crate::db::insert_many(conn, signature_exclusions::table, &rows)?;
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
    audit::record::<(), _>(conn, actor, Object::Signature, Some(id), Action::Apply, None, Some(&after))?;
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
    let now = crate::db::now();
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
        Object::Signature,
        Some(id),
        action.into(),
        Some(&Move { state: from.as_str(), version, reason: "" }),
        Some(&Move { state: to.as_str(), version: version + 1, reason }),
    )?;
    Ok(())
}
