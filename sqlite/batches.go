package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var _ papersum.ProviderBatchStore = (*DB)(nil)

// PutJobRun records that runID is the run of paperID in job jobID and
// returns the run ID recorded for that pair, which is an earlier one when
// the job was started before.
//
// Errors: EINVALID for empty IDs or an unknown run.
func (s *DB) PutJobRun(ctx context.Context, jobID, paperID, runID string) (string, error) {
	const op = "sqlite.PutJobRun"
	if jobID == "" || paperID == "" || runID == "" {
		return "", storeutil.Invalid(op, "job, paper and run IDs are required")
	}
	var got string
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT run_id FROM batch_job_runs WHERE job_id = ? AND paper_id = ?`, jobID, paperID).Scan(&got)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE id = ?`, runID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return storeutil.Invalid(op, "run %s is not stored", runID)
		}
		got = runID
		_, err = tx.ExecContext(ctx, `INSERT INTO batch_job_runs (job_id, paper_id, run_id) VALUES (?, ?, ?)`, jobID, paperID, runID)
		return err
	})
	return got, err
}

// JobRuns returns the runs of a job by paper ID.
func (s *DB) JobRuns(ctx context.Context, jobID string) (map[string]string, error) {
	const op = "sqlite.JobRuns"
	rows, err := s.db.QueryContext(ctx, `SELECT paper_id, run_id FROM batch_job_runs WHERE job_id = ?`, jobID)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var p, r string
		if err := rows.Scan(&p, &r); err != nil {
			return nil, dbError(op, err)
		}
		out[p] = r
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// PutProviderBatch records a batch submitted to a provider.
//
// Errors: EINVALID for a batch without IDs; ECONFLICT when it is recorded
// already.
func (s *DB) PutProviderBatch(ctx context.Context, b *papersum.ProviderBatch) error {
	const op = "sqlite.PutProviderBatch"
	row, err := storeutil.NewProviderBatchRow(op, b)
	if err != nil {
		return err
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO provider_batches (provider, batch_id, job_id, stage, run_ids, submitted_at, done)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, batch_id) DO NOTHING`,
			b.Provider, b.BatchID, b.JobID, string(b.Stage), row.RunIDs, row.SubmittedAt, b.Done)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &papersum.Error{Code: papersum.ECONFLICT, Op: op, Message: "batch " + b.BatchID + " is recorded already"}
		}
		return nil
	})
}

// ProviderBatches returns the batches of a job in submission order.
func (s *DB) ProviderBatches(ctx context.Context, jobID string) ([]papersum.ProviderBatch, error) {
	const op = "sqlite.ProviderBatches"
	rows, err := s.db.QueryContext(ctx, `SELECT provider, batch_id, job_id, stage, run_ids, submitted_at, done
		FROM provider_batches WHERE job_id = ? ORDER BY submitted_at, batch_id`, jobID)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var out []papersum.ProviderBatch
	for rows.Next() {
		var b papersum.ProviderBatch
		var stage, ids string
		var at int64
		if err := rows.Scan(&b.Provider, &b.BatchID, &b.JobID, &stage, &ids, &at, &b.Done); err != nil {
			return nil, dbError(op, err)
		}
		b.Stage = papersum.Stage(stage)
		b.SubmittedAt = storeutil.DecodeTime(at)
		if err := json.Unmarshal([]byte(ids), &b.RunIDs); err != nil {
			return nil, dbError(op, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return out, nil
}

// FinishProviderBatch marks a batch done.
//
// Errors: ENOTFOUND when the batch is not recorded.
func (s *DB) FinishProviderBatch(ctx context.Context, provider, batchID string) error {
	const op = "sqlite.FinishProviderBatch"
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE provider_batches SET done = 1 WHERE provider = ? AND batch_id = ?`, provider, batchID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &papersum.Error{Code: papersum.ENOTFOUND, Op: op, Message: "batch " + batchID + " not found"}
		}
		return nil
	})
}
