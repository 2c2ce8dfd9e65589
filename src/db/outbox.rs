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
