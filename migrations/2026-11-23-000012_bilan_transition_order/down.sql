DROP INDEX bilan_transitions_idx;
CREATE INDEX bilan_transitions_idx ON help_request_transitions (request_id, created_at, id, to_status, from_status);
