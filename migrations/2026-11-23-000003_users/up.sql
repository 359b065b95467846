-- People who sign in: staff, volunteers and requesters, identified by e-mail.
CREATE TABLE users (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    email VARCHAR(254) NOT NULL,
    name TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- A disabled user cannot sign in; rows stay for the audit trail.
    disabled_at TIMESTAMP
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- A person may hold several roles (a volunteer who also asks for help).
CREATE TABLE user_roles (
    user_id VARCHAR(36) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role VARCHAR(16) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- One-time sign-in links: only a hash of the token is kept.
CREATE TABLE sign_in_tokens (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    user_id VARCHAR(36) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE UNIQUE INDEX sign_in_tokens_hash_key ON sign_in_tokens (token_hash);
CREATE INDEX sign_in_tokens_user_idx ON sign_in_tokens (user_id);

-- Sessions behind issued JWTs (id = the token's jti), so that sign-out and revocation
-- take effect at once.
CREATE TABLE sessions (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    user_id VARCHAR(36) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
