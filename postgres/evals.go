package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

// PutEval stores a complete evaluation in one transaction: whole or not at
// all.
//
// Errors: EINVALID for a record without ID or result, with a metric that
// is not a finite number, or with a creation time out of range; ECONFLICT
// when the ID exists.
func (s *DB) PutEval(ctx context.Context, e *papersum.EvalRecord) error {
	const op = "postgres.PutEval"
	if e == nil || e.ID == "" || len(e.Result) == 0 {
		return storeutil.Invalid(op, "evaluation needs an ID and a result")
	}
	at, ok := storeutil.EncodeTime(e.CreatedAt)
	if !ok {
		return storeutil.Invalid(op, "created_at out of range")
	}
	// Validate and encode every item before writing anything.
	metrics := make([]string, len(e.Items))
	runIDs := make([]string, len(e.Items))
	for i, it := range e.Items {
		for k, v := range it.Metrics {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return storeutil.Invalid(op, "item %s: metric %s is %v", it.ItemID, k, v)
			}
		}
		m, err := json.Marshal(it.Metrics)
		if err != nil {
			return storeutil.Invalid(op, "item %s: metrics: %v", it.ItemID, err)
		}
		ids, err := json.Marshal(it.RunIDs)
		if err != nil {
			return storeutil.Invalid(op, "item %s: run ids: %v", it.ItemID, err)
		}
		metrics[i], runIDs[i] = string(m), string(ids)
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO evals (id, dataset, dataset_hash, config_hash, created_at, result)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.Dataset, e.DatasetHash, e.ConfigHash, at, string(e.Result))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storeutil.Conflict(op, "evaluation %s exists", e.ID)
		}
		for i, it := range e.Items {
			if _, err := tx.Exec(ctx, `INSERT INTO eval_items (eval_id, seq, item_id, metrics, run_ids, error)
				VALUES ($1, $2, $3, $4, $5, $6)`, e.ID, i, it.ItemID, metrics[i], runIDs[i], it.Error); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetEval returns an evaluation with its items, read from one snapshot.
//
// Errors: ENOTFOUND for an unknown ID.
func (s *DB) GetEval(ctx context.Context, id string) (*papersum.EvalRecord, error) {
	const op = "postgres.GetEval"
	e := &papersum.EvalRecord{ID: id}
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		var (
			at     int64
			result string
		)
		err := tx.QueryRow(ctx, `SELECT dataset, dataset_hash, config_hash, created_at, result FROM evals WHERE id = $1`, id).
			Scan(&e.Dataset, &e.DatasetHash, &e.ConfigHash, &at, &result)
		if errors.Is(err, pgx.ErrNoRows) {
			return storeutil.NotFound(op, "evaluation %s not found", id)
		}
		if err != nil {
			return err
		}
		e.CreatedAt, e.Result = storeutil.DecodeTime(at), []byte(result)
		rows, err := tx.Query(ctx, `SELECT item_id, metrics, run_ids, error FROM eval_items WHERE eval_id = $1 ORDER BY seq`, id)
		if err != nil {
			return err
		}
		var (
			it     papersum.EvalItem
			m, ids []byte
		)
		_, err = pgx.ForEachRow(rows, []any{&it.ItemID, &m, &ids, &it.Error}, func() error {
			c := papersum.EvalItem{ItemID: it.ItemID, Error: it.Error}
			if err := json.Unmarshal(m, &c.Metrics); err != nil {
				return err
			}
			if err := json.Unmarshal(ids, &c.RunIDs); err != nil {
				return err
			}
			e.Items = append(e.Items, c)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ListEvals returns evaluations newest first, without items or result. A
// limit that is not positive or above MaxListLimit means
// DefaultListLimit, as in the SQLite store.
func (s *DB) ListEvals(ctx context.Context, limit int) ([]*papersum.EvalRecord, error) {
	const op = "postgres.ListEvals"
	if limit <= 0 || limit > MaxListLimit {
		limit = DefaultListLimit
	}
	var out []*papersum.EvalRecord
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, dataset, dataset_hash, config_hash, created_at FROM evals
			ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
		if err != nil {
			return err
		}
		var (
			e  papersum.EvalRecord
			at int64
		)
		_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Dataset, &e.DatasetHash, &e.ConfigHash, &at}, func() error {
			c := e
			c.CreatedAt = storeutil.DecodeTime(at)
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
