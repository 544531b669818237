package storeutil

import (
	"fmt"
	"math"
	"time"

	"github.com/papersum/papersum"
)

// NsPerDay is a UTC day in nanoseconds: stored times are nanoseconds since
// the Unix epoch, so integer division by it gives the UTC day number in
// both stores' SQL.
const NsPerDay = int64(24 * time.Hour)

// Dialect is what differs between the stores' report SQL.
type Dialect struct {
	// Placeholder returns the placeholder of the i-th argument (1-based).
	Placeholder func(i int) string
	// Cached is the expression that is 1 for a cached run and 0 for
	// another, over the runs table aliased r.
	Cached string
	// Int is appended to a SUM of integers to keep it an integer
	// (Postgres sums bigint into numeric).
	Int string
}

// reportGroup is the SQL expression of a dimension's group, over runs r
// and stage_results s.
func reportGroup(by papersum.ReportDimension) (string, error) {
	switch by {
	case papersum.ByTeam:
		return "r.team", nil
	case papersum.ByUser:
		return "r.user_name", nil
	case papersum.ByKey:
		return "r.key_id", nil
	case papersum.ByModel:
		return "s.model", nil
	case papersum.ByStage:
		return "s.stage", nil
	case papersum.ByDay, papersum.ByWeek, papersum.ByMonth:
		return "''", nil
	}
	return "", papersum.Errorf(papersum.EINVALID, "report: unknown dimension %q (want one of team, user, key, model, stage, day, week, month)", by)
}

// windowWhere is the WHERE clause of w over runs r, with its arguments
// numbered from 1.
func windowWhere(op string, w papersum.ReportWindow, d Dialect) (string, []any, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !w.Since.IsZero() {
		v, ok := EncodeTime(w.Since)
		if !ok {
			return "", nil, Invalid(op, "report: since out of range")
		}
		lo = v
	}
	if !w.Until.IsZero() {
		v, ok := EncodeTime(w.Until)
		if !ok {
			return "", nil, Invalid(op, "report: until out of range")
		}
		hi = v
	}
	where := fmt.Sprintf("r.created_at >= %s AND r.created_at < %s", d.Placeholder(1), d.Placeholder(2))
	args := []any{lo, hi}
	if w.Team != "" {
		where += " AND r.team = " + d.Placeholder(3)
		args = append(args, w.Team)
	}
	return where, args, nil
}

// BatchPredicate tells a stage result answered through a provider's batch
// API: the pipeline records it with the note "batch <id>" in its
// fallback reason (pipeline.Runner.record), alone or after a fallback
// reason and "; ".
const BatchPredicate = "(s.fallback_reason LIKE 'batch %' OR s.fallback_reason LIKE '%; batch %')"

// UsageSQL is the query of ReportStore.UsageByDay: one row per group,
// day, provider, model and batch flag, with the stage count, the token
// sums and the recorded cost. The day comes back as the UTC day number.
func UsageSQL(op string, by papersum.ReportDimension, w papersum.ReportWindow, d Dialect) (string, []any, error) {
	g, err := reportGroup(by)
	if err != nil {
		return "", nil, err
	}
	where, args, err := windowWhere(op, w, d)
	if err != nil {
		return "", nil, err
	}
	// Distinct runs are counted for the stage-level dimensions only: the
	// run-level ones count runs with RunsSQL, and a DISTINCT costs a
	// sort of every stage row.
	runs := "0"
	if by.StageLevel() {
		runs = "COUNT(DISTINCT r.id)"
	}
	q := fmt.Sprintf(`SELECT %[1]s AS grp, r.created_at / %[2]d AS day, s.provider, s.model, %[6]s,
	CASE WHEN %[3]s THEN 1 ELSE 0 END AS batch,
	COUNT(*), SUM(s.input_tokens)%[4]s, SUM(s.output_tokens)%[4]s, SUM(s.cache_creation_5m_tokens)%[4]s,
	SUM(s.cache_creation_1h_tokens)%[4]s, SUM(s.cache_read_tokens)%[4]s, SUM(s.cost_usd)
FROM runs r JOIN stage_results s ON s.run_id = r.id
WHERE %[5]s
GROUP BY 1, 2, 3, 4, 6
ORDER BY 1, 2, 3, 4, 6`, g, NsPerDay, BatchPredicate, d.Int, where, runs)
	return q, args, nil
}

// RunsSQL is the query of ReportStore.RunsByDay: one row per group and
// UTC day number with the run count, cached runs and their hits. The
// stage-level dimensions count runs in one group "".
func RunsSQL(op string, by papersum.ReportDimension, w papersum.ReportWindow, d Dialect) (string, []any, error) {
	g, err := reportGroup(by)
	if err != nil {
		return "", nil, err
	}
	if by.StageLevel() {
		g = "''"
	}
	where, args, err := windowWhere(op, w, d)
	if err != nil {
		return "", nil, err
	}
	q := fmt.Sprintf(`SELECT %s AS grp, r.created_at / %d AS day, COUNT(*), SUM(%s)%s, SUM(r.cache_hits)%s
FROM runs r
WHERE %s
GROUP BY 1, 2
ORDER BY 1, 2`, g, NsPerDay, d.Cached, d.Int, d.Int, where)
	return q, args, nil
}

// PerfRunsSQL and PerfStagesSQL are the queries of
// ReportStore.PerfSamples: the finished runs a worker started, and the
// stage results of the finished runs, with their paper's length. A run
// the CLI ran has no start time of its own: it started with its first
// stage (when it was created, without one).
func PerfRunsSQL(op string, w papersum.ReportWindow, d Dialect) (string, []any, error) {
	where, args, err := windowWhere(op, w, d)
	if err != nil {
		return "", nil, err
	}
	return `SELECT r.id, r.team, r.status, p.word_count, r.created_at, COALESCE(r.started_at, (SELECT MIN(s.started_at) FROM stage_results s WHERE s.run_id = r.id), r.created_at), r.finished_at
FROM runs r JOIN papers p ON p.id = r.paper_id
WHERE ` + where + ` AND r.finished_at IS NOT NULL`, args, nil
}

// PerfStagesSQL: see PerfRunsSQL.
func PerfStagesSQL(op string, w papersum.ReportWindow, d Dialect) (string, []any, error) {
	where, args, err := windowWhere(op, w, d)
	if err != nil {
		return "", nil, err
	}
	return `SELECT s.stage, s.model, p.word_count, s.latency_ns
FROM runs r JOIN stage_results s ON s.run_id = r.id JOIN papers p ON p.id = r.paper_id
WHERE ` + where + ` AND r.finished_at IS NOT NULL`, args, nil
}

// DayTime is the midnight UTC of day number n.
func DayTime(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

// Scanner is a row of either driver.
type Scanner interface{ Scan(dest ...any) error }

// ScanUsage scans a row of UsageSQL. cost comes as a float; SQLite hands
// SUM of no rows as NULL, which a GROUP BY never yields.
func ScanUsage(row Scanner) (papersum.UsageRow, error) {
	var u papersum.UsageRow
	var day, batch int64
	if err := row.Scan(&u.Group, &day, &u.Provider, &u.Model, &u.Runs, &batch, &u.Stages,
		&u.Usage.InputTokens, &u.Usage.OutputTokens, &u.Usage.CacheCreation5mTokens,
		&u.Usage.CacheCreation1hTokens, &u.Usage.CacheReadTokens, &u.RecordedCostUSD); err != nil {
		return u, err
	}
	u.Day, u.Batch = DayTime(day), batch == 1
	return u, nil
}

// ScanRunCount scans a row of RunsSQL.
func ScanRunCount(row Scanner) (papersum.RunCountRow, error) {
	var c papersum.RunCountRow
	var day int64
	if err := row.Scan(&c.Group, &day, &c.Runs, &c.Cached, &c.CacheHits); err != nil {
		return c, err
	}
	c.Day = DayTime(day)
	return c, nil
}

// ScanRunTiming scans a row of PerfRunsSQL.
func ScanRunTiming(row Scanner) (papersum.RunTiming, error) {
	var t papersum.RunTiming
	var status string
	var created, started, finished, words int64
	if err := row.Scan(&t.ID, &t.Team, &status, &words, &created, &started, &finished); err != nil {
		return t, err
	}
	t.Status, t.PaperWords = papersum.RunStatus(status), int(words)
	t.CreatedAt, t.StartedAt, t.FinishedAt = DecodeTime(created), DecodeTime(started), DecodeTime(finished)
	return t, nil
}

// ScanStageTiming scans a row of PerfStagesSQL.
func ScanStageTiming(row Scanner) (papersum.StageTiming, error) {
	var t papersum.StageTiming
	var stage string
	var words, lat int64
	if err := row.Scan(&stage, &t.Model, &words, &lat); err != nil {
		return t, err
	}
	t.Stage, t.PaperWords, t.Latency = papersum.Stage(stage), int(words), time.Duration(lat)
	return t, nil
}

// Placeholders of the two stores.
var (
	QuestionMark = func(int) string { return "?" }
	Dollar       = func(i int) string { return "$" + fmt.Sprint(i) }
)
