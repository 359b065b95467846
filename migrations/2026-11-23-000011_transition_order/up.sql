-- Order of a request's transitions: several may share a timestamp (one service action
-- can move a request twice), so the audit trail numbers them.
ALTER TABLE help_request_transitions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX help_request_transitions_seq_idx ON help_request_transitions (request_id, seq);
