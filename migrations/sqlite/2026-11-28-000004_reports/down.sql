DELETE FROM settings WHERE key = 'dashboard_stamp';
DROP TABLE report_revisions;
DROP TABLE report_links;
DROP TABLE report_indicators;
DROP TABLE report_entries;
DROP TABLE reports;
DROP TABLE reporting_periods;
