-- PostgreSQL part of migration 000015, run before up.sql: every committed change to a
-- table whose rows processes cache sends one notification per table and transaction
-- (PostgreSQL folds identical notifications of a transaction into one), whoever makes
-- it: a server, a CLI command or a person with psql. Keep the list in step with
-- `WATCHED_TABLES` in crates/store/src/changes.rs.
CREATE FUNCTION entraide_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('entraide_changes', TG_TABLE_NAME);
    RETURN NULL;
END $$;

DO $$
DECLARE
    watched TEXT;
BEGIN
    FOREACH watched IN ARRAY ARRAY['sessions', 'users', 'user_roles', 'help_requests',
        'help_request_themes', 'proposals', 'establishments', 'change_counters']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH ROW EXECUTE FUNCTION entraide_notify_change()', watched || '_changes', watched);
    END LOOP;
END $$;
