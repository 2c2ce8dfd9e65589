//! Public comments and their dispositions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::detail::latest_period;
use super::{lock, Step};
use crate::db::audit::{self, Actor};
use crate::db::codes::{Code, MaybeCode};
use crate::db::schema::{comments, standard_versions, standards};
use crate::db::{throttle, DbConn, Fail};
use crate::domain::audit::{Action, Object};
use crate::domain::standard::{
    may_comment, may_dispose, CommentFacts, CommentKind, Disposition, Person, Refusal, Shown,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i64,
    pub standard_id: i64,
    pub period_id: i64,
    pub seq: i32,
    pub version_n: i32,
    pub clause_ref: String,
    #[diesel(deserialize_as = Code<CommentKind>)]
    pub kind: CommentKind,
    pub body: String,
    pub proposed_change: String,
    pub name: String,
    pub organization: String,
    /// Never shown publicly nor exported publicly.
    pub email: String,
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeCode<Disposition>)]
    pub disposition: Option<Disposition>,
    pub disposition_reason: String,
    pub disposed_at: Option<NaiveDateTime>,
    pub disposed_by: Option<i64>,
    /// Moved by every disposition: forms carry it, stale ones change nothing.
    pub version: i32,
    /// The commenter asked to hear of the disposition, in this language.
    pub notify_lang: Option<String>,
}

pub struct NewComment {
    pub version_n: i32,
    pub clause_ref: String,
    pub kind: CommentKind,
    pub body: String,
    pub proposed_change: String,
    pub name: String,
    pub organization: String,
    pub email: String,
    /// "处理后通知我": the language to tell the commenter in.
    pub notify_lang: Option<&'static str>,
}

/// Public comments allowed per client address per hour.
pub const COMMENTS_PER_HOUR: i64 = 10;

/// When `client` may comment again, if it has reached its hourly limit.
fn throttled_until(conn: &mut DbConn, scope: &str, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    let hour_ago = now - chrono::Duration::hours(1);
    let (n, _) = throttle::count_since(conn, scope, hour_ago)?;
    if n < COMMENTS_PER_HOUR {
        return Ok(None);
    }
    let oldest = throttle::nth_latest_since(conn, scope, hour_ago, COMMENTS_PER_HOUR)?;
    Ok(Some(oldest.unwrap_or(now) + chrono::Duration::hours(1)))
}

/// Store a public comment if the standard takes comments now (locked first:
/// the editor cannot end the period or leave public comment in between), the
/// clauses it names exist in the version commented on and the address is
/// under its hourly limit. Returns its number.
pub fn add_comment(
    conn: &mut DbConn,
    viewer: Option<Person>,
    id: i64,
    c: &NewComment,
    client: &str,
    today: NaiveDate,
) -> Step<i32> {
    let s = lock(conn, id)?;
    let period = latest_period(conn, id)?;
    let text: Option<String> = standard_versions::table
        .filter(standard_versions::standard_id.eq(id))
        .filter(standard_versions::n.eq(c.version_n))
        .select(standard_versions::body_md)
        .first(conn)
        .optional()?;
    let now = crate::db::now();
    let scope = format!("comment:ip:{client}");
    let facts = CommentFacts {
        owners: s.owners(),
        period: period.as_ref().map(|p| p.period()),
        today,
        version_n: c.version_n,
        version_text: text.as_deref(),
        clause_ref: &c.clause_ref,
        throttled_until: throttled_until(conn, &scope, now)?,
    };
    may_comment(s.state, viewer, &facts)?;
    let Some(period) = period else { return Err(Fail::Refused(Refusal::Closed(None))) };
    throttle::record(conn, &scope, now)?;
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
            comments::kind.eq(Code(c.kind)),
            comments::body.eq(&c.body),
            comments::proposed_change.eq(&c.proposed_change),
            comments::name.eq(&c.name),
            comments::organization.eq(&c.organization),
            comments::email.eq(&c.email),
            comments::notify_lang.eq(c.notify_lang),
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
    Ok(seq)
}

pub fn comments_of(conn: &mut DbConn, id: i64) -> QueryResult<Vec<Comment>> {
    comments::table.filter(comments::standard_id.eq(id)).order(comments::seq).select(Comment::as_select()).load(conn)
}

pub fn comment(conn: &mut DbConn, id: i64, seq: i32) -> QueryResult<Option<Comment>> {
    comments::table
        .filter(comments::standard_id.eq(id))
        .filter(comments::seq.eq(seq))
        .select(Comment::as_select())
        .first(conn)
        .optional()
}

/// Record one outcome and reason on every comment in `shown`, all or none,
/// as `who` saw them: the standard is locked first (so a disposition and a
/// move out of public comment, or two dispositions, never interleave), then
/// each comment is written compare-and-set on the version the form showed.
/// Returns how many.
pub fn dispose(
    conn: &mut DbConn,
    actor: Actor,
    who: Person,
    id: i64,
    shown: &[Shown],
    d: Disposition,
    reason: &str,
) -> Step<usize> {
    let s = lock(conn, id)?;
    let seqs: Vec<i32> = shown.iter().map(|c| c.seq).collect();
    let before: Vec<Comment> = comments::table
        .filter(comments::standard_id.eq(id))
        .filter(comments::seq.eq_any(&seqs))
        .select(Comment::as_select())
        .load(conn)?;
    let current: Vec<Shown> = before.iter().map(|b| Shown { seq: b.seq, version: b.version }).collect();
    may_dispose(s.state, who, s.owners(), shown, &current, d, reason)?;
    let reason = reason.trim();
    let now = crate::db::now();
    for b in &before {
        let n = diesel::update(comments::table.filter(comments::id.eq(b.id)).filter(comments::version.eq(b.version)))
            .set((
                comments::disposition.eq(Code(d)),
                comments::disposition_reason.eq(reason),
                comments::disposed_at.eq(now),
                comments::disposed_by.eq(actor.user_id),
                comments::version.eq(comments::version + 1),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(Fail::Refused(Refusal::StaleComments(vec![b.seq])));
        }
        audit::record(
            conn,
            actor,
            Object::Comment,
            Some(b.id),
            Action::Dispose,
            Some(&(b.disposition.map(|d| d.as_str()), &b.disposition_reason)),
            Some(&(d.as_str(), reason)),
        )?;
        if let Some(lang) = &b.notify_lang {
            crate::db::notify::comment_disposed(conn, b, (&s.title_zh, &s.title_en), d.as_str(), reason, lang)?;
        }
    }
    Ok(before.len())
}
