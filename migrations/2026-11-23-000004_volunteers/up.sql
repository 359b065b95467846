-- Volunteer applications, vetted by staff, and the volunteers they become.
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Ids are UUIDs and timestamps
-- UTC, both set by the application. Closed lists are stored as their stable codes
-- (entraide_core `as_str()`), so that reports can count them, and the optional answers of
-- the form are NULL when not given (the bilan's "non renseigné").

CREATE TABLE applications (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    email VARCHAR(254) NOT NULL,
    name TEXT NOT NULL,
    -- E.164.
    phone VARCHAR(20) NOT NULL,
    gender VARCHAR(16),
    job_role VARCHAR(32) NOT NULL,
    origin_sector VARCHAR(32) NOT NULL,
    origin_status VARCHAR(32) NOT NULL,
    department VARCHAR(3) NOT NULL,
    -- Derived from the department, kept for filters and reports.
    region VARCHAR(2) NOT NULL,
    presentation TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    -- Where the applicant works, to avoid conflicts of interest.
    own_organisation TEXT,
    publication_consent BOOLEAN NOT NULL,
    -- pending, accepted or rejected.
    status VARCHAR(16) NOT NULL,
    rejection_reason TEXT,
    decided_at TIMESTAMP,
    decided_by VARCHAR(36) REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- One open (pending or accepted) application per address, even under concurrent posts.
CREATE UNIQUE INDEX applications_open_email_key ON applications (email)
    WHERE status IN ('pending', 'accepted');
CREATE INDEX applications_email_idx ON applications (email);
CREATE INDEX applications_status_created_idx ON applications (status, created_at);
CREATE INDEX applications_region_idx ON applications (region);

CREATE TABLE application_themes (
    application_id VARCHAR(36) NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    theme_id VARCHAR(64) NOT NULL REFERENCES themes (id),
    PRIMARY KEY (application_id, theme_id)
);
CREATE INDEX application_themes_theme_idx ON application_themes (theme_id);

-- An accepted volunteer: the profile copied from the application at acceptance, then
-- kept up to date by the volunteer (the application stays as it was sent). The e-mail
-- address is the user's (users.email), the one the volunteer signs in with.
CREATE TABLE volunteers (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    user_id VARCHAR(36) NOT NULL REFERENCES users (id),
    application_id VARCHAR(36) NOT NULL REFERENCES applications (id),
    name TEXT NOT NULL,
    phone VARCHAR(20) NOT NULL,
    gender VARCHAR(16),
    job_role VARCHAR(32) NOT NULL,
    origin_sector VARCHAR(32) NOT NULL,
    origin_status VARCHAR(32) NOT NULL,
    department VARCHAR(3) NOT NULL,
    region VARCHAR(2) NOT NULL,
    presentation TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    own_organisation TEXT,
    publication_consent BOOLEAN NOT NULL,
    -- Unavailable through this day (UTC) included.
    paused_until DATE,
    -- Staff deactivation: out of the directory and of matching; the row stays.
    active BOOLEAN NOT NULL,
    deactivated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX volunteers_user_key ON volunteers (user_id);
CREATE UNIQUE INDEX volunteers_application_key ON volunteers (application_id);
CREATE INDEX volunteers_region_idx ON volunteers (region);

CREATE TABLE volunteer_themes (
    volunteer_id VARCHAR(36) NOT NULL REFERENCES volunteers (id) ON DELETE CASCADE,
    theme_id VARCHAR(64) NOT NULL REFERENCES themes (id),
    PRIMARY KEY (volunteer_id, theme_id)
);
CREATE INDEX volunteer_themes_theme_idx ON volunteer_themes (theme_id);
