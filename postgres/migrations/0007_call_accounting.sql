-- 0006_call_accounting: the Postgres twin of
-- sqlite/migrations/0006_call_accounting.sql. Runs gain revised_scores
-- (the scores of the revised summary; scores stays the critique of the
-- first draft), and abandoned_calls counts, per run, stage and model, the
-- model calls that papersum stopped waiting for before an answer arrived.
-- Their tokens are unknown, so they have no stage_results row; the count
-- says that the run's cost is a lower bound. seq keeps the order in which
-- each (stage, provider, model) was first counted.

ALTER TABLE runs ADD COLUMN revised_scores jsonb;

CREATE TABLE abandoned_calls (
    run_id   text    COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq      integer NOT NULL,
    stage    text    NOT NULL,
    provider text    NOT NULL,
    model    text    NOT NULL,
    calls    bigint  NOT NULL CHECK (calls > 0),
    PRIMARY KEY (run_id, stage, provider, model)
);
