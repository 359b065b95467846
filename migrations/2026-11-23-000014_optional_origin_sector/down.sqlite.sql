-- Back to a required sector (fails on rows without one). Same procedure as up.sqlite.sql.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE applications_rebuilt (
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
    updated_at TIMESTAMP NOT NULL,
    erased_at TIMESTAMP
);
INSERT INTO applications_rebuilt SELECT * FROM applications;
DROP TABLE applications;
ALTER TABLE applications_rebuilt RENAME TO applications;
CREATE UNIQUE INDEX applications_open_email_key ON applications (email)
    WHERE status IN ('pending', 'accepted');
CREATE INDEX applications_email_idx ON applications (email);
CREATE INDEX applications_status_created_idx ON applications (status, created_at);
CREATE INDEX applications_region_idx ON applications (region);

CREATE TABLE volunteers_rebuilt (
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
INSERT INTO volunteers_rebuilt SELECT * FROM volunteers;
DROP TABLE volunteers;
ALTER TABLE volunteers_rebuilt RENAME TO volunteers;
CREATE UNIQUE INDEX volunteers_user_key ON volunteers (user_id);
CREATE UNIQUE INDEX volunteers_application_key ON volunteers (application_id);
CREATE INDEX volunteers_region_idx ON volunteers (region);
COMMIT;
PRAGMA foreign_keys = ON;
