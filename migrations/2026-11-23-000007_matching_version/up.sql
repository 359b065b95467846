-- Version counters that processes compare with what their in-memory copies were built
-- from: a change made through one process reaches the others at their next read.
CREATE TABLE change_counters (
    name VARCHAR(32) PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('volunteer_profiles', 0);
