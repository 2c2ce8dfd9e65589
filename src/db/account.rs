//! A user's own account (`/account`): their name and language, their e-mail,
//! and their sessions. Each change is one transaction with its audit row.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::schema::{sessions, users};
use super::users::UserRefusal;
use super::{DbConn, Fail};
use crate::domain::audit::{Action, Object};
use crate::domain::Email;

type Step<T> = Result<T, Fail<UserRefusal>>;

/// What the audit log keeps of a change of one's own name and language.
#[derive(Debug, Serialize)]
struct Profile<'a> {
    display_name: &'a str,
    lang: &'a str,
}

/// Take the user at `expected` version: the compare-and-set moves the version
/// and locks the row; nothing taken means changed meanwhile (or gone).
fn take(conn: &mut DbConn, id: i64, expected: i32) -> Step<()> {
    let taken = diesel::update(users::table.find(id).filter(users::version.eq(expected)))
        .set(users::version.eq(users::version + 1))
        .execute(conn)?;
    if taken == 1 {
        return Ok(());
    }
    let exists: i64 = users::table.find(id).count().get_result(conn)?;
    Err(Fail::Refused(if exists > 0 { UserRefusal::Stale } else { UserRefusal::NotFound }))
}

/// The user changes their own name and language (`lang` a language code), as shown at `expected`.
pub fn update_profile(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    expected: i32,
    display_name: &str,
    lang: &str,
) -> Step<()> {
    take(conn, id, expected)?;
    let (name_before, lang_before): (String, String) =
        users::table.find(id).select((users::display_name, users::lang)).first(conn)?;
    diesel::update(users::table.find(id))
        .set((users::display_name.eq(display_name), users::lang.eq(lang), users::updated_at.eq(super::now())))
        .execute(conn)?;
    let before = Profile { display_name: &name_before, lang: &lang_before };
    let after = Profile { display_name, lang };
    audit::record(conn, actor, Object::User, Some(id), Action::UpdateAccount, Some(&before), Some(&after))?;
    Ok(())
}

/// The user changes their own e-mail (their password was checked): another
/// account with it is a refusal, found first or by the unique index.
pub fn change_email(conn: &mut DbConn, actor: Actor, id: i64, expected: i32, email: &Email) -> Step<()> {
    take(conn, id, expected)?;
    let before: String = users::table.find(id).select(users::email).first(conn)?;
    let taken: i64 =
        users::table.filter(users::email.eq(email.as_str())).filter(users::id.ne(id)).count().get_result(conn)?;
    if taken > 0 {
        return Err(Fail::Refused(UserRefusal::DuplicateEmail));
    }
    diesel::update(users::table.find(id))
        .set((users::email.eq(email.as_str()), users::updated_at.eq(super::now())))
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                Fail::Refused(UserRefusal::DuplicateEmail)
            }
            e => e.into(),
        })?;
    audit::record(conn, actor, Object::User, Some(id), Action::ChangeEmail, Some(&before), Some(&email.as_str()))?;
    Ok(())
}

/// What the account page shows and its forms start from.
#[derive(Debug, Clone, Queryable)]
pub struct Own {
    pub email: String,
    pub display_name: String,
    pub lang: String,
    pub version: i32,
}

pub fn own(conn: &mut DbConn, id: i64) -> QueryResult<Option<Own>> {
    users::table
        .find(id)
        .select((users::email, users::display_name, users::lang, users::version))
        .first(conn)
        .optional()
}

/// One of a user's sessions, for their list.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id_hash: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub user_agent: String,
    pub address: String,
}

/// The live sessions of `user_id`, the most recently used first.
pub fn sessions(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
    idle: Duration,
    lifetime: Duration,
) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(sessions::created_at.gt(now - lifetime))
        .order((sessions::last_seen_at.desc(), sessions::created_at.desc()))
        .limit(100)
        .select((
            sessions::id_hash,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::user_agent,
            sessions::address,
        ))
        .load(conn)
}

/// End one other session of the user (not `keep`, the one asking). Nothing
/// ended (already gone, or not theirs) is `NotFound`.
pub fn end_session(conn: &mut DbConn, actor: Actor, user_id: i64, id_hash: &str, keep: &str) -> Step<()> {
    if id_hash == keep {
        return Err(Fail::Refused(UserRefusal::NotFound));
    }
    let n = diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::id_hash.eq(id_hash)))
        .execute(conn)?;
    if n == 0 {
        return Err(Fail::Refused(UserRefusal::NotFound));
    }
    audit::record::<(), ()>(conn, actor, Object::Session, Some(user_id), Action::EndSession, None, None)?;
    Ok(())
}

/// End every session of the user but `keep`; how many ended.
pub fn end_other_sessions(conn: &mut DbConn, actor: Actor, user_id: i64, keep: &str) -> QueryResult<usize> {
    let n = diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::id_hash.ne(keep)))
        .execute(conn)?;
    audit::record::<(), _>(conn, actor, Object::Session, Some(user_id), Action::EndOtherSessions, None, Some(&n))?;
    Ok(n)
}
