//! The security log: failed sign-ins, lock-outs and refused requests (CSRF,
//! forbidden), with the client's address and user agent. Admins read it at
//! `/admin/security`; rows older than [`KEEP_DAYS`] are purged.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::security_log;
use super::DbConn;

pub const KEEP_DAYS: i64 = 180;

/// What happened (stored as its code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A wrong password or unknown account.
    LoginFailed,
    /// A failure that started (or lengthened) a delay on further attempts.
    Lockout,
    /// An attempt refused unseen because a delay was running.
    LoginLocked,
    /// An unsafe request without a valid form token, or from another site.
    Csrf,
    /// A request the user's role or organization does not allow.
    Forbidden,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::LoginFailed, Kind::Lockout, Kind::LoginLocked, Kind::Csrf, Kind::Forbidden];

    pub fn code(self) -> &'static str {
        match self {
            Kind::LoginFailed => "login_failed",
            Kind::Lockout => "lockout",
            Kind::LoginLocked => "login_locked",
            Kind::Csrf => "csrf",
            Kind::Forbidden => "forbidden",
        }
    }
}

/// One event, as recorded.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub email: Option<String>,
    pub user_id: Option<i64>,
    pub address: String,
    pub user_agent: String,
    pub path: String,
    pub detail: Option<String>,
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

pub fn record(conn: &mut DbConn, kind: Kind, e: &NewEvent) -> QueryResult<()> {
    diesel::insert_into(security_log::table)
        .values((
            security_log::at.eq(super::now()),
            security_log::kind.eq(kind.code()),
            security_log::email.eq(e.email.as_deref().map(|m| cut(m, 254))),
            security_log::user_id.eq(e.user_id),
            security_log::address.eq(cut(&e.address, 64)),
            security_log::user_agent.eq(cut(&e.user_agent, 300)),
            security_log::path.eq(cut(&e.path, 300)),
            security_log::detail.eq(e.detail.as_deref().map(|d| cut(d, 300))),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct Row {
    pub id: i64,
    pub at: NaiveDateTime,
    pub kind: String,
    pub email: Option<String>,
    pub user_id: Option<i64>,
    pub address: String,
    pub user_agent: String,
    pub path: String,
    pub detail: Option<String>,
}

/// A page of events, newest first, optionally of one kind; and how many there are.
pub fn list(conn: &mut DbConn, kind: Option<&str>, limit: i64, offset: i64) -> QueryResult<(Vec<Row>, i64)> {
    let build = || {
        let mut q = security_log::table.into_boxed();
        if let Some(k) = kind {
            q = q.filter(security_log::kind.eq(k.to_owned()));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build().order(security_log::id.desc()).limit(limit).offset(offset).load(conn)?;
    Ok((rows, total))
}

/// Forget events older than [`KEEP_DAYS`].
pub fn purge(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(security_log::table.filter(security_log::at.lt(now - Duration::days(KEEP_DAYS)))).execute(conn)
}
