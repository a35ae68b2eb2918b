-- Issue 12: when the staff chat is a forum supergroup, each candidate's /humain requests and
-- messages go to one forum topic of their own. The topic's id is linked to the candidate, so it
-- goes with them (ON DELETE CASCADE): /supprimer and the retention purge.
CREATE TABLE message_topics (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,      -- the forum supergroup
    thread_id INTEGER NOT NULL,    -- Telegram's message_thread_id of the topic
    created_at TEXT NOT NULL,
    closed_at TEXT,                -- closed in Telegram (the conversation was closed)
    PRIMARY KEY (candidate_id, chat_id)
);
CREATE UNIQUE INDEX message_topics_by_thread ON message_topics (chat_id, thread_id);
