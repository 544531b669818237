-- 0002_batches: batch jobs that use a provider's batch API (Anthropic
-- Message Batches). A job's runs and its submitted batches are recorded so
-- that a restarted job resumes polling instead of submitting (and paying
-- for) the same requests again.

CREATE TABLE batch_job_runs (
    job_id   TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    run_id   TEXT NOT NULL REFERENCES runs (id),
    PRIMARY KEY (job_id, paper_id)
) STRICT;

CREATE TABLE provider_batches (
    provider     TEXT    NOT NULL,
    batch_id     TEXT    NOT NULL,
    job_id       TEXT    NOT NULL,
    stage        TEXT    NOT NULL,
    run_ids      TEXT    NOT NULL, -- JSON array of run IDs (the custom IDs)
    submitted_at INTEGER NOT NULL,
    done         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, batch_id)
) STRICT;

CREATE INDEX provider_batches_by_job ON provider_batches (job_id, submitted_at);
