-- 0006_cache_hits: the Postgres twin of sqlite/migrations/0006_cache_hits.sql.
-- A cache hit no longer stores a run row per hit: the first hit of a key
-- (papersum.Run.CacheHitKey) stores a cached run, later hits of the key
-- count on it (cache_hits, last_hit_at). The unique index on hit_key is
-- what makes concurrent hits of one key agree on one row
-- (INSERT ... ON CONFLICT (hit_key) DO UPDATE).
--
-- Cached runs stored before this migration keep hit_key NULL, which the
-- partial index leaves out: they stay as they were, each counted as the
-- one hit it answered. ADD COLUMN with a constant default or none
-- rewrites no rows (Postgres 11+); the UPDATE touches cached runs only.

ALTER TABLE runs
    ADD COLUMN cache_hits  integer NOT NULL DEFAULT 0,
    ADD COLUMN last_hit_at bigint, -- NULL for a run that answered no hit
    ADD COLUMN hit_key     text;   -- NULL but for a cached run recorded by RecordCacheHits

UPDATE runs SET cache_hits = 1, last_hit_at = created_at WHERE cached;

CREATE UNIQUE INDEX runs_by_hit_key ON runs (hit_key) WHERE hit_key IS NOT NULL;
