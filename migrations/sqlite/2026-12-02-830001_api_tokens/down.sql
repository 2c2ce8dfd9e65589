ALTER TABLE audit_log DROP COLUMN actor_token_id;
DROP TABLE api_idempotency;
DROP TABLE api_tokens;
