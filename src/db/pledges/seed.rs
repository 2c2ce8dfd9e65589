//! Demo loading: backdated signatures with their history, in a few statements.

use crate::domain::audit::{Action, Object};
use std::collections::HashMap;

use super::signing::{NewEvent, NewExclusion, NewSignature};
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
    let reasons: Vec<String> = seeds.iter().map(|s| s.events.last().map(|e| e.3.clone()).unwrap_or_default()).collect();
    let rows: Vec<NewSignature> = seeds
        .iter()
        .zip(&reasons)
        .map(|(s, reason)| {
            let applied_at = s.events.first().map(|e| e.0).unwrap_or(now);
            let changed = s.events.last().map(|e| e.0).unwrap_or(now);
            let decided = s
                .events
                .iter()
                .find(|e| matches!(e.2, SignatureState::Verified | SignatureState::Declined))
                .map(|e| e.0);
            NewSignature {
                pledge_id,
                organization_id: s.organization_id,
                state: Code(s.state),
                all_commitments: s.excluded.is_empty(),
                representative_name: &s.representative_name,
                representative_title: &s.representative_title,
                applied_by: None,
                applied_at,
                decided_at: decided,
                state_changed_at: changed,
                reason,
                version: s.events.len() as i32,
                created_at: applied_at,
                updated_at: changed,
            }
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
            xs.push(NewExclusion { signature_id: sid, commitment_id: *cid, reason });
        }
        for (at, from, to, note, org) in &s.events {
            evs.push(NewEvent {
                signature_id: sid,
                at: *at,
                actor_user_id: None,
                actor_org_id: *org,
                from_state: from.map(Code),
                to_state: Code(*to),
                note,
            });
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
        .set((pledges::state.eq(Code(state)), pledges::opened_at.eq(opened_at), pledges::closed_at.eq(closed_at)))
        .execute(conn)?;
    Ok(())
}
