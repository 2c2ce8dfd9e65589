//! Lifecycle moves and technical-review positions.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::detail::latest_period;
use super::meta::{codrafters, create, metadata_of};
use super::versions::released_text;
use super::{bump, lock, record_event, Standard, Step};
use crate::db::audit::{self, Actor};
use crate::db::codes::Code;
use crate::db::schema::{comment_periods, comments, review_positions, standard_versions, standards};
use crate::db::DbConn;
use crate::domain::audit::{Action, Object};
use crate::domain::standard::{
    may_cast, review_passes, transition, Effect, Facts, Person, ReviewOutcome, ReviewPosition, StandardAction,
    StandardState,
};

/// What the person wrote with an action.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub note: String,
    /// Opening public comment: the first and last day as typed (checked by the lifecycle).
    pub window: Option<(String, String)>,
}

/// What an action did, for the flash message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDone {
    pub to: StandardState,
    pub review: Option<ReviewOutcome>,
    /// A revision project created by the periodic review.
    pub new_project: Option<i64>,
}

/// The outcome of the positions cast in the standard's current review round.
fn review_outcome(conn: &mut DbConn, s: &Standard) -> QueryResult<Option<ReviewOutcome>> {
    let positions: Vec<ReviewPosition> = review_positions::table
        .filter(review_positions::standard_id.eq(s.id))
        .filter(review_positions::round.eq(s.review_round))
        .select(review_positions::position)
        .load::<Code<ReviewPosition>>(conn)?
        .into_iter()
        .map(|c| c.0)
        .collect();
    let approvals = positions.iter().filter(|p| p.approves()).count();
    Ok((!positions.is_empty()).then(|| review_passes(approvals, positions.len())))
}

/// What the lifecycle needs to decide `action` on the locked `s` (only what that action needs is read).
fn facts(
    conn: &mut DbConn,
    s: &Standard,
    shown_version: i32,
    action: StandardAction,
    input: &ActionInput,
    today: NaiveDate,
) -> QueryResult<Facts> {
    use StandardAction as A;
    let id = s.id;
    let mut f = Facts {
        stale: s.version != shown_version,
        publication_recorded: s.number.is_some() && s.release_date.is_some() && s.implementation_date.is_some(),
        note_given: !input.note.trim().is_empty(),
        window: input.window.clone(),
        ..s.facts(today)
    };
    match action {
        A::OpenComment => {
            let n: i64 =
                standard_versions::table.filter(standard_versions::standard_id.eq(id)).count().get_result(conn)?;
            f.has_version = n > 0;
        }
        A::CloseComment | A::SubmitForReview | A::ReturnToDrafting => {
            f.undisposed = comments::table
                .filter(comments::standard_id.eq(id))
                .filter(comments::disposition.is_null())
                .order(comments::seq)
                .select(comments::seq)
                .load(conn)?;
            f.period = latest_period(conn, id)?.map(|p| p.period());
        }
        A::CloseReview => f.review = review_outcome(conn, s)?,
        A::Publish => f.has_released_text = released_text(conn, id)?.is_some(),
        _ => {}
    }
    Ok(f)
}

/// Take `action` on the standard as `who` saw it at `shown_version`: lock it,
/// load the facts, ask the lifecycle, then write the state, what else the
/// move writes, the event and the audit row (the caller's one transaction).
#[allow(clippy::too_many_arguments)]
pub fn act(
    conn: &mut DbConn,
    actor: Actor,
    who: Person,
    id: i64,
    shown_version: i32,
    action: StandardAction,
    input: &ActionInput,
    today: NaiveDate,
) -> Step<ActionDone> {
    let s = lock(conn, id)?;
    let facts = facts(conn, &s, shown_version, action, input, today)?;
    let m = transition(s.state, action, Some(who), &facts)?;
    bump(conn, &s, shown_version, m.to)?;
    let mut note = input.note.trim().to_owned();
    let mut new_project = None;
    let now = crate::db::now();
    match m.effect {
        Effect::None => {}
        Effect::OpenPeriod(w) => {
            let period_id: i64 = diesel::insert_into(comment_periods::table)
                .values((
                    comment_periods::standard_id.eq(id),
                    comment_periods::starts_on.eq(w.starts_on),
                    comment_periods::ends_on.eq(w.ends_on),
                    comment_periods::opened_at.eq(now),
                ))
                .returning(comment_periods::id)
                .get_result(conn)?;
            tell_followers_period_opened(conn, &s, period_id, w.starts_on, w.ends_on)?;
            let period = format!("{} ~ {}", w.starts_on, w.ends_on);
            note = if note.is_empty() { period } else { format!("{period} · {note}") };
        }
        Effect::ClosePeriod { next_round } => {
            diesel::update(
                comment_periods::table
                    .filter(comment_periods::standard_id.eq(id))
                    .filter(comment_periods::closed_at.is_null()),
            )
            .set(comment_periods::closed_at.eq(now))
            .execute(conn)?;
            if next_round {
                diesel::update(standards::table.find(id))
                    .set(standards::review_round.eq(standards::review_round + 1))
                    .execute(conn)?;
            }
        }
        Effect::Withdraw(on) => {
            diesel::update(standards::table.find(id)).set(standards::withdrawn_date.eq(on)).execute(conn)?;
        }
        Effect::SupersedeReplaced => {
            if let Some(old) = s.replaces_id {
                supersede(conn, actor, old, s.number.as_deref().unwrap_or_default(), today)?;
            }
        }
        Effect::StartRevision => {
            let mut m = metadata_of(&s, codrafters(conn, id)?);
            m.replaces_id = Some(id);
            new_project = Some(create(conn, actor, None, &m, Some(id), today)?);
        }
    }
    record_event(conn, actor, id, action.as_str(), Some(s.state), Some(m.to), &note)?;
    audit::record(
        conn,
        actor,
        Object::Standard,
        Some(id),
        action.into(),
        Some(&s.state.as_str()),
        Some(&m.to.as_str()),
    )?;
    Ok(ActionDone { to: m.to, review: m.review, new_project })
}

/// Those who follow the standard hear that its public comment period opened
/// (in the move's transaction, once per period).
fn tell_followers_period_opened(
    conn: &mut DbConn,
    s: &Standard,
    period_id: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> QueryResult<usize> {
    use crate::i18n::Lang;
    let params = serde_json::json!({
        "title_zh": s.title_zh, "title_en": s.title_en,
        "start_zh": Lang::Zh.plain_date(starts_on), "start_en": Lang::En.plain_date(starts_on),
        "end_zh": Lang::Zh.plain_date(ends_on), "end_en": Lang::En.plain_date(ends_on),
        "link": format!("/standards/{}#comment", s.id),
    });
    crate::db::watches::tell_followers(
        conn,
        crate::domain::watch::Followed::Standard,
        s.id,
        "comment_period_opened",
        &params,
        &format!("comment_period_opened:period:{period_id}"),
    )
}

/// The registry supersedes the standard a newly published one replaces (if
/// the lifecycle allows: a withdrawn standard stays withdrawn), with a link
/// both ways.
fn supersede(conn: &mut DbConn, actor: Actor, old_id: i64, by_number: &str, today: NaiveDate) -> Step<()> {
    let old = lock(conn, old_id)?;
    let Ok(m) = transition(old.state, StandardAction::Supersede, None, &old.facts(today)) else { return Ok(()) };
    bump(conn, &old, old.version, m.to)?;
    record_event(conn, actor, old_id, StandardAction::Supersede.as_str(), Some(old.state), Some(m.to), by_number)?;
    audit::record(
        conn,
        actor,
        Object::Standard,
        Some(old_id),
        Action::Supersede,
        Some(&old.state.as_str()),
        Some(&m.to.as_str()),
    )?;
    Ok(())
}

/// A reviewer's position in the current technical review (casting again
/// replaces it): one row per reviewer and round, whoever clicks twice.
pub fn cast_position(
    conn: &mut DbConn,
    actor: Actor,
    who: Person,
    reviewer_id: i64,
    id: i64,
    position: ReviewPosition,
    opinion: &str,
) -> Step<()> {
    let s = lock(conn, id)?;
    may_cast(s.state, who, s.owners(), position, opinion)?;
    let opinion = opinion.trim();
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
            review_positions::position.eq(Code(position)),
            review_positions::opinion.eq(opinion),
            review_positions::cast_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    record_event(conn, actor, id, &format!("position_{}", position.as_str()), None, None, opinion)?;
    audit::record::<(), _>(
        conn,
        actor,
        Object::Standard,
        Some(id),
        Action::ReviewPosition,
        None,
        Some(&(position.as_str(), opinion)),
    )?;
    Ok(())
}
