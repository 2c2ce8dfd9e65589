//! Lifecycle moves and technical-review positions.

use crate::domain::audit::{Action, Object};
use chrono::NaiveDate;
use diesel::prelude::*;

use super::detail::latest_period;
use super::meta::{codrafters, create, metadata_of};
use super::versions::released_text;
use super::{get, record_event, Standard, StdError};
use crate::db::audit::{self, Actor};
use crate::db::schema::{comment_periods, comments, review_positions, standard_versions, standards};
use crate::db::DbConn;
use crate::domain::standard::{
    offered, review_passes, transition, CommentWindow, Facts, Refusal, ReviewOutcome, ReviewPosition, StandardAction,
    StandardState, TransitionError,
};
use crate::domain::Role;

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

/// The standard, locked for the rest of the transaction on PostgreSQL.
pub(super) fn lock(conn: &mut DbConn, id: i64) -> QueryResult<Option<Standard>> {
    match conn {
        DbConn::Pg(pg) => standards::table.find(id).for_update().first(pg).optional(),
        DbConn::Sqlite(_) => get(conn, id),
    }
}

/// What the lifecycle needs to decide `action` on `s` (only what that action needs is read).
fn facts(
    conn: &mut DbConn,
    s: &Standard,
    action: StandardAction,
    input: &ActionInput,
    today: NaiveDate,
) -> Result<Facts, StdError> {
    use StandardAction as A;
    let id = s.id;
    let mut f = Facts {
        in_force: s.implementation_date.is_some_and(|d| today >= d),
        publication_recorded: s.number.is_some() && s.release_date.is_some() && s.implementation_date.is_some(),
        note_given: !input.note.trim().is_empty(),
        window_given: input.window.is_some(),
        ..Facts::default()
    };
    match action {
        A::OpenComment => {
            let n: i64 =
                standard_versions::table.filter(standard_versions::standard_id.eq(id)).count().get_result(conn)?;
            f.has_version = n > 0;
        }
        A::SubmitForReview | A::ReturnToDrafting => {
            f.undisposed = comments::table
                .filter(comments::standard_id.eq(id))
                .filter(comments::disposition.is_null())
                .order(comments::seq)
                .select(comments::seq)
                .load(conn)?;
            f.period_running = latest_period(conn, id)?.is_some_and(|p| p.closed_at.is_none() && today <= p.ends_on);
        }
        A::CloseReview => {
            let positions: Vec<String> = review_positions::table
                .filter(review_positions::standard_id.eq(id))
                .filter(review_positions::round.eq(s.review_round))
                .select(review_positions::position)
                .load(conn)?;
            let approvals = positions.iter().filter(|p| ReviewPosition::parse(p).is_ok_and(|p| p.approves())).count();
            f.review = (!positions.is_empty()).then(|| review_passes(approvals, positions.len()));
        }
        A::Publish => f.has_released_text = released_text(conn, id)?.is_some(),
        _ => {}
    }
    Ok(f)
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
    // Lock the row first: on PostgreSQL the facts below must not change under us
    // (SQLite's BEGIN IMMEDIATE already holds the database's write lock).
    let s = lock(conn, id)?.ok_or(StdError::NotFound)?;
    if s.version != expected_version {
        return Err(StdError::Conflict);
    }
    let from = s.state();
    let facts = facts(conn, &s, action, input, today)?;
    let to = transition(from, action, Some(role), &facts).map_err(|r| match r {
        Refusal::Transition(t) => StdError::Transition(t),
        Refusal::Missing(field, key) => StdError::Invalid(vec![(field, key)]),
        Refusal::Undisposed(seqs) => StdError::Undisposed(seqs),
    })?;
    let review = if action == StandardAction::CloseReview { facts.review } else { None };

    let now = crate::db::now();
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
                    if let Ok(old_to) = offered(old.state(), StandardAction::Supersede, None, true) {
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
                            Object::Standard,
                            Some(old_id),
                            Action::Supersede,
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
            let new_id = create(conn, actor, None, &m, Some(id), today)?;
            new_project = Some(new_id);
        }
        _ => {}
    }
    // The review's outcome is in the state it led to (submitted for approval, or drafting).
    record_event(conn, actor, id, action.as_str(), Some(from), Some(to), &note)?;
    audit::record(conn, actor, Object::Standard, Some(id), action.into(), Some(&from.as_str()), Some(&to.as_str()))?;
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
            review_positions::cast_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    record_event(conn, actor, id, &format!("position_{}", position.as_str()), None, None, opinion.trim())?;
    audit::record::<(), _>(
        conn,
        actor,
        Object::Standard,
        Some(id),
        Action::ReviewPosition,
        None,
        Some(&(position.as_str(), opinion.trim())),
    )?;
    Ok(())
}
