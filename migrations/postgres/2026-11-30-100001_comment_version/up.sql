-- Each comment's disposition is changed compare-and-set on this number:
-- a form carries the version it showed, a stale form changes nothing.
ALTER TABLE comments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
