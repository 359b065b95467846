-- The bilan finds a request's state at the end of a period with one lookup: the last
-- transition before it, by time then by its number in the audit trail.
DROP INDEX bilan_transitions_idx;
CREATE INDEX bilan_transitions_idx ON help_request_transitions (request_id, created_at, seq, to_status);
