DROP INDEX reports_one_per_organization;
ALTER TABLE reports DROP COLUMN duplicate_of;
