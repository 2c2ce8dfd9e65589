DROP TABLE signature_events;
DROP TABLE signature_exclusions;
DROP TABLE signatures;
DROP TABLE pledge_commitments;
DROP TABLE pledges;
