-- 0011_budgets: the Postgres twin of sqlite/migrations/0011_budgets.sql.
-- Dollar budgets per team or API key and period (day or month, UTC), and
-- the soft thresholds that have fired in each period (insert-if-absent:
-- one replica sends each event). Times are Unix nanoseconds.

CREATE TABLE budgets (
    scope      text    COLLATE "C" NOT NULL CHECK (scope IN ('team', 'key')),
    id         text    COLLATE "C" NOT NULL,
    period     text    COLLATE "C" NOT NULL CHECK (period IN ('day', 'month')),
    limit_usd  double precision NOT NULL CHECK (limit_usd > 0),
    thresholds text    NOT NULL,
    created_at bigint  NOT NULL,
    PRIMARY KEY (scope, id, period)
);

CREATE TABLE budget_thresholds (
    scope        text    COLLATE "C" NOT NULL,
    id           text    COLLATE "C" NOT NULL,
    period       text    COLLATE "C" NOT NULL,
    period_start bigint  NOT NULL,
    threshold    integer NOT NULL,
    PRIMARY KEY (scope, id, period, period_start, threshold)
);
