package queue

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// fakeClock is a papersum.Clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// manualLease is a lease configuration whose loops never tick within a
// test: the test renews and reaps by hand, on a fake clock.
func manualLease(clock *fakeClock) Config {
	return Config{Clock: clock, LeaseTTL: 10 * time.Hour, LeaseRenewInterval: 5 * time.Hour, ReapInterval: 5 * time.Hour}
}

// dyingWorker is a queue process that dies mid-job: its handler never
// returns from the job, and kill closes its database handle without any
// stop, so the job stays marked running and the lease is not renewed.
type dyingWorker struct {
	q    *Queue
	job  int64
	kill func()
}

// startDyingWorker starts a queue with cfg on a handle of its own on db,
// queues run runID, and returns once the job runs. before, when not nil,
// is called on the queue before it starts.
func startDyingWorker(t *testing.T, db *testDB, cfg Config, runID string, c *calls, before func(*Queue)) *dyingWorker {
	t.Helper()
	release := make(chan struct{})
	running := make(chan struct{}, 1)
	cfg.Handler = func(_ context.Context, runID string) error {
		c.inc(runID)
		running <- struct{}{}
		<-release // the process is dead: the work ignores its context and never reports back
		return nil
	}
	d, kill := db.open(t)
	q := newQueueNoStop(t, d, cfg)
	t.Cleanup(func() {
		// Let the abandoned client's goroutines end.
		close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = q.eng.stopAndCancel(ctx)
		q.lease.end(ctx)
	})
	if before != nil {
		before(q)
	}
	start(t, q)
	id := enqueue(t, q, runID)
	select {
	case <-running:
	case <-time.After(10 * time.Second):
		t.Fatal("job not started in 10s")
	}
	return &dyingWorker{q: q, job: id, kill: kill}
}

// counting is a Handler that counts its calls in c and succeeds.
func counting(c *calls) Handler {
	return func(_ context.Context, runID string) error {
		c.inc(runID)
		return nil
	}
}

// wantLostLease checks that job's last error is the one reap records for a
// job of worker lost on attempt attempt.
func wantLostLease(t *testing.T, job *rivertype.JobRow, worker string, attempt int) {
	t.Helper()
	if len(job.Errors) == 0 {
		t.Fatalf("job %d has no error recorded; want the lost lease of %s", job.ID, worker)
	}
	e := job.Errors[len(job.Errors)-1]
	if e.Attempt != attempt || !strings.Contains(e.Error, lostLeaseError+worker) || e.At.IsZero() {
		t.Fatalf("job %d error %+v; want attempt %d lost with worker %s", job.ID, e, attempt, worker)
	}
}

func getJob(t *testing.T, q *Queue, id int64) *rivertype.JobRow {
	t.Helper()
	job, err := q.eng.get(context.Background(), id)
	if err != nil {
		t.Fatalf("get job %d: %v", id, err)
	}
	return job
}

func reapIDs(t *testing.T, q *Queue) map[int64]string {
	t.Helper()
	jobs, err := q.lease.reap(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, j := range jobs {
		out[j.id] = j.state
	}
	return out
}

// exerciseLeases is the third part of the shared suite: dead workers are
// told from live ones by their leases.
func exerciseLeases(t *testing.T, b backend) {
	// The real path, end to end: a worker dies mid-job, a new process
	// takes the job back once the dead one's lease expires, and works it.
	// River's own rescue (RescueStuckJobsAfter, 20 minutes here) plays no
	// part.
	t.Run("CrashedJobIsRescued", func(t *testing.T) {
		t.Parallel()
		var c calls
		cfg := Config{LeaseTTL: time.Second}
		db := b.fresh(t)
		dead := startDyingWorker(t, db, cfg, "run-crash", &c, nil)
		dead.kill()

		d2, _ := db.open(t)
		cfg.Handler = counting(&c)
		q2 := newQueue(t, d2, cfg)
		if job := getJob(t, q2, dead.job); job.State != rivertype.JobStateRunning {
			t.Fatalf("after the crash: job %s; want running", job.State)
		}
		began := time.Now()
		start(t, q2)
		job := waitState(t, q2, dead.job, rivertype.JobStateCompleted, 30*time.Second)
		t.Logf("rescued and completed %s after the restart (lease %s)", time.Since(began).Round(10*time.Millisecond), cfg.LeaseTTL)
		if job.Attempt != 2 || c.get("run-crash") != 2 {
			t.Fatalf("attempt %d, calls %d; want 2 and 2", job.Attempt, c.get("run-crash"))
		}
		wantLostLease(t, job, dead.q.ClientID(), 1)
	})

	// A worker process of this host that is gone is known at once, with
	// the default lease: the new process does not wait for it to expire.
	t.Run("DeadProcessOnThisHostIsRescuedAtOnce", func(t *testing.T) {
		if _, _, _, ok := selfIdentity(); !ok {
			t.Skip("no process identity on this system: leases are judged by their expiry alone")
		}
		t.Parallel()
		var c calls
		db := b.fresh(t)
		dead := startDyingWorker(t, db, Config{}, "run-gone", &c, func(q *Queue) {
			// The dead worker was an earlier process that had this PID:
			// another start time.
			q.lease.self.pidStart = "0"
		})
		dead.kill()

		d2, _ := db.open(t)
		q2 := newQueue(t, d2, Config{Handler: counting(&c)})
		start(t, q2)
		// Start itself rescued the job: it is no longer running on its
		// first attempt (it may already run or be done on the second).
		if job := getJob(t, q2, dead.job); job.State == rivertype.JobStateRunning && job.Attempt == 1 {
			t.Fatalf("after Start: job %s on attempt %d; the gone process's job was not rescued", job.State, job.Attempt)
		}
		job := waitState(t, q2, dead.job, rivertype.JobStateCompleted, 30*time.Second)
		if job.Attempt != 2 || c.get("run-gone") != 2 {
			t.Fatalf("attempt %d, calls %d; want 2 and 2", job.Attempt, c.get("run-gone"))
		}
		wantLostLease(t, job, dead.q.ClientID(), 1)
	})

	// A live worker renews its lease: its job is never taken, however
	// long it runs. On a fake clock, so no timing is involved: the job
	// runs five lease lengths while another process reaps after every
	// renewal.
	t.Run("LiveWorkerIsNeverRescued", func(t *testing.T) {
		t.Parallel()
		clock := newFakeClock()
		cfg := manualLease(clock)
		var c calls
		release := make(chan struct{})
		var releaseOnce sync.Once
		releaseJob := func() { releaseOnce.Do(func() { close(release) }) }
		running := make(chan struct{}, 1)
		db := b.fresh(t)
		d1, _ := db.open(t)
		cfg1 := cfg
		cfg1.Handler = func(_ context.Context, runID string) error {
			c.inc(runID)
			running <- struct{}{}
			<-release
			return nil
		}
		q1 := newQueue(t, d1, cfg1)
		t.Cleanup(releaseJob) // before q1 stops, on failure too
		d2, _ := db.open(t)
		reaper := newQueue(t, d2, cfg)
		start(t, q1)
		id := enqueue(t, q1, "run-long")
		<-running
		for i := range 10 {
			clock.Advance(cfg.LeaseTTL / 2)
			q1.lease.renew(context.Background())
			if got := reapIDs(t, reaper); len(got) != 0 {
				t.Fatalf("after %s of a live worker's job: reaped %v", time.Duration(i+1)*cfg.LeaseTTL/2, got)
			}
		}
		if job := getJob(t, q1, id); job.State != rivertype.JobStateRunning || job.Attempt != 1 || len(job.Errors) != 0 {
			t.Fatalf("job %s attempt %d errors %v; want still running its first attempt", job.State, job.Attempt, job.Errors)
		}
		releaseJob()
		job := waitState(t, q1, id, rivertype.JobStateCompleted, 10*time.Second)
		if job.Attempt != 1 || len(job.Errors) != 0 || c.get("run-long") != 1 {
			t.Fatalf("attempt %d, errors %v, calls %d; want 1, none, 1", job.Attempt, job.Errors, c.get("run-long"))
		}
	})

	// The same with the real loops: a worker renewing every LeaseTTL/6
	// keeps a job that runs twice its lease while another process reaps.
	t.Run("LiveWorkerOutlastsItsLease", func(t *testing.T) {
		t.Parallel()
		const ttl = 3 * time.Second
		var c calls
		// Either process may take the job; whichever does works it for
		// twice the lease while the other reaps.
		slow := func(ctx context.Context, runID string) error {
			c.inc(runID)
			select {
			case <-time.After(2 * ttl):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		db := b.fresh(t)
		var qs []*Queue
		for range 2 {
			d, _ := db.open(t)
			q := newQueue(t, d, Config{LeaseTTL: ttl, Handler: slow})
			start(t, q)
			qs = append(qs, q)
		}
		began := time.Now()
		id := enqueue(t, qs[0], "run-outlast")
		job := waitState(t, qs[0], id, rivertype.JobStateCompleted, 60*time.Second)
		if job.Attempt != 1 || len(job.Errors) != 0 || c.get("run-outlast") != 1 {
			t.Fatalf("attempt %d, errors %v, calls %d; want 1, none, 1", job.Attempt, job.Errors, c.get("run-outlast"))
		}
		if took := time.Since(began); took < 2*ttl {
			t.Fatalf("the job took %s, less than twice the lease: nothing was tested", took)
		}
	})

	// A dead worker's job is taken back exactly when its lease expires,
	// not a moment before.
	t.Run("DeadWorkerIsRescuedWhenItsLeaseExpires", func(t *testing.T) {
		t.Parallel()
		clock := newFakeClock()
		cfg := manualLease(clock)
		var c calls
		db := b.fresh(t)
		dead := startDyingWorker(t, db, cfg, "run-expiry", &c, nil)
		dead.kill()
		d2, _ := db.open(t)
		cfg.Handler = counting(&c)
		q2 := newQueue(t, d2, cfg)

		clock.Advance(cfg.LeaseTTL - time.Millisecond)
		if got := reapIDs(t, q2); len(got) != 0 {
			t.Fatalf("reaped %v before the lease expired", got)
		}
		clock.Advance(time.Millisecond)
		if got := reapIDs(t, q2); len(got) != 1 || got[dead.job] != "available" {
			t.Fatalf("reaped %v when the lease expired; want job %d available", got, dead.job)
		}
		job := getJob(t, q2, dead.job)
		if job.State != rivertype.JobStateAvailable || job.Attempt != 1 || job.FinalizedAt != nil || job.ScheduledAt.After(time.Now().Add(time.Minute)) {
			t.Fatalf("rescued job: %s attempt %d finalized %v scheduled %v; want available now, attempt 1", job.State, job.Attempt, job.FinalizedAt, job.ScheduledAt)
		}
		wantLostLease(t, job, dead.q.ClientID(), 1)
		start(t, q2)
		job = waitState(t, q2, dead.job, rivertype.JobStateCompleted, 30*time.Second)
		if job.Attempt != 2 || c.get("run-expiry") != 2 || len(job.Errors) != 1 {
			t.Fatalf("attempt %d, calls %d, errors %d; want 2, 2, 1", job.Attempt, c.get("run-expiry"), len(job.Errors))
		}
	})

	// Attempts are accounted as River's rescuer does: the lost attempt
	// counts, a job on its last attempt is discarded, a job whose cancel
	// was asked is cancelled. Only the worker of the current attempt (the
	// last of attempted_by) matters, and a worker without a lease is left
	// to River's backstop.
	t.Run("RescueAccountsAttempts", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		clock := newFakeClock()
		cfg := manualLease(clock)
		var c calls
		cfg.Handler = counting(&c)
		e := newEnv(t, b, cfg)
		now := clock.Now()
		for _, w := range []string{"dead-worker", "live-worker"} {
			if _, err := e.q.lease.store.renew(ctx, lease{clientID: w}, &now, cfg.LeaseTTL); err != nil {
				t.Fatal(err)
			}
		}
		type staged struct {
			run         string
			workers     []string
			attempt     int
			maxAttempts int
			cancel      bool
			want        rivertype.JobState
		}
		jobs := []staged{
			{"run-retry", []string{"live-worker", "dead-worker"}, 1, 5, false, rivertype.JobStateAvailable},
			{"run-last", []string{"dead-worker"}, 2, 2, false, rivertype.JobStateDiscarded},
			{"run-cancel", []string{"dead-worker"}, 1, 5, true, rivertype.JobStateCancelled},
			{"run-live", []string{"dead-worker", "live-worker"}, 2, 5, false, rivertype.JobStateRunning},
			{"run-unleased", []string{"old-worker"}, 1, 5, false, rivertype.JobStateRunning},
		}
		ids := map[string]int64{}
		scheduled := map[string]time.Time{}
		for _, j := range jobs {
			ids[j.run] = enqueue(t, e.q, j.run)
			if err := e.db.setRunning(ctx, e.h, ids[j.run], j.workers, j.attempt, j.maxAttempts, j.cancel); err != nil {
				t.Fatal(err)
			}
			scheduled[j.run] = getJob(t, e.q, ids[j.run]).ScheduledAt
		}
		clock.Advance(cfg.LeaseTTL)
		if _, err := e.q.lease.store.renew(ctx, lease{clientID: "live-worker"}, new(clock.Now()), cfg.LeaseTTL); err != nil {
			t.Fatal(err)
		}
		got := reapIDs(t, e.q)
		if len(got) != 3 {
			t.Fatalf("reaped %v; want the 3 jobs of the dead worker's current attempts", got)
		}
		for _, j := range jobs {
			job := getJob(t, e.q, ids[j.run])
			if job.State != j.want || job.Attempt != j.attempt {
				t.Fatalf("%s: %s on attempt %d; want %s on attempt %d", j.run, job.State, job.Attempt, j.want, j.attempt)
			}
			// A rescued job keeps its place at the head of the queue.
			if !job.ScheduledAt.Equal(scheduled[j.run]) {
				t.Fatalf("%s: scheduled_at moved from %s to %s", j.run, scheduled[j.run], job.ScheduledAt)
			}
			if j.want == rivertype.JobStateRunning {
				if len(job.Errors) != 0 || got[job.ID] != "" {
					t.Fatalf("%s: errors %v; a job of a live or unleased worker must be left alone", j.run, job.Errors)
				}
				continue
			}
			if got[job.ID] != string(j.want) {
				t.Fatalf("%s: reap reported %q, the row says %s", j.run, got[job.ID], j.want)
			}
			wantLostLease(t, job, "dead-worker", j.attempt)
			if finalized := job.FinalizedAt != nil; finalized != (j.want != rivertype.JobStateAvailable) {
				t.Fatalf("%s: %s with finalized_at %v", j.run, j.want, job.FinalizedAt)
			}
		}
		// Reaping again changes nothing.
		if again := reapIDs(t, e.q); len(again) != 0 {
			t.Fatalf("second reap: %v", again)
		}
		start(t, e.q)
		if job := waitState(t, e.q, ids["run-retry"], rivertype.JobStateCompleted, 30*time.Second); job.Attempt != 2 || len(job.Errors) != 1 {
			t.Fatalf("run-retry: attempt %d, errors %d; want 2 and 1", job.Attempt, len(job.Errors))
		}
		if c.get("run-last") != 0 || c.get("run-cancel") != 0 {
			t.Fatal("a discarded or cancelled job was run again")
		}
	})

	// Every process reaps; two at once rescue each job once.
	t.Run("ConcurrentReapersRescueEachJobOnce", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		clock := newFakeClock()
		cfg := manualLease(clock)
		db := b.fresh(t)
		var reapers []*Queue
		for range 2 {
			d, _ := db.open(t)
			reapers = append(reapers, newQueue(t, d, cfg))
		}
		now := clock.Now()
		if _, err := reapers[0].lease.store.renew(ctx, lease{clientID: "dead-worker"}, &now, cfg.LeaseTTL); err != nil {
			t.Fatal(err)
		}
		h := db.handle(reapers[0].cfg.Driver)
		const n = 40
		var ids []int64
		for i := range n {
			id := enqueue(t, reapers[0], fmt.Sprintf("run-%d", i))
			if err := db.setRunning(ctx, h, id, []string{"dead-worker"}, 1, 5, false); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		clock.Advance(cfg.LeaseTTL)
		var mu sync.Mutex
		var rescued []int64
		var wg sync.WaitGroup
		for _, r := range reapers {
			for range 3 {
				wg.Go(func() {
					jobs, err := r.lease.reap(ctx)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					defer mu.Unlock()
					for _, j := range jobs {
						rescued = append(rescued, j.id)
					}
				})
			}
		}
		wg.Wait()
		slices.Sort(rescued)
		if !slices.Equal(rescued, ids) {
			t.Fatalf("rescued %d jobs %v; want each of the %d once", len(rescued), rescued, n)
		}
		for _, id := range ids {
			if job := getJob(t, reapers[0], id); job.State != rivertype.JobStateAvailable || len(job.Errors) != 1 {
				t.Fatalf("job %d: %s with %d errors; want available with 1", id, job.State, len(job.Errors))
			}
		}
	})

	// Stop ends the lease: a job left marked running by the stopped
	// process (one that ignored its cancellation) is rescued by the next
	// reap, not a lease later.
	t.Run("StopEndsTheLease", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		e := newEnv(t, b, Config{})
		start(t, e.q)
		if err := e.q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		id := enqueue(t, e.q, "run-left")
		if err := e.db.setRunning(ctx, e.h, id, []string{e.q.ClientID()}, 1, 5, false); err != nil {
			t.Fatal(err)
		}
		d2, _ := e.db.open(t)
		other := newQueue(t, d2, Config{})
		if got := reapIDs(t, other); got[id] != "available" {
			t.Fatalf("reaped %v after Stop; want job %d available", got, id)
		}
	})
}
