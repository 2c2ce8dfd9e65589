-- Single-use links sent by mail: a forgotten password's reset (one hour) and
-- an invitation to set a first password (seven days). Only the SHA-256 of the
-- token is kept. `password_marker` is the SHA-256 of the user's password hash
-- when the link was made: any password change since voids the link.
CREATE TABLE user_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    password_marker TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);
