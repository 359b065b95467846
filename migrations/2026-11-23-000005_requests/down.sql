DROP TABLE help_request_transitions;
DROP TABLE help_request_themes;
DROP TABLE help_requests;
DROP TABLE establishments;
