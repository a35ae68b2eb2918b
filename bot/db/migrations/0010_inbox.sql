-- The inbox (issue 14): every incoming update, written before it is acknowledged to Telegram
-- (polling: before the next getUpdates moves the offset; webhook: before the 200), so an update
-- a crash interrupted is handled at the next start. update_id is unique: an update delivered
-- again is not handled twice.
--   pending  received, its handler has not committed anything yet (run it again)
--   applied  its handler's changes committed (in the same transaction), the reply may not have
--            gone out (answer with where the person stands, never run it twice)
--   done     handled (or refused by the flood guard, or given up after repeated crashes)
-- payload is the update's JSON: personal data. Done rows are pruned after a day; the rows of a
-- chat go with the person's erasure (/supprimer, the retention purge), pending ones included.
CREATE TABLE inbox (
    update_id INTEGER PRIMARY KEY,
    chat_id INTEGER,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'done')),
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at TEXT
);

CREATE INDEX inbox_open ON inbox (state, update_id) WHERE state != 'done';
CREATE INDEX inbox_done ON inbox (done_at) WHERE state = 'done';
CREATE INDEX inbox_chat ON inbox (chat_id);

CREATE TRIGGER inbox_forgets_erased AFTER DELETE ON candidates
BEGIN
    DELETE FROM inbox WHERE chat_id IN (OLD.chat_id, OLD.telegram_id);
END;
