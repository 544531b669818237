package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.EvalStore = (*DB)(nil)

// PutEval stores a complete evaluation in one transaction.
//
// Errors: EINVALID for a record without ID or result, or with a metric
// that is not a finite number; ECONFLICT when the ID exists.
func (s *DB) PutEval(ctx context.Context, e *papersum.EvalRecord) error {
	const op = "sqlite.PutEval"
	if e == nil || e.ID == "" || len(e.Result) == 0 {
		return storeutil.Invalid(op, "evaluation needs an ID and a result")
	}
	at, ok := storeutil.EncodeTime(e.CreatedAt)
	if !ok {
		return storeutil.Invalid(op, "created_at out of range")
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM evals WHERE id = ?`, e.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &papersum.Error{Code: papersum.ECONFLICT, Op: op, Message: "evaluation " + e.ID + " exists"}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO evals (id, dataset, dataset_hash, config_hash, created_at, result)
			VALUES (?, ?, ?, ?, ?, ?)`, e.ID, e.Dataset, e.DatasetHash, e.ConfigHash, at, string(e.Result)); err != nil {
			return err
		}
		for i, it := range e.Items {
			for k, v := range it.Metrics {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return storeutil.Invalid(op, "item %s: metric %s is %v", it.ItemID, k, v)
				}
			}
			m, _ := json.Marshal(it.Metrics)
			ids, _ := json.Marshal(it.RunIDs)
			if _, err := tx.ExecContext(ctx, `INSERT INTO eval_items (eval_id, seq, item_id, metrics, run_ids, error)
				VALUES (?, ?, ?, ?, ?, ?)`, e.ID, i, it.ItemID, string(m), string(ids), it.Error); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetEval returns an evaluation with its items.
//
// Errors: ENOTFOUND for an unknown ID.
func (s *DB) GetEval(ctx context.Context, id string) (*papersum.EvalRecord, error) {
	const op = "sqlite.GetEval"
	e := &papersum.EvalRecord{ID: id}
	var at int64
	var result string
	err := s.db.QueryRowContext(ctx, `SELECT dataset, dataset_hash, config_hash, created_at, result FROM evals WHERE id = ?`, id).
		Scan(&e.Dataset, &e.DatasetHash, &e.ConfigHash, &at, &result)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeutil.NotFound(op, "evaluation %s not found", id)
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	e.CreatedAt, e.Result = storeutil.DecodeTime(at), []byte(result)
	rows, err := s.db.QueryContext(ctx, `SELECT item_id, metrics, run_ids, error FROM eval_items WHERE eval_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it papersum.EvalItem
		var m, ids string
		if err := rows.Scan(&it.ItemID, &m, &ids, &it.Error); err != nil {
			return nil, dbError(op, err)
		}
		if err := json.Unmarshal([]byte(m), &it.Metrics); err != nil {
			return nil, dbError(op, err)
		}
		if err := json.Unmarshal([]byte(ids), &it.RunIDs); err != nil {
			return nil, dbError(op, err)
		}
		e.Items = append(e.Items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return e, nil
}

// ListEvals returns evaluations newest first, without items or result.
func (s *DB) ListEvals(ctx context.Context, limit int) ([]*papersum.EvalRecord, error) {
	const op = "sqlite.ListEvals"
	if limit <= 0 || limit > MaxListLimit {
		limit = DefaultListLimit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, dataset, dataset_hash, config_hash, created_at FROM evals
		ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []*papersum.EvalRecord
	for rows.Next() {
		e := &papersum.EvalRecord{}
		var at int64
		if err := rows.Scan(&e.ID, &e.Dataset, &e.DatasetHash, &e.ConfigHash, &at); err != nil {
			return nil, dbError(op, err)
		}
		e.CreatedAt = storeutil.DecodeTime(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}
