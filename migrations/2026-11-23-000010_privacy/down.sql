ALTER TABLE help_requests DROP COLUMN contact_erased_at;
ALTER TABLE applications DROP COLUMN erased_at;
ALTER TABLE users DROP COLUMN last_sign_in_at;
ALTER TABLE users DROP COLUMN erased_at;
