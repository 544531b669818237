-- 0011_budgets: dollar budgets per team or API key and period (day or
-- month, UTC), and the soft thresholds that have fired in each period, so
-- that every replica sends a threshold's budget.threshold event once:
-- whoever inserts the row first sends it. Times are Unix nanoseconds.

CREATE TABLE budgets (
    scope      TEXT    NOT NULL CHECK (scope IN ('team', 'key')),
    id         TEXT    NOT NULL,
    period     TEXT    NOT NULL CHECK (period IN ('day', 'month')),
    limit_usd  REAL    NOT NULL CHECK (limit_usd > 0),
    thresholds TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, id, period)
);

CREATE TABLE budget_thresholds (
    scope        TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    threshold    INTEGER NOT NULL,
    PRIMARY KEY (scope, id, period, period_start, threshold)
);
