package sqlite

import (
	"context"
	"database/sql"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.AnomalyStore = (*DB)(nil)

// PutAnomalies stores records in one transaction; an ID already stored is
// left as it is.
//
// Errors: EINVALID for an invalid record (nothing is stored).
func (s *DB) PutAnomalies(ctx context.Context, records []*papersum.AnomalyRecord) error {
	const op = "sqlite.PutAnomalies"
	rows, err := storeutil.NewAnomalyRows(op, records)
	if err != nil || len(rows) == 0 {
		return err
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO anomalies (id, run_id, signal, model, direction, value, recent,
				baseline, score, method, n, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				r.ID, r.RunID, r.Signal, r.Model, r.Direction, r.Value, r.Recent, r.Baseline, r.Score, r.Method, r.N, r.DetectedAt); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListAnomalies returns the anomalies of f, newest first.
//
// Errors: EINVALID for a negative limit.
func (s *DB) ListAnomalies(ctx context.Context, f papersum.AnomalyFilter) ([]*papersum.AnomalyRecord, error) {
	const op = "sqlite.ListAnomalies"
	limit, since, until, err := storeutil.AnomalyBounds(op, f)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, run_id, signal, model, direction, value, recent, baseline, score, method, n,
		detected_at FROM anomalies WHERE detected_at >= ? AND detected_at < ? ORDER BY detected_at DESC, id LIMIT ?`, since, until, limit)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	out := []*papersum.AnomalyRecord{}
	for rows.Next() {
		a := &papersum.AnomalyRecord{}
		var at int64
		if err := rows.Scan(&a.ID, &a.RunID, &a.Signal, &a.Model, &a.Direction, &a.Value, &a.Recent, &a.Baseline, &a.Score,
			&a.Method, &a.N, &at); err != nil {
			return nil, dbError(op, err)
		}
		a.DetectedAt = storeutil.DecodeTime(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}
