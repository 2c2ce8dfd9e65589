DROP FUNCTION IF EXISTS audit_log_append_only CASCADE;
DROP TABLE audit_log;
DROP TABLE throttle_events;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organizations;
DROP TABLE settings;
