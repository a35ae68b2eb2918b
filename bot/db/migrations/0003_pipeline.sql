-- Staff side (issue 4): cohorts, placements of candidates in cohorts, and the staff audit log.
-- A candidate's pipeline stage is derived from stored facts (candidates row + candidate_events,
-- where staff moves are events of kind 'stage', reviews 'review', notes 'note'); see
-- bot/core/pipeline.py. Times are ISO 8601 strings in UTC; dates are YYYY-MM-DD.

CREATE TABLE cohorts (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,                   -- site id from the rules file
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    created_at TEXT NOT NULL,
    created_by INTEGER,                   -- staff Telegram id
    UNIQUE (site, name),
    CHECK (end_date >= start_date)
);

-- Which cohort a candidate is placed in (waitlisted, admitted, in training, exited).
CREATE TABLE placements (
    candidate_id INTEGER PRIMARY KEY REFERENCES candidates(id) ON DELETE CASCADE,
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
    at TEXT NOT NULL
);
CREATE INDEX placements_by_cohort ON placements (cohort_id);

-- Every staff action: who, when, what, on whom, why. No foreign key on purpose: the record of
-- the action outlives the erasure of the candidate (only the id remains, no personal data).
CREATE TABLE staff_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    staff_id INTEGER NOT NULL,
    action TEXT NOT NULL,                 -- 'stage', 'review', 'note', 'cohort_created', 'export', ...
    candidate_id INTEGER,
    cohort_id INTEGER,
    detail TEXT                           -- JSON: from/to stage, decision, reason
);
CREATE INDEX staff_audit_by_candidate ON staff_audit (candidate_id, at);

CREATE INDEX candidate_events_by_kind ON candidate_events (kind, at);
