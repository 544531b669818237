-- 0002_batches: batch jobs that use a provider's batch API (Anthropic
-- Message Batches). A job's runs and its submitted batches are recorded so
-- that a restarted job resumes polling instead of submitting (and paying
-- for) the same requests again.

CREATE TABLE batch_job_runs (
    job_id   text NOT NULL,
    paper_id text NOT NULL,
    run_id   text COLLATE "C" NOT NULL REFERENCES runs (id),
    PRIMARY KEY (job_id, paper_id)
);

CREATE TABLE provider_batches (
    provider     text    NOT NULL,
    batch_id     text    COLLATE "C" NOT NULL, -- bytewise order, as in SQLite
    job_id       text    NOT NULL,
    stage        text    NOT NULL,
    run_ids      jsonb   NOT NULL, -- array of run IDs (the custom IDs)
    submitted_at bigint  NOT NULL,
    done         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (provider, batch_id)
);

CREATE INDEX provider_batches_by_job ON provider_batches (job_id, submitted_at, batch_id);
