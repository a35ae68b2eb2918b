-- Staff views within their targets at 50,000 candidates (issue 15, second part).
-- Where screening stops (/pipeline): the next question of each candidate (NULL once every
-- question that applies is answered), kept with the stage in the transaction of every change
-- (bot/db/stage.py refresh; the pure flow's next_step stays the reference). Database.migrate
-- fills it for existing rows (bot/db/stage.py backfill_steps) in this migration's transaction.
ALTER TABLE candidates ADD COLUMN screening_step TEXT;
CREATE INDEX candidates_screening_step ON candidates (stage, site, screening_step);

-- The answers shortlists count and rank, as columns computed by SQLite from candidates.profile
-- (which bot/db/stage.py keeps): a shortlist's counts read one index, its ranking reads no JSON.
ALTER TABLE candidates ADD COLUMN gender TEXT
    GENERATED ALWAYS AS (json_extract(profile, '$.gender')) VIRTUAL;
ALTER TABLE candidates ADD COLUMN postcode TEXT
    GENERATED ALWAYS AS (json_extract(profile, '$.postcode')) VIRTUAL;
ALTER TABLE candidates ADD COLUMN availability TEXT
    GENERATED ALWAYS AS (json_extract(profile, '$.availability')) VIRTUAL;
ALTER TABLE candidates ADD COLUMN followed_by TEXT
    GENERATED ALWAYS AS (json_extract(profile, '$.followed_by')) VIRTUAL;
CREATE INDEX candidates_ready ON candidates (site, stage, gender, source, postcode);
