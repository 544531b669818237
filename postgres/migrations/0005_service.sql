-- 0005_service: what the HTTP service's job queue keeps; the Postgres twin
-- of sqlite/migrations/0005_service.sql. Runs gain the states queued and
-- canceled and five columns; service batches, their runs, idempotency keys
-- and webhook delivery attempts get tables.
--
-- Postgres alters a constraint in place, so runs is not rebuilt as in
-- SQLite. runs_status_check is the name Postgres gave the CHECK of 0001.
-- ADD COLUMN with a constant default rewrites no rows (Postgres 11+).

ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled'));

ALTER TABLE runs
    -- The service configuration the run uses ("" is the default one).
    ADD COLUMN config       text    NOT NULL DEFAULT '',
    -- Answered from the result cache (no model call, no stages).
    ADD COLUMN cached       boolean NOT NULL DEFAULT false,
    -- The service batch of the run, "" for none. No foreign key: the
    -- batch row is written after its runs, in the same transaction.
    ADD COLUMN batch_id     text    COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN callback_url text    NOT NULL DEFAULT '',
    -- The API key that submitted the run, charged for its tokens.
    ADD COLUMN key_id       text    NOT NULL DEFAULT '';

-- One index per new ListRuns filter: a team's runs (every service
-- listing) and a batch's, each paged by (created_at, id) as in 0001.
CREATE INDEX runs_by_team ON runs (team, created_at DESC, id DESC);
CREATE INDEX runs_by_batch ON runs (batch_id, created_at DESC, id DESC);

-- A set of runs submitted together. Its counts and cost are computed from
-- the runs when asked, so they cannot drift from them.
CREATE TABLE service_batches (
    id           text   COLLATE "C" NOT NULL PRIMARY KEY,
    team         text   NOT NULL,
    user_name    text   NOT NULL, -- "user" is a reserved word
    callback_url text   NOT NULL,
    created_at   bigint NOT NULL
);

-- The runs of a batch in submission order (seq 1, 2, ...).
CREATE TABLE service_batch_runs (
    batch_id text    COLLATE "C" NOT NULL REFERENCES service_batches (id),
    seq      integer NOT NULL,
    run_id   text    COLLATE "C" NOT NULL REFERENCES runs (id),
    PRIMARY KEY (batch_id, seq)
);

-- An accepted request's idempotency key, per team: a retry with the same
-- key and request_hash gets target_id (the run or batch it created) back.
-- The primary key is what makes concurrent Submits with one key agree.
CREATE TABLE idempotency_keys (
    team         text   NOT NULL,
    key          text   NOT NULL,
    request_hash text   NOT NULL,
    target_id    text   NOT NULL,
    created_at   bigint NOT NULL,
    PRIMARY KEY (team, key)
);

-- One attempt at delivering a completion webhook; run_id or batch_id is
-- '' when the webhook is about the other.
CREATE TABLE webhook_deliveries (
    webhook_id  text    COLLATE "C" NOT NULL, -- ties order bytewise, as in SQLite
    run_id      text    NOT NULL,
    batch_id    text    NOT NULL,
    url         text    NOT NULL,
    attempt     integer NOT NULL,
    status      integer NOT NULL, -- HTTP status, 0 when no answer arrived
    error       text    NOT NULL,
    at          bigint  NOT NULL,
    duration_ns bigint  NOT NULL
);

CREATE INDEX webhook_deliveries_by_run ON webhook_deliveries (run_id, at, attempt);
CREATE INDEX webhook_deliveries_by_batch ON webhook_deliveries (batch_id, at, attempt);
