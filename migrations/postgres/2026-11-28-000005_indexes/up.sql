-- Standard pages look up revisions of a standard.
CREATE INDEX standards_revision_of ON standards (revision_of_id);
