-- Erasure (issue 10): staff_audit has no foreign key to candidates (the record of an action
-- outlives the person), so an erased candidate's rows keep who did what and when, and lose whom
-- and why: candidate_id becomes NULL and detail keeps only fixed, non-personal keys (stage
-- moved from/to, review decision, cohort, survey milestone). A reason or comment typed by staff
-- often names the person or says something about them; it goes. Every DELETE FROM candidates
-- (/supprimer, the retention purge, anything later) fires this trigger in its own transaction.
-- A NULL candidate_id also means a reused candidates.id never inherits someone else's audit.

CREATE TRIGGER candidates_erased_from_audit AFTER DELETE ON candidates
BEGIN
    UPDATE staff_audit
    SET candidate_id = NULL,
        detail = CASE
            WHEN detail IS NULL OR NOT json_valid(detail) OR json_type(detail) != 'object'
                THEN NULL
            ELSE (
                SELECT json_group_object(key, value) FROM json_each(staff_audit.detail)
                WHERE key IN ('from', 'to', 'decision', 'cohort', 'milestone')
                    AND type IN ('text', 'integer', 'real', 'null')
            )
        END
    WHERE candidate_id = OLD.id;
END;

-- Candidates erased before this migration: the same for their rows.
UPDATE staff_audit
SET candidate_id = NULL,
    detail = CASE
        WHEN detail IS NULL OR NOT json_valid(detail) OR json_type(detail) != 'object'
            THEN NULL
        ELSE (
            SELECT json_group_object(key, value) FROM json_each(staff_audit.detail)
            WHERE key IN ('from', 'to', 'decision', 'cohort', 'milestone')
                AND type IN ('text', 'integer', 'real', 'null')
        )
    END
WHERE candidate_id IS NOT NULL AND candidate_id NOT IN (SELECT id FROM candidates);
