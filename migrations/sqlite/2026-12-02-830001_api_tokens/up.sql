-- API tokens: a user's Bearer tokens for /api/v1 (issue 13 §3). Only the
-- SHA-256 of the secret is kept; the prefix (its first characters) tells
-- the owner which token is which.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP,
    last_used_address TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The first answer to a request with an Idempotency-Key, per token and key:
-- a retry gets it again and nothing is written twice.
CREATE TABLE api_idempotency (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_id BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (token_id, idem_key)
);

-- The token an audited change was made through (NULL: a form or the system).
ALTER TABLE audit_log ADD COLUMN actor_token_id BIGINT;
