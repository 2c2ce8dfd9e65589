//! Server-side sessions. The cookie holds a random token; the table holds its
//! SHA-256, so a copy of the database does not hand out live sessions.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{organizations, sessions, users};
use super::DbConn;

/// The signed-in user behind a session, as every request needs it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session_hash: String,
    pub csrf_token: String,
    pub last_seen_at: NaiveDateTime,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub org_id: i64,
    pub org_kind: String,
    pub org_name_zh: String,
    pub org_name_en: String,
    /// The client address of the request (set by the request pipeline, not stored).
    pub client_address: String,
}

pub fn create(conn: &mut DbConn, id_hash: &str, user_id: i64, csrf_token: &str) -> QueryResult<()> {
    let now = super::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
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
    type Row = (String, String, NaiveDateTime, i64, String, String, String, i64, String, String, String);
    let row: Option<Row> = sessions::table
        .inner_join(users::table.inner_join(organizations::table))
        .filter(sessions::id_hash.eq(id_hash))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(sessions::created_at.gt(now - lifetime))
        .filter(users::active.eq(true))
        .select((
            sessions::id_hash,
            sessions::csrf_token,
            sessions::last_seen_at,
            users::id,
            users::email,
            users::display_name,
            users::role,
            organizations::id,
            organizations::kind,
            organizations::name_zh,
            organizations::name_en,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|r| SessionUser {
        session_hash: r.0,
        csrf_token: r.1,
        last_seen_at: r.2,
        user_id: r.3,
        email: r.4,
        display_name: r.5,
        role: r.6,
        org_id: r.7,
        org_kind: r.8,
        org_name_zh: r.9,
        org_name_en: r.10,
        client_address: String::new(),
    }))
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
