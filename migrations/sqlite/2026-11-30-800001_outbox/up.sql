-- Messages to deliver (e-mail), written in the same transaction as the change
-- that causes them and delivered afterwards by a sender in every instance.
-- `params` is JSON; the sender renders the message from its kind and params
-- in the recipient's language when it delivers it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    lang TEXT NOT NULL,
    params TEXT NOT NULL,
    -- At most one message per key (reminders: one per report and kind).
    dedupe_key TEXT UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
