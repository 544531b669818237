-- 0009_anomalies: the anomalies that the online detectors (package
-- anomaly, wired in serve) raised on finished runs, for
-- `papersum report anomalies`. One row per run and signal; detected_at is
-- Unix nanoseconds (UTC), as every time in this schema.

CREATE TABLE anomalies (
    id          TEXT    NOT NULL PRIMARY KEY,
    run_id      TEXT    NOT NULL,
    signal      TEXT    NOT NULL,
    model       TEXT    NOT NULL,
    direction   TEXT    NOT NULL CHECK (direction IN ('up', 'down')),
    value       REAL    NOT NULL,
    recent      REAL    NOT NULL,
    baseline    REAL    NOT NULL,
    score       REAL    NOT NULL,
    method      TEXT    NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 0),
    detected_at INTEGER NOT NULL
);
CREATE INDEX anomalies_by_detected ON anomalies (detected_at DESC, id);
