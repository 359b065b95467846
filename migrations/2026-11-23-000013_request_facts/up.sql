-- The bilan's facts of each request (issue 8): one narrow row per request, kept up to
-- date by triggers in the transaction of every change, so that the bilan groups one
-- table instead of joining seven. The table and its triggers have no portable form:
-- they are in `up.sqlite.sql` and `up.postgres.sql`, which `crates/store/src/migrate.rs`
-- runs just before this file on its backend. Here, the portable part: the rows of the
-- requests already there, and the indexes the bilan no longer reads are dropped.
DROP INDEX bilan_requests_idx;
DROP INDEX bilan_cases_idx;
DROP INDEX bilan_case_answers_idx;
DROP INDEX bilan_case_ratings_idx;

-- The requests already there.
INSERT INTO request_facts (request_id, establishment_id, created_at, status, status_at, main_theme,
    first_proposed_at, last_proposed_at, proposals,
        proposals_pending, proposals_accepted, proposals_declined, proposals_expired, proposals_withdrawn,
    volunteer_id, accepted_at, resolved_at, answered_at, rating, rated_at)
SELECT r.id, r.establishment_id, r.created_at, r.status, r.updated_at,
    (SELECT t.theme_id FROM help_request_themes t WHERE t.request_id = r.id
     ORDER BY t.position, t.theme_id LIMIT 1),
    p.first_at, p.last_at, COALESCE(p.n, 0), COALESCE(p.pending, 0), COALESCE(p.accepted, 0), COALESCE(p.declined, 0), COALESCE(p.expired, 0), COALESCE(p.withdrawn, 0),
    c.volunteer_id, c.accepted_at, c.resolved_at, a.created_at, g.rating, g.created_at
FROM help_requests r
LEFT JOIN (
    SELECT request_id, MIN(created_at) AS first_at, MAX(created_at) AS last_at, COUNT(*) AS n,
        COUNT(CASE WHEN status = 'pending' THEN 1 END) AS pending,
            COUNT(CASE WHEN status = 'accepted' THEN 1 END) AS accepted,
            COUNT(CASE WHEN status = 'declined' THEN 1 END) AS declined,
            COUNT(CASE WHEN status = 'expired' THEN 1 END) AS expired,
            COUNT(CASE WHEN status = 'withdrawn' THEN 1 END) AS withdrawn
    FROM proposals GROUP BY request_id
) p ON p.request_id = r.id
LEFT JOIN cases c ON c.request_id = r.id
LEFT JOIN case_answers a ON a.request_id = r.id
LEFT JOIN case_ratings g ON g.request_id = r.id;
