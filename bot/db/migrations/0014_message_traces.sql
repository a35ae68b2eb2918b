-- Erased means erased in the staff chats too: a staff member's Telegram reply to a relayed
-- message (or their text in a candidate's forum topic) is kept by id, like the relays, so the
-- erasure deletes it from the chat with them (bot/messages/cleanup.py). Such a row is no way back
-- to the thread: a reply to a staff member's own message is not sent to the candidate.
ALTER TABLE message_relays ADD COLUMN routes INTEGER NOT NULL DEFAULT 1; -- 0: staff's, kept to delete
