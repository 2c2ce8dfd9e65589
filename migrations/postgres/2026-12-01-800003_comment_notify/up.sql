-- A commenter who asked to hear of the disposition: the language to tell them in (NULL: they did not ask).
ALTER TABLE comments ADD COLUMN notify_lang TEXT;
