-- The data stamp in sixteen slots: a change moves the slot of its object, so
-- writers of different records do not queue on one row; the stamp is the sum.
CREATE TABLE data_stamps (
    slot INTEGER PRIMARY KEY,
    n BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_stamps (slot, n) VALUES
    (0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0),
    (8, 0), (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0);
