-- Processes keep copies of sessions, requests' matching profiles and the volunteer
-- profiles' version in memory on PostgreSQL and drop them when another process changes
-- what they were read from: the triggers of `up.postgres.sql` notify the channel
-- `entraide_changes` (crates/store/src/changes.rs). Nothing on SQLite, where nothing
-- is cached.
SELECT 1;
