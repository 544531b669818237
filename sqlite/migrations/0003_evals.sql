-- 0003_evals: evaluation results. An evaluation is written in one
-- transaction when it is complete, so nothing partial is ever stored as
-- complete; the pipeline runs it scored are in runs already.

CREATE TABLE evals (
    id           TEXT    NOT NULL PRIMARY KEY,
    dataset      TEXT    NOT NULL,
    dataset_hash TEXT    NOT NULL,
    config_hash  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    result       TEXT    NOT NULL  -- JSON, schema papersum.eval/v1
) STRICT;

CREATE INDEX evals_by_created ON evals (created_at DESC, id DESC);

CREATE TABLE eval_items (
    eval_id TEXT    NOT NULL REFERENCES evals (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    item_id TEXT    NOT NULL,
    metrics TEXT    NOT NULL, -- JSON object metric -> value
    run_ids TEXT    NOT NULL, -- JSON array
    error   TEXT    NOT NULL,
    PRIMARY KEY (eval_id, seq)
) STRICT;
