DROP INDEX sessions_user_idx;
DROP TABLE sessions;
DROP INDEX sign_in_tokens_user_idx;
DROP INDEX sign_in_tokens_hash_key;
DROP TABLE sign_in_tokens;
DROP TABLE user_roles;
DROP INDEX users_email_key;
DROP TABLE users;
