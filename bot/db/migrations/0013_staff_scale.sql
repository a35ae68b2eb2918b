-- Staff views at network scale (issue 15): the stage kept in SQL next to the facts it is
-- derived from, so staff commands count, filter and look up with indexes instead of loading
-- every candidate. A cache of the pure derivation (bot/core/pipeline.py derive), written in the
-- transaction of every change of the facts (bot/db/stage.py refresh); Database.migrate fills it
-- for existing rows (bot/db/stage.py backfill) in this migration's transaction.
ALTER TABLE candidates ADD COLUMN stage TEXT NOT NULL DEFAULT 'screening';
ALTER TABLE candidates ADD COLUMN reached INTEGER NOT NULL DEFAULT 1;  -- stages visited, bit mask
ALTER TABLE candidates ADD COLUMN human_pending INTEGER NOT NULL DEFAULT 0;  -- /humain unanswered
ALTER TABLE candidates ADD COLUMN site TEXT;        -- the answer to "site", NULL before it
ALTER TABLE candidates ADD COLUMN name_key TEXT;    -- the first name folded (bot/core/text.fold)
-- JSON: the answers a shortlist reads (bot/db/stage.py PROFILE_STEPS), so ranking hundreds of
-- people reads one row each.
ALTER TABLE candidates ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';

-- Counts per stage, source and funnel step (/pipeline) read these indexes alone, all sites or one.
CREATE INDEX candidates_by_stage ON candidates (stage, source, reached);
CREATE INDEX candidates_by_site_stage ON candidates (site, stage, reached, source);
CREATE INDEX candidates_by_name ON candidates (name_key, site, id);
-- The review queue (/revue, the digest): only the rows waiting for a person, oldest first.
CREATE INDEX candidates_pending ON candidates (COALESCE(submitted_at, created_at), id)
    WHERE stage = 'to_review' OR human_pending = 1;
CREATE INDEX candidates_by_created ON candidates (created_at);
CREATE INDEX candidates_by_submitted ON candidates (submitted_at);
