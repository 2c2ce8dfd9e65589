-- Reporting periods of a pledge, the signatories' commitment reports with one
-- entry per subscribed commitment, their indicators and evidence, and every
-- submitted revision kept as a snapshot.

CREATE TABLE reporting_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    pledge_id BIGINT NOT NULL REFERENCES pledges (id),
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    covers_from DATE NOT NULL,
    covers_to DATE NOT NULL,
    opens_on DATE NOT NULL,
    due_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id)
);
CREATE INDEX reporting_periods_pledge ON reporting_periods (pledge_id, due_on);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    period_id BIGINT NOT NULL REFERENCES reporting_periods (id),
    signature_id BIGINT NOT NULL REFERENCES signatures (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    state TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    revisions INTEGER NOT NULL DEFAULT 0,
    ever_returned BOOLEAN NOT NULL DEFAULT 0,
    review_comment TEXT NOT NULL DEFAULT '',
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    decided_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (period_id, signature_id)
);
CREATE INDEX reports_state_submitted ON reports (state, submitted_at);
CREATE INDEX reports_organization ON reports (organization_id, period_id);
CREATE INDEX reports_signature ON reports (signature_id);

CREATE TABLE report_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_id BIGINT NOT NULL REFERENCES reports (id),
    commitment_id BIGINT NOT NULL REFERENCES pledge_commitments (id),
    status TEXT NOT NULL DEFAULT '',
    na_reason TEXT NOT NULL DEFAULT '',
    measures_md TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '',
    UNIQUE (report_id, commitment_id)
);
CREATE INDEX report_entries_commitment ON report_entries (commitment_id);

CREATE TABLE report_indicators (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entry_id BIGINT NOT NULL REFERENCES report_entries (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_indicators_entry ON report_indicators (entry_id, position);

CREATE TABLE report_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entry_id BIGINT NOT NULL REFERENCES report_entries (id),
    url TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_links_entry ON report_links (entry_id);

CREATE TABLE report_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_id BIGINT NOT NULL REFERENCES reports (id),
    n INTEGER NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    submitted_by BIGINT REFERENCES users (id),
    snapshot_json TEXT NOT NULL,
    UNIQUE (report_id, n)
);

-- Bumped whenever something the public dashboard shows changes, so that every
-- instance can tell whether its cached rendering is still current.
INSERT INTO settings (key, value) VALUES ('dashboard_stamp', '0');
