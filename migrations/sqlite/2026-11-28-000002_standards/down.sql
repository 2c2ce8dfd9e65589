DROP TABLE review_positions;
DROP TABLE comments;
DROP TABLE comment_periods;
DROP TABLE attachments;
DROP TABLE standard_versions;
DROP TABLE standard_events;
DROP TABLE standard_codrafters;
DROP TABLE standards;
