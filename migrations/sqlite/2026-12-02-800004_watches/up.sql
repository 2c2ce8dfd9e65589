-- Who follows a standard or a pledge: a signed-in user who watches it
-- (user_id), or someone of the public who subscribed by e-mail (email,
-- confirmed_at NULL until they confirm through the link in the confirmation
-- mail). `token` is the capability of the confirmation and unsubscribe links.
CREATE TABLE watches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    email TEXT,
    lang TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    confirmed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (email IS NULL))
);
CREATE UNIQUE INDEX watches_user ON watches (user_id, object_type, object_id);
CREATE UNIQUE INDEX watches_email ON watches (email, object_type, object_id);
CREATE INDEX watches_object ON watches (object_type, object_id);
