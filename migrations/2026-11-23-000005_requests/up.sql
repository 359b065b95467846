-- Establishments asking for help, and their help requests.
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Ids are UUIDs and timestamps
-- are set by the application; closed lists are stored as their stable codes so that
-- reports can group by them (and show "non renseigné" for codes they do not know).

-- An establishment is created by the first help request naming its FINESS number.
CREATE TABLE establishments (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    -- 9 characters, upper case (2A/2B for Corsica), checked by entraide_core::Finess.
    finess VARCHAR(9) NOT NULL,
    name TEXT NOT NULL,
    -- es, esms or ambulatoire.
    kind VARCHAR(16) NOT NULL,
    -- public, prive_non_lucratif or prive_lucratif.
    legal_status VARCHAR(32) NOT NULL,
    -- INSEE codes; the region is the department's, kept as a column for filters and reports.
    department VARCHAR(3) NOT NULL,
    region VARCHAR(2) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX establishments_finess_key ON establishments (finess);
CREATE INDEX establishments_region_idx ON establishments (region);
CREATE INDEX establishments_kind_idx ON establishments (kind);

CREATE TABLE help_requests (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    -- What people quote on the phone and in e-mails: DA-<year>-<number in the year>.
    reference VARCHAR(24) NOT NULL,
    establishment_id VARCHAR(36) NOT NULL REFERENCES establishments (id),
    -- The contact's account (role requester): owner of the request.
    requester_user_id VARCHAR(36) NOT NULL REFERENCES users (id),
    -- The contact person as given on this request (the account may change later).
    contact_name TEXT NOT NULL,
    contact_email VARCHAR(254) NOT NULL,
    -- E.164.
    contact_phone VARCHAR(16) NOT NULL,
    contact_job_role VARCHAR(32) NOT NULL,
    -- Free text; must hold no patient or health data (said on the form and in the API).
    description TEXT NOT NULL,
    -- low, normal, high or critical.
    urgency VARCHAR(16) NOT NULL,
    -- submitted, proposed, accepted, resolved, closed, cancelled or unmatched.
    status VARCHAR(16) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT
);
CREATE UNIQUE INDEX help_requests_reference_key ON help_requests (reference);
CREATE INDEX help_requests_created_idx ON help_requests (created_at);
CREATE INDEX help_requests_status_idx ON help_requests (status, created_at);
CREATE INDEX help_requests_requester_idx ON help_requests (requester_user_id, created_at);
CREATE INDEX help_requests_establishment_idx ON help_requests (establishment_id);

-- Themes of a request, in the order the requester gave them (the first is the main one).
-- A retired theme stays on the requests that named it.
CREATE TABLE help_request_themes (
    request_id VARCHAR(36) NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    theme_id VARCHAR(64) NOT NULL REFERENCES themes (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (request_id, theme_id)
);
CREATE INDEX help_request_themes_theme_idx ON help_request_themes (theme_id);

-- Audit trail of a request's states: who moved it, when, from which state to which, why.
CREATE TABLE help_request_transitions (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    request_id VARCHAR(36) NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    -- NULL for the submission itself.
    from_status VARCHAR(16),
    to_status VARCHAR(16) NOT NULL,
    -- NULL when the service itself acted (expiry of proposals, automatic closing).
    actor_user_id VARCHAR(36) REFERENCES users (id),
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX help_request_transitions_request_idx ON help_request_transitions (request_id, created_at);
