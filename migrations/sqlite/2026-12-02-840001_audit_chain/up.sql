-- Tamper-evident audit log: the sealer chains audit_log rows in id order.
-- row_hash = SHA-256(prev_hash, the row's content); prev_hash is the previous
-- link's row_hash (64 zeros for the first). UNIQUE (prev_hash): the chain
-- cannot fork. Append-only like audit_log.
CREATE TABLE audit_chain (
    audit_id BIGINT PRIMARY KEY NOT NULL REFERENCES audit_log (id),
    prev_hash TEXT NOT NULL UNIQUE,
    row_hash TEXT NOT NULL UNIQUE,
    sealed_at TIMESTAMP NOT NULL
);
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;

-- Every verification of the chain (the command line's and the admins' "verify now").
CREATE TABLE audit_verifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_user_id BIGINT REFERENCES users (id),
    ok BOOLEAN NOT NULL,
    rows_checked BIGINT NOT NULL,
    head_id BIGINT,
    head_hash TEXT,
    problem TEXT
);
