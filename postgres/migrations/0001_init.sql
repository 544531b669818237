-- 0001_init: papers, runs and stage results; the Postgres twin of
-- sqlite/migrations/0001_init.sql. Tables are created unqualified, in the
-- schema that Options.Schema puts first on the search_path.
--
-- Times are bigint nanoseconds since the Unix epoch, UTC, as in the SQLite
-- store: timestamptz keeps only microseconds, and the store must give back
-- exactly the instant it was given.
--
-- Money is double precision: the same 8-byte IEEE double as the Go float64
-- that was written, so storage loses nothing (numeric would round-trip
-- through decimal text; an integer of micro-dollars would lose $3e-8 per
-- cache-read token of a cheap model).
--
-- Structured values papersum owns (sections, scores, critiques) are jsonb:
-- nothing queries inside them yet, but jsonb refuses malformed JSON at the
-- door.

CREATE TABLE papers (
    id         text   NOT NULL PRIMARY KEY,
    title      text   NOT NULL,
    source     text   NOT NULL,
    format     text   NOT NULL,
    sections   jsonb  NOT NULL, -- array of papersum.Section
    word_count bigint NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE runs (
    -- COLLATE "C": ListRuns orders ties and pages by id, and that order
    -- must be bytewise, as in SQLite, whatever the database's locale.
    id           text   COLLATE "C" NOT NULL PRIMARY KEY,
    paper_id     text   NOT NULL REFERENCES papers (id),
    -- title and source are the run's own copy: a run shows what it was
    -- started with even if the paper row is ever re-ingested differently.
    title        text   NOT NULL,
    source       text   NOT NULL,
    status       text   NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    error        text   NOT NULL,
    error_class  text   NOT NULL,
    config_hash  text   NOT NULL,
    target_words bigint NOT NULL,
    summary      text   NOT NULL,
    scores       jsonb,           -- papersum.Scores, NULL when none
    team         text   NOT NULL,
    -- "user" is a reserved word in Postgres and standard SQL.
    user_name    text   NOT NULL,
    created_at   bigint NOT NULL,
    finished_at  bigint           -- NULL while running
);

-- ListRuns pages newest first by (created_at, id), optionally by status or
-- paper; one index per access path keeps each page an index range scan.
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);
CREATE INDEX runs_by_paper ON runs (paper_id, created_at DESC, id DESC);

CREATE TABLE stage_results (
    run_id                   text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq                      integer          NOT NULL, -- 1, 2, ... in the order added
    stage                    text             NOT NULL,
    provider                 text             NOT NULL,
    model                    text             NOT NULL,
    prompt_version           text             NOT NULL,
    raw                      text             NOT NULL,
    output                   text             NOT NULL,
    critique                 jsonb,                     -- papersum.Critique, NULL when none
    input_tokens             bigint           NOT NULL,
    output_tokens            bigint           NOT NULL,
    cache_creation_5m_tokens bigint           NOT NULL,
    cache_creation_1h_tokens bigint           NOT NULL,
    cache_read_tokens        bigint           NOT NULL,
    usage_estimated          boolean          NOT NULL,
    cost_usd                 double precision NOT NULL,
    latency_ns               bigint           NOT NULL,
    stop_reason              text             NOT NULL,
    fallback_reason          text             NOT NULL,
    started_at               bigint           NOT NULL,
    PRIMARY KEY (run_id, seq)
);
