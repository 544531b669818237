package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/papersum/papersum"
	"github.com/riverqueue/river/rivertype"
)

// exerciseTxAndCallbacks is the second half of the shared suite:
// EnqueueManyTx, callback jobs and Running.
func exerciseTxAndCallbacks(t *testing.T, b backend) {
	t.Run("EnqueueManyTx", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, b, Config{})

		// Rolled back: neither the run rows nor their jobs exist.
		var rolledBack []int64
		err := e.db.writeRunsInTx(ctx, e.h, []string{"run-r1", "run-r2"}, false, func(tx any) error {
			var err error
			rolledBack, err = enqueueManyTx(ctx, e.q, tx, []string{"run-r1", "run-r2"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rolledBack) != 2 {
			t.Fatalf("EnqueueManyTx ids %v, want 2", rolledBack)
		}
		for _, id := range rolledBack {
			if _, err := e.q.eng.get(ctx, id); !errors.Is(err, rivertype.ErrNotFound) {
				t.Fatalf("job %d of a rolled back transaction: get = %v, want not found", id, err)
			}
		}
		if n, err := e.db.runRows(ctx, e.h); err != nil || n != 0 {
			t.Fatalf("run rows after rollback: %d, %v", n, err)
		}
		if counts, err := e.q.Counts(ctx); err != nil || counts["available"] != 0 {
			t.Fatalf("counts after rollback: %v, %v", counts, err)
		}

		// Committed: both exist, and duplicates share a job.
		var committed []int64
		err = e.db.writeRunsInTx(ctx, e.h, []string{"run-c1", "run-c2"}, true, func(tx any) error {
			var err error
			committed, err = enqueueManyTx(ctx, e.q, tx, []string{"run-c1", "run-c2", "run-c1"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(committed) != 3 || committed[0] != committed[2] || committed[0] == committed[1] {
			t.Fatalf("EnqueueManyTx ids %v: want [c1 c2 c1] with c1 != c2", committed)
		}
		if n, err := e.db.runRows(ctx, e.h); err != nil || n != 2 {
			t.Fatalf("run rows after commit: %d, %v", n, err)
		}
		if counts, err := e.q.Counts(ctx); err != nil || counts["available"] != 2 {
			t.Fatalf("counts after commit: %v, %v; want 2 available", counts, err)
		}

		// A run that already has a job gets that job, in a transaction too.
		var again []int64
		err = e.db.writeRunsInTx(ctx, e.h, []string{"run-c3"}, true, func(tx any) error {
			var err error
			again, err = enqueueManyTx(ctx, e.q, tx, []string{"run-c2", "run-c3"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 2 || again[0] != committed[1] || again[1] == committed[0] || again[1] == committed[1] {
			t.Fatalf("EnqueueManyTx of a queued run: ids %v, want [%d new]", again, committed[1])
		}

		// Bad input inside a transaction.
		err = e.db.writeRunsInTx(ctx, e.h, nil, false, func(tx any) error {
			if ids, err := enqueueManyTx(ctx, e.q, tx, nil); err != nil || len(ids) != 0 {
				t.Errorf("EnqueueManyTx(nil) = %v, %v", ids, err)
			}
			_, err := enqueueManyTx(ctx, e.q, tx, []string{"run-x", ""})
			if got := papersum.ErrorCode(err); got != papersum.EINVALID {
				t.Errorf("empty run ID: %v (code %q), want EINVALID", err, got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Not a transaction of the driver: refused when the typed view
		// is built, before any transaction exists.
		if b.name == "postgres" {
			_, err := JobsOf[*sql.Tx](e.q)
			wantCode(t, err, papersum.EINVALID)
		} else {
			_, err := JobsOf[pgx.Tx](e.q)
			wantCode(t, err, papersum.EINVALID)
		}
		// A nil transaction, or a nil pointer in one, is refused, not
		// panicked on.
		for _, tx := range []any{(*sql.Tx)(nil), pgx.Tx(nil), pgx.Tx((*fakePgxTx)(nil))} {
			_, err := enqueueManyTx(ctx, e.q, tx, []string{"run-x"})
			wantCode(t, err, papersum.EINVALID)
			_, err = enqueueManyTx(ctx, e.q, tx, nil)
			wantCode(t, err, papersum.EINVALID)
		}

		start(t, e.q)
		for _, id := range append(committed, again...) {
			waitState(t, e.q, id, rivertype.JobStateCompleted, 10*time.Second)
		}
	})

	t.Run("CallbackWorks", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		got := make(chan CallbackArgs, 2)
		e := newEnv(t, b, Config{Callback: func(_ context.Context, a CallbackArgs) error {
			got <- a
			return nil
		}})
		start(t, e.q)
		runJob, err := e.q.EnqueueCallback(ctx, CallbackArgs{RunID: "run-1"})
		if err != nil {
			t.Fatal(err)
		}
		batchJob, err := e.q.EnqueueCallback(ctx, CallbackArgs{BatchID: "batch-1"})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[CallbackArgs]bool{}
		for range 2 {
			select {
			case a := <-got:
				seen[a] = true
			case <-time.After(10 * time.Second):
				t.Fatalf("callbacks not worked in 10s; got %v", seen)
			}
		}
		if !seen[CallbackArgs{RunID: "run-1"}] || !seen[CallbackArgs{BatchID: "batch-1"}] {
			t.Fatalf("callback got %v, want run-1 and batch-1", seen)
		}
		for id, want := range map[int64]map[string]any{runJob: {"run_id": "run-1"}, batchJob: {"batch_id": "batch-1"}} {
			job := waitState(t, e.q, id, rivertype.JobStateCompleted, 5*time.Second)
			if job.Kind != KindCallback || job.Queue != QueueCallbacks || job.MaxAttempts != DefaultCallbackMaxAttempts || job.Attempt != 1 {
				t.Fatalf("job kind %q queue %q max %d attempt %d, want %q %q %d 1", job.Kind, job.Queue, job.MaxAttempts, job.Attempt, KindCallback, QueueCallbacks, DefaultCallbackMaxAttempts)
			}
			// The ID not set is left out, so that the unique key of a
			// run's callback is its run ID alone.
			var args map[string]any
			if err := json.Unmarshal(job.EncodedArgs, &args); err != nil || !reflect.DeepEqual(args, want) {
				t.Fatalf("args %s (%v), want %v", job.EncodedArgs, err, want)
			}
		}

		// Unique by args, and apart from summarize jobs of the same run.
		if again, err := e.q.EnqueueCallback(ctx, CallbackArgs{RunID: "run-1"}); err != nil || again != runJob {
			t.Fatalf("second callback of run-1: job %d, %v; want %d", again, err, runJob)
		}
		if sum := enqueue(t, e.q, "run-1"); sum == runJob {
			t.Fatal("the summarize job of run-1 is its callback job")
		}
		summarize := waitState(t, e.q, enqueue(t, e.q, "run-1"), rivertype.JobStateCompleted, 10*time.Second)
		if summarize.Queue != "default" || summarize.Kind != KindSummarize {
			t.Fatalf("summarize job on queue %q kind %q", summarize.Queue, summarize.Kind)
		}

		for _, bad := range []CallbackArgs{{}, {RunID: "run-1", BatchID: "batch-1"}} {
			_, err := e.q.EnqueueCallback(ctx, bad)
			wantCode(t, err, papersum.EINVALID)
		}
	})

	t.Run("CallbackDisabled", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, b, Config{})
		_, err := e.q.EnqueueCallback(ctx, CallbackArgs{RunID: "run-1"})
		wantCode(t, err, papersum.EINVALID)
		err = e.db.writeRunsInTx(ctx, e.h, nil, false, func(tx any) error {
			_, err := enqueueCallbackTx(ctx, e.q, tx, CallbackArgs{RunID: "run-1"})
			wantCode(t, err, papersum.EINVALID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// A process without a Callback leaves the callback jobs queued by
		// another process alone, for a process that has one.
		start(t, e.q)
		got := make(chan CallbackArgs, 1)
		d2, _ := e.db.open(t)
		q2 := newQueue(t, d2, Config{Callback: func(_ context.Context, a CallbackArgs) error {
			got <- a
			return nil
		}})
		id, err := q2.EnqueueCallback(ctx, CallbackArgs{BatchID: "batch-2"})
		if err != nil {
			t.Fatal(err)
		}
		enqueue(t, e.q, "run-nudge") // the first process fetches in the meantime
		time.Sleep(500 * time.Millisecond)
		if job, err := e.q.eng.get(ctx, id); err != nil || job.State != rivertype.JobStateAvailable || job.Attempt != 0 {
			t.Fatalf("callback job in a process without Callback: %+v, %v; want available, attempt 0", job, err)
		}
		start(t, q2)
		select {
		case a := <-got:
			if a.BatchID != "batch-2" {
				t.Fatalf("callback got %+v", a)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("callback job not worked in 10s by the process with a Callback")
		}
		waitState(t, q2, id, rivertype.JobStateCompleted, 5*time.Second)
	})

	t.Run("CallbackRetriesPerCallbackMaxAttempts", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		var c calls
		// MaxAttempts 1 for summarize jobs: the callback's own 2 must win.
		e := newEnv(t, b, Config{MaxAttempts: 1, CallbackMaxAttempts: 2, Callback: func(_ context.Context, a CallbackArgs) error {
			c.inc(a.RunID + a.BatchID)
			if a.BatchID == "batch-gone" {
				return Permanent(errors.New("batch deleted"))
			}
			return errors.New("webhook endpoint down")
		}})
		start(t, e.q)
		failing, err := e.q.EnqueueCallback(ctx, CallbackArgs{RunID: "run-down"})
		if err != nil {
			t.Fatal(err)
		}
		gone, err := e.q.EnqueueCallback(ctx, CallbackArgs{BatchID: "batch-gone"})
		if err != nil {
			t.Fatal(err)
		}
		job := waitState(t, e.q, failing, rivertype.JobStateDiscarded, 20*time.Second)
		if job.MaxAttempts != 2 || job.Attempt != 2 || len(job.Errors) != 2 || c.get("run-down") != 2 {
			t.Fatalf("max %d attempt %d errors %d calls %d; want 2 2 2 2", job.MaxAttempts, job.Attempt, len(job.Errors), c.get("run-down"))
		}
		job = waitState(t, e.q, gone, rivertype.JobStateCancelled, 10*time.Second)
		if job.Attempt != 1 || c.get("batch-gone") != 1 {
			t.Fatalf("attempt %d calls %d: a permanent error must not be retried", job.Attempt, c.get("batch-gone"))
		}
	})

	t.Run("CallbackEnqueueTx", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		done := make(chan CallbackArgs, 1)
		e := newEnv(t, b, Config{Callback: func(_ context.Context, a CallbackArgs) error {
			done <- a
			return nil
		}})
		var rolledBack, committed int64
		err := e.db.writeRunsInTx(ctx, e.h, []string{"run-r"}, false, func(tx any) error {
			var err error
			rolledBack, err = enqueueCallbackTx(ctx, e.q, tx, CallbackArgs{RunID: "run-r"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.q.eng.get(ctx, rolledBack); !errors.Is(err, rivertype.ErrNotFound) {
			t.Fatalf("callback job of a rolled back transaction: get = %v, want not found", err)
		}
		err = e.db.writeRunsInTx(ctx, e.h, []string{"run-c"}, true, func(tx any) error {
			var err error
			committed, err = enqueueCallbackTx(ctx, e.q, tx, CallbackArgs{RunID: "run-c"})
			if err != nil {
				return err
			}
			_, err = enqueueCallbackTx(ctx, e.q, tx, CallbackArgs{})
			if got := papersum.ErrorCode(err); got != papersum.EINVALID {
				t.Errorf("no ID: %v (code %q), want EINVALID", err, got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range []any{(*sql.Tx)(nil), pgx.Tx(nil), pgx.Tx((*fakePgxTx)(nil))} {
			_, err := enqueueCallbackTx(ctx, e.q, tx, CallbackArgs{RunID: "run-x"})
			wantCode(t, err, papersum.EINVALID)
		}
		start(t, e.q)
		select {
		case a := <-done:
			if a.RunID != "run-c" {
				t.Fatalf("callback got %+v, want run-c", a)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("callback job not worked in 10s")
		}
		job := waitState(t, e.q, committed, rivertype.JobStateCompleted, 5*time.Second)
		var args CallbackArgs
		if err := json.Unmarshal(job.EncodedArgs, &args); err != nil || args != (CallbackArgs{RunID: "run-c"}) {
			t.Fatalf("args %s (%v)", job.EncodedArgs, err)
		}
	})

	t.Run("CallbacksDoNotStarveSummarize", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		release := make(chan struct{})
		var once sync.Once
		running := make(chan string, 10)
		e := newEnv(t, b, Config{Workers: 2, CallbackWorkers: 1, Callback: func(ctx context.Context, a CallbackArgs) error {
			running <- a.RunID
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}})
		// Registered after newEnv's Stop, so it runs first.
		t.Cleanup(func() { once.Do(func() { close(release) }) })
		start(t, e.q)
		var cbs []int64
		for _, id := range []string{"run-h1", "run-h2", "run-h3"} {
			job, err := e.q.EnqueueCallback(ctx, CallbackArgs{RunID: id})
			if err != nil {
				t.Fatal(err)
			}
			cbs = append(cbs, job)
		}
		select {
		case <-running:
		case <-time.After(10 * time.Second):
			t.Fatal("no callback started in 10s")
		}
		// One callback worker, held: the summarize jobs still run.
		ids, err := e.q.EnqueueMany(ctx, []string{"run-s1", "run-s2", "run-s3"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			waitState(t, e.q, id, rivertype.JobStateCompleted, 10*time.Second)
		}
		counts, err := e.q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["running"] != 1 || counts["available"] != 2 {
			t.Fatalf("counts %v: want the one callback worker running and 2 callbacks waiting", counts)
		}
		once.Do(func() { close(release) })
		for _, id := range cbs {
			waitState(t, e.q, id, rivertype.JobStateCompleted, 10*time.Second)
		}
	})

	t.Run("Running", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, b, Config{})
		if e.q.Running() {
			t.Fatal("Running before Start")
		}
		start(t, e.q)
		if !e.q.Running() {
			t.Fatal("not Running after Start")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if e.q.Running() {
			t.Fatal("Running after Stop")
		}
		// A restarted queue runs again, and works jobs.
		start(t, e.q)
		if !e.q.Running() {
			t.Fatal("not Running after a second Start")
		}
		waitState(t, e.q, enqueue(t, e.q, "run-restart"), rivertype.JobStateCompleted, 10*time.Second)
	})
}
