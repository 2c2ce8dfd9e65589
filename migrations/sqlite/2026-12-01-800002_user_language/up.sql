-- The language a user reads the registry in (set at each sign-in): their mail comes in it.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN';
