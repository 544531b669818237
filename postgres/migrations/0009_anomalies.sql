-- 0009_anomalies: the Postgres twin of sqlite/migrations/0009_anomalies.sql.
-- The anomalies that the online detectors (package anomaly, wired in
-- serve) raised on finished runs, for `papersum report anomalies`; one row
-- per run and signal; detected_at is Unix nanoseconds (UTC).

CREATE TABLE anomalies (
    id          text    COLLATE "C" NOT NULL PRIMARY KEY,
    run_id      text    NOT NULL,
    signal      text    NOT NULL,
    model       text    NOT NULL,
    direction   text    NOT NULL CHECK (direction IN ('up', 'down')),
    value       double precision NOT NULL,
    recent      double precision NOT NULL,
    baseline    double precision NOT NULL,
    score       double precision NOT NULL,
    method      text    NOT NULL,
    n           integer NOT NULL CHECK (n >= 0),
    detected_at bigint  NOT NULL
);
CREATE INDEX anomalies_by_detected ON anomalies (detected_at DESC, id);
