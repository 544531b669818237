-- 0006_cache_hits: a cache hit no longer stores a run row per hit. The
-- first hit of a key (papersum.Run.CacheHitKey: team, paper,
-- configuration, title, callback URL) stores a cached run; later hits of
-- the key count on it (cache_hits, last_hit_at). hit_key is the key, and
-- its unique index is what makes concurrent hits of one key agree on one
-- row (INSERT ... ON CONFLICT (hit_key) DO UPDATE).
--
-- Cached runs stored before this migration keep hit_key NULL, which the
-- partial index leaves out: they stay as they were, each counted as the
-- one hit it answered. Later hits of their keys start a row of their own.

ALTER TABLE runs ADD COLUMN cache_hits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN last_hit_at INTEGER; -- NULL for a run that answered no hit
ALTER TABLE runs ADD COLUMN hit_key TEXT;        -- NULL but for a cached run recorded by RecordCacheHits

UPDATE runs SET cache_hits = 1, last_hit_at = created_at WHERE cached = 1;

CREATE UNIQUE INDEX runs_by_hit_key ON runs (hit_key) WHERE hit_key IS NOT NULL;
