package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

// Submit stores the queued runs of s, its batch and its idempotency key
// in one transaction, and calls enqueue inside it with that transaction
// (a pgx.Tx on Pool()) and the run IDs in order; the transaction commits
// only when enqueue returns nil. With a batch, every run's BatchID is set
// to the batch's ID and the batch's RunIDs to the runs' IDs in order. A
// zero CreatedAt of a run or the batch is set from the store's clock. On
// success the caller's runs and batch hold the stored values.
//
// When s.IdempotencyKey is recorded for s.Team with the same RequestHash,
// Submit writes nothing, does not call enqueue, and returns the ID
// recorded with the key (the batch's, or the single run's). The key is
// inserted first, with ON CONFLICT DO NOTHING: of concurrent Submits with
// one key, on any replica, the first to insert it goes on, and the others
// wait on its primary key until that transaction ends. If it commits, they
// read its row and return its ID; if it rolls back (enqueue failed), the
// next one goes on instead.
//
// Errors: EINVALID for a submission that storeutil.CheckSubmission
// refuses; ENOTFOUND when a run's paper is not stored; ECONFLICT when a
// run or the batch exists, or the key was used for another request;
// enqueue's error as it returned it (its code preserved).
func (s *DB) Submit(ctx context.Context, sub *papersum.Submission, enqueue func(ctx context.Context, tx any, runIDs []string) error) (string, error) {
	const op = "postgres.Submit"
	if err := storeutil.CheckSubmission(op, sub, enqueue); err != nil {
		return "", err
	}
	rows := make([]runRow, len(sub.Runs))
	for i, run := range sub.Runs {
		r, err := s.newRunRow(op, run)
		if err != nil {
			return "", err
		}
		if sub.Batch != nil {
			r.batchID = sub.Batch.ID
		}
		rows[i] = r
	}
	times, err := storeutil.NewSubmissionTimes(op, sub, s.clock)
	if err != nil {
		return "", err
	}
	runIDs := storeutil.RunIDs(sub.Runs)

	var existing string
	// enqueueErr is kept apart so that it reaches the caller as enqueue
	// returned it, not classified as a database error.
	var enqueueErr error
	err = s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if sub.IdempotencyKey != "" {
			tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (team, key, request_hash, target_id, created_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team, key) DO NOTHING`,
				sub.Team, sub.IdempotencyKey, sub.RequestHash, storeutil.SubmissionTarget(sub), times.Now)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				// READ COMMITTED: this statement sees the row that the
				// conflicting, now committed, transaction wrote.
				var hash string
				if err := tx.QueryRow(ctx, `SELECT request_hash, target_id FROM idempotency_keys WHERE team = $1 AND key = $2`,
					sub.Team, sub.IdempotencyKey).Scan(&hash, &existing); err != nil {
					return err
				}
				if hash != sub.RequestHash {
					existing = ""
					return storeutil.KeyReused(op, sub.Team, sub.IdempotencyKey)
				}
				return nil
			}
		}
		for _, r := range rows {
			if err := insertRun(ctx, tx, op, r); err != nil {
				return err
			}
		}
		if b := sub.Batch; b != nil {
			tag, err := tx.Exec(ctx, `INSERT INTO service_batches (id, team, user_name, callback_url, created_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, b.ID, b.Team, b.User, b.CallbackURL, times.Batch)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return storeutil.Conflict(op, "batch %s already exists", b.ID)
			}
			seqs := make([]int32, len(runIDs))
			for i := range seqs {
				seqs[i] = int32(i + 1)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO service_batch_runs (batch_id, seq, run_id)
				SELECT $1, seq, run_id FROM unnest($2::integer[], $3::text[]) AS u (seq, run_id)`,
				b.ID, seqs, runIDs); err != nil {
				return err
			}
		}
		if err := enqueue(ctx, tx, runIDs); err != nil {
			enqueueErr = err
			return err
		}
		return nil
	})
	if enqueueErr != nil {
		return "", enqueueErr
	}
	if err != nil {
		return "", err
	}
	if existing != "" {
		return existing, nil
	}
	for _, r := range rows {
		r.writeBack()
	}
	if b := sub.Batch; b != nil {
		b.RunIDs = runIDs
		b.CreatedAt = times.BatchAt
	}
	return "", nil
}

// StartRun moves a queued run to running, keeping its creation time, and
// returns it with its stages (raw output included). A running run (a job
// rescued after a crash) or a finished one is returned unchanged. The
// run's row is locked, as in AddStage, so a concurrent CancelRun comes
// either before (and the run is returned canceled) or after.
//
// Errors: ENOTFOUND when the run does not exist.
func (s *DB) StartRun(ctx context.Context, id string) (*papersum.Run, error) {
	const op = "postgres.StartRun"
	var run *papersum.Run
	err := s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		st, err := lockRun(ctx, tx, op, id)
		if err != nil {
			return err
		}
		if st == papersum.RunQueued {
			if _, err := tx.Exec(ctx, `UPDATE runs SET status = 'running' WHERE id = $1`, id); err != nil {
				return err
			}
		}
		run, err = getRun(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// CancelRun moves a queued or running run to canceled, with its finish
// time from the store's clock, and returns it with its stages. A worker
// still running it finds out when its next AddStage or FinishRun fails
// with ECONFLICT.
//
// Errors: ENOTFOUND when the run does not exist; ECONFLICT when it has
// finished (canceled included).
func (s *DB) CancelRun(ctx context.Context, id string) (*papersum.Run, error) {
	const op = "postgres.CancelRun"
	now, ok := storeutil.EncodeTime(s.clock.Now())
	if !ok {
		return nil, storeutil.Invalid(op, "clock time out of range")
	}
	var run *papersum.Run
	err := s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		st, err := lockRun(ctx, tx, op, id)
		if err != nil {
			return err
		}
		if st.Finished() {
			return storeutil.Conflict(op, "run %s is already %s; a finished run cannot be canceled", id, st)
		}
		if _, err := tx.Exec(ctx, `UPDATE runs SET status = 'canceled', finished_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		run, err = getRun(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// GetBatch returns a service batch with its run IDs in submission order,
// the number of its runs in each state (states with no run are left out),
// the cost of their stages so far, and when a run of it last finished,
// all read from one snapshot.
//
// Errors: ENOTFOUND when no batch has this ID.
func (s *DB) GetBatch(ctx context.Context, id string) (*papersum.Batch, error) {
	const op = "postgres.GetBatch"
	b := &papersum.Batch{RunIDs: []string{}, Counts: map[papersum.RunStatus]int{}}
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		var created int64
		err := tx.QueryRow(ctx, `SELECT id, team, user_name, callback_url, created_at FROM service_batches WHERE id = $1`, id).
			Scan(&b.ID, &b.Team, &b.User, &b.CallbackURL, &created)
		if errors.Is(err, pgx.ErrNoRows) {
			return storeutil.NotFound(op, "batch %s not found", id)
		}
		if err != nil {
			return err
		}
		b.CreatedAt = storeutil.DecodeTime(created)

		rows, err := tx.Query(ctx, `SELECT b.run_id, r.status, r.finished_at FROM service_batch_runs b
			JOIN runs r ON r.id = b.run_id WHERE b.batch_id = $1 ORDER BY b.seq`, id)
		if err != nil {
			return err
		}
		var last *int64
		for rows.Next() {
			var (
				runID, st string
				finished  *int64
			)
			if err := rows.Scan(&runID, &st, &finished); err != nil {
				rows.Close()
				return err
			}
			b.RunIDs = append(b.RunIDs, runID)
			b.Counts[papersum.RunStatus(st)]++
			if finished != nil && (last == nil || *finished > *last) {
				last = finished
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if last != nil {
			t := storeutil.DecodeTime(*last)
			b.UpdatedAt = &t
		}
		return tx.QueryRow(ctx, `SELECT coalesce(sum(s.cost_usd), 0) FROM stage_results s
			JOIN service_batch_runs b ON b.run_id = s.run_id WHERE b.batch_id = $1`, id).Scan(&b.CostUSD)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// RecordDelivery stores one webhook delivery attempt. A zero d.At is set
// from the store's clock, and written back.
//
// Errors: EINVALID when d is nil, has no webhook ID or URL, names neither a
// run nor a batch, or has a negative attempt or duration, an HTTP status
// out of range or a time out of range.
func (s *DB) RecordDelivery(ctx context.Context, d *papersum.Delivery) error {
	const op = "postgres.RecordDelivery"
	if err := storeutil.CheckDelivery(op, d); err != nil {
		return err
	}
	at := d.At
	if at.IsZero() {
		at = s.clock.Now()
	}
	ns, ok := storeutil.EncodeTime(at)
	if !ok {
		return storeutil.Invalid(op, "delivery %s: time %s out of range", d.WebhookID, at)
	}
	err := s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, run_id, batch_id, url, attempt, status,
				error, at, duration_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			d.WebhookID, d.RunID, d.BatchID, d.URL, d.Attempt, d.Status, d.Error, ns, int64(d.Duration))
		return err
	})
	if err != nil {
		return err
	}
	d.At = at
	return nil
}

// Deliveries returns the attempts recorded for the run or batch with this
// ID, oldest first (by time, then attempt). An ID with none, or "", has an
// empty list.
func (s *DB) Deliveries(ctx context.Context, id string) ([]papersum.Delivery, error) {
	const op = "postgres.Deliveries"
	out := []papersum.Delivery{}
	if id == "" {
		// "" is what run_id or batch_id holds when a delivery is about
		// the other; it names nothing.
		return out, nil
	}
	err := s.tx(ctx, op, readOnly, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT webhook_id, run_id, batch_id, url, attempt, status, error, at, duration_ns
			FROM webhook_deliveries WHERE run_id = $1 OR batch_id = $1 ORDER BY at, attempt, webhook_id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				d            papersum.Delivery
				at, duration int64
			)
			if err := rows.Scan(&d.WebhookID, &d.RunID, &d.BatchID, &d.URL, &d.Attempt, &d.Status, &d.Error, &at, &duration); err != nil {
				return err
			}
			d.At = storeutil.DecodeTime(at)
			d.Duration = time.Duration(duration)
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
