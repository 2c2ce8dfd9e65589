ALTER TABLE comments DROP COLUMN notify_lang;
