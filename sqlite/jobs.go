package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

var (
	_ papersum.JobStore             = (*DB)(nil)
	_ papersum.TxSubmitter[*sql.Tx] = (*DB)(nil)
)

// Submit stores the papers and queued runs of s, its batch and its
// idempotency key in one transaction, and calls enqueue inside it with
// that transaction (a *sql.Tx of SQL()) and the run IDs in order; the
// transaction commits only when enqueue returns nil. It is SubmitMany of
// one submission: see there.
func (s *DB) Submit(ctx context.Context, sub *papersum.Submission, enqueue papersum.EnqueueTx[*sql.Tx]) (string, error) {
	existing, err := s.submit(ctx, "sqlite.Submit", []*papersum.Submission{sub}, enqueue)
	if err != nil {
		return "", err
	}
	return existing[0], nil
}

// SubmitMany stores several submissions in one transaction, all or none.
// For each, in order: its idempotency key, its papers (as PutPaper: a
// paper already stored is left as it is), its queued runs and its batch.
// With a batch, every run's BatchID is set to the batch's ID and the
// batch's RunIDs to the runs' IDs in order. A zero CreatedAt of a run or a
// batch is set from the store's clock. enqueue is called once, inside the
// transaction (a *sql.Tx of SQL()), with the run IDs of every submission
// not answered by its key, in order, and not at all when there are none;
// the transaction commits only when it returns nil. On success the
// caller's runs and batches hold the stored values.
//
// When a submission's IdempotencyKey is recorded for its Team with the
// same RequestHash, nothing of it is written and existing[i] is the ID
// recorded with the key (the batch's, or the single run's); otherwise
// existing[i] is "". A key recorded by an earlier submission of the same
// call counts: the transaction sees its own writes. Concurrent calls with
// one key need no further care here: every transaction takes the write
// lock at BEGIN (_txlock=immediate), so they run one after the other and
// all but the first find the key.
//
// Errors: EINVALID for no submissions, or one that
// storeutil.CheckSubmission refuses or with a paper without ID; ENOTFOUND
// when a run's paper is not stored; ECONFLICT when a run or a batch
// exists, or a key was used for another request; enqueue's error as it
// returned it (its code preserved).
func (s *DB) SubmitMany(ctx context.Context, subs []*papersum.Submission, enqueue papersum.EnqueueTx[*sql.Tx]) ([]string, error) {
	return s.submit(ctx, "sqlite.SubmitMany", subs, enqueue)
}

// submit is SubmitMany, with the operation that errors name.
func (s *DB) submit(ctx context.Context, op string, subs []*papersum.Submission, enqueue papersum.EnqueueTx[*sql.Tx]) ([]string, error) {
	if len(subs) == 0 {
		return nil, storeutil.Invalid(op, "no submissions")
	}
	ns := make([]submission, len(subs))
	for i, sub := range subs {
		var err error
		if ns[i], err = s.newSubmission(op, sub, enqueue); err != nil {
			return nil, err
		}
	}
	existing := make([]string, len(subs))
	// enqueueErr is kept apart so that it reaches the caller as enqueue
	// returned it, not classified as a database error.
	var enqueueErr error
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		var runIDs []string
		for i, n := range ns {
			var err error
			if existing[i], err = s.storeSubmission(ctx, tx, op, n); err != nil {
				return err
			}
			if existing[i] == "" {
				runIDs = append(runIDs, n.runIDs...)
			}
		}
		if len(runIDs) == 0 {
			return nil
		}
		enqueueErr = enqueue(ctx, tx, runIDs)
		return enqueueErr
	})
	if enqueueErr != nil {
		return nil, enqueueErr
	}
	if err != nil {
		return nil, err
	}
	for i, n := range ns {
		if existing[i] == "" {
			n.WriteBack()
		}
	}
	return existing, nil
}

// submission is a validated Submission, encoded and ready to store, with
// the IDs of its runs.
type submission struct {
	storeutil.SubmissionRows
	runIDs []string
}

// newSubmission validates sub and encodes it, stamping its runs' and
// batch's zero CreatedAt from the store's clock.
func (s *DB) newSubmission(op string, sub *papersum.Submission, enqueue papersum.EnqueueTx[*sql.Tx]) (submission, error) {
	rows, err := storeutil.NewSubmissionRows(op, sub, enqueue, s.clock)
	if err != nil {
		return submission{}, err
	}
	return submission{SubmissionRows: rows, runIDs: storeutil.RunIDs(sub.Runs)}, nil
}

// storeSubmission writes n in tx: its key, papers, runs and batch. When
// the key answers n, it writes nothing and returns the ID recorded with
// the key.
func (s *DB) storeSubmission(ctx context.Context, tx *sql.Tx, op string, n submission) (string, error) {
	if existing, err := s.claimKey(ctx, tx, op, n); err != nil || existing != "" {
		return existing, err
	}
	for _, p := range n.Papers {
		if _, err := s.txStmt(ctx, tx, insertPaperSQL).ExecContext(ctx, paperArgs(p)...); err != nil {
			return "", err
		}
	}
	if err := s.insertRuns(ctx, tx, op, n.Runs); err != nil {
		return "", err
	}
	if n.Sub.Batch != nil {
		return "", s.insertBatch(ctx, tx, op, n)
	}
	return "", nil
}

// claimKey records the idempotency key of n, if it has one, and returns
// "". When the key is recorded already, by an earlier transaction or an
// earlier submission of this one, it returns the ID recorded with it.
//
// Errors: ECONFLICT when the key was recorded for another request.
func (s *DB) claimKey(ctx context.Context, tx *sql.Tx, op string, n submission) (string, error) {
	sub := n.Sub
	if sub.IdempotencyKey == "" {
		return "", nil
	}
	res, err := s.txStmt(ctx, tx, insertKeySQL).ExecContext(ctx,
		sub.Team, sub.IdempotencyKey, sub.RequestHash, storeutil.SubmissionTarget(sub), n.Times.Now)
	if err != nil {
		return "", err
	}
	if claimed, err := res.RowsAffected(); err != nil || claimed == 1 {
		return "", err
	}
	var hash, existing string
	if err := s.txStmt(ctx, tx, selectKeySQL).QueryRowContext(ctx, sub.Team, sub.IdempotencyKey).Scan(&hash, &existing); err != nil {
		return "", err
	}
	if hash != sub.RequestHash {
		return "", storeutil.KeyReused(op, sub.Team, sub.IdempotencyKey)
	}
	return existing, nil
}

// The statements of claimKey.
const (
	insertKeySQL = `INSERT INTO idempotency_keys (team, key, request_hash, target_id, created_at)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT (team, key) DO NOTHING`
	selectKeySQL = `SELECT request_hash, target_id FROM idempotency_keys WHERE team = ? AND key = ?`
)

// insertBatch inserts the batch of n and its runs in order.
//
// Errors: ECONFLICT when the batch exists.
func (s *DB) insertBatch(ctx context.Context, tx *sql.Tx, op string, n submission) error {
	b := n.Sub.Batch
	res, err := s.txStmt(ctx, tx, insertBatchSQL).ExecContext(ctx, b.ID, b.Team, b.User, b.CallbackURL, n.Times.Batch)
	if err != nil {
		return err
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if inserted == 0 {
		return storeutil.Conflict(op, "batch %s already exists", b.ID)
	}
	insertRun := s.txStmt(ctx, tx, insertBatchRunSQL)
	for i, id := range n.runIDs {
		if _, err := insertRun.ExecContext(ctx, b.ID, i+1, id); err != nil {
			return err
		}
	}
	return nil
}

// The statements of insertBatch.
const (
	insertBatchSQL = `INSERT INTO service_batches (id, team, user_name, callback_url, created_at)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	insertBatchRunSQL = `INSERT INTO service_batch_runs (batch_id, seq, run_id) VALUES (?, ?, ?)`
)

// StartRun moves a queued run to running, keeping its creation time, and
// returns it with its stages (raw output included). A running run (a job
// rescued after a crash) or a finished one is returned unchanged.
//
// Errors: ENOTFOUND when the run does not exist.
func (s *DB) StartRun(ctx context.Context, id string) (*papersum.Run, error) {
	const op = "sqlite.StartRun"
	now, ok := storeutil.EncodeTime(s.clock.Now())
	if !ok {
		return nil, storeutil.Invalid(op, "clock time out of range")
	}
	var run *papersum.Run
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		if _, err := s.txStmt(ctx, tx, startRunSQL).ExecContext(ctx, now, id); err != nil {
			return err
		}
		var err error
		run, err = s.getRun(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// startRunSQL moves a queued run to running: the first start stamps
// started_at, and a run back from a wait stops waiting.
const startRunSQL = `UPDATE runs SET status = 'running', started_at = coalesce(started_at, ?), waiting = NULL
	WHERE id = ? AND status = 'queued'`

// WaitRun moves a running run back to queued, waiting as w says.
//
// Errors: EINVALID for an invalid w; ENOTFOUND when the run does not
// exist; ECONFLICT when it is not running.
func (s *DB) WaitRun(ctx context.Context, id string, w papersum.RunWait) error {
	const op = "sqlite.WaitRun"
	data, err := storeutil.EncodeWait(op, id, w)
	if err != nil {
		return err
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		st, err := s.runStatus(ctx, tx, op, id)
		if err != nil {
			return err
		}
		if st != papersum.RunRunning {
			return storeutil.Conflict(op, "run %s is %s, not running; only a running run waits", id, st)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = 'queued', waits = waits + 1, waiting = ?
			WHERE id = ? AND status = 'running'`, string(data), id)
		return err
	})
}

// CancelRun moves a queued or running run to canceled, with its finish
// time from the store's clock, and returns it with its stages. A worker
// still running it finds out when its next AddStage or FinishRun fails
// with ECONFLICT.
//
// Errors: ENOTFOUND when the run does not exist; ECONFLICT when it has
// finished (canceled included).
func (s *DB) CancelRun(ctx context.Context, id string) (*papersum.Run, error) {
	const op = "sqlite.CancelRun"
	now, ok := storeutil.EncodeTime(s.clock.Now())
	if !ok {
		return nil, storeutil.Invalid(op, "clock time out of range")
	}
	var run *papersum.Run
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		st, err := s.runStatus(ctx, tx, op, id)
		if err != nil {
			return err
		}
		if st.Finished() {
			return storeutil.Conflict(op, "run %s is already %s; a finished run cannot be canceled", id, st)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'canceled', finished_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		run, err = s.getRun(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// GetBatch returns a service batch with its run IDs in submission order,
// the number of its runs in each state (states with no run are left out),
// the cost of their stages so far, and when a run of it last finished.
//
// Errors: ENOTFOUND when no batch has this ID.
func (s *DB) GetBatch(ctx context.Context, id string) (*papersum.SubmissionBatch, error) {
	const op = "sqlite.GetBatch"
	b := &papersum.SubmissionBatch{RunIDs: []string{}, Counts: map[papersum.RunStatus]int{}}
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT id, team, user_name, callback_url, created_at FROM service_batches WHERE id = ?`, id).
			Scan(&b.ID, &b.Team, &b.User, &b.CallbackURL, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return storeutil.NotFound(op, "batch %s not found", id)
		}
		if err != nil {
			return err
		}
		b.CreatedAt = storeutil.DecodeTime(created)

		rows, err := tx.QueryContext(ctx, `SELECT b.run_id, r.status, r.finished_at FROM service_batch_runs b
			JOIN runs r ON r.id = b.run_id WHERE b.batch_id = ? ORDER BY b.seq`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		var last sql.NullInt64
		for rows.Next() {
			var (
				runID, st string
				finished  sql.NullInt64
			)
			if err := rows.Scan(&runID, &st, &finished); err != nil {
				return err
			}
			b.RunIDs = append(b.RunIDs, runID)
			b.Counts[papersum.RunStatus(st)]++
			if finished.Valid && (!last.Valid || finished.Int64 > last.Int64) {
				last = finished
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if last.Valid {
			t := storeutil.DecodeTime(last.Int64)
			b.UpdatedAt = &t
		}
		return tx.QueryRowContext(ctx, `SELECT coalesce(sum(s.cost_usd), 0) FROM stage_results s
			JOIN service_batch_runs b ON b.run_id = s.run_id WHERE b.batch_id = ?`, id).Scan(&b.CostUSD)
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
	const op = "sqlite.RecordDelivery"
	row, err := storeutil.NewDeliveryRow(op, d, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, run_id, batch_id, url, attempt, status,
				error, at, duration_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.WebhookID, d.RunID, d.BatchID, d.URL, d.Attempt, d.Status, d.Error, row.AtNS, int64(d.Duration))
		return err
	})
	if err != nil {
		return err
	}
	d.At = row.At
	return nil
}

// Deliveries returns the attempts recorded for the run or batch with this
// ID, oldest first (by time, then attempt). An ID with none, or "", has an
// empty list.
func (s *DB) Deliveries(ctx context.Context, id string) ([]papersum.Delivery, error) {
	const op = "sqlite.Deliveries"
	out := []papersum.Delivery{}
	if id == "" {
		// "" is what run_id or batch_id holds when a delivery is about
		// the other; it names nothing.
		return out, nil
	}
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT webhook_id, run_id, batch_id, url, attempt, status, error, at, duration_ns
			FROM webhook_deliveries WHERE run_id = ?1 OR batch_id = ?1 ORDER BY at, attempt, webhook_id`, id)
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
