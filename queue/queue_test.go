package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/papersum/papersum"
	"github.com/riverqueue/river/rivertype"
)

// TestQueue runs the shared suite on every driver. The Postgres half runs
// when TEST_DATABASE_URL is set.
func TestQueue(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			exercise(t, b)
			exerciseTxAndCallbacks(t, b)
			exerciseLeases(t, b)
		})
	}
}

// env is one test's database and the queue on it.
type env struct {
	db *testDB
	d  Driver
	h  any // the raw handle of d
	q  *Queue
}

// newEnv opens a fresh database, migrates it and builds a queue with cfg
// (Driver and Logger filled in); the queue is not started.
func newEnv(t *testing.T, b backend, cfg Config) *env {
	t.Helper()
	db := b.fresh(t)
	d, _ := db.open(t)
	e := &env{db: db, d: d, h: db.handle(d)}
	e.q = newQueue(t, d, cfg)
	return e
}

// newQueue builds a migrated queue on d, stopped when the test ends (before
// its database closes: cleanups run last-in first-out).
func newQueue(t *testing.T, d Driver, cfg Config) *Queue {
	t.Helper()
	cfg.Driver = d
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if cfg.Handler == nil {
		cfg.Handler = func(context.Context, string) error { return nil }
	}
	q, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return q
}

func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func enqueue(t *testing.T, q *Queue, runID string) int64 {
	t.Helper()
	id, err := q.Enqueue(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitState polls job id until it is in state want, and returns it.
func waitState(t *testing.T, q *Queue, id int64, want rivertype.JobState, timeout time.Duration) *rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *rivertype.JobRow
	for time.Now().Before(deadline) {
		job, err := q.eng.get(context.Background(), id)
		if err != nil {
			t.Fatalf("get job %d: %v", id, err)
		}
		if job.State == want {
			return job
		}
		last = job
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %d: state %s after %s (attempt %d, errors %v), want %s", id, last.State, timeout, last.Attempt, last.Errors, want)
	return nil
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := papersum.ErrorCode(err); got != code {
		t.Fatalf("got %v (code %q), want code %q", err, got, code)
	}
}

// calls counts a handler's calls per run.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) inc(runID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[runID]++
	return c.n[runID]
}

func (c *calls) get(runID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[runID]
}

func exercise(t *testing.T, b backend) {
	t.Run("EnqueueAndWork", func(t *testing.T) {
		t.Parallel()
		done := make(chan string, 1)
		e := newEnv(t, b, Config{Handler: func(_ context.Context, runID string) error {
			done <- runID
			return nil
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-1")
		select {
		case got := <-done:
			if got != "run-1" {
				t.Fatalf("handler got run %q, want run-1", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("job not worked in 10s")
		}
		job := waitState(t, e.q, id, rivertype.JobStateCompleted, 5*time.Second)
		if job.Kind != KindSummarize || job.Attempt != 1 || job.MaxAttempts != DefaultMaxAttempts {
			t.Fatalf("job kind %q attempt %d max %d, want %q 1 %d", job.Kind, job.Attempt, job.MaxAttempts, KindSummarize, DefaultMaxAttempts)
		}
		var args SummarizeArgs
		if err := json.Unmarshal(job.EncodedArgs, &args); err != nil || args.RunID != "run-1" {
			t.Fatalf("args %s (%v): the job must carry the run ID only", job.EncodedArgs, err)
		}
		if _, err := e.q.Enqueue(context.Background(), ""); err == nil {
			t.Fatal("empty run ID accepted")
		} else {
			wantCode(t, err, papersum.EINVALID)
		}
	})

	t.Run("MigrateIsIdempotent", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, b, Config{})
		for range 2 {
			if err := e.q.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// A second queue (another process) migrating the same database.
		d2, _ := e.db.open(t)
		newQueue(t, d2, Config{})
	})

	t.Run("EnqueueTx", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, b, Config{})

		rolledBack, err := e.db.writeRunAndEnqueue(ctx, e.h, e.q, "run-rolled-back", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.q.eng.get(ctx, rolledBack); !errors.Is(err, rivertype.ErrNotFound) {
			t.Fatalf("job of a rolled back transaction: get = %v, want not found", err)
		}
		if n, err := e.db.runRows(ctx, e.h); err != nil || n != 0 {
			t.Fatalf("run rows after rollback: %d, %v", n, err)
		}

		committed, err := e.db.writeRunAndEnqueue(ctx, e.h, e.q, "run-committed", true)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := e.db.runRows(ctx, e.h); err != nil || n != 1 {
			t.Fatalf("run rows after commit: %d, %v", n, err)
		}
		start(t, e.q)
		waitState(t, e.q, committed, rivertype.JobStateCompleted, 10*time.Second)

		// The other driver's transaction type is refused, not panicked on.
		_, err = e.q.EnqueueSQLTx(ctx, nil, "run-x")
		wantCode(t, err, papersum.EINVALID)
		_, err = e.q.EnqueuePgxTx(ctx, nil, "run-x")
		wantCode(t, err, papersum.EINVALID)
		switch b.name {
		case "sqlite":
			_, err = e.q.EnqueuePgxTx(ctx, fakePgxTx{}, "run-x")
		case "postgres":
			_, err = e.q.EnqueueSQLTx(ctx, &sql.Tx{}, "run-x")
		}
		wantCode(t, err, papersum.EINVALID)
	})

	t.Run("OldestAvailable", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, b, Config{})
		if _, ok, err := e.q.OldestAvailableSince(ctx); err != nil || ok {
			t.Fatalf("empty queue: ok %v, err %v; want none", ok, err)
		}
		before := time.Now().Add(-time.Second)
		first := enqueue(t, e.q, "run-old")
		enqueue(t, e.q, "run-new")
		at, ok, err := e.q.OldestAvailableSince(ctx)
		if err != nil || !ok {
			t.Fatalf("OldestAvailableSince = %v, %v, %v", at, ok, err)
		}
		job, err := e.q.eng.get(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if !at.Equal(job.ScheduledAt) || at.Before(before) {
			t.Fatalf("oldest available since %v, want run-old's scheduled time %v", at, job.ScheduledAt)
		}
	})

	t.Run("UniqueByRunID", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, b, Config{})
		first := enqueue(t, e.q, "run-dup")
		if again := enqueue(t, e.q, "run-dup"); again != first {
			t.Fatalf("second enqueue of run-dup: job %d, want %d", again, first)
		}
		ids, err := e.q.EnqueueMany(ctx, []string{"run-a", "run-b", "run-a", "run-dup"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 4 || ids[0] != ids[2] || ids[0] == ids[1] || ids[3] != first {
			t.Fatalf("EnqueueMany ids %v: want [a b a dup=%d] with a != b", ids, first)
		}
		counts, err := e.q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["available"] != 3 {
			t.Fatalf("counts %v, want 3 available", counts)
		}
		// A completed run is not queued again either.
		start(t, e.q)
		waitState(t, e.q, first, rivertype.JobStateCompleted, 10*time.Second)
		if again := enqueue(t, e.q, "run-dup"); again != first {
			t.Fatalf("enqueue of completed run-dup: job %d, want %d", again, first)
		}
		if ids, err := e.q.EnqueueMany(ctx, nil); err != nil || len(ids) != 0 {
			t.Fatalf("EnqueueMany(nil) = %v, %v", ids, err)
		}
	})

	t.Run("SnoozeKeepsAttempts", func(t *testing.T) {
		t.Parallel()
		var c calls
		// MaxAttempts 1: if a snooze used an attempt, the job would be
		// discarded at its second error.
		e := newEnv(t, b, Config{MaxAttempts: 1, Handler: func(_ context.Context, runID string) error {
			switch c.inc(runID) {
			case 1, 2:
				return &papersum.ProviderError{Class: papersum.ClassRateLimit, RetryAfterSeconds: 0.05}
			case 3:
				return &papersum.ProviderError{Class: papersum.ClassOverloaded, RetryAfterSeconds: 0.05}
			}
			return nil
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-snooze")
		job := waitState(t, e.q, id, rivertype.JobStateCompleted, 15*time.Second)
		if job.Attempt != 1 || len(job.Errors) != 0 {
			t.Fatalf("attempt %d, errors %v; want attempt 1 and no errors after 3 snoozes", job.Attempt, job.Errors)
		}
		var md struct {
			Snoozes int `json:"snoozes"`
		}
		if err := json.Unmarshal(job.Metadata, &md); err != nil || md.Snoozes != 3 {
			t.Fatalf("metadata %s: want snoozes 3", job.Metadata)
		}
		if n := c.get("run-snooze"); n != 4 {
			t.Fatalf("handler called %d times, want 4", n)
		}
	})

	t.Run("HandlerSnoozeKeepsAttempts", func(t *testing.T) {
		t.Parallel()
		var c calls
		// A Handler that snoozes (a run waiting for its provider) more
		// times than MaxAttempts is never discarded for it, whatever the
		// error it carries (here a server error, which on its own would
		// be retried and use attempts).
		e := newEnv(t, b, Config{MaxAttempts: 1, Handler: func(_ context.Context, runID string) error {
			if c.inc(runID) <= 4 {
				return Snooze(10*time.Millisecond, &papersum.ProviderError{Class: papersum.ClassServer})
			}
			return nil
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-handler-snooze")
		job := waitState(t, e.q, id, rivertype.JobStateCompleted, 15*time.Second)
		if job.Attempt != 1 || len(job.Errors) != 0 {
			t.Fatalf("attempt %d, errors %v; want attempt 1 and no errors after 4 snoozes", job.Attempt, job.Errors)
		}
		if n := c.get("run-handler-snooze"); n != 5 {
			t.Fatalf("handler called %d times, want 5", n)
		}
	})

	t.Run("PermanentCancels", func(t *testing.T) {
		t.Parallel()
		var c calls
		e := newEnv(t, b, Config{Handler: func(_ context.Context, runID string) error {
			c.inc(runID)
			return Permanent(errors.New("paper cannot be parsed"))
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-bad")
		job := waitState(t, e.q, id, rivertype.JobStateCancelled, 10*time.Second)
		if job.Attempt != 1 || c.get("run-bad") != 1 {
			t.Fatalf("attempt %d, calls %d: a permanent error must not be retried", job.Attempt, c.get("run-bad"))
		}
		// A cancelled run may be queued again, as a new job.
		if again := enqueue(t, e.q, "run-bad"); again == id {
			t.Fatalf("re-enqueue of a cancelled run returned the cancelled job %d", id)
		}
	})

	t.Run("RetryThenSuccess", func(t *testing.T) {
		t.Parallel()
		var c calls
		e := newEnv(t, b, Config{Handler: func(_ context.Context, runID string) error {
			if c.inc(runID) == 1 {
				return &papersum.ProviderError{Class: papersum.ClassServer, Status: 500}
			}
			return nil
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-flaky")
		job := waitState(t, e.q, id, rivertype.JobStateCompleted, 20*time.Second)
		if job.Attempt != 2 || len(job.Errors) != 1 {
			t.Fatalf("attempt %d, errors %d; want 2 and 1", job.Attempt, len(job.Errors))
		}
	})

	t.Run("RetriesExhaustedDiscards", func(t *testing.T) {
		t.Parallel()
		var c calls
		e := newEnv(t, b, Config{MaxAttempts: 2, Handler: func(_ context.Context, runID string) error {
			c.inc(runID)
			return errors.New("always fails")
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-doomed")
		job := waitState(t, e.q, id, rivertype.JobStateDiscarded, 20*time.Second)
		if job.Attempt != 2 || c.get("run-doomed") != 2 {
			t.Fatalf("attempt %d, calls %d; want 2 and 2", job.Attempt, c.get("run-doomed"))
		}
	})

	t.Run("Cancel", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		var c calls
		running := make(chan struct{}, 1)
		e := newEnv(t, b, Config{Handler: func(ctx context.Context, runID string) error {
			c.inc(runID)
			if runID == "run-long" {
				running <- struct{}{}
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}})

		// A queued job is never run.
		queued := enqueue(t, e.q, "run-queued")
		if err := e.q.Cancel(ctx, queued); err != nil {
			t.Fatal(err)
		}
		// A running job has its context cancelled.
		start(t, e.q)
		long := enqueue(t, e.q, "run-long")
		select {
		case <-running:
		case <-time.After(10 * time.Second):
			t.Fatal("job not started in 10s")
		}
		if err := e.q.Cancel(ctx, long); err != nil {
			t.Fatal(err)
		}
		waitState(t, e.q, long, rivertype.JobStateCancelled, 15*time.Second)
		if job := waitState(t, e.q, queued, rivertype.JobStateCancelled, time.Second); job.Attempt != 0 || c.get("run-queued") != 0 {
			t.Fatalf("cancelled queued job ran: attempt %d", job.Attempt)
		}

		wantCode(t, e.q.Cancel(ctx, 1<<40), papersum.ENOTFOUND)
	})

	t.Run("Counts", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, b, Config{Handler: func(_ context.Context, runID string) error {
			if runID == "run-c3" {
				return Permanent(errors.New("no"))
			}
			return nil
		}})
		counts, err := e.q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range States {
			if n, ok := counts[s]; !ok || n != 0 {
				t.Fatalf("empty queue: counts %v, want every state of States at 0", counts)
			}
		}
		ids, err := e.q.EnqueueMany(ctx, []string{"run-c1", "run-c2", "run-c3"})
		if err != nil {
			t.Fatal(err)
		}
		if counts, _ = e.q.Counts(ctx); counts["available"] != 3 {
			t.Fatalf("counts %v, want 3 available", counts)
		}
		start(t, e.q)
		waitState(t, e.q, ids[2], rivertype.JobStateCancelled, 10*time.Second)
		waitState(t, e.q, ids[0], rivertype.JobStateCompleted, 10*time.Second)
		waitState(t, e.q, ids[1], rivertype.JobStateCompleted, 10*time.Second)
		counts, err = e.q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["completed"] != 2 || counts["cancelled"] != 1 || counts["available"] != 0 || counts["running"] != 0 {
			t.Fatalf("counts %v, want 2 completed and 1 cancelled", counts)
		}
	})

	t.Run("StopWaitsForRunningJob", func(t *testing.T) {
		t.Parallel()
		running := make(chan struct{}, 1)
		var finished atomic.Bool
		e := newEnv(t, b, Config{Handler: func(ctx context.Context, _ string) error {
			running <- struct{}{}
			time.Sleep(300 * time.Millisecond) // work that ignores nothing: Stop must not cancel it
			if ctx.Err() != nil {
				return ctx.Err()
			}
			finished.Store(true)
			return nil
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-stop")
		<-running
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Fatal("Stop returned before the running job finished")
		}
		waitState(t, e.q, id, rivertype.JobStateCompleted, time.Second)
	})

	t.Run("StopDeadlineRequeuesWithoutAttempt", func(t *testing.T) {
		t.Parallel()
		running := make(chan struct{}, 1)
		e := newEnv(t, b, Config{Handler: func(ctx context.Context, _ string) error {
			running <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		}})
		start(t, e.q)
		id := enqueue(t, e.q, "run-slow")
		<-running
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		wantCode(t, e.q.Stop(ctx), papersum.EUNAVAILABLE)
		job := waitState(t, e.q, id, rivertype.JobStateAvailable, 5*time.Second)
		if job.Attempt != 0 || len(job.Errors) != 0 {
			t.Fatalf("attempt %d, errors %v: a job cut short by Stop must not use an attempt", job.Attempt, job.Errors)
		}
	})
}

// fakePgxTx is a pgx.Tx that is not nil, to hand to a SQLite queue.
type fakePgxTx struct{ pgx.Tx }

// newQueueNoStop is newQueue without the Stop at cleanup, for a client the
// test abandons.
func newQueueNoStop(t *testing.T, d Driver, cfg Config) *Queue {
	t.Helper()
	cfg.Driver = d
	cfg.Logger = testLogger()
	q, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return q
}

// River's tables and the lease table must land in the schema of the
// pool's search_path, not in public.
func TestPostgresTablesInSearchPathSchema(t *testing.T) {
	db := freshPostgres(t)
	d, _ := db.open(t)
	newQueue(t, d, Config{})
	pool := d.(postgresDriver).pool
	var schema string
	var n int
	err := pool.QueryRow(context.Background(), `SELECT current_schema(), (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('river_job', 'river_leader', 'river_migration', 'river_queue', 'papersum_worker_lease'))`).Scan(&schema, &n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 || schema == "public" {
		t.Fatalf("schema %s has %d of the queue's 5 tables", schema, n)
	}
}

func TestConfig(t *testing.T) {
	ok := func(context.Context, string) error { return nil }
	db, err := openSQLite(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	c := Config{Driver: SQLite(db), Handler: ok}.WithDefaults()
	if c.Workers != 10 || c.MaxAttempts != 5 || c.JobTimeout != 15*time.Minute ||
		c.RescueStuckJobsAfter != 20*time.Minute || c.RateLimitSnooze != 30*time.Second ||
		c.FetchCooldown != 5*time.Millisecond || c.FetchPollInterval != 20*time.Millisecond || c.Logger == nil ||
		c.CallbackWorkers != 4 || c.CallbackMaxAttempts != 3 || c.LeaseTTL != 30*time.Second ||
		c.LeaseRenewInterval != 5*time.Second || c.ReapInterval != 5*time.Second || c.Clock != nil {
		t.Fatalf("SQLite defaults: %+v", c)
	}
	p := Config{Driver: Postgres(&pgxpool.Pool{}), Handler: ok}.WithDefaults()
	if p.FetchCooldown != 10*time.Millisecond || p.FetchPollInterval != time.Second {
		t.Fatalf("Postgres defaults: cooldown %s poll %s", p.FetchCooldown, p.FetchPollInterval)
	}

	bad := map[string]Config{
		"no driver":                  {Handler: ok},
		"nil db":                     {Driver: SQLite(nil), Handler: ok},
		"nil pool":                   {Driver: Postgres(nil), Handler: ok},
		"negative workers":           {Driver: SQLite(db), Handler: ok, Workers: -1},
		"too many workers":           {Driver: SQLite(db), Handler: ok, Workers: 10001},
		"negative attempts":          {Driver: SQLite(db), Handler: ok, MaxAttempts: -1},
		"rescue before done":         {Driver: SQLite(db), Handler: ok, JobTimeout: time.Hour, RescueStuckJobsAfter: time.Minute},
		"rescue equals":              {Driver: SQLite(db), Handler: ok, JobTimeout: time.Minute, RescueStuckJobsAfter: time.Minute},
		"poll under cooldown":        {Driver: SQLite(db), Handler: ok, FetchCooldown: time.Second, FetchPollInterval: time.Millisecond * 500},
		"negative snooze":            {Driver: SQLite(db), Handler: ok, RateLimitSnooze: -time.Second},
		"negative callback workers":  {Driver: SQLite(db), Handler: ok, CallbackWorkers: -1},
		"too many callback workers":  {Driver: SQLite(db), Handler: ok, CallbackWorkers: 10001},
		"negative callback attempts": {Driver: SQLite(db), Handler: ok, CallbackMaxAttempts: -1},
		"negative lease":             {Driver: SQLite(db), Handler: ok, LeaseTTL: -time.Second},
		"renewed too seldom":         {Driver: SQLite(db), Handler: ok, LeaseTTL: time.Second, LeaseRenewInterval: 600 * time.Millisecond},
		"negative renew":             {Driver: SQLite(db), Handler: ok, LeaseRenewInterval: -time.Second},
		"negative reap":              {Driver: SQLite(db), Handler: ok, ReapInterval: -time.Second},
		"long client ID":             {Driver: SQLite(db), Handler: ok, ClientID: strings.Repeat("x", 101)},
	}
	for name, cfg := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := New(context.Background(), cfg)
			wantCode(t, err, papersum.EINVALID)
		})
	}
}

func TestSnoozeFor(t *testing.T) {
	q := &Queue{cfg: Config{RateLimitSnooze: 30 * time.Second, MaxSnooze: time.Hour}}
	for _, tc := range []struct {
		in   float64
		want time.Duration
	}{
		{0, 30 * time.Second},
		{-5, 30 * time.Second},
		{math.NaN(), 30 * time.Second},
		{math.Inf(-1), 30 * time.Second},
		{math.Inf(1), time.Hour},
		{1e300, time.Hour},
		{3600, time.Hour},
		{0.25, 250 * time.Millisecond},
		{12, 12 * time.Second},
	} {
		if got := q.snoozeFor(tc.in); got != tc.want {
			t.Errorf("snoozeFor(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestPermanent(t *testing.T) {
	if Permanent(nil) != nil {
		t.Fatal("Permanent(nil) != nil")
	}
	base := errors.New("gone")
	err := Permanent(base)
	if !IsPermanent(err) || !errors.Is(err, base) || IsPermanent(base) {
		t.Fatalf("Permanent(%v) = %v", base, err)
	}
	wrapped := errors.Join(errors.New("ctx"), err)
	if !IsPermanent(wrapped) {
		t.Fatal("IsPermanent does not see through wrapping")
	}
}
