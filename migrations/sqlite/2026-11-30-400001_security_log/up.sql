-- Security log: failed sign-ins, lock-outs and refused requests (403), read by admins at /admin/security.
CREATE TABLE security_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    email TEXT,
    user_id BIGINT,
    address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    path TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX security_log_at ON security_log (at);

-- The network address a change came from.
ALTER TABLE audit_log ADD COLUMN source_address TEXT;
