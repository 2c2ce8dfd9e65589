-- Reporting periods can be edited (compare-and-set on their version) until a report is opened.
ALTER TABLE reporting_periods ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
