-- Issue 12: staff and candidates write to each other through the bot ("close the human loop").
-- A thread opens with /humain and stays open until staff close it or after 14 days of silence;
-- every message is a row (both directions), sent through the outbox. Everything about a
-- candidate goes with them (ON DELETE CASCADE): /supprimer and the retention purge.

-- Staff are named by their Telegram first name (stored when they first use the bot).
CREATE TABLE staff_profiles (
    user_id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE message_threads (
    id INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    opened_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    answered_at TEXT,          -- the first message from staff
    closed_at TEXT,
    closed_by INTEGER,         -- a staff member's Telegram id; NULL: closed after the silence
    close_reason TEXT          -- 'staff' or 'silence'
);
CREATE UNIQUE INDEX message_threads_one_open ON message_threads (candidate_id)
    WHERE closed_at IS NULL;

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES message_threads(id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('from_candidate', 'to_candidate')),
    kind TEXT NOT NULL CHECK (kind IN ('request', 'text', 'photo', 'document', 'closed')),
    staff_id INTEGER,          -- the author, for messages to the candidate
    text TEXT,
    file_id TEXT,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent')),
    sent_at TEXT
);
CREATE INDEX messages_by_thread ON messages (thread_id, id);
CREATE INDEX messages_by_candidate ON messages (candidate_id);

-- Where a candidate's message was relayed to staff: a Telegram reply to it finds the thread.
CREATE TABLE message_relays (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL REFERENCES message_threads(id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX message_relays_by_thread ON message_relays (thread_id);
