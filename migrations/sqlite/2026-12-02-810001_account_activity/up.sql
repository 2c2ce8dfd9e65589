-- When each user last signed in (NULL: never); the admins' 待办 lists who never did.
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMP;
UPDATE users SET last_login_at = (SELECT MAX(a.at) FROM audit_log a WHERE a.action = 'login' AND a.object_id = users.id);
-- What a session was started from, for the user's list of their sessions on /account.
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
