-- 0008_run_waits: the Postgres twin of sqlite/migrations/0008_run_waits.sql.
-- Runs gain started_at (when a worker first started the run; the deadline
-- for waiting on a provider counts from it), waits (how often the run went
-- back to the queue to wait for a provider), waiting (why a queued run
-- waits now and when it is tried next: papersum.RunWait, NULL when it is
-- not waiting) and repeated_calls (model calls made again because an
-- earlier, paid answer for the same stage was lost before it was stored).

ALTER TABLE runs ADD COLUMN started_at bigint;
ALTER TABLE runs ADD COLUMN waits integer NOT NULL DEFAULT 0 CHECK (waits >= 0);
ALTER TABLE runs ADD COLUMN waiting jsonb;
ALTER TABLE runs ADD COLUMN repeated_calls integer NOT NULL DEFAULT 0 CHECK (repeated_calls >= 0);
