-- The transactional outbox: every e-mail is written here in the same transaction as the
-- change that causes it, then sent by the delivery worker of `entraide serve`.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.
CREATE TABLE outbox (
    id VARCHAR(36) PRIMARY KEY NOT NULL,
    -- Message kind, e.g. case_proposed (the template folder it was rendered from).
    kind VARCHAR(64) NOT NULL,
    recipient VARCHAR(254) NOT NULL,
    -- The message, rendered when it was queued: a template error aborts the transaction
    -- instead of sending half an e-mail later.
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- Fixed at queue time so that every attempt carries the same Message-ID.
    message_id VARCHAR(255) NOT NULL,
    -- pending, sending (claimed by a worker until locked_until), sent or dead.
    status VARCHAR(16) NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- The lease of the worker delivering it; an expired lease means the worker died.
    locked_by VARCHAR(36),
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE UNIQUE INDEX outbox_message_id_key ON outbox (message_id);
-- The worker's question: what is due, oldest first.
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
