ALTER TABLE audit_log DROP COLUMN source_address;
DROP TABLE security_log;
