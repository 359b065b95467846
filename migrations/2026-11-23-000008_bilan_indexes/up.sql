-- Indexes for the bilan (issue 8), which gathers the facts of every request of a period
-- in one pass: requests read in id order, and for each one its state at the end of the
-- period, main theme, first proposal, case, answer and rating, each read from one index
-- alone (no table lookup), in the same id order. Portable SQL.
CREATE INDEX bilan_requests_idx ON help_requests (id, created_at, establishment_id);
CREATE INDEX bilan_transitions_idx ON help_request_transitions (request_id, created_at, id, to_status, from_status);
CREATE INDEX bilan_request_themes_idx ON help_request_themes (request_id, position, theme_id);
CREATE INDEX bilan_proposals_idx ON proposals (request_id, created_at, status);
CREATE INDEX bilan_cases_idx ON cases (request_id, accepted_at, resolved_at, volunteer_id);
CREATE INDEX bilan_case_answers_idx ON case_answers (request_id, created_at);
CREATE INDEX bilan_case_ratings_idx ON case_ratings (request_id, created_at, rating);
CREATE INDEX bilan_case_answer_items_idx ON case_answer_items (request_id, answer_type, tool_name);
