-- Issue 12: every staff decision reaches the candidate. One row per message a decision makes:
-- a draft staff preview first (orientation confirmed, admitted, not selected), or sent at once
-- (in training, exited). The text is the candidate's, so it goes with them (ON DELETE CASCADE).
CREATE TABLE decision_messages (
    id INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,        -- oriented, admitted, not_selected, in_training, exited
    state TEXT NOT NULL CHECK (state IN ('draft', 'sent', 'dropped')),
    text TEXT NOT NULL,        -- what the candidate reads (Telegram HTML), edited or not
    edited INTEGER NOT NULL DEFAULT 0,
    staff_id INTEGER NOT NULL, -- who made the decision (0: the bot itself)
    created_at TEXT NOT NULL,
    decided_at TEXT,           -- sent or dropped
    decided_by INTEGER
);
CREATE INDEX decision_messages_candidate ON decision_messages (candidate_id, id);
