DROP INDEX bilan_case_answer_items_idx;
DROP INDEX bilan_case_ratings_idx;
DROP INDEX bilan_case_answers_idx;
DROP INDEX bilan_cases_idx;
DROP INDEX bilan_proposals_idx;
DROP INDEX bilan_request_themes_idx;
DROP INDEX bilan_transitions_idx;
DROP INDEX bilan_requests_idx;
