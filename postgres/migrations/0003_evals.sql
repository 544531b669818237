-- 0003_evals: evaluation results. An evaluation is written in one
-- transaction when it is complete, so nothing partial is ever stored as
-- complete; the pipeline runs it scored are in runs already.

CREATE TABLE evals (
    id           text   COLLATE "C" NOT NULL PRIMARY KEY, -- bytewise order, as in SQLite
    dataset      text   NOT NULL,
    dataset_hash text   NOT NULL,
    config_hash  text   NOT NULL,
    created_at   bigint NOT NULL,
    -- The result document (schema papersum.eval/v1) is text, not jsonb:
    -- it is handed back byte for byte as the evaluation command wrote it,
    -- and jsonb would re-format it.
    result       text   NOT NULL
);

CREATE INDEX evals_by_created ON evals (created_at DESC, id DESC);

CREATE TABLE eval_items (
    eval_id text    COLLATE "C" NOT NULL REFERENCES evals (id) ON DELETE CASCADE,
    seq     integer NOT NULL,
    item_id text    NOT NULL,
    metrics jsonb   NOT NULL, -- object metric -> value
    run_ids jsonb   NOT NULL, -- array of run IDs
    error   text    NOT NULL,
    PRIMARY KEY (eval_id, seq)
);
