-- papersum:foreign-keys-off
-- 0005_service: what the HTTP service's job queue keeps. Runs gain the
-- states queued and canceled and five columns; service batches, their
-- runs, idempotency keys and webhook delivery attempts get tables.
--
-- The status CHECK lives in the STRICT runs table, and SQLite cannot alter
-- a constraint, so runs is rebuilt: the "generalized ALTER TABLE procedure"
-- of https://www.sqlite.org/lang_altertable.html (create runs_new, copy,
-- drop, rename, recreate the indexes). Dropping runs with foreign keys on
-- would first delete its rows, and ON DELETE CASCADE would take every
-- stage result with them; hence the directive on the first line, which
-- makes migrate turn foreign keys off on its connection before BEGIN
-- (SQLite ignores the pragma inside a transaction), run
-- PRAGMA foreign_key_check before COMMIT, and turn them back on after.

CREATE TABLE runs_new (
    id           TEXT    NOT NULL PRIMARY KEY,
    paper_id     TEXT    NOT NULL REFERENCES papers (id),
    title        TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
    error        TEXT    NOT NULL,
    error_class  TEXT    NOT NULL,
    config_hash  TEXT    NOT NULL,
    target_words INTEGER NOT NULL,
    summary      TEXT    NOT NULL,
    scores       TEXT,             -- JSON papersum.Scores, NULL when none
    team         TEXT    NOT NULL,
    user_name    TEXT    NOT NULL, -- "user" is reserved in Postgres; see 0001
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,          -- NULL until succeeded, failed or canceled
    -- The service configuration the run uses ("" is the default one).
    config       TEXT    NOT NULL DEFAULT '',
    -- 1 when answered from the result cache (no model call, no stages).
    cached       INTEGER NOT NULL DEFAULT 0 CHECK (cached IN (0, 1)),
    -- The service batch of the run, "" for none. No foreign key: the
    -- batch row is written after its runs, in the same transaction.
    batch_id     TEXT    NOT NULL DEFAULT '',
    callback_url TEXT    NOT NULL DEFAULT '',
    -- The API key that submitted the run, charged for its tokens.
    key_id       TEXT    NOT NULL DEFAULT ''
) STRICT;

INSERT INTO runs_new (id, paper_id, title, source, status, error, error_class, config_hash, target_words,
        summary, scores, team, user_name, created_at, finished_at)
    SELECT id, paper_id, title, source, status, error, error_class, config_hash, target_words,
        summary, scores, team, user_name, created_at, finished_at
    FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;

-- The indexes of 0001, which went with the old table, and one per new
-- ListRuns filter: a team's runs (every service listing) and a batch's.
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);
CREATE INDEX runs_by_paper ON runs (paper_id, created_at DESC, id DESC);
CREATE INDEX runs_by_team ON runs (team, created_at DESC, id DESC);
CREATE INDEX runs_by_batch ON runs (batch_id, created_at DESC, id DESC);

-- A set of runs submitted together. Its counts and cost are computed from
-- the runs when asked, so they cannot drift from them.
CREATE TABLE service_batches (
    id           TEXT    NOT NULL PRIMARY KEY,
    team         TEXT    NOT NULL,
    user_name    TEXT    NOT NULL,
    callback_url TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

-- The runs of a batch in submission order (seq 1, 2, ...).
CREATE TABLE service_batch_runs (
    batch_id TEXT    NOT NULL REFERENCES service_batches (id),
    seq      INTEGER NOT NULL,
    run_id   TEXT    NOT NULL REFERENCES runs (id),
    PRIMARY KEY (batch_id, seq)
) STRICT;

-- An accepted request's idempotency key, per team: a retry with the same
-- key and request_hash gets target_id (the run or batch it created) back.
CREATE TABLE idempotency_keys (
    team         TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    target_id    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (team, key)
) STRICT;

-- One attempt at delivering a completion webhook; run_id or batch_id is
-- "" when the webhook is about the other.
CREATE TABLE webhook_deliveries (
    webhook_id  TEXT    NOT NULL,
    run_id      TEXT    NOT NULL,
    batch_id    TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    status      INTEGER NOT NULL, -- HTTP status, 0 when no answer arrived
    error       TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL
) STRICT;

CREATE INDEX webhook_deliveries_by_run ON webhook_deliveries (run_id, at, attempt);
CREATE INDEX webhook_deliveries_by_batch ON webhook_deliveries (batch_id, at, attempt);
