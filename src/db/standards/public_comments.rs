//! Public comments and their dispositions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::detail::{latest_period, Period};
use super::{get, StdError};
use crate::db::audit::{self, Actor};
use crate::db::schema::{comments, standard_versions, standards};
use crate::db::DbConn;
use crate::domain::standard::{Disposition, StandardState, TransitionError};

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
    let now = crate::db::now();
    let scope = format!("comment:ip:{client}");
    let hour_ago = now - chrono::Duration::hours(1);
    let (n, _) = crate::db::throttle::count_since(conn, &scope, hour_ago)?;
    if n >= COMMENTS_PER_HOUR {
        let oldest = crate::db::throttle::nth_latest_since(conn, &scope, hour_ago, COMMENTS_PER_HOUR)?;
        return Ok(Err(CommentRefused::Throttled(oldest.unwrap_or(now) + chrono::Duration::hours(1))));
    }
    crate::db::throttle::record(conn, &scope, now)?;
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
                comments::disposed_at.eq(crate::db::now()),
                comments::disposed_by.eq(actor.user_id),
            ))
            .execute(conn)?,
        Some(p) => diesel::update(target.filter(comments::disposition.eq(p)))
            .set((
                comments::disposition.eq(d.as_str()),
                comments::disposition_reason.eq(reason.trim()),
                comments::disposed_at.eq(crate::db::now()),
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
