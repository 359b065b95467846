-- What happens after a request arrives: proposals to volunteers, the case held by the
-- volunteer who accepted, the answer given and the requester's rating.
-- Portable SQL (SQLite and PostgreSQL); ids and timestamps come from the application.

-- A request offered to one volunteer. Several are offered at once or in waves; the first
-- acceptance wins and the others are withdrawn.
CREATE TABLE proposals (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    request_id VARCHAR(36) NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    volunteer_id VARCHAR(36) NOT NULL REFERENCES volunteers (id),
    -- 1 for the first wave; staff proposals take the current wave.
    wave INTEGER NOT NULL,
    -- Place in the ranking when proposed (0 for a staff proposal outside the ranking).
    rank INTEGER NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    -- The matching reasons shown to the volunteer, as a JSON array of French strings.
    reasons TEXT NOT NULL,
    -- pending, accepted, declined, expired or withdrawn.
    status VARCHAR(16) NOT NULL,
    -- NULL when proposed by the service itself.
    proposed_by VARCHAR(36) REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP,
    responded_at TIMESTAMP,
    decline_reason TEXT
);
CREATE UNIQUE INDEX proposals_request_volunteer_key ON proposals (request_id, volunteer_id);
CREATE INDEX proposals_status_expires_idx ON proposals (status, expires_at);
CREATE INDEX proposals_volunteer_status_idx ON proposals (volunteer_id, status);

-- A request held by a volunteer. The primary key makes "first acceptance wins" a
-- database rule: a second insert for the same request fails.
CREATE TABLE cases (
    request_id VARCHAR(36) PRIMARY KEY NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    volunteer_id VARCHAR(36) NOT NULL REFERENCES volunteers (id),
    -- The proposal accepted (NULL when staff assigned the volunteer directly).
    proposal_id VARCHAR(36) REFERENCES proposals (id),
    accepted_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP
);
CREATE INDEX cases_volunteer_idx ON cases (volunteer_id, closed_at);

-- How the volunteer helped: one record per case, with one or more answer types.
CREATE TABLE case_answers (
    request_id VARCHAR(36) PRIMARY KEY NOT NULL REFERENCES cases (request_id) ON DELETE CASCADE,
    -- Free text; must hold no patient or health data.
    summary TEXT NOT NULL,
    time_spent_minutes INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE case_answer_items (
    request_id VARCHAR(36) NOT NULL REFERENCES case_answers (request_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    -- entraide_core::AnswerType code (appel_telephonique, envoi_outil, ...).
    answer_type VARCHAR(32) NOT NULL,
    -- For envoi_outil: the tool sent (teleworking charter, PCA template...) and a link.
    tool_name TEXT,
    tool_link TEXT,
    PRIMARY KEY (request_id, position)
);
CREATE INDEX case_answer_items_type_idx ON case_answer_items (answer_type);

-- The requester's word on the help received.
CREATE TABLE case_ratings (
    request_id VARCHAR(36) PRIMARY KEY NOT NULL REFERENCES cases (request_id) ON DELETE CASCADE,
    -- 1 (not useful) to 5 (very useful).
    rating INTEGER NOT NULL,
    comment TEXT,
    created_at TIMESTAMP NOT NULL
);
