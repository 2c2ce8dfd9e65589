-- One report per organization and period, whatever happens at once (two
-- clicks on "open report" record one report).
--
-- Reports opened twice before this rule (a double click could do that) are
-- kept, not deleted: each later one is marked as a duplicate of the
-- organization's first report for the period and stays outside the rule.
ALTER TABLE reports ADD COLUMN duplicate_of BIGINT;
UPDATE reports SET duplicate_of = (
    SELECT MIN(first.id) FROM reports first
    WHERE first.period_id = reports.period_id AND first.organization_id = reports.organization_id
)
WHERE id > (
    SELECT MIN(first.id) FROM reports first
    WHERE first.period_id = reports.period_id AND first.organization_id = reports.organization_id
);
CREATE UNIQUE INDEX reports_one_per_organization ON reports (period_id, organization_id)
    WHERE duplicate_of IS NULL;
