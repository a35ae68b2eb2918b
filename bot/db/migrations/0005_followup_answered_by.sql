-- Alumni follow-up (issue 5): who recorded an answer taken by phone. followups.answered_via is
-- then 'call' (the value migration 0004 allows for it) and answered_by the staff Telegram id;
-- NULL for answers given in Telegram by the alumnus.
ALTER TABLE followups ADD COLUMN answered_by INTEGER;
