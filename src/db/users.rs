//! Users: accounts of people, each in one organization with one role.

use crate::domain::audit::{Action, Object};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::schema::{organizations, sessions, users};
use super::DbConn;
use crate::domain::{Email, Role};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organization_id: i64,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Filer)
    }
}

/// What the audit log keeps of a user (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserAudit<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub organization_id: i64,
    pub role: &'a str,
    pub active: bool,
}

impl User {
    pub fn audit(&self) -> UserAudit<'_> {
        UserAudit {
            email: &self.email,
            display_name: &self.display_name,
            organization_id: self.organization_id,
            role: &self.role,
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

#[derive(Debug, thiserror::Error)]
pub enum UserSaveError {
    #[error("e-mail already registered")]
    DuplicateEmail,
    #[error("organization not found")]
    UnknownOrg,
    #[error("user not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn map_err(e: diesel::result::Error) -> UserSaveError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => UserSaveError::DuplicateEmail,
        Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => UserSaveError::UnknownOrg,
        e => UserSaveError::Db(e),
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

pub fn insert(conn: &mut DbConn, actor: Actor, u: &NewUser<'_>) -> Result<i64, UserSaveError> {
    let now = super::now();
    if super::orgs::get(conn, u.organization_id)?.is_none() {
        return Err(UserSaveError::UnknownOrg);
    }
    let id: i64 = diesel::insert_into(users::table)
        .values((
            users::email.eq(u.email.as_str()),
            users::display_name.eq(u.display_name),
            users::organization_id.eq(u.organization_id),
            users::role.eq(u.role.as_str()),
            users::active.eq(true),
            users::password_hash.eq(u.password_hash),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)
        .map_err(map_err)?;
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

pub struct UserEdit<'a> {
    pub display_name: &'a str,
    pub organization_id: i64,
    pub role: Role,
    pub active: bool,
}

/// Edit a user; deactivating ends all of the user's sessions at once.
pub fn update(conn: &mut DbConn, actor: Actor, id: i64, e: &UserEdit<'_>) -> Result<(), UserSaveError> {
    let before = get(conn, id)?.ok_or(UserSaveError::NotFound)?;
    if super::orgs::get(conn, e.organization_id)?.is_none() {
        return Err(UserSaveError::UnknownOrg);
    }
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(e.display_name),
            users::organization_id.eq(e.organization_id),
            users::role.eq(e.role.as_str()),
            users::active.eq(e.active),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map_err(map_err)?;
    // A change of role or organization or a deactivation must take effect now,
    // not when the session expires.
    if !e.active || e.role != before.role() || e.organization_id != before.organization_id {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(conn)?;
    }
    let after = UserAudit {
        email: &before.email,
        display_name: e.display_name,
        organization_id: e.organization_id,
        role: e.role.as_str(),
        active: e.active,
    };
    let action = if before.active && !e.active { Action::Disable } else { Action::Update };
    audit::record(conn, actor, Object::User, Some(id), action, Some(&before.audit()), Some(&after))?;
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

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}
