//! Who follows a standard or a pledge, and the messages they receive.
//!
//! A signed-in user *watches* (a row with `user_id`, confirmed at once; their
//! mail goes to their current address in their language). Someone of the
//! public *subscribes* by e-mail (a row with `email`), confirmed only through
//! the link in the confirmation mail: nothing else is sent before. Every row
//! holds a random token, the capability of its confirmation and unsubscribe
//! links (`/subscriptions/{token}`, `/unsubscribe/{token}`); every message to
//! a follower carries its unsubscribe link.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outbox::{self, Outgoing};
use super::schema::{pledges, standards, users, watches};
use super::{throttle, DbConn};
use crate::domain::watch::Followed;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = watches)]
pub struct Watch {
    pub id: i64,
    pub object_type: String,
    pub object_id: i64,
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub lang: String,
    pub token: String,
    pub confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Watch {
    /// A subscription still waiting for its confirmation when its link has expired.
    pub fn expired(&self, now: NaiveDateTime) -> bool {
        self.confirmed_at.is_none() && self.email.is_some() && self.created_at < confirm_cutoff(now)
    }

    pub fn followed(&self) -> Option<Followed> {
        Followed::parse(&self.object_type)
    }
}

/// Confirmation mails to one address in an hour (asking again resends one).
pub const CONFIRMATIONS_PER_HOUR: i64 = 3;

/// Days a confirmation link works; an unconfirmed subscription is then forgotten.
pub const CONFIRM_DAYS: i64 = 7;

fn confirm_cutoff(now: NaiveDateTime) -> NaiveDateTime {
    now - chrono::Duration::days(CONFIRM_DAYS)
}

/// Forget every subscription whose confirmation link expired; how many.
pub fn purge_unconfirmed(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        watches::table
            .filter(watches::confirmed_at.is_null())
            .filter(watches::email.is_not_null())
            .filter(watches::created_at.lt(confirm_cutoff(now))),
    )
    .execute(conn)
}
/// Subscriptions asked from one client address in an hour.
pub const SUBSCRIPTIONS_PER_CLIENT_HOUR: i64 = 20;

fn new_token() -> String {
    use rand::RngCore;
    let mut buf = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

fn serialization(e: serde_json::Error) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(e))
}

/// The titles (zh, en) of what is followed, if it exists.
pub fn titles(conn: &mut DbConn, what: Followed, id: i64) -> QueryResult<Option<(String, String)>> {
    match what {
        Followed::Standard => {
            standards::table.find(id).select((standards::title_zh, standards::title_en)).first(conn).optional()
        }
        Followed::Pledge => {
            pledges::table.find(id).select((pledges::title_zh, pledges::title_en)).first(conn).optional()
        }
    }
}

pub fn is_watching(conn: &mut DbConn, user_id: i64, what: Followed, id: i64) -> QueryResult<bool> {
    let n: i64 = watches::table
        .filter(watches::user_id.eq(user_id))
        .filter(watches::object_type.eq(what.as_str()))
        .filter(watches::object_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A signed-in user starts watching (again: nothing changes).
pub fn watch(conn: &mut DbConn, user_id: i64, lang: &str, what: Followed, id: i64) -> QueryResult<()> {
    let now = super::now();
    let insert = diesel::insert_into(watches::table)
        .values((
            watches::object_type.eq(what.as_str()),
            watches::object_id.eq(id),
            watches::user_id.eq(Some(user_id)),
            watches::lang.eq(lang),
            watches::token.eq(new_token()),
            watches::confirmed_at.eq(Some(now)),
            watches::created_at.eq(now),
        ))
        .on_conflict_do_nothing();
    match conn {
        DbConn::Sqlite(c) => insert.execute(c)?,
        DbConn::Pg(c) => insert.execute(c)?,
    };
    Ok(())
}

/// A signed-in user stops watching (not watching: nothing changes).
pub fn unwatch(conn: &mut DbConn, user_id: i64, what: Followed, id: i64) -> QueryResult<()> {
    diesel::delete(
        watches::table
            .filter(watches::user_id.eq(user_id))
            .filter(watches::object_type.eq(what.as_str()))
            .filter(watches::object_id.eq(id)),
    )
    .execute(conn)?;
    Ok(())
}

/// What a user watches, with titles (zh, en), newest first (at most 100).
pub fn of_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<(Followed, i64, String, String)>> {
    let rows: Vec<(String, i64)> = watches::table
        .filter(watches::user_id.eq(user_id))
        .order(watches::id.desc())
        .limit(100)
        .select((watches::object_type, watches::object_id))
        .load(conn)?;
    let ids = |f: Followed| -> Vec<i64> { rows.iter().filter(|r| r.0 == f.as_str()).map(|r| r.1).collect() };
    let std_titles: Vec<(i64, String, String)> = standards::table
        .filter(standards::id.eq_any(ids(Followed::Standard)))
        .select((standards::id, standards::title_zh, standards::title_en))
        .load(conn)?;
    let pledge_titles: Vec<(i64, String, String)> = pledges::table
        .filter(pledges::id.eq_any(ids(Followed::Pledge)))
        .select((pledges::id, pledges::title_zh, pledges::title_en))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, id)| {
            let what = Followed::parse(&kind)?;
            let list = if what == Followed::Standard { &std_titles } else { &pledge_titles };
            let (_, zh, en) = list.iter().find(|t| t.0 == id)?;
            Some((what, id, zh.clone(), en.clone()))
        })
        .collect())
}

/// Someone of the public asks to follow `what` by e-mail: a pending
/// subscription and a confirmation mail with its link (the same link again
/// if they ask again before confirming). Nothing is written for an address
/// that already follows it, nor beyond the hourly limits per address and per
/// client; the caller answers the same in every case. Returns whether a
/// confirmation mail was written.
pub fn subscribe(
    conn: &mut DbConn,
    email: &str,
    lang: &'static str,
    what: Followed,
    id: i64,
    client: &str,
) -> QueryResult<bool> {
    let Some((title_zh, title_en)) = titles(conn, what, id)? else { return Ok(false) };
    let now = super::now();
    let hour_ago = now - chrono::Duration::hours(1);
    let (address_scope, client_scope) = (format!("subscribe:{email}"), format!("subscribe-client:{client}"));
    if throttle::count_since(conn, &address_scope, hour_ago)?.0 >= CONFIRMATIONS_PER_HOUR
        || throttle::count_since(conn, &client_scope, hour_ago)?.0 >= SUBSCRIPTIONS_PER_CLIENT_HOUR
    {
        return Ok(false);
    }
    throttle::record(conn, &client_scope, now)?;
    // An expired request is forgotten: asking again starts afresh, with a new link.
    purge_unconfirmed(conn, now)?;
    let existing: Option<Watch> = watches::table
        .filter(watches::email.eq(email))
        .filter(watches::object_type.eq(what.as_str()))
        .filter(watches::object_id.eq(id))
        .select(Watch::as_select())
        .first(conn)
        .optional()?;
    let token = match existing {
        Some(w) if w.confirmed_at.is_some() => return Ok(false),
        Some(w) => w.token,
        None => {
            let token = new_token();
            diesel::insert_into(watches::table)
                .values((
                    watches::object_type.eq(what.as_str()),
                    watches::object_id.eq(id),
                    watches::email.eq(Some(email)),
                    watches::lang.eq(lang),
                    watches::token.eq(&token),
                    watches::created_at.eq(now),
                ))
                .execute(conn)?;
            token
        }
    };
    throttle::record(conn, &address_scope, now)?;
    let params = serde_json::json!({
        "title_zh": title_zh, "title_en": title_en,
        "link": format!("/subscriptions/{token}"),
    });
    let msg = Outgoing::new("subscription_confirm", email, None, lang, &params).map_err(serialization)?;
    outbox::enqueue(conn, &msg)?;
    Ok(true)
}

/// The subscription or watch a link's token names.
pub fn by_token(conn: &mut DbConn, token: &str) -> QueryResult<Option<Watch>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    watches::table.filter(watches::token.eq(token)).select(Watch::as_select()).first(conn).optional()
}

/// What a confirmation link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// Confirmed now: mail comes from now on.
    Now(Followed, i64),
    /// Confirmed before (the link was used).
    Already(Followed, i64),
    /// The link expired before it was used: the subscription is forgotten.
    Expired(Followed, i64),
    /// No such subscription (never, or unsubscribed since).
    Unknown,
}

/// Confirm the pending subscription of `token` (once).
pub fn confirm(conn: &mut DbConn, token: &str) -> QueryResult<Confirmed> {
    let Some(w) = by_token(conn, token)? else { return Ok(Confirmed::Unknown) };
    let Some(what) = w.followed() else { return Ok(Confirmed::Unknown) };
    if w.expired(super::now()) {
        diesel::delete(watches::table.find(w.id)).execute(conn)?;
        return Ok(Confirmed::Expired(what, w.object_id));
    }
    let n = diesel::update(watches::table.find(w.id).filter(watches::confirmed_at.is_null()))
        .set(watches::confirmed_at.eq(Some(super::now())))
        .execute(conn)?;
    Ok(if n == 1 { Confirmed::Now(what, w.object_id) } else { Confirmed::Already(what, w.object_id) })
}

/// End the watch or subscription of `token`; what it was, if it existed.
pub fn unsubscribe(conn: &mut DbConn, token: &str) -> QueryResult<Option<Watch>> {
    let Some(w) = by_token(conn, token)? else { return Ok(None) };
    let n = diesel::delete(watches::table.find(w.id)).execute(conn)?;
    Ok((n == 1).then_some(w))
}

/// A watcher's account: its address, language and whether it is active.
type UserAddress = (String, String, bool);

/// Write `kind` to every confirmed follower of `what` (call inside the
/// transaction of the change): signed-in watchers at their current address
/// in their language (active accounts only), subscribers at theirs; one
/// message per address, each with its unsubscribe link (`unsubscribe`
/// parameter). `once` keys the messages (with the follower's row) so that a
/// change told twice writes nothing new. Returns how many were written.
pub fn tell_followers(
    conn: &mut DbConn,
    what: Followed,
    id: i64,
    kind: &'static str,
    params: &serde_json::Value,
    once: &str,
) -> QueryResult<usize> {
    let rows: Vec<(Watch, Option<UserAddress>)> = watches::table
        .left_join(users::table)
        .filter(watches::object_type.eq(what.as_str()))
        .filter(watches::object_id.eq(id))
        .filter(watches::confirmed_at.is_not_null())
        .order(watches::id)
        .select((Watch::as_select(), (users::email, users::lang, users::active).nullable()))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    let mut written = 0;
    for (w, user) in rows {
        let (email, lang) = match (&w.email, user) {
            (Some(email), _) => (email.clone(), w.lang.clone()),
            (None, Some((email, lang, true))) => (email, lang),
            _ => continue,
        };
        if !seen.insert(email.to_lowercase()) {
            continue;
        }
        let Some(lang) = crate::i18n::Lang::from_code(&lang).map(|l| l.code()) else {
            return Err(diesel::result::Error::DeserializationError(format!("unknown language code {lang:?}").into()));
        };
        let mut p = params.clone();
        if let Some(m) = p.as_object_mut() {
            m.insert("unsubscribe".into(), format!("/unsubscribe/{}", w.token).into());
        }
        let msg = Outgoing::new(kind, &email, w.user_id, lang, &p)
            .map_err(serialization)?
            .once(format!("{once}:watch:{}", w.id));
        if outbox::enqueue(conn, &msg)?.is_some() {
            written += 1;
        }
    }
    Ok(written)
}

/// Tell the followers of each pledge whose reporting period opened in the
/// last three days (Beijing `today`): once per period and follower, however
/// often this runs (the mail thread runs it with the reminders). Returns how
/// many messages were written.
pub fn periods_opened(conn: &mut DbConn, today: chrono::NaiveDate) -> QueryResult<usize> {
    use super::schema::reporting_periods as rp;
    let periods: Vec<(i64, i64, String, String, chrono::NaiveDate)> = rp::table
        .filter(rp::opens_on.between(today - chrono::Duration::days(3), today))
        .order(rp::id)
        .select((rp::id, rp::pledge_id, rp::label_zh, rp::label_en, rp::due_on))
        .load(conn)?;
    let mut written = 0;
    for (period_id, pledge_id, label_zh, label_en, due_on) in periods {
        let Some((title_zh, title_en)) = titles(conn, Followed::Pledge, pledge_id)? else { continue };
        let due = crate::domain::standing::due_instant(due_on);
        let params = serde_json::json!({
            "title_zh": title_zh, "title_en": title_en,
            "period_zh": label_zh, "period_en": label_en,
            "due_zh": crate::i18n::Lang::Zh.deadline(due), "due_en": crate::i18n::Lang::En.deadline(due),
            "link": format!("/pledges/{pledge_id}"),
        });
        written += tell_followers(
            conn,
            Followed::Pledge,
            pledge_id,
            "period_opened",
            &params,
            &format!("period_opened:period:{period_id}"),
        )?;
    }
    Ok(written)
}
