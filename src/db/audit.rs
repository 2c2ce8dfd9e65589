//! The append-only audit log: every change of state and every edit goes through [`record`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::audit_log;
use super::DbConn;
use crate::domain::audit::{Action, Object};

/// Who did something: a signed-in user of an organization, or the system/CLI
/// (both `None`), and the network address the request came from (if any).
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub org_id: Option<i64>,
    pub address: Option<std::net::IpAddr>,
    /// The API token the user acted through (`None`: a form, the CLI or the system).
    pub token_id: Option<i64>,
}

impl Actor {
    pub const SYSTEM: Actor = Actor { user_id: None, org_id: None, address: None, token_id: None };

    /// A user of an organization, address unknown (demo data, tools).
    pub const fn user(user_id: i64, org_id: i64) -> Actor {
        Actor { user_id: Some(user_id), org_id: Some(org_id), address: None, token_id: None }
    }

    /// The same actor, acting from `address` (a client address as the request
    /// context has it; anything that is not an IP address is left out).
    pub fn from_address(self, address: &str) -> Actor {
        Actor { address: address.parse().ok(), ..self }
    }
}

/// Append one row; call it inside the same transaction as the change it records.
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    actor: Actor,
    object: Object,
    object_id: Option<i64>,
    action: Action,
    before: Option<&B>,
    after: Option<&A>,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(super::now()),
            audit_log::actor_user_id.eq(actor.user_id),
            audit_log::actor_org_id.eq(actor.org_id),
            audit_log::object_type.eq(object.code()),
            audit_log::object_id.eq(object_id),
            audit_log::action.eq(action.code()),
            audit_log::before_json.eq(before.map(to_json).transpose()?),
            audit_log::after_json.eq(after.map(to_json).transpose()?),
            audit_log::source_address.eq(actor.address.map(|a| a.to_string())),
            audit_log::actor_token_id.eq(actor.token_id),
        ))
        .execute(conn)?;
    // Every change moves the data stamp, which cached renderings are checked against.
    let key = object_id.unwrap_or(object as i64);
    super::settings::bump_data_stamp(conn, key)?;
    Ok(())
}

/// A value as JSON; one that cannot be encoded fails the change (never a
/// silent `null` in the record of what happened).
fn to_json<T: Serialize>(v: &T) -> QueryResult<String> {
    serde_json::to_string(v).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_org_id: Option<i64>,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub action: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub source_address: Option<String>,
    pub actor_token_id: Option<i64>,
}

/// Filters of the admin's audit browser; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// One page of the rows that pass the filter, newest first, and how many pass it.
pub fn list(conn: &mut DbConn, f: &AuditFilter, limit: i64, offset: i64) -> QueryResult<(Vec<AuditRow>, i64)> {
    let build = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(t) = &f.object_type {
            q = q.filter(audit_log::object_type.eq(t.clone()));
        }
        if let Some(id) = f.object_id {
            q = q.filter(audit_log::object_id.eq(id));
        }
        if let Some(u) = f.actor_user_id {
            q = q.filter(audit_log::actor_user_id.eq(u));
        }
        if let Some(a) = &f.action {
            q = q.filter(audit_log::action.eq(a.clone()));
        }
        if let Some(from) = f.from {
            q = q.filter(audit_log::at.ge(from));
        }
        if let Some(until) = f.until {
            q = q.filter(audit_log::at.lt(until));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<AuditRow> = build().order(audit_log::id.desc()).limit(limit).offset(offset).load(conn)?;
    Ok((rows, total))
}
