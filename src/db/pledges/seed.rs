//! Demo loading: backdated signatures with their history, in a few statements.

use crate::domain::audit::{Action, Object};
use std::collections::HashMap;

use super::*;

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
    let now = crate::db::now();
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
    crate::db::insert_many(conn, signatures::table, &rows)?;
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
        crate::db::insert_many(conn, signature_exclusions::table, &xs)?;
    }
    for chunk in evs.chunks(200) {
        crate::db::insert_many(conn, signature_events::table, chunk)?;
    }
    #[derive(Serialize)]
    struct Seeded {
        signatures: usize,
    }
    audit::record::<(), _>(
        conn,
        Actor::SYSTEM,
        Object::Pledge,
        Some(pledge_id),
        Action::DemoSignatures,
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
