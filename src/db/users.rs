//! Users: accounts of people, each in one organization with one role.
//!
//! The administrators' changes (create, edit or disable, password reset) are
//! each one step in one transaction: the user row is locked first (on
//! PostgreSQL), then checked, then written with its audit row; what cannot be
//! done is a [`UserRefusal`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::codes::Code;
use super::schema::{organizations, sessions, users};
use super::{DbConn, Fail};
use crate::domain::audit::{Action, Object};
use crate::domain::{Email, Role};

/// A user as stored. The role is read strictly: an unknown stored code is an
/// error, never a guess at what the user may do.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organization_id: i64,
    #[diesel(deserialize_as = Code<Role>)]
    pub role: Role,
    pub active: bool,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Moves on every administrator's edit (compare-and-set).
    pub version: i32,
}

/// What the audit log keeps of a user (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserAudit<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub organization_id: i64,
    pub role: &'static str,
    pub active: bool,
}

impl User {
    pub fn audit(&self) -> UserAudit<'_> {
        UserAudit {
            email: &self.email,
            display_name: &self.display_name,
            organization_id: self.organization_id,
            role: self.role.as_str(),
            active: self.active,
        }
    }
}

/// A user row with its organization's names, for lists.
pub struct UserListItem {
    pub user: User,
    pub org_name_zh: String,
    pub org_name_en: String,
}

/// Why an account change was not made (nothing was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRefusal {
    /// Another account has this e-mail address.
    DuplicateEmail,
    /// The chosen organization does not exist (any more).
    UnknownOrg,
    /// No such user.
    NotFound,
    /// An administrator may not disable their own account or give up their
    /// own administrator role (nobody might be left to undo it).
    SelfLockout,
    /// Someone else changed the user since the form was shown.
    Stale,
}

type UserResult<T> = Result<T, Fail<UserRefusal>>;

fn refuse<T>(r: UserRefusal) -> UserResult<T> {
    Err(Fail::Refused(r))
}

/// A unique e-mail or a vanished organization found by the database itself
/// (two administrators at once) is the same refusal as the checks before.
fn constraint(e: diesel::result::Error) -> Fail<UserRefusal> {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Fail::Refused(UserRefusal::DuplicateEmail),
        Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Fail::Refused(UserRefusal::UnknownOrg),
        e => e.into(),
    }
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).optional()
}

pub fn by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(email.trim().to_lowercase())).select(User::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConn, limit: i64, offset: i64) -> QueryResult<(Vec<UserListItem>, i64)> {
    let total = users::table.count().get_result(conn)?;
    let rows: Vec<(User, String, String)> = users::table
        .inner_join(organizations::table)
        .select((User::as_select(), organizations::name_zh, organizations::name_en))
        .order((organizations::name_zh, users::email))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(|(user, org_name_zh, org_name_en)| UserListItem { user, org_name_zh, org_name_en })
            .collect(),
        total,
    ))
}

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a str,
    pub organization_id: i64,
    pub role: Role,
    pub password_hash: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserInsert<'a> {
    email: &'a str,
    display_name: &'a str,
    organization_id: i64,
    role: Code<Role>,
    active: bool,
    password_hash: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The organization, locked against deletion for this transaction on
/// PostgreSQL (SQLite's BEGIN IMMEDIATE already serializes writers).
fn org_exists(conn: &mut DbConn, org_id: i64) -> QueryResult<bool> {
    if let DbConn::Pg(c) = conn {
        let found = diesel::sql_query("SELECT id FROM organizations WHERE id = $1 FOR SHARE")
            .bind::<diesel::sql_types::BigInt, _>(org_id)
            .execute(c)?;
        return Ok(found > 0);
    }
    Ok(organizations::table.find(org_id).select(organizations::id).first::<i64>(conn).optional()?.is_some())
}

/// The user, locked for this transaction on PostgreSQL.
fn lock(conn: &mut DbConn, id: i64) -> UserResult<User> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(c)?;
    }
    get(conn, id)?.ok_or(Fail::Refused(UserRefusal::NotFound))
}

pub fn insert(conn: &mut DbConn, actor: Actor, u: &NewUser<'_>) -> UserResult<i64> {
    if !org_exists(conn, u.organization_id)? {
        return refuse(UserRefusal::UnknownOrg);
    }
    if by_email(conn, u.email.as_str())?.is_some() {
        return refuse(UserRefusal::DuplicateEmail);
    }
    let now = super::now();
    let row = UserInsert {
        email: u.email.as_str(),
        display_name: u.display_name,
        organization_id: u.organization_id,
        role: Code(u.role),
        active: true,
        password_hash: u.password_hash,
        created_at: now,
        updated_at: now,
    };
    let id: i64 =
        diesel::insert_into(users::table).values(&row).returning(users::id).get_result(conn).map_err(constraint)?;
    let after = UserAudit {
        email: u.email.as_str(),
        display_name: u.display_name,
        organization_id: u.organization_id,
        role: u.role.as_str(),
        active: true,
    };
    audit::record::<(), _>(conn, actor, Object::User, Some(id), Action::Create, None, Some(&after))?;
    Ok(id)
}

/// An administrator's edit of a user.
#[derive(Debug, Clone)]
pub struct UserEdit {
    pub display_name: String,
    pub organization_id: i64,
    pub role: Role,
    pub active: bool,
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChange<'a> {
    display_name: &'a str,
    organization_id: i64,
    role: Code<Role>,
    active: bool,
    updated_at: NaiveDateTime,
}

/// Whether `actor` may make this edit of user `id`: never lock oneself out.
pub fn check_edit(actor: Actor, id: i64, e: &UserEdit) -> Result<(), UserRefusal> {
    if actor.user_id == Some(id) && (!e.active || e.role != Role::Admin) {
        return Err(UserRefusal::SelfLockout);
    }
    Ok(())
}

/// Take the user at `expected` version for this edit: the compare-and-set
/// moves the version and locks the row; no row means changed meanwhile (or gone).
fn take(conn: &mut DbConn, id: i64, expected: i32) -> UserResult<()> {
    let taken = diesel::update(users::table.find(id).filter(users::version.eq(expected)))
        .set(users::version.eq(users::version + 1))
        .execute(conn)?;
    if taken == 1 {
        return Ok(());
    }
    match get(conn, id)? {
        Some(_) => refuse(UserRefusal::Stale),
        None => refuse(UserRefusal::NotFound),
    }
}

/// Edit a user; a deactivation, or a change of role or organization, ends all
/// of the user's sessions at once (it takes effect now, not when the session
/// expires).
pub fn update(conn: &mut DbConn, actor: Actor, id: i64, expected: i32, e: &UserEdit) -> UserResult<()> {
    check_edit(actor, id, e).map_err(Fail::Refused)?;
    take(conn, id, expected)?;
    let before = get(conn, id)?.ok_or(Fail::Refused(UserRefusal::NotFound))?;
    if !org_exists(conn, e.organization_id)? {
        return refuse(UserRefusal::UnknownOrg);
    }
    let change = UserChange {
        display_name: &e.display_name,
        organization_id: e.organization_id,
        role: Code(e.role),
        active: e.active,
        updated_at: super::now(),
    };
    diesel::update(users::table.find(id)).set(&change).execute(conn).map_err(constraint)?;
    if !e.active || e.role != before.role || e.organization_id != before.organization_id {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(conn)?;
    }
    let after = UserAudit {
        email: &before.email,
        display_name: &e.display_name,
        organization_id: e.organization_id,
        role: e.role.as_str(),
        active: e.active,
    };
    let action = if before.active && !e.active { Action::Disable } else { Action::Update };
    audit::record(conn, actor, Object::User, Some(id), action, Some(&before.audit()), Some(&after))?;
    Ok(())
}

/// An administrator's password reset: the new hash, every session of the
/// user ends, and the audit log says so.
pub fn reset_password(conn: &mut DbConn, actor: Actor, id: i64, hash: &str) -> UserResult<()> {
    lock(conn, id)?;
    set_password_hash(conn, actor, id, hash, true)?;
    Ok(())
}

/// Set a new password hash. With `end_sessions`, every session of the user ends (a reset).
pub fn set_password_hash(conn: &mut DbConn, actor: Actor, id: i64, hash: &str, end_sessions: bool) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(super::now())))
        .execute(conn)?;
    if end_sessions {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(conn)?;
        audit::record::<(), ()>(conn, actor, Object::User, Some(id), Action::ResetPassword, None, None)?;
    }
    Ok(())
}

/// A user changes their own password: every session of theirs ends except
/// `keep` (the one they changed it from). Returns how many sessions ended.
pub fn change_own_password(conn: &mut DbConn, actor: Actor, id: i64, hash: &str, keep: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(super::now())))
        .execute(conn)?;
    let ended = diesel::delete(sessions::table.filter(sessions::user_id.eq(id)).filter(sessions::id_hash.ne(keep)))
        .execute(conn)?;
    audit::record::<(), _>(conn, actor, Object::User, Some(id), Action::ChangePassword, None, Some(&ended))?;
    Ok(ended)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// The password hash of an invited user who has not set a password yet: no
/// password matches it (it is not a hash), so nobody can sign in as them.
pub const INVITED_HASH: &str = "!invited";

impl User {
    /// Invited, and no password set yet.
    pub fn invited(&self) -> bool {
        self.password_hash == INVITED_HASH
    }
}

/// The user, locked for this transaction on PostgreSQL (a link is used or sent).
pub fn lock_for_link(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(c)?;
    }
    get(conn, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_cannot_lock_themselves_out() {
        let me = Actor::user(7, 1);
        let edit = |role, active| UserEdit { display_name: "x".into(), organization_id: 1, role, active };
        assert_eq!(check_edit(me, 7, &edit(Role::Admin, true)), Ok(()));
        assert_eq!(check_edit(me, 7, &edit(Role::Admin, false)), Err(UserRefusal::SelfLockout));
        for role in [Role::Editor, Role::Reviewer, Role::Filer] {
            assert_eq!(check_edit(me, 7, &edit(role, true)), Err(UserRefusal::SelfLockout));
            assert_eq!(check_edit(me, 8, &edit(role, false)), Ok(()), "others may be changed");
        }
        assert_eq!(check_edit(Actor::SYSTEM, 7, &edit(Role::Filer, false)), Ok(()));
    }
}
