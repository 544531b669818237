package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.AnomalyStore = (*DB)(nil)

// PutAnomalies stores records in one transaction; an ID already stored is
// left as it is.
//
// Errors: EINVALID for an invalid record (nothing is stored).
func (s *DB) PutAnomalies(ctx context.Context, records []*papersum.AnomalyRecord) error {
	const op = "postgres.PutAnomalies"
	rows, err := storeutil.NewAnomalyRows(op, records)
	if err != nil || len(rows) == 0 {
		return err
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for _, r := range rows {
			if _, err := tx.Exec(ctx, `INSERT INTO anomalies (id, run_id, signal, model, direction, value, recent,
				baseline, score, method, n, detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
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
	const op = "postgres.ListAnomalies"
	limit, since, until, err := storeutil.AnomalyBounds(op, f)
	if err != nil {
		return nil, err
	}
	out := []*papersum.AnomalyRecord{}
	err = s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, run_id, signal, model, direction, value, recent, baseline, score, method, n,
			detected_at FROM anomalies WHERE detected_at >= $1 AND detected_at < $2 ORDER BY detected_at DESC, id LIMIT $3`, since, until, limit)
		if err != nil {
			return err
		}
		var (
			a  papersum.AnomalyRecord
			at int64
		)
		_, err = pgx.ForEachRow(rows, []any{&a.ID, &a.RunID, &a.Signal, &a.Model, &a.Direction, &a.Value, &a.Recent, &a.Baseline,
			&a.Score, &a.Method, &a.N, &at}, func() error {
			c := a
			c.DetectedAt = storeutil.DecodeTime(at)
			out = append(out, &c)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
