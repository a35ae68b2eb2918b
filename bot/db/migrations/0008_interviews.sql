-- Issue 12 part 2: interviews. Staff set a date, a time and a place (/entretien); the candidate
-- answers ("je viens", "changer", "je ne peux pas"); reminders go through the outbox. A new
-- interview for the same person replaces the planned one (status 'cancelled'). Everything about
-- a candidate goes with them (ON DELETE CASCADE): /supprimer and the retention purge.
CREATE TABLE interviews (
    id INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL,
    place TEXT NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'confirmed', 'declined', 'cancelled', 'done')),
    answer TEXT CHECK (answer IN ('coming', 'change', 'cannot')),
    set_by INTEGER NOT NULL,       -- the staff member's Telegram id (told the answers)
    created_at TEXT NOT NULL,
    answered_at TEXT,
    ended_at TEXT,
    end_reason TEXT
);
CREATE INDEX interviews_by_candidate ON interviews (candidate_id, id);
CREATE UNIQUE INDEX interviews_one_live ON interviews (candidate_id)
    WHERE status IN ('planned', 'confirmed');
