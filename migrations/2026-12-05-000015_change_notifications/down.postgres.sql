-- PostgreSQL part of migration 000015, run after down.sql.
DO $$
DECLARE
    watched TEXT;
BEGIN
    FOREACH watched IN ARRAY ARRAY['sessions', 'users', 'user_roles', 'help_requests',
        'help_request_themes', 'proposals', 'establishments', 'change_counters']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', watched || '_changes', watched);
    END LOOP;
END $$;
DROP FUNCTION entraide_notify_change();
