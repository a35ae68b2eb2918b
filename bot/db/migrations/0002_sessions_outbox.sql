-- Information sessions, bookings, waitlist, and the outbox of durable scheduled messages.
-- Times are ISO 8601 strings in UTC ("YYYY-MM-DDTHH:MM:SS+00:00"), so they sort as text.

-- Reachability of a candidate: set when Telegram answers 403 (blocked, deactivated), cleared
-- when they write again. nudges_stopped_at: set by /stop, cleared by /start.
ALTER TABLE candidates ADD COLUMN unreachable_at TEXT;
ALTER TABLE candidates ADD COLUMN nudges_stopped_at TEXT;

CREATE TABLE info_sessions (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL DEFAULT 90,
    place TEXT NOT NULL,                  -- e.g. "FabNum Gonesse, salle 2"
    address TEXT NOT NULL,                -- street address, used for the map link
    map_url TEXT,                         -- optional explicit map link
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    language TEXT NOT NULL DEFAULT 'fr',
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    external_key TEXT UNIQUE,             -- set by the file loader, so loading twice adds nothing
    created_by INTEGER,                   -- staff Telegram id, NULL when loaded from a file
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX info_sessions_by_site ON info_sessions (site, status, starts_at);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES info_sessions(id),
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'booked'
        -- done: the session took place (attendance recorded, or a new booking after it)
        CHECK (status IN ('booked', 'cancelled', 'moved', 'session_cancelled', 'done')),
    booked_at TEXT NOT NULL,
    confirmed_at TEXT,                    -- "je viens" pressed
    ended_at TEXT,                        -- cancelled, moved or session cancelled
    attendance TEXT CHECK (attendance IN ('attended', 'absent')),
    attendance_at TEXT,
    attendance_by INTEGER                 -- staff Telegram id
);
-- One live booking per candidate; the seat count is checked in the same transaction as the insert.
CREATE UNIQUE INDEX bookings_one_live ON bookings (candidate_id) WHERE status = 'booked';
CREATE INDEX bookings_by_session ON bookings (session_id, status);

CREATE TABLE waitlist (
    candidate_id INTEGER PRIMARY KEY REFERENCES candidates(id) ON DELETE CASCADE,
    site TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    notified_at TEXT                      -- last "a seat is free" message scheduled
);
CREATE INDEX waitlist_by_site ON waitlist (site, joined_at);

-- Every message due later. A row is written in the transaction of the change that caused it.
-- state: pending -> sending (claimed, the Bot API call under way) -> sent | failed | dropped |
-- cancelled. A row left in 'sending' by a crash is resolved at start-up by its kind's policy.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    candidate_id INTEGER REFERENCES candidates(id) ON DELETE CASCADE,
    subject TEXT,
    payload TEXT NOT NULL DEFAULT '{}',   -- JSON
    due_at TEXT NOT NULL,
    not_after TEXT,
    bulk INTEGER NOT NULL DEFAULT 1,
    quiet_hours INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dropped', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,                      -- error type or reason; never message text
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    finished_at TEXT
);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_by_subject ON outbox (subject) WHERE state = 'pending';
CREATE INDEX outbox_by_candidate ON outbox (candidate_id, state);
CREATE INDEX outbox_by_chat ON outbox (chat_id, state);
