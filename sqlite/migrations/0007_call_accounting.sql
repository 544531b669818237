-- 0006_call_accounting: what a run's record adds so that its cost and
-- quality tell the whole truth.
--
-- revised_scores are the scores of the revised summary (JSON
-- papersum.Scores, NULL when none); scores stays the critique of the
-- first draft.
--
-- abandoned_calls counts, per run, stage and model, the model calls that
-- papersum stopped waiting for before an answer arrived (deadline passed,
-- run cancelled). Their tokens are unknown, so they have no stage_results
-- row; the count says that the run's cost is a lower bound. seq keeps the
-- order in which each (stage, provider, model) was first counted.

ALTER TABLE runs ADD COLUMN revised_scores TEXT;

CREATE TABLE abandoned_calls (
    run_id   TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    stage    TEXT    NOT NULL,
    provider TEXT    NOT NULL,
    model    TEXT    NOT NULL,
    calls    INTEGER NOT NULL CHECK (calls > 0),
    PRIMARY KEY (run_id, stage, provider, model)
) STRICT;
