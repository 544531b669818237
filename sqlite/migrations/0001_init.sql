-- 0001_init: papers, runs and stage results.
--
-- Times are INTEGER nanoseconds since the Unix epoch, UTC. Integers keep the
-- full nanosecond precision and sort correctly; RFC 3339 text does neither
-- reliably (time.RFC3339Nano drops trailing zeros, so ".1Z" sorts after ".12Z").
--
-- Money is REAL: SQLite stores an 8-byte IEEE double, the same bits as the Go
-- float64 that was written, so storage loses nothing. An integer of
-- micro-dollars would: one cache-read token of a cheap model costs $3e-8.

CREATE TABLE papers (
    id         TEXT    NOT NULL PRIMARY KEY,
    title      TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    format     TEXT    NOT NULL,
    sections   TEXT    NOT NULL, -- JSON array of papersum.Section
    word_count INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE runs (
    id           TEXT    NOT NULL PRIMARY KEY,
    paper_id     TEXT    NOT NULL REFERENCES papers (id),
    -- title and source are the run's own copy: a run shows what it was
    -- started with even if the paper row is ever re-ingested differently.
    title        TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    error        TEXT    NOT NULL,
    error_class  TEXT    NOT NULL,
    config_hash  TEXT    NOT NULL,
    target_words INTEGER NOT NULL,
    summary      TEXT    NOT NULL,
    scores       TEXT,             -- JSON papersum.Scores, NULL when none
    team         TEXT    NOT NULL,
    -- "user" is a reserved word in Postgres and standard SQL; a neutral name
    -- keeps the schemas of both stores alike.
    user_name    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER           -- NULL while running
) STRICT;

-- ListRuns pages newest first by (created_at, id), optionally by status or
-- paper; one index per access path keeps each page an index range scan.
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);
CREATE INDEX runs_by_paper ON runs (paper_id, created_at DESC, id DESC);

CREATE TABLE stage_results (
    run_id                   TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq                      INTEGER NOT NULL, -- 1, 2, ... in the order added
    stage                    TEXT    NOT NULL,
    provider                 TEXT    NOT NULL,
    model                    TEXT    NOT NULL,
    prompt_version           TEXT    NOT NULL,
    raw                      TEXT    NOT NULL,
    output                   TEXT    NOT NULL,
    critique                 TEXT,             -- JSON papersum.Critique, NULL when none
    input_tokens             INTEGER NOT NULL,
    output_tokens            INTEGER NOT NULL,
    cache_creation_5m_tokens INTEGER NOT NULL,
    cache_creation_1h_tokens INTEGER NOT NULL,
    cache_read_tokens        INTEGER NOT NULL,
    usage_estimated          INTEGER NOT NULL CHECK (usage_estimated IN (0, 1)),
    cost_usd                 REAL    NOT NULL,
    latency_ns               INTEGER NOT NULL,
    stop_reason              TEXT    NOT NULL,
    fallback_reason          TEXT    NOT NULL,
    started_at               INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT;
