-- Waves of proposals (issue 7). Portable SQL; the columns carry no foreign key so that
-- SQLite can drop them again.

-- Number of the current wave of proposals: 0 before the first one. Background jobs of
-- several processes claim "start the next wave" with a conditional update on it.
ALTER TABLE help_requests ADD COLUMN wave INTEGER NOT NULL DEFAULT 0;
-- The last wave the service proposes on its own before the request becomes unmatched
-- (NULL before the first wave; raised when staff reopen the request).
ALTER TABLE help_requests ADD COLUMN last_wave INTEGER;
