//! Server-side sessions. The cookie holds a random token; the table holds its
//! SHA-256, so a copy of the database does not hand out live sessions.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::codes::Code;
use super::schema::{organizations, sessions, users};
use super::DbConn;
use crate::domain::Role;

/// The signed-in user behind a session, as every request needs it. The role
/// is read strictly: an unknown stored code is an error, never a guess at
/// what the user may do.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionUser {
    #[diesel(select_expression = sessions::id_hash)]
    pub session_hash: String,
    pub csrf_token: String,
    pub last_seen_at: NaiveDateTime,
    #[diesel(select_expression = users::id)]
    pub user_id: i64,
    #[diesel(select_expression = users::email)]
    pub email: String,
    #[diesel(select_expression = users::display_name)]
    pub display_name: String,
    #[diesel(select_expression = users::role, deserialize_as = Code<Role>)]
    pub role: Role,
    #[diesel(select_expression = organizations::id)]
    pub org_id: i64,
    #[diesel(select_expression = organizations::name_zh)]
    pub org_name_zh: String,
    #[diesel(select_expression = organizations::name_en)]
    pub org_name_en: String,
}

/// The longest user agent kept with a session (the rest is cut).
pub const USER_AGENT_MAX: usize = 200;

/// Where a session was started from: the browser's user agent and the client address.
#[derive(Debug, Clone, Default)]
pub struct Origin<'a> {
    pub user_agent: &'a str,
    pub address: &'a str,
}

/// Start a session; the user's last sign-in is now.
pub fn create(conn: &mut DbConn, id_hash: &str, user_id: i64, csrf_token: &str, from: &Origin<'_>) -> QueryResult<()> {
    let now = super::now();
    let user_agent: String = from.user_agent.chars().take(USER_AGENT_MAX).collect();
    let address: String = from.address.chars().take(64).collect();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::user_agent.eq(user_agent),
            sessions::address.eq(address),
        ))
        .execute(conn)?;
    diesel::update(users::table.find(user_id)).set(users::last_login_at.eq(now)).execute(conn)?;
    Ok(())
}

/// The live session with this hash: not idle longer than `idle`, not older than
/// `lifetime`, of an active user. One query.
pub fn lookup(
    conn: &mut DbConn,
    id_hash: &str,
    now: NaiveDateTime,
    idle: Duration,
    lifetime: Duration,
) -> QueryResult<Option<SessionUser>> {
    sessions::table
        .inner_join(users::table.inner_join(organizations::table))
        .filter(sessions::id_hash.eq(id_hash))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(sessions::created_at.gt(now - lifetime))
        .filter(users::active.eq(true))
        .select(SessionUser::as_select())
        .first(conn)
        .optional()
}

/// Record activity (callers do it at most once a minute per session).
pub fn touch(conn: &mut DbConn, id_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id_hash)).set(sessions::last_seen_at.eq(now)).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)
}

pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Remove sessions that can no longer be used.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime, idle: Duration, lifetime: Duration) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(sessions::last_seen_at.le(now - idle).or(sessions::created_at.le(now - lifetime))),
    )
    .execute(conn)
}
