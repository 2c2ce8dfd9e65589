CREATE TABLE standards (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    proposing_org_id BIGINT NOT NULL REFERENCES organizations (id),
    lead_org_id BIGINT NOT NULL REFERENCES organizations (id),
    ics TEXT NOT NULL DEFAULT '',
    ccs TEXT NOT NULL DEFAULT '',
    replaces_id BIGINT REFERENCES standards (id),
    revision_of_id BIGINT REFERENCES standards (id),
    number TEXT UNIQUE,
    release_date DATE,
    implementation_date DATE,
    withdrawn_date DATE,
    state TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    review_round INTEGER NOT NULL DEFAULT 0,
    comment_seq INTEGER NOT NULL DEFAULT 0,
    year INTEGER NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX standards_state_updated ON standards (state, updated_at);
CREATE INDEX standards_updated ON standards (updated_at);
CREATE INDEX standards_lead_org ON standards (lead_org_id);
CREATE INDEX standards_proposing_org ON standards (proposing_org_id);
CREATE INDEX standards_replaces ON standards (replaces_id);
CREATE INDEX standards_year ON standards (year);

CREATE TABLE standard_codrafters (
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (standard_id, organization_id)
);
CREATE INDEX standard_codrafters_org ON standard_codrafters (organization_id);

CREATE TABLE standard_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    at TIMESTAMP NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_org_id BIGINT REFERENCES organizations (id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX standard_events_standard ON standard_events (standard_id, at);
CREATE INDEX standard_events_action_at ON standard_events (action, at);

CREATE TABLE standard_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    n INTEGER NOT NULL,
    label TEXT NOT NULL,
    body_md TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    UNIQUE (standard_id, n)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    owner_type TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id)
);
CREATE INDEX attachments_owner ON attachments (owner_type, owner_id);

CREATE TABLE comment_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX comment_periods_standard ON comment_periods (standard_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    period_id BIGINT NOT NULL REFERENCES comment_periods (id),
    seq INTEGER NOT NULL,
    version_n INTEGER NOT NULL,
    clause_ref TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    proposed_change TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    organization TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disposition TEXT,
    disposition_reason TEXT NOT NULL DEFAULT '',
    disposed_at TIMESTAMP,
    disposed_by BIGINT REFERENCES users (id),
    UNIQUE (standard_id, seq)
);
CREATE INDEX comments_standard_disposition ON comments (standard_id, disposition);

CREATE TABLE review_positions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    standard_id BIGINT NOT NULL REFERENCES standards (id),
    round INTEGER NOT NULL,
    reviewer_id BIGINT NOT NULL REFERENCES users (id),
    position TEXT NOT NULL,
    opinion TEXT NOT NULL DEFAULT '',
    cast_at TIMESTAMP NOT NULL,
    UNIQUE (standard_id, round, reviewer_id)
);
