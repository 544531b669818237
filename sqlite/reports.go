package sqlite

import (
	"context"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.ReportStore = (*DB)(nil)

// dialect is SQLite's report SQL.
var dialect = storeutil.Dialect{Placeholder: storeutil.QuestionMark, Cached: "r.cached"}

// UsageByDay sums the stage results of the runs in w per group, day,
// provider, model and batch flag (papersum.ReportStore), in SQL.
func (s *DB) UsageByDay(ctx context.Context, by papersum.ReportDimension, w papersum.ReportWindow) ([]papersum.UsageRow, error) {
	const op = "sqlite.UsageByDay"
	q, args, err := storeutil.UsageSQL(op, by, w, dialect)
	if err != nil {
		return nil, err
	}
	return query(ctx, s, op, q, args, storeutil.ScanUsage)
}

// RunsByDay counts the runs in w per group and day (papersum.ReportStore).
func (s *DB) RunsByDay(ctx context.Context, by papersum.ReportDimension, w papersum.ReportWindow) ([]papersum.RunCountRow, error) {
	const op = "sqlite.RunsByDay"
	q, args, err := storeutil.RunsSQL(op, by, w, dialect)
	if err != nil {
		return nil, err
	}
	return query(ctx, s, op, q, args, storeutil.ScanRunCount)
}

// PerfSamples returns the timings of the finished runs in w
// (papersum.ReportStore).
func (s *DB) PerfSamples(ctx context.Context, w papersum.ReportWindow) (*papersum.PerfSamples, error) {
	const op = "sqlite.PerfSamples"
	var out papersum.PerfSamples
	q, args, err := storeutil.PerfRunsSQL(op, w, dialect)
	if err != nil {
		return nil, err
	}
	if out.Runs, err = query(ctx, s, op, q, args, storeutil.ScanRunTiming); err != nil {
		return nil, err
	}
	q, args, err = storeutil.PerfStagesSQL(op, w, dialect)
	if err != nil {
		return nil, err
	}
	if out.Stages, err = query(ctx, s, op, q, args, storeutil.ScanStageTiming); err != nil {
		return nil, err
	}
	return &out, nil
}

// query runs a read-only report query and scans every row.
func query[T any](ctx context.Context, s *DB, op, q string, args []any, scan func(storeutil.Scanner) (T, error)) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}
