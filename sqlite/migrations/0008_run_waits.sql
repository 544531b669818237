-- 0008_run_waits: what a run's record says about the faults it met.
--
-- started_at is when a worker first started the run (NULL until then);
-- the run's deadline for waiting on a provider counts from it.
--
-- waits counts how often the run went back to the queue to wait for a
-- model provider to recover; waiting is why the queued run waits now and
-- when it is tried next (JSON papersum.RunWait, NULL when it is not
-- waiting; StartRun clears it).
--
-- repeated_calls counts the model calls made again although an earlier
-- call for the same stage had been answered and paid for, its answer lost
-- before it could be stored: the double cost made visible.

ALTER TABLE runs ADD COLUMN started_at INTEGER;
ALTER TABLE runs ADD COLUMN waits INTEGER NOT NULL DEFAULT 0 CHECK (waits >= 0);
ALTER TABLE runs ADD COLUMN waiting TEXT;
ALTER TABLE runs ADD COLUMN repeated_calls INTEGER NOT NULL DEFAULT 0 CHECK (repeated_calls >= 0);
