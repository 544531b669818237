package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

// PutJobRun records that runID is the run of paperID in job jobID and
// returns the run ID recorded for that pair, which is an earlier one when
// the job was started before. Two processes recording one pair at once get
// the same answer: the primary key picks the first, and both read it back.
//
// Errors: EINVALID for empty IDs or an unknown run.
func (s *DB) PutJobRun(ctx context.Context, jobID, paperID, runID string) (string, error) {
	const op = "postgres.PutJobRun"
	if jobID == "" || paperID == "" || runID == "" {
		return "", storeutil.Invalid(op, "job, paper and run IDs are required")
	}
	var got string
	err := s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		const get = `SELECT run_id FROM batch_job_runs WHERE job_id = $1 AND paper_id = $2`
		err := tx.QueryRow(ctx, get, jobID, paperID).Scan(&got)
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1)`, runID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return storeutil.Invalid(op, "run %s is not stored", runID)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO batch_job_runs (job_id, paper_id, run_id) VALUES ($1, $2, $3)
			ON CONFLICT (job_id, paper_id) DO NOTHING`, jobID, paperID, runID); err != nil {
			return err
		}
		// In READ COMMITTED each statement sees the latest commits, so
		// this reads the row of whoever inserted first, us or another.
		return tx.QueryRow(ctx, get, jobID, paperID).Scan(&got)
	})
	if err != nil {
		return "", err
	}
	return got, nil
}

// JobRuns returns the runs of a job by paper ID; an unknown job has none.
func (s *DB) JobRuns(ctx context.Context, jobID string) (map[string]string, error) {
	const op = "postgres.JobRuns"
	out := map[string]string{}
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT paper_id, run_id FROM batch_job_runs WHERE job_id = $1`, jobID)
		if err != nil {
			return err
		}
		var p, r string
		_, err = pgx.ForEachRow(rows, []any{&p, &r}, func() error {
			out[p] = r
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutProviderBatch records a batch submitted to a provider.
//
// Errors: EINVALID for a batch without IDs or with a submission time out
// of range; ECONFLICT when it is recorded already.
func (s *DB) PutProviderBatch(ctx context.Context, b *papersum.ProviderBatch) error {
	const op = "postgres.PutProviderBatch"
	row, err := storeutil.NewProviderBatchRow(op, b)
	if err != nil {
		return err
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO provider_batches (provider, batch_id, job_id, stage, run_ids, submitted_at, done)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (provider, batch_id) DO NOTHING`,
			b.Provider, b.BatchID, b.JobID, string(b.Stage), row.RunIDs, row.SubmittedAt, b.Done)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storeutil.Conflict(op, "batch %s is recorded already", b.BatchID)
		}
		return nil
	})
}

// ProviderBatches returns the batches of a job in submission order (ties
// by batch ID); an unknown job has none.
func (s *DB) ProviderBatches(ctx context.Context, jobID string) ([]papersum.ProviderBatch, error) {
	const op = "postgres.ProviderBatches"
	var out []papersum.ProviderBatch
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT provider, batch_id, job_id, stage, run_ids, submitted_at, done
			FROM provider_batches WHERE job_id = $1 ORDER BY submitted_at, batch_id`, jobID)
		if err != nil {
			return err
		}
		var (
			b     papersum.ProviderBatch
			stage string
			ids   []byte
			at    int64
		)
		_, err = pgx.ForEachRow(rows, []any{&b.Provider, &b.BatchID, &b.JobID, &stage, &ids, &at, &b.Done}, func() error {
			c := b
			c.Stage = papersum.Stage(stage)
			c.SubmittedAt = storeutil.DecodeTime(at)
			c.RunIDs = nil
			if err := json.Unmarshal(ids, &c.RunIDs); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishProviderBatch marks a batch done. Marking it again is a no-op.
//
// Errors: ENOTFOUND when the batch is not recorded.
func (s *DB) FinishProviderBatch(ctx context.Context, provider, batchID string) error {
	const op = "postgres.FinishProviderBatch"
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE provider_batches SET done = true WHERE provider = $1 AND batch_id = $2`, provider, batchID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return storeutil.NotFound(op, "batch %s not found", batchID)
		}
		return nil
	})
}
