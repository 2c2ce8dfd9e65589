ALTER TABLE reporting_periods DROP COLUMN version;
