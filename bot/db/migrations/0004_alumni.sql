-- Alumni follow-up (issue 5): who left which cohort when, their surveys and answers, anonymous
-- aggregates kept after erasure, and re-engagement opt-ins. Times are ISO 8601 strings in UTC;
-- dates are local YYYY-MM-DD. Everything about a person cascades from candidates(id).

-- One row per learner marked as exited by staff.
CREATE TABLE alumni (
    candidate_id INTEGER PRIMARY KEY REFERENCES candidates(id) ON DELETE CASCADE,
    site TEXT NOT NULL,                   -- site id from the rules file
    cohort_id INTEGER,                    -- cohorts.id when the staff feature knows the cohort
    cohort TEXT NOT NULL,                 -- cohort name as shown in reports
    exit_date TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 1 CHECK (completed IN (0, 1)),  -- 1: trained to the end
    marked_by INTEGER,                    -- staff Telegram id
    marked_at TEXT NOT NULL
);
-- /stop and "bot blocked" are candidates.nudges_stopped_at and candidates.unreachable_at
-- (migration 0002): the outbox then drops the surveys and the alumnus shows on the call list.
CREATE INDEX alumni_by_cohort ON alumni (site, cohort);

-- One survey per alumnus and milestone (months after the exit).
CREATE TABLE followups (
    candidate_id INTEGER NOT NULL REFERENCES alumni(candidate_id) ON DELETE CASCADE,
    milestone INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    sent_at TEXT,
    reminders INTEGER NOT NULL DEFAULT 0,
    call_listed_at TEXT,                  -- when staff were asked to call
    answered_at TEXT,
    answered_via TEXT CHECK (answered_via IN ('bot', 'call')),
    situation TEXT,                       -- category id from conversations/outcomes.toml
    answers TEXT NOT NULL DEFAULT '{}',   -- JSON: question -> answer (buttons only)
    PRIMARY KEY (candidate_id, milestone)
);
CREATE INDEX followups_open ON followups (due_at) WHERE answered_at IS NULL;

-- Anonymous counts kept when follow-up data is erased: no person in them.
CREATE TABLE outcome_aggregates (
    site TEXT NOT NULL,
    cohort TEXT NOT NULL,
    exit_year INTEGER NOT NULL,
    milestone INTEGER NOT NULL,
    category TEXT NOT NULL,               -- category id, or 'no_answer'
    count INTEGER NOT NULL,
    PRIMARY KEY (site, cohort, exit_year, milestone, category)
);

-- Anonymous recruitment counts kept when candidates are erased (for the funders' report).
CREATE TABLE funnel_aggregates (
    year INTEGER NOT NULL,                -- year of first contact
    site TEXT NOT NULL,
    stage TEXT NOT NULL,                  -- 'candidates', 'eligible', 'admitted', 'trained'
    gender TEXT NOT NULL,                 -- 'femme', 'homme', 'autre', 'unknown'
    count INTEGER NOT NULL,
    PRIMARY KEY (year, site, stage, gender)
);

-- Candidates who said "not now" or were waitlisted and agreed to hear about the next cohort.
CREATE TABLE reengagement (
    candidate_id INTEGER PRIMARY KEY REFERENCES candidates(id) ON DELETE CASCADE,
    site TEXT NOT NULL,
    opted_in_at TEXT NOT NULL,
    notified_cohort_id INTEGER,
    notified_at TEXT
);
