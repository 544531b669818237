-- 0010_drift: serve's streaming drift detectors and their detections.
-- drift_detectors holds each detector's JSON state (drift.Save: kind,
-- parameters, complete state) per watched signal and model, replaced
-- after every value, so that a restarted server continues it.
-- drift_events records every detection; detail is the JSON document the
-- drift.detected webhook carries.

CREATE TABLE drift_detectors (
    signal       TEXT    NOT NULL,
    model        TEXT    NOT NULL,
    detector     TEXT    NOT NULL,
    state        TEXT    NOT NULL, -- JSON, drift.Save
    observations INTEGER NOT NULL,
    since        INTEGER NOT NULL, -- ns since the epoch
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (signal, model, detector)
) STRICT;

CREATE TABLE drift_events (
    id           TEXT    NOT NULL PRIMARY KEY,
    signal       TEXT    NOT NULL,
    model        TEXT    NOT NULL,
    detector     TEXT    NOT NULL,
    statistic    REAL    NOT NULL,
    run_id       TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    detail       TEXT    NOT NULL, -- JSON, the drift.detected payload
    detected_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX drift_events_by_time ON drift_events (detected_at, id);
