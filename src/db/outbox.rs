//! The outbox: messages (e-mail) that a change causes, written in the same
//! transaction as the change and delivered afterwards, exactly once, by the
//! sender of any instance. A message holds what to say (its kind and
//! parameters) and to whom; the sender renders it in the recipient's
//! language when it delivers it, so a message is never lost with a request
//! and never sent from inside one.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::outbox;
use super::DbConn;

/// A message to write in the current transaction.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// What the message is (`report_returned`, `password_reset`, …): the
    /// sender's templates are chosen by it.
    pub kind: &'static str,
    /// The e-mail address it goes to.
    pub recipient: String,
    /// The registry user it goes to, if any (for their language and page links).
    pub user_id: Option<i64>,
    /// `zh-CN` or `en`.
    pub lang: &'static str,
    /// What the templates of `kind` need (ids, names, dates), as JSON.
    pub params: serde_json::Value,
    /// At most one message per key, ever: a second `enqueue` with the same
    /// key writes nothing (reminders: one per report and kind).
    pub dedupe_key: Option<String>,
}

impl Outgoing {
    pub fn new<P: Serialize>(
        kind: &'static str,
        recipient: &str,
        user_id: Option<i64>,
        lang: &'static str,
        params: &P,
    ) -> Result<Self, serde_json::Error> {
        Ok(Outgoing {
            kind,
            recipient: recipient.to_owned(),
            user_id,
            lang,
            params: serde_json::to_value(params)?,
            dedupe_key: None,
        })
    }

    pub fn once(mut self, key: String) -> Self {
        self.dedupe_key = Some(key);
        self
    }
}

/// Write `msg` to the outbox (call it inside the transaction of the change
/// that causes it). `None` when a message with the same dedupe key exists.
pub fn enqueue(conn: &mut DbConn, msg: &Outgoing) -> QueryResult<Option<i64>> {
    let now = super::now();
    let params =
        serde_json::to_string(&msg.params).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let values = (
        outbox::created_at.eq(now),
        outbox::kind.eq(msg.kind),
        outbox::recipient.eq(&msg.recipient),
        outbox::user_id.eq(msg.user_id),
        outbox::lang.eq(msg.lang),
        outbox::params.eq(params),
        outbox::dedupe_key.eq(&msg.dedupe_key),
        outbox::state.eq(STATE_PENDING),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
    );
    // The unique dedupe key decides, even between instances at once.
    let insert = diesel::insert_into(outbox::table).values(values).on_conflict_do_nothing().returning(outbox::id);
    match conn {
        DbConn::Sqlite(c) => insert.get_result(c).optional(),
        DbConn::Pg(c) => insert.get_result(c).optional(),
    }
}

pub const STATE_PENDING: &str = "pending";
pub const STATE_SENT: &str = "sent";
pub const STATE_FAILED: &str = "failed";

/// A stored message.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub kind: String,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub lang: String,
    pub params: String,
    pub dedupe_key: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
}

/// Messages for one user or address, newest first (tests and the admin page).
pub fn to_recipient(conn: &mut DbConn, recipient: &str) -> QueryResult<Vec<Message>> {
    outbox::table
        .filter(outbox::recipient.eq(recipient))
        .order(outbox::id.desc())
        .select(Message::as_select())
        .load(conn)
}

/// How long a claimed message is held for its sender: if the instance dies
/// while sending, another one takes the message up after this.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// The lease in force: [`LEASE`], except in debug builds where
/// `SELFREG_MAIL_LEASE_SECS` may shorten it (the test that kills a sender
/// mid-delivery waits the lease out). Release builds never read it.
pub fn lease() -> chrono::Duration {
    if cfg!(debug_assertions) {
        if let Some(secs) = std::env::var("SELFREG_MAIL_LEASE_SECS").ok().and_then(|v| v.parse::<i64>().ok()) {
            return chrono::Duration::seconds(secs.clamp(1, 3600));
        }
    }
    LEASE
}

/// After this many failed attempts a message is marked failed.
pub const MAX_ATTEMPTS: i32 = 10;

/// The wait before the next attempt after `attempts` failed ones: 15 s,
/// 30 s, 1 min, … doubling, at most 6 hours.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = attempts.clamp(1, 16) - 1;
    let secs = 15i64.saturating_mul(1 << exp).min(6 * 3600);
    chrono::Duration::seconds(secs)
}

/// Take up to `limit` due messages for this sender: each is held (its next
/// attempt moved a lease ahead, its attempts counted) in one short
/// transaction. On PostgreSQL the rows are locked with `SKIP LOCKED`, so
/// senders in several instances take different messages and never one
/// twice; on SQLite the write transaction itself serializes the senders.
pub fn claim(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Message>> {
    super::write(conn, |c| {
        let now = super::now();
        let due = outbox::table
            .filter(outbox::state.eq(STATE_PENDING))
            .filter(outbox::next_attempt_at.le(now))
            .order(outbox::id)
            .limit(limit)
            .select(outbox::id);
        let ids: Vec<i64> = match c {
            DbConn::Pg(pg) => due.for_update().skip_locked().load(pg)?,
            DbConn::Sqlite(s) => due.load(s)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((outbox::next_attempt_at.eq(now + lease()), outbox::attempts.eq(outbox::attempts + 1)))
            .execute(c)?;
        outbox::table.filter(outbox::id.eq_any(&ids)).order(outbox::id).select(Message::as_select()).load(c)
    })
}

/// The server took the message. A message whose link is a secret (a reset
/// or invitation link, see [`super::tokens::SECRET_KINDS`]) loses its link:
/// the token is kept no longer than it takes to deliver it.
pub fn mark_sent(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::state.eq(STATE_PENDING)))
        .set((outbox::state.eq(STATE_SENT), outbox::sent_at.eq(super::now()), outbox::last_error.eq(None::<String>)))
        .execute(conn)?;
    super::tokens::forget_sent_link(conn, id)
}

/// A temporary failure: try again after the backoff, or give up after
/// [`MAX_ATTEMPTS`].
pub fn mark_retry(conn: &mut DbConn, msg: &Message, error: &str) -> QueryResult<()> {
    if msg.attempts >= MAX_ATTEMPTS {
        return mark_failed(conn, msg.id, error);
    }
    diesel::update(outbox::table.filter(outbox::id.eq(msg.id)).filter(outbox::state.eq(STATE_PENDING)))
        .set((outbox::next_attempt_at.eq(super::now() + backoff(msg.attempts)), outbox::last_error.eq(error)))
        .execute(conn)?;
    Ok(())
}

/// A permanent failure (the server refused the recipient, the address is
/// invalid, the message cannot be rendered): no further attempts.
pub fn mark_failed(conn: &mut DbConn, id: i64, error: &str) -> QueryResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::state.eq(STATE_PENDING)))
        .set((outbox::state.eq(STATE_FAILED), outbox::last_error.eq(error)))
        .execute(conn)?;
    Ok(())
}

/// An admin sends a failed message again: pending, due now, attempts from zero.
/// `false` when it is not (or no longer) failed.
pub fn retry(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::state.eq(STATE_FAILED)))
        .set((outbox::state.eq(STATE_PENDING), outbox::attempts.eq(0), outbox::next_attempt_at.eq(super::now())))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Message>> {
    outbox::table.find(id).select(Message::as_select()).first(conn).optional()
}

/// Messages in one state (or all), newest first, a page at a time, with the total.
pub fn list(
    conn: &mut DbConn,
    state: Option<&str>,
    recipient: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Message>, i64)> {
    let filtered = || {
        let mut q = outbox::table.into_boxed();
        if let Some(s) = state {
            q = q.filter(outbox::state.eq(s.to_owned()));
        }
        if let Some(r) = recipient {
            q = q.filter(outbox::recipient.eq(r.to_owned()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows =
        filtered().order(outbox::id.desc()).limit(limit).offset(offset).select(Message::as_select()).load(conn)?;
    Ok((rows, total))
}

/// How many messages wait and how many failed (the admin's summary).
pub fn counts(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let pending = outbox::table.filter(outbox::state.eq(STATE_PENDING)).count().get_result(conn)?;
    let failed = outbox::table.filter(outbox::state.eq(STATE_FAILED)).count().get_result(conn)?;
    Ok((pending, failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_six_hours() {
        assert_eq!(backoff(1), chrono::Duration::seconds(15));
        assert_eq!(backoff(2), chrono::Duration::seconds(30));
        assert_eq!(backoff(3), chrono::Duration::seconds(60));
        assert_eq!(backoff(12), chrono::Duration::hours(6));
        assert_eq!(backoff(100), chrono::Duration::hours(6));
    }
}
