package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/storeutil"
)

// Submit stores the papers of sub, its queued runs, its batch and its
// idempotency key in one transaction, and calls enqueue inside it with
// that transaction (a pgx.Tx on Pool()) and the run IDs in order; the
// transaction commits only when enqueue returns nil. Papers are stored as
// PutPaper stores them: one already stored is left as it is. With a
// batch, every run's BatchID is set to the batch's ID and the batch's
// RunIDs to the runs' IDs in order. A zero CreatedAt of a run or the batch
// is set from the store's clock. On success the caller's runs and batch
// hold the stored values.
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
// Submit is SubmitMany of one submission.
//
// Errors: EINVALID for a submission that storeutil.CheckSubmission
// refuses, or a paper without ID; ENOTFOUND when a run's paper is not
// stored; ECONFLICT when a run or the batch exists, or the key was used
// for another request; enqueue's error as it returned it (its code
// preserved).
func (s *DB) Submit(ctx context.Context, sub *papersum.Submission, enqueue papersum.EnqueueTx[pgx.Tx]) (string, error) {
	existing, err := s.submit(ctx, "postgres.Submit", []*papersum.Submission{sub}, enqueue)
	if err != nil {
		return "", err
	}
	return existing[0], nil
}

// SubmitMany is Submit for several submissions in one transaction, all or
// none: the service commits the submissions that arrive together with one
// call (group commit). enqueue is called once, with the run IDs of every
// submission not answered by its idempotency key, in order, and not at
// all when every one is. existing[i] is what Submit returns for subs[i]; a
// submission with the key of an earlier one of the call is answered with
// that one's ID, as it would be after it.
//
// BEGIN travels with the first statements. Without idempotency keys the
// call takes one round trip for all its inserts (one statement per
// table), then enqueue's, then COMMIT's. Keys add one round trip before
// the inserts, whatever their number, and one more when some were
// recorded before the call (see answerKeys).
//
// Errors: as Submit, for any of the submissions, and EINVALID for an
// empty subs. A run ID given by two submissions is ECONFLICT, as the
// second Submit would be.
func (s *DB) SubmitMany(ctx context.Context, subs []*papersum.Submission, enqueue papersum.EnqueueTx[pgx.Tx]) ([]string, error) {
	const op = "postgres.SubmitMany"
	if len(subs) == 0 {
		return nil, storeutil.Invalid(op, "no submissions")
	}
	return s.submit(ctx, op, subs, enqueue)
}

// submit validates and encodes subs, stores them, and once they are
// committed writes the stored values back into the caller's runs and
// batches.
func (s *DB) submit(ctx context.Context, op string, subs []*papersum.Submission, enqueue papersum.EnqueueTx[pgx.Tx]) ([]string, error) {
	encoded := make([]submission, len(subs))
	for i, sub := range subs {
		e, err := s.newSubmission(op, sub, enqueue)
		if err != nil {
			return nil, err
		}
		encoded[i] = e
	}
	existing, err := s.storeSubmissions(ctx, op, encoded, enqueue)
	if err != nil {
		return nil, err
	}
	for i, e := range encoded {
		if existing[i] == "" {
			e.WriteBack()
		}
	}
	return existing, nil
}

// storeSubmissions is the transaction of submit: the keys, then the rows
// of the submissions they do not answer, then enqueue. enqueue's error is
// returned as enqueue returned it, not classified as a database error.
func (s *DB) storeSubmissions(ctx context.Context, op string, subs []submission, enqueue papersum.EnqueueTx[pgx.Tx]) ([]string, error) {
	t := &pipelinedTx{pool: s.pool}
	defer t.rollback(ctx)
	existing, err := answerKeys(ctx, op, t, subs)
	if err != nil {
		return nil, s.dbError(op, err)
	}
	var w writes
	var runIDs []string
	for i, e := range subs {
		if existing[i] == "" {
			e.addTo(&w)
			runIDs = append(runIDs, storeutil.RunIDs(e.Sub.Runs)...)
		}
	}
	if len(runIDs) > 0 {
		b := &pgx.Batch{}
		w.queue(b)
		if err := t.send(ctx, b); err != nil {
			return nil, s.dbError(op, w.explain(op, err))
		}
		if err := enqueue(ctx, t.tx, runIDs); err != nil {
			return nil, err
		}
	}
	if err := t.commit(ctx); err != nil {
		return nil, s.dbError(op, err)
	}
	return existing, nil
}

// submission is a validated Submission, encoded (see
// storeutil.NewSubmissionRows).
type submission struct{ storeutil.SubmissionRows }

// newSubmission validates sub with storeutil.CheckSubmission, and its
// papers, and encodes them, stamping the times it lacks from the store's
// clock.
func (s *DB) newSubmission(op string, sub *papersum.Submission, enqueue papersum.EnqueueTx[pgx.Tx]) (submission, error) {
	rows, err := storeutil.NewSubmissionRows(op, sub, enqueue, s.clock)
	return submission{rows}, err
}

// addTo adds the rows of e to w.
func (e submission) addTo(w *writes) {
	w.papers = append(w.papers, e.Papers...)
	w.runs = append(w.runs, e.Runs...)
	if b := e.Sub.Batch; b != nil {
		w.batches = append(w.batches, submissionBatchRow{b: b, created: e.Times.Batch, runIDs: storeutil.RunIDs(e.Sub.Runs)})
	}
}

// teamKey is an idempotency key, which is a team's own.
type teamKey struct{ team, key string }

// key returns the idempotency key of e, if it has one.
func (e submission) key() (teamKey, bool) {
	return teamKey{e.Sub.Team, e.Sub.IdempotencyKey}, e.Sub.IdempotencyKey != ""
}

// answerKeys records the idempotency keys of subs in t and returns, for
// each submission, the ID its key was already recorded with: the answer
// to give it, or "" when it is to be stored. A submission whose key was
// recorded for another request hash is ECONFLICT. Only the first
// submission of the call with a key can record it; a later one is
// answered by that first one's row, as it would be by a later Submit.
//
// The keys take one round trip (none when no submission has one), and
// those recorded before the call one more, to read their rows.
func answerKeys(ctx context.Context, op string, t *pipelinedTx, subs []submission) ([]string, error) {
	first := map[teamKey]int{}
	var keys []keyRow
	for i, e := range subs {
		if k, ok := e.key(); ok {
			if _, seen := first[k]; !seen {
				first[k] = i
				rec := recordedKey{hash: e.Sub.RequestHash, target: storeutil.SubmissionTarget(e.Sub)}
				keys = append(keys, keyRow{teamKey: k, recordedKey: rec, created: e.Times.Now})
			}
		}
	}
	answers := make([]string, len(subs))
	if len(keys) == 0 {
		return answers, nil
	}
	inserted, err := insertKeys(ctx, t, keys)
	if err != nil {
		return nil, err
	}
	recorded, err := readKeys(ctx, t, keys, inserted)
	if err != nil {
		return nil, err
	}
	for i, e := range subs {
		k, ok := e.key()
		if !ok || (first[k] == i && inserted[k]) {
			continue
		}
		if recorded[k].hash != e.Sub.RequestHash {
			return nil, storeutil.KeyReused(op, k.team, k.key)
		}
		answers[i] = recorded[k].target
	}
	return answers, nil
}

// keyRow is an idempotency key with what it is recorded with.
type keyRow struct {
	teamKey
	recordedKey
	created int64
}

// recordedKey is what an idempotency key was recorded with.
type recordedKey struct{ hash, target string }

// insertKeysSQL records the keys of its arguments that are not recorded
// yet, and returns them.
const insertKeysSQL = `INSERT INTO idempotency_keys (team, key, request_hash, target_id, created_at)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
	ON CONFLICT (team, key) DO NOTHING
	RETURNING team, key`

// insertKeys records keys with insertKeysSQL, in key order, and returns
// those it inserted. As in Submit, it waits for a concurrent transaction
// that inserted one of the keys to end, and does not insert that key if
// the transaction commits.
func insertKeys(ctx context.Context, t *pipelinedTx, keys []keyRow) (map[teamKey]bool, error) {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b keyRow) int {
		return cmp.Or(strings.Compare(a.team, b.team), strings.Compare(a.key, b.key))
	})
	n := len(keys)
	teams, names, hashes, targets, created := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	for i, k := range keys {
		teams[i], names[i], hashes[i], targets[i], created[i] = k.team, k.key, k.hash, k.target, k.created
	}
	inserted := map[teamKey]bool{}
	b := &pgx.Batch{}
	b.Queue(insertKeysSQL, teams, names, hashes, targets, created).Query(func(rows pgx.Rows) error {
		var k teamKey
		_, err := pgx.ForEachRow(rows, []any{&k.team, &k.key}, func() error { inserted[k] = true; return nil })
		return err
	})
	return inserted, t.send(ctx, b)
}

// readKeys returns what each of keys is recorded with: its own values for
// a key the call inserted, and the row of any other, read with one
// statement per key, in one round trip. Those statements run after
// insertKeys's: under READ COMMITTED, they see the row of a concurrent
// transaction that it waited for.
func readKeys(ctx context.Context, t *pipelinedTx, keys []keyRow, inserted map[teamKey]bool) (map[teamKey]recordedKey, error) {
	recorded := make(map[teamKey]recordedKey, len(keys))
	b := &pgx.Batch{}
	for _, k := range keys {
		if inserted[k.teamKey] {
			recorded[k.teamKey] = k.recordedKey
			continue
		}
		b.Queue(`SELECT request_hash, target_id FROM idempotency_keys WHERE team = $1 AND key = $2`, k.team, k.key).
			QueryRow(func(row pgx.Row) error {
				var rec recordedKey
				if err := row.Scan(&rec.hash, &rec.target); err != nil {
					return fmt.Errorf("idempotency key %q of team %q: %w", k.key, k.team, err)
				}
				recorded[k.teamKey] = rec
				return nil
			})
	}
	if b.Len() == 0 {
		return recorded, nil
	}
	return recorded, t.send(ctx, b)
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
		if st == papersum.RunQueued {
			// The first start stamps started_at; a run back from a wait
			// stops waiting.
			if _, err := tx.Exec(ctx, `UPDATE runs SET status = 'running', started_at = coalesce(started_at, $1),
				waiting = NULL WHERE id = $2`, now, id); err != nil {
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

// WaitRun moves a running run back to queued, waiting as w says, with
// the run's row locked (a concurrent CancelRun comes before or after).
//
// Errors: EINVALID for an invalid w; ENOTFOUND when the run does not
// exist; ECONFLICT when it is not running.
func (s *DB) WaitRun(ctx context.Context, id string, w papersum.RunWait) error {
	const op = "postgres.WaitRun"
	data, err := storeutil.EncodeWait(op, id, w)
	if err != nil {
		return err
	}
	return s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		st, err := lockRun(ctx, tx, op, id)
		if err != nil {
			return err
		}
		if st != papersum.RunRunning {
			return storeutil.Conflict(op, "run %s is %s, not running; only a running run waits", id, st)
		}
		_, err = tx.Exec(ctx, `UPDATE runs SET status = 'queued', waits = waits + 1, waiting = $1 WHERE id = $2`, data, id)
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
func (s *DB) GetBatch(ctx context.Context, id string) (*papersum.SubmissionBatch, error) {
	const op = "postgres.GetBatch"
	b := &papersum.SubmissionBatch{RunIDs: []string{}, Counts: map[papersum.RunStatus]int{}}
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
	row, err := storeutil.NewDeliveryRow(op, d, s.clock)
	if err != nil {
		return err
	}
	err = s.tx(ctx, op, pgx.TxOptions{}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (webhook_id, run_id, batch_id, url, attempt, status,
				error, at, duration_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
