-- 0010_drift: the Postgres twin of sqlite/migrations/0011_drift.sql:
-- serve's streaming drift detectors (their JSON state per signal, model
-- and detector, replaced after every value) and their detections.

CREATE TABLE drift_detectors (
    signal       text   NOT NULL,
    model        text   NOT NULL,
    detector     text   NOT NULL,
    state        text   NOT NULL, -- JSON, drift.Save
    observations bigint NOT NULL,
    since        bigint NOT NULL, -- ns since the epoch
    updated_at   bigint NOT NULL,
    PRIMARY KEY (signal, model, detector)
);

CREATE TABLE drift_events (
    id           text             NOT NULL PRIMARY KEY,
    signal       text             NOT NULL,
    model        text             NOT NULL,
    detector     text             NOT NULL,
    statistic    double precision NOT NULL,
    run_id       text             NOT NULL,
    window_start bigint           NOT NULL,
    window_end   bigint           NOT NULL,
    detail       text             NOT NULL, -- JSON, the drift.detected payload
    detected_at  bigint           NOT NULL
);

CREATE INDEX drift_events_by_time ON drift_events (detected_at, id);
