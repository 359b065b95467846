CREATE INDEX bilan_requests_idx ON help_requests (id, created_at, establishment_id);
CREATE INDEX bilan_cases_idx ON cases (request_id, accepted_at, resolved_at, volunteer_id);
CREATE INDEX bilan_case_answers_idx ON case_answers (request_id, created_at);
CREATE INDEX bilan_case_ratings_idx ON case_ratings (request_id, created_at, rating);
