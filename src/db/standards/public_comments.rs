//! Public comments and their dispositions.

use crate::domain::audit::{Action, Object};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::detail::{latest_period, Period};
use super::{get, StdError};
use crate::db::audit::{self, Actor};
use crate::db::schema::{comments, standard_versions, standards};
use crate::db::DbConn;
use crate::domain::clauses;
use crate::domain::standard::{may_dispose, DisposeRefusal, Disposition, StandardState};

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
    /// Moved by every disposition: forms carry it, stale ones change nothing.
    pub version: i32,
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
    /// The clause field names clauses the version commented on does not have.
    UnknownClause {
        unknown: Vec<String>,
        existing: Vec<String>,
    },
}

/// Store a public comment if the period is open, the clauses it names exist in
/// the version commented on and the address is under its hourly limit. Returns its sequence number.
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
    let text: Option<String> = standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .filter(standard_versions::n.eq(c.version_n))
        .select(standard_versions::body_md)
        .first(conn)
        .optional()?;
    let Some(text) = text else { return Ok(Err(CommentRefused::UnknownVersion)) };
    let unknown = clauses::unknown_refs(&c.clause_ref, &text);
    if !unknown.is_empty() {
        return Ok(Err(CommentRefused::UnknownClause { unknown, existing: clauses::numbers(&text) }));
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
        Object::Comment,
        Some(cid),
        Action::Create,
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

/// A comment as the disposing form showed it: its number and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub seq: i32,
    pub version: i32,
}

/// Why dispositions were not recorded (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisposeRefused {
    Rule(DisposeRefusal),
    /// These comments were disposed by someone else since the form was shown.
    Stale(Vec<i32>),
}

/// Record one outcome and reason on every comment in `shown`, all or none:
/// each is a compare-and-set on the version the form showed. Returns how many.
pub fn dispose(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    shown: &[Shown],
    d: Disposition,
    reason: &str,
) -> Result<Result<usize, DisposeRefused>, StdError> {
    let s = get(conn, id)?.ok_or(StdError::NotFound)?;
    if let Err(r) = may_dispose(s.state(), d, reason) {
        return Ok(Err(DisposeRefused::Rule(r)));
    }
    let seqs: Vec<i32> = shown.iter().map(|c| c.seq).collect();
    let before: Vec<Comment> =
        comments::table.filter(comments::standard_id.eq(id)).filter(comments::seq.eq_any(&seqs)).load(conn)?;
    if before.len() != seqs.len() {
        return Err(StdError::NotFound);
    }
    let mut stale: Vec<i32> = shown
        .iter()
        .filter(|c| before.iter().any(|b| b.seq == c.seq && b.version != c.version))
        .map(|c| c.seq)
        .collect();
    if !stale.is_empty() {
        stale.sort_unstable();
        return Ok(Err(DisposeRefused::Stale(stale)));
    }
    let reason = reason.trim();
    let now = crate::db::now();
    for c in shown {
        let b = before.iter().find(|b| b.seq == c.seq).ok_or(StdError::NotFound)?;
        // Compare-and-set, and only while the standard is still in public comment.
        let n = diesel::update(
            comments::table.filter(comments::id.eq(b.id)).filter(comments::version.eq(c.version)).filter(
                diesel::dsl::exists(
                    standards::table
                        .filter(standards::id.eq(id))
                        .filter(standards::state.eq(StandardState::PublicComment.as_str())),
                ),
            ),
        )
        .set((
            comments::disposition.eq(d.as_str()),
            comments::disposition_reason.eq(reason),
            comments::disposed_at.eq(now),
            comments::disposed_by.eq(actor.user_id),
            comments::version.eq(comments::version + 1),
        ))
        .execute(conn)?;
        if n == 0 {
            // Changed between reading and writing: the caller's transaction rolls back.
            return Err(StdError::Conflict);
        }
        audit::record(
            conn,
            actor,
            Object::Comment,
            Some(b.id),
            Action::Dispose,
            Some(&(b.disposition.as_deref(), &b.disposition_reason)),
            Some(&(d.as_str(), reason)),
        )?;
    }
    Ok(Ok(shown.len()))
}
