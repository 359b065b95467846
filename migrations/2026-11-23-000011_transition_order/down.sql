DROP INDEX help_request_transitions_seq_idx;
ALTER TABLE help_request_transitions DROP COLUMN seq;
