-- A user is edited by compare-and-set on its version: an administrator's edit
-- made on a page someone else has changed since is refused, not applied.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
