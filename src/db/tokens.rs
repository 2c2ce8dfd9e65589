//! Single-use links sent by mail: a forgotten password's reset and an
//! invitation to set a first password.
//!
//! A token is random (256 bits, made by the caller); only its SHA-256 is
//! stored. It is valid until its expiry, void once used, void when a newer
//! link of the same purpose is sent, and void after ANY password change: the
//! row keeps a marker of the user's password hash when it was made, and a
//! link whose marker no longer matches is refused (whatever path changed the
//! password: the account page, an administrator, the command line, another link).
//! The message with the link is written to the outbox in the transaction
//! that stores the token.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::audit::{self, Actor};
use super::outbox::{self, Outgoing};
use super::schema::{organizations, sessions, user_tokens, users};
use super::users::{self as accounts, User};
use super::{DbConn, Fail};
use crate::domain::audit::{Action, Object};
use crate::i18n::Lang;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `/password/reset/{token}`, valid one hour.
    PasswordReset,
    /// `/invite/{token}`, valid seven days.
    Invitation,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::Invitation => "invitation",
        }
    }

    /// How long a link stays valid.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::PasswordReset => Duration::hours(1),
            Purpose::Invitation => Duration::days(7),
        }
    }

    /// The path of the link (the mail makes it absolute).
    pub fn link(self, token: &str) -> String {
        match self {
            Purpose::PasswordReset => format!("/password/reset/{token}"),
            Purpose::Invitation => format!("/invite/{token}"),
        }
    }
}

/// The marker of a password hash kept with a link: another hash since means the password changed.
pub fn marker(password_hash: &str) -> String {
    hex::encode(Sha256::digest(password_hash.as_bytes()))
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// No such link: never made, already used, or replaced by a newer one.
    Unknown,
    /// Past its time, or the password changed since it was made, or the account was disabled.
    Void,
}

/// What is stored of a token: its SHA-256, as hex.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Store a new link for `user` by its token's `digest` (the user's older links of this purpose die).
fn issue(conn: &mut DbConn, user: &User, purpose: Purpose, digest: &str, created_by: Option<i64>) -> QueryResult<()> {
    let now = super::now();
    diesel::delete(
        user_tokens::table.filter(user_tokens::user_id.eq(user.id)).filter(user_tokens::purpose.eq(purpose.code())),
    )
    .execute(conn)?;
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::user_id.eq(user.id),
            user_tokens::purpose.eq(purpose.code()),
            user_tokens::token_hash.eq(digest),
            user_tokens::password_marker.eq(marker(&user.password_hash)),
            user_tokens::created_by.eq(created_by),
            user_tokens::created_at.eq(now),
            user_tokens::expires_at.eq(now + purpose.lifetime()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user's stored language; an unknown code is an error, never a guess.
fn language(conn: &mut DbConn, user: &User) -> QueryResult<&'static str> {
    let code: String = users::table.find(user.id).select(users::lang).first(conn)?;
    Lang::from_code(&code)
        .map(|l| l.code())
        .ok_or_else(|| diesel::result::Error::DeserializationError(format!("unknown language {code:?}").into()))
}

#[derive(Serialize)]
struct ResetParams<'a> {
    name: &'a str,
    email: &'a str,
    link: String,
}

/// Someone asked for a reset link for `email`: for an active user with this
/// address, store the link (made of `token`) and write its message in this
/// transaction; for anyone else nothing. Returns whether a message was
/// written (never shown to the asker).
pub fn request_reset(conn: &mut DbConn, email: &str, token: &str) -> QueryResult<bool> {
    // The digest first, for known and unknown addresses alike.
    let digest = hash(token);
    let Some(user) = accounts::by_email(conn, email)?.filter(|u| u.active) else {
        return Ok(false);
    };
    issue(conn, &user, Purpose::PasswordReset, &digest, None)?;
    let params = ResetParams { name: &user.display_name, email: &user.email, link: Purpose::PasswordReset.link(token) };
    let msg = Outgoing::new(Purpose::PasswordReset.code(), &user.email, Some(user.id), language(conn, &user)?, &params)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    outbox::enqueue(conn, &msg)?;
    Ok(true)
}

#[derive(Serialize)]
struct InvitationParams<'a> {
    name: &'a str,
    email: &'a str,
    inviter: &'a str,
    org_zh: &'a str,
    org_en: &'a str,
    role_zh: &'a str,
    role_en: &'a str,
    link: String,
}

/// Why an invitation was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    /// No such user.
    NotFound,
    /// The user has set a password already (an administrator resets it instead).
    PasswordSet,
}

/// Send `user_id` an invitation (again): the older invitation link dies, the
/// new one and its message are written in this transaction, and the audit
/// log says who invited whom.
pub fn invite(conn: &mut DbConn, actor: Actor, user_id: i64, token: &str) -> Result<(), Fail<InviteRefusal>> {
    let user = accounts::lock_for_link(conn, user_id)?.ok_or(Fail::Refused(InviteRefusal::NotFound))?;
    if !user.invited() || !user.active {
        return Err(Fail::Refused(InviteRefusal::PasswordSet));
    }
    issue(conn, &user, Purpose::Invitation, &hash(token), actor.user_id)?;
    let inviter = match actor.user_id {
        Some(id) => accounts::get(conn, id)?.map(|u| u.display_name).unwrap_or_default(),
        None => String::new(),
    };
    let (org_zh, org_en): (String, String) = organizations::table
        .find(user.organization_id)
        .select((organizations::name_zh, organizations::name_en))
        .first(conn)?;
    let key = user.role.label_key();
    let params = InvitationParams {
        name: &user.display_name,
        email: &user.email,
        inviter: &inviter,
        org_zh: &org_zh,
        org_en: &org_en,
        role_zh: Lang::Zh.t(key),
        role_en: Lang::En.t(key),
        link: Purpose::Invitation.link(token),
    };
    let msg = Outgoing::new(Purpose::Invitation.code(), &user.email, Some(user.id), language(conn, &user)?, &params)
        .map_err(|e| Fail::from(diesel::result::Error::SerializationError(Box::new(e))))?;
    outbox::enqueue(conn, &msg)?;
    audit::record::<(), _>(conn, actor, Object::User, Some(user.id), Action::Invite, None, Some(&user.email))?;
    Ok(())
}

/// The user a link of `purpose` made of `token` is for, if it is usable now
/// (to show the form; nothing is written).
pub fn check(conn: &mut DbConn, purpose: Purpose, token: &str) -> Result<User, Fail<LinkRefusal>> {
    let row: Option<(i64, String, NaiveDateTime)> = user_tokens::table
        .filter(user_tokens::token_hash.eq(hash(token)))
        .filter(user_tokens::purpose.eq(purpose.code()))
        .select((user_tokens::user_id, user_tokens::password_marker, user_tokens::expires_at))
        .first(conn)
        .optional()?;
    let (user_id, mark, expires_at) = row.ok_or(Fail::Refused(LinkRefusal::Unknown))?;
    let user = accounts::get(conn, user_id)?.ok_or(Fail::Refused(LinkRefusal::Unknown))?;
    if expires_at <= super::now() || mark != marker(&user.password_hash) || !user.active {
        return Err(Fail::Refused(LinkRefusal::Void));
    }
    Ok(user)
}

/// Use a link: the new password hash is set, every link of the user dies,
/// every session of theirs ends, and the audit log says so — one
/// transaction. The link row is taken (deleted) before anything is checked,
/// so of two uses at once only one finds it and the other is told the link
/// is used (404), whatever it read before; a refusal rolls the taking back.
pub fn redeem(
    conn: &mut DbConn,
    actor_address: &str,
    purpose: Purpose,
    token: &str,
    new_hash: &str,
) -> Result<User, Fail<LinkRefusal>> {
    let taken: Option<(i64, String, NaiveDateTime)> = diesel::delete(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(hash(token)))
            .filter(user_tokens::purpose.eq(purpose.code())),
    )
    .returning((user_tokens::user_id, user_tokens::password_marker, user_tokens::expires_at))
    .get_result(conn)
    .optional()?;
    let (user_id, mark, expires_at) = taken.ok_or(Fail::Refused(LinkRefusal::Unknown))?;
    // The user locked; the link's checks under the lock (an administrator may have acted meanwhile).
    let user = accounts::lock_for_link(conn, user_id)?.ok_or(Fail::Refused(LinkRefusal::Unknown))?;
    if expires_at <= super::now() || mark != marker(&user.password_hash) || !user.active {
        return Err(Fail::Refused(LinkRefusal::Void));
    }
    diesel::update(users::table.find(user.id))
        .set((users::password_hash.eq(new_hash), users::updated_at.eq(super::now())))
        .execute(conn)?;
    diesel::delete(user_tokens::table.filter(user_tokens::user_id.eq(user.id))).execute(conn)?;
    let ended = diesel::delete(sessions::table.filter(sessions::user_id.eq(user.id))).execute(conn)?;
    let actor = Actor::user(user.id, user.organization_id).from_address(actor_address);
    let action = match purpose {
        Purpose::PasswordReset => Action::ResetByMail,
        Purpose::Invitation => Action::AcceptInvitation,
    };
    audit::record::<(), _>(conn, actor, Object::User, Some(user.id), action, None, Some(&ended))?;
    Ok(user)
}

/// The kinds of message whose link holds a token (a secret).
pub const SECRET_KINDS: [&str; 2] = ["password_reset", "invitation"];

/// Once message `id` is sent, take its link out of the outbox if it holds a
/// token (the mail has it; nobody reading the outbox or the database may).
pub fn forget_sent_link(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    use super::schema::outbox as messages;
    let row: Option<String> = messages::table
        .filter(messages::id.eq(id))
        .filter(messages::state.eq(outbox::STATE_SENT))
        .filter(messages::kind.eq_any(SECRET_KINDS))
        .select(messages::params)
        .first(conn)
        .optional()?;
    let Some(params) = row else {
        return Ok(());
    };
    let mut value: serde_json::Value =
        serde_json::from_str(&params).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    if let Some(map) = value.as_object_mut() {
        map.remove("link");
    }
    diesel::update(messages::table.find(id)).set(messages::params.eq(value.to_string())).execute(conn)?;
    Ok(())
}

/// Set the expiry of the link made of `token` (tests: an expired link).
pub fn set_expiry(conn: &mut DbConn, token: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(user_tokens::table.filter(user_tokens::token_hash.eq(hash(token))))
        .set(user_tokens::expires_at.eq(at))
        .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_digest_is_kept_and_a_new_password_changes_the_marker() {
        let token = "ab".repeat(32);
        assert_eq!(hash(&token).len(), 64);
        assert_ne!(hash(&token), token);
        assert_ne!(marker("$argon2id$one"), marker("$argon2id$two"));
        assert_eq!(Purpose::PasswordReset.lifetime(), Duration::hours(1));
        assert_eq!(Purpose::Invitation.lifetime(), Duration::days(7));
    }
}
