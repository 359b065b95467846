-- Personal data (issue 10): when a person, an application or a request's contact details
-- were erased, so that erasure and the retention purge act once and can be claimed by
-- one process (`... WHERE erased_at IS NULL`). Portable SQL; no foreign key, so that
-- SQLite can drop the columns again.

-- Set when the person was erased (on request or after years without activity): the row
-- stays as an anonymous, disabled shell because other rows point to it.
ALTER TABLE users ADD COLUMN erased_at TIMESTAMP;
-- The latest sign-in, kept when the purge deletes old sessions, so that the inactivity
-- rule still sees it.
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMP;
-- Set when the applicant's identity was removed (erasure, or a rejection long ago); what
-- the bilan counts (gender, role, sector, status, region, themes, dates) stays.
ALTER TABLE applications ADD COLUMN erased_at TIMESTAMP;
-- Set when the contact person's name, address and phone were removed from the request.
ALTER TABLE help_requests ADD COLUMN contact_erased_at TIMESTAMP;
