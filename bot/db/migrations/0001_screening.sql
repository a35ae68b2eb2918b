-- Candidates and their screening answers. Times are ISO 8601 strings in UTC.
CREATE TABLE candidates (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL UNIQUE,
    chat_id INTEGER NOT NULL,
    language TEXT NOT NULL,
    source TEXT,                          -- deep link payload (/start <source>)
    consent_version TEXT NOT NULL,        -- version of the privacy notice accepted
    consented_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'screening'
        CHECK (status IN ('screening', 'paused', 'submitted')),
    editing_step TEXT,                    -- set while the candidate edits one answer from the summary
    result TEXT CHECK (result IN ('eligible', 'review', 'oriented')),
    result_reasons TEXT,                  -- JSON list of reason codes
    review_status TEXT CHECK (review_status IN ('pending', 'confirmed', 'overturned')),
    human_requested_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_contact_at TEXT NOT NULL,
    submitted_at TEXT
);

CREATE TABLE answers (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    value TEXT NOT NULL,                  -- JSON
    complete INTEGER NOT NULL DEFAULT 1,  -- 0: a multi-select still being ticked
    answered_at TEXT NOT NULL,
    PRIMARY KEY (candidate_id, step)
);

-- What happened to a candidate, for their history (no free text from the candidate here).
CREATE TABLE candidate_events (
    id INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT                           -- JSON
);
CREATE INDEX candidate_events_by_candidate ON candidate_events (candidate_id, at);

-- Anonymous daily counters (e.g. /start before consent, per deep-link source): no person in them.
CREATE TABLE daily_counters (
    day TEXT NOT NULL,
    metric TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, metric, source)
);

-- Anonymous record of erasures: what kind, how many, when.
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,                 -- 'candidate_request', 'retention', ...
    kind TEXT NOT NULL,                   -- 'candidate', ...
    count INTEGER NOT NULL
);
