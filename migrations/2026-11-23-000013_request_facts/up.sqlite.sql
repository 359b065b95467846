-- SQLite part of migration 000013, run before up.sql: the facts table and the triggers
-- that keep it up to date.
-- Without rowid: rows are stored in request id order, the order in which the bilan reads
-- them and looks up each request's themes and answer.
CREATE TABLE request_facts (
    request_id VARCHAR(36) PRIMARY KEY NOT NULL REFERENCES help_requests (id) ON DELETE CASCADE,
    establishment_id VARCHAR(36) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- The request's status, and the last time the request changed (its updated_at):
    -- no transition is later, so a period ending after it ends in this status.
    status VARCHAR(16) NOT NULL,
    status_at TIMESTAMP NOT NULL,
    -- The theme the requester put first.
    main_theme VARCHAR(64),
    -- Its proposals: when the first and the last were made, how many, by status.
    first_proposed_at TIMESTAMP,
    last_proposed_at TIMESTAMP,
    proposals INTEGER NOT NULL DEFAULT 0,
    proposals_pending INTEGER NOT NULL DEFAULT 0,
    proposals_accepted INTEGER NOT NULL DEFAULT 0,
    proposals_declined INTEGER NOT NULL DEFAULT 0,
    proposals_expired INTEGER NOT NULL DEFAULT 0,
    proposals_withdrawn INTEGER NOT NULL DEFAULT 0,
    -- Its case (the volunteer who holds it), answer and rating.
    volunteer_id VARCHAR(36),
    accepted_at TIMESTAMP,
    resolved_at TIMESTAMP,
    answered_at TIMESTAMP,
    rating INTEGER,
    rated_at TIMESTAMP
) WITHOUT ROWID;

CREATE TRIGGER request_facts_request_inserted AFTER INSERT ON help_requests BEGIN
    INSERT INTO request_facts (request_id, establishment_id, created_at, status, status_at)
        VALUES (NEW.id, NEW.establishment_id, NEW.created_at, NEW.status, NEW.updated_at);
END;

CREATE TRIGGER request_facts_request_updated AFTER UPDATE OF establishment_id, created_at, status, updated_at ON help_requests BEGIN
    UPDATE request_facts SET establishment_id = NEW.establishment_id, created_at = NEW.created_at,
        status = NEW.status, status_at = NEW.updated_at WHERE request_id = NEW.id;
END;

CREATE TRIGGER request_facts_theme_inserted AFTER INSERT ON help_request_themes BEGIN
    UPDATE request_facts SET main_theme = (
        SELECT t.theme_id FROM help_request_themes t WHERE t.request_id = NEW.request_id
        ORDER BY t.position, t.theme_id LIMIT 1
    ) WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_theme_updated AFTER UPDATE ON help_request_themes BEGIN
    UPDATE request_facts SET main_theme = (
        SELECT t.theme_id FROM help_request_themes t WHERE t.request_id = NEW.request_id
        ORDER BY t.position, t.theme_id LIMIT 1
    ) WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_theme_deleted AFTER DELETE ON help_request_themes BEGIN
    UPDATE request_facts SET main_theme = (
        SELECT t.theme_id FROM help_request_themes t WHERE t.request_id = OLD.request_id
        ORDER BY t.position, t.theme_id LIMIT 1
    ) WHERE request_id = OLD.request_id;
END;

CREATE TRIGGER request_facts_proposal_inserted AFTER INSERT ON proposals BEGIN
    UPDATE request_facts SET (first_proposed_at, last_proposed_at, proposals,
        proposals_pending, proposals_accepted, proposals_declined, proposals_expired, proposals_withdrawn) = (
        SELECT MIN(p.created_at), MAX(p.created_at), COUNT(*),
            COUNT(CASE WHEN p.status = 'pending' THEN 1 END),
            COUNT(CASE WHEN p.status = 'accepted' THEN 1 END),
            COUNT(CASE WHEN p.status = 'declined' THEN 1 END),
            COUNT(CASE WHEN p.status = 'expired' THEN 1 END),
            COUNT(CASE WHEN p.status = 'withdrawn' THEN 1 END)
        FROM proposals p WHERE p.request_id = NEW.request_id
    ) WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_proposal_updated AFTER UPDATE OF status, created_at ON proposals BEGIN
    UPDATE request_facts SET (first_proposed_at, last_proposed_at, proposals,
        proposals_pending, proposals_accepted, proposals_declined, proposals_expired, proposals_withdrawn) = (
        SELECT MIN(p.created_at), MAX(p.created_at), COUNT(*),
            COUNT(CASE WHEN p.status = 'pending' THEN 1 END),
            COUNT(CASE WHEN p.status = 'accepted' THEN 1 END),
            COUNT(CASE WHEN p.status = 'declined' THEN 1 END),
            COUNT(CASE WHEN p.status = 'expired' THEN 1 END),
            COUNT(CASE WHEN p.status = 'withdrawn' THEN 1 END)
        FROM proposals p WHERE p.request_id = NEW.request_id
    ) WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_proposal_deleted AFTER DELETE ON proposals BEGIN
    UPDATE request_facts SET (first_proposed_at, last_proposed_at, proposals,
        proposals_pending, proposals_accepted, proposals_declined, proposals_expired, proposals_withdrawn) = (
        SELECT MIN(p.created_at), MAX(p.created_at), COUNT(*),
            COUNT(CASE WHEN p.status = 'pending' THEN 1 END),
            COUNT(CASE WHEN p.status = 'accepted' THEN 1 END),
            COUNT(CASE WHEN p.status = 'declined' THEN 1 END),
            COUNT(CASE WHEN p.status = 'expired' THEN 1 END),
            COUNT(CASE WHEN p.status = 'withdrawn' THEN 1 END)
        FROM proposals p WHERE p.request_id = OLD.request_id
    ) WHERE request_id = OLD.request_id;
END;

CREATE TRIGGER request_facts_case_inserted AFTER INSERT ON cases BEGIN
    UPDATE request_facts SET volunteer_id = NEW.volunteer_id, accepted_at = NEW.accepted_at,
        resolved_at = NEW.resolved_at WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_case_updated AFTER UPDATE ON cases BEGIN
    UPDATE request_facts SET volunteer_id = NEW.volunteer_id, accepted_at = NEW.accepted_at,
        resolved_at = NEW.resolved_at WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_case_deleted AFTER DELETE ON cases BEGIN
    UPDATE request_facts SET volunteer_id = NULL, accepted_at = NULL, resolved_at = NULL
        WHERE request_id = OLD.request_id;
END;

CREATE TRIGGER request_facts_answer_inserted AFTER INSERT ON case_answers BEGIN
    UPDATE request_facts SET answered_at = NEW.created_at WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_answer_updated AFTER UPDATE ON case_answers BEGIN
    UPDATE request_facts SET answered_at = NEW.created_at WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_answer_deleted AFTER DELETE ON case_answers BEGIN
    UPDATE request_facts SET answered_at = NULL WHERE request_id = OLD.request_id;
END;

CREATE TRIGGER request_facts_rating_inserted AFTER INSERT ON case_ratings BEGIN
    UPDATE request_facts SET rating = NEW.rating, rated_at = NEW.created_at
        WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_rating_updated AFTER UPDATE ON case_ratings BEGIN
    UPDATE request_facts SET rating = NEW.rating, rated_at = NEW.created_at
        WHERE request_id = NEW.request_id;
END;

CREATE TRIGGER request_facts_rating_deleted AFTER DELETE ON case_ratings BEGIN
    UPDATE request_facts SET rating = NULL, rated_at = NULL WHERE request_id = OLD.request_id;
END;
