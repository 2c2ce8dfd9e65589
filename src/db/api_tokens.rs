//! API tokens (only the SHA-256 of each secret is kept) and the answers kept
//! for requests with an `Idempotency-Key`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor};
use super::codes::Code;
use super::schema::{api_idempotency, api_tokens, users};
use super::DbConn;
use crate::domain::audit::{Action, Object};
use crate::domain::token::{parse_scopes, scopes_text, Scope};
use crate::domain::Role;

/// A token as its owner's list shows it (never the secret, which is not kept).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_address: Option<String>,
}

impl TokenRow {
    /// Usable now: not revoked and not expired.
    pub fn live(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// Who a live token acts for.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub token_id: i64,
    pub token_name: String,
    pub scopes: Vec<Scope>,
    pub user_id: i64,
    pub role: Role,
    pub org_id: i64,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_address: Option<String>,
}

/// A new token of `user_id` (its hash and prefix made by the caller); audited
/// with its name, scopes and expiry, never its secret.
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub hash: &'a str,
    pub prefix: &'a str,
    pub scopes: &'a [Scope],
    pub expires_at: Option<NaiveDateTime>,
}

pub fn create(conn: &mut DbConn, actor: Actor, t: &NewToken) -> QueryResult<i64> {
    let scopes = scopes_text(t.scopes);
    let id: i64 = diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(t.user_id),
            api_tokens::name.eq(t.name.trim()),
            api_tokens::token_hash.eq(t.hash),
            api_tokens::prefix.eq(t.prefix),
            api_tokens::scopes.eq(&scopes),
            api_tokens::created_at.eq(super::now()),
            api_tokens::expires_at.eq(t.expires_at),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?;
    let after = (t.name.trim(), &scopes, t.expires_at, t.prefix);
    audit::record::<(), _>(conn, actor, Object::ApiToken, Some(id), Action::Create, None, Some(&after))?;
    Ok(id)
}

/// A user's tokens, newest first.
pub fn of_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id.desc())
        .select(TokenRow::as_select())
        .load(conn)
}

/// Revoke one of the user's live tokens; `false` if they have no such live token.
pub fn revoke(conn: &mut DbConn, actor: Actor, user_id: i64, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(super::now()))
    .execute(conn)?;
    if n == 1 {
        audit::record::<(), ()>(conn, actor, Object::ApiToken, Some(id), Action::Revoke, None, None)?;
    }
    Ok(n == 1)
}

/// The live token with this hash, of an active user. Scopes are read
/// strictly: an unknown stored scope is an error, never ignored.
pub fn lookup(conn: &mut DbConn, hash: &str, now: NaiveDateTime) -> QueryResult<Option<TokenUser>> {
    type Row = (i64, String, String, i64, Code<Role>, i64, Option<NaiveDateTime>, Option<String>);
    let row: Option<Row> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.is_null().or(api_tokens::expires_at.gt(now)))
        .filter(users::active.eq(true))
        .select((
            api_tokens::id,
            api_tokens::name,
            api_tokens::scopes,
            users::id,
            users::role,
            users::organization_id,
            api_tokens::last_used_at,
            api_tokens::last_used_address,
        ))
        .first(conn)
        .optional()?;
    let Some((token_id, token_name, scopes, user_id, Code(role), org_id, last_used_at, last_used_address)) = row else {
        return Ok(None);
    };
    let scopes = parse_scopes(&scopes).ok_or_else(|| {
        diesel::result::Error::DeserializationError(format!("token {token_id}: unknown scope in {scopes:?}").into())
    })?;
    Ok(Some(TokenUser { token_id, token_name, scopes, user_id, role, org_id, last_used_at, last_used_address }))
}

/// Note when and from where a token was last used.
pub fn touch(conn: &mut DbConn, id: i64, at: NaiveDateTime, address: &str) -> QueryResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set((api_tokens::last_used_at.eq(at), api_tokens::last_used_address.eq(address)))
        .execute(conn)?;
    Ok(())
}

/// The answer kept for a token's request with an `Idempotency-Key`.
#[derive(Debug, Clone, Queryable)]
pub struct KeptAnswer {
    pub request_hash: String,
    pub status: i32,
    pub body: String,
}

pub fn kept_answer(conn: &mut DbConn, token_id: i64, key: &str) -> QueryResult<Option<KeptAnswer>> {
    api_idempotency::table
        .filter(api_idempotency::token_id.eq(token_id))
        .filter(api_idempotency::idem_key.eq(key))
        .select((api_idempotency::request_hash, api_idempotency::status, api_idempotency::body))
        .first(conn)
        .optional()
}

/// Keep the answer (in the transaction of the change it answers).
pub fn keep_answer(conn: &mut DbConn, token_id: i64, key: &str, a: &KeptAnswer) -> QueryResult<()> {
    diesel::insert_into(api_idempotency::table)
        .values((
            api_idempotency::token_id.eq(token_id),
            api_idempotency::idem_key.eq(key),
            api_idempotency::request_hash.eq(&a.request_hash),
            api_idempotency::status.eq(a.status),
            api_idempotency::body.eq(&a.body),
            api_idempotency::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}
