-- Pledges (conventions and initiatives), their numbered commitments, the
-- organizations that sign them, and the public history of every signature.

CREATE TABLE pledges (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    -- The issuing association: its editors run the pledge.
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    guiding_body_zh TEXT NOT NULL DEFAULT '',
    guiding_body_en TEXT NOT NULL DEFAULT '',
    text_md_zh TEXT NOT NULL,
    text_md_en TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    opened_at TIMESTAMP,
    closed_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX pledges_organization ON pledges (organization_id);
CREATE INDEX pledges_state ON pledges (state);
CREATE INDEX pledges_kind ON pledges (kind);

CREATE TABLE pledge_commitments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    pledge_id BIGINT NOT NULL REFERENCES pledges (id),
    number TEXT NOT NULL,
    area_zh TEXT NOT NULL,
    area_en TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    position INTEGER NOT NULL,
    UNIQUE (pledge_id, number)
);
CREATE INDEX pledge_commitments_pledge ON pledge_commitments (pledge_id, position);

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    pledge_id BIGINT NOT NULL REFERENCES pledges (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    state TEXT NOT NULL,
    all_commitments BOOLEAN NOT NULL,
    representative_name TEXT NOT NULL,
    representative_title TEXT NOT NULL,
    applied_by BIGINT REFERENCES users (id),
    applied_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    state_changed_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX signatures_pledge_state ON signatures (pledge_id, state);
CREATE INDEX signatures_organization ON signatures (organization_id, state);
CREATE INDEX signatures_applied_by ON signatures (applied_by);
-- At most one live (applied, verified or suspended) signature per organization and pledge.
CREATE UNIQUE INDEX signatures_one_live ON signatures (pledge_id, organization_id)
    WHERE state IN ('applied', 'verified', 'suspended');

CREATE TABLE signature_exclusions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    signature_id BIGINT NOT NULL REFERENCES signatures (id),
    commitment_id BIGINT NOT NULL REFERENCES pledge_commitments (id),
    reason TEXT NOT NULL,
    UNIQUE (signature_id, commitment_id)
);
CREATE INDEX signature_exclusions_commitment ON signature_exclusions (commitment_id);

CREATE TABLE signature_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    signature_id BIGINT NOT NULL REFERENCES signatures (id),
    at TIMESTAMP NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_org_id BIGINT REFERENCES organizations (id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signature_events_signature ON signature_events (signature_id, at);
CREATE INDEX signature_events_actor_user ON signature_events (actor_user_id);
CREATE INDEX signature_events_actor_org ON signature_events (actor_org_id);
