package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// jobStore is a store with the service's job side.
type jobStore[TTx any] interface {
	papersum.Store
	papersum.JobStore
	papersum.TxSubmitter[TTx]
}

// exerciseJobs runs the JobStore part of the suite, and skips it for a
// store that has none.
func exerciseJobs[TTx any](t *testing.T, newStore func(t *testing.T) papersum.Store, opts Options[TTx]) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s jobStore[TTx], o Options[TTx])
	}{
		{"CreateRunQueuedAndCached", testCreateRunQueuedAndCached[TTx]},
		{"QueuedAndCanceledRunsTakeNoWork", testQueuedAndCanceledRunsTakeNoWork[TTx]},
		{"StartRun", testStartRun[TTx]},
		{"WaitRun", testWaitRun[TTx]},
		{"CancelRun", testCancelRun[TTx]},
		{"SubmitRun", testSubmitRun[TTx]},
		{"SubmitBatch", testSubmitBatch[TTx]},
		{"SubmitIdempotent", testSubmitIdempotent[TTx]},
		{"SubmitEnqueueErrorRollsBack", testSubmitEnqueueErrorRollsBack[TTx]},
		{"SubmitErrors", testSubmitErrors[TTx]},
		{"SubmitConcurrentSameKey", testSubmitConcurrentSameKey[TTx]},
		{"BatchCountsAndCost", testBatchCountsAndCost[TTx]},
		{"ListRunsTeamAndBatch", testListRunsTeamAndBatch[TTx]},
		{"Deliveries", testDeliveries[TTx]},
		{"SubmitMany", testSubmitMany[TTx]},
		{"SubmitManyAllOrNothing", testSubmitManyAllOrNothing[TTx]},
		{"CreateRuns", testCreateRuns[TTx]},
		{"RecordCacheHits", testRecordCacheHits[TTx]},
		{"RecordCacheHitsErrors", testRecordCacheHitsErrors[TTx]},
		{"RecordCacheHitsConcurrent", testRecordCacheHitsConcurrent[TTx]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js, ok := newStore(t).(jobStore[TTx])
			if !ok {
				t.Skip("store does not implement papersum.JobStore")
			}
			tc.fn(t, js, opts)
		})
	}
}

// queuedRun is a run as the service submits it.
func queuedRun(id, paperID string, created time.Time) *papersum.Run {
	r := newRun(id, paperID, created)
	r.Status = papersum.RunQueued
	r.Config = "cheap-" + unicode
	r.CallbackURL = "https://hooks.example.test/papersum?run=" + id
	r.KeyID = "key-" + id
	return r
}

// enqueuer records the calls of a Submit's enqueue. It fails a call whose
// tx is nil, writes a probe paper through tx when the store's test gave
// PutPaperInTx, and then returns err.
type enqueuer[TTx any] struct {
	o   Options[TTx]
	err error
	// probe is the ID of the paper written through tx ("" for none).
	probe string

	mu    sync.Mutex
	calls [][]string
}

func (e *enqueuer[TTx]) enqueue(ctx context.Context, tx TTx, runIDs []string) error {
	e.mu.Lock()
	e.calls = append(e.calls, append([]string(nil), runIDs...))
	e.mu.Unlock()
	if any(tx) == nil {
		return errors.New("storetest: enqueue got a nil transaction")
	}
	if e.probe != "" && e.o.PutPaperInTx != nil {
		if err := e.o.PutPaperInTx(ctx, tx, e.probe); err != nil {
			return fmt.Errorf("storetest: write through the enqueue transaction: %w", err)
		}
	}
	return e.err
}

func (e *enqueuer[TTx]) wantCalls(t *testing.T, want ...[]string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.calls) != len(want) || (len(want) > 0 && !reflect.DeepEqual(e.calls, want)) {
		t.Fatalf("enqueue calls = %v, want %v", e.calls, want)
	}
}

// wantProbe checks that the probe paper was committed with Submit, or
// rolled back with it.
func (e *enqueuer[TTx]) wantProbe(t *testing.T, s jobStore[TTx], stored bool) {
	t.Helper()
	if e.probe == "" || e.o.PutPaperInTx == nil {
		return
	}
	_, err := s.GetPaper(context.Background(), e.probe)
	switch {
	case stored && err != nil:
		t.Fatalf("the paper written through enqueue's transaction is not stored after Submit succeeded: %v", err)
	case !stored && papersum.ErrorCode(err) != papersum.ENOTFOUND:
		t.Fatalf("the paper written through enqueue's transaction survived a failed Submit: %v", err)
	}
}

func wantNoRun[TTx any](t *testing.T, s jobStore[TTx], ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := s.GetRun(context.Background(), id); papersum.ErrorCode(err) != papersum.ENOTFOUND {
			t.Fatalf("run %s: GetRun = %v, want %s (nothing stored)", id, err, papersum.ENOTFOUND)
		}
	}
}

func wantNoBatch[TTx any](t *testing.T, s jobStore[TTx], id string) {
	t.Helper()
	if _, err := s.GetBatch(context.Background(), id); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Fatalf("batch %s: GetBatch = %v, want %s (nothing stored)", id, err, papersum.ENOTFOUND)
	}
}

func testCreateRunQueuedAndCached[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:queued-cached")
	at := time.Date(2026, 2, 1, 2, 3, 4, 5, zone)

	q := queuedRun("run-queued", p.ID, at)
	must(t, s.CreateRun(ctx, q))
	if q.Status != papersum.RunQueued {
		t.Fatalf("after CreateRun, Status = %q, want queued", q.Status)
	}
	got, err := s.GetRun(ctx, q.ID)
	must(t, err)
	diffRun(t, got, q)
	wantUTC(t, got)

	// A cache hit is created finished; its finish time is stamped.
	cached := newRun("run-cached", p.ID, at)
	cached.Status, cached.Cached = papersum.RunSucceeded, true
	cached.Summary = "From the cache. " + unicode
	cached.Scores = &papersum.Scores{Accuracy: 9, Completeness: 8, Clarity: 7.5, Coherence: 8.25}
	cached.Config, cached.CallbackURL = "default", "https://hooks.example.test/c"
	must(t, s.CreateRun(ctx, cached))
	if cached.Status != papersum.RunSucceeded || cached.FinishedAt == nil || cached.FinishedAt.IsZero() {
		t.Fatalf("cached run after CreateRun: status %q, finished %v; want succeeded with a finish time", cached.Status, cached.FinishedAt)
	}
	got, err = s.GetRun(ctx, cached.ID)
	must(t, err)
	diffRun(t, got, cached)
	wantUTC(t, got)

	// A given finish time is kept.
	done := at.Add(time.Second)
	cached2 := newRun("run-cached-2", p.ID, at)
	cached2.Status, cached2.Cached, cached2.Summary, cached2.FinishedAt = papersum.RunSucceeded, true, "s", &done
	must(t, s.CreateRun(ctx, cached2))
	got, err = s.GetRun(ctx, cached2.ID)
	must(t, err)
	if got.FinishedAt == nil || !got.FinishedAt.Equal(done) || !got.Cached {
		t.Fatalf("cached run: finished %v, cached %v; want %v, true", got.FinishedAt, got.Cached, done)
	}

	st := stageResult(papersum.StageSummarize, at)
	bad := map[string]func(r *papersum.Run){
		"cached without summary": func(r *papersum.Run) { r.Status, r.Cached = papersum.RunSucceeded, true },
		"cached with stages": func(r *papersum.Run) {
			r.Status, r.Cached, r.Summary, r.Stages = papersum.RunSucceeded, true, "s", []papersum.StageResult{st}
		},
		"cached but running":     func(r *papersum.Run) { r.Cached, r.Summary = true, "s" },
		"cached but queued":      func(r *papersum.Run) { r.Status, r.Cached, r.Summary = papersum.RunQueued, true, "s" },
		"queued with finish":     func(r *papersum.Run) { r.Status, r.FinishedAt = papersum.RunQueued, &done },
		"queued with stages":     func(r *papersum.Run) { r.Status, r.Stages = papersum.RunQueued, []papersum.StageResult{st} },
		"created failed":         func(r *papersum.Run) { r.Status, r.Error = papersum.RunFailed, "x" },
		"created canceled":       func(r *papersum.Run) { r.Status = papersum.RunCanceled },
		"succeeded, not cached":  func(r *papersum.Run) { r.Status, r.Summary = papersum.RunSucceeded, "s" },
		"unknown status":         func(r *papersum.Run) { r.Status = "paused" },
		"running with a finish":  func(r *papersum.Run) { r.FinishedAt = &done },
		"negative target length": func(r *papersum.Run) { r.Status, r.TargetWords = papersum.RunQueued, -1 },
	}
	for name, mutate := range bad {
		r := newRun("run-bad", p.ID, at)
		mutate(r)
		if err := s.CreateRun(ctx, r); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: CreateRun = %v, want %s", name, err, papersum.EINVALID)
		}
	}
	wantNoRun(t, s, "run-bad")

	// The new states are list filters.
	list, err := s.ListRuns(ctx, papersum.RunFilter{Status: papersum.RunQueued})
	must(t, err)
	wantIDs(t, "ListRuns(queued)", list, []string{"run-queued"})
	list, err = s.ListRuns(ctx, papersum.RunFilter{Status: papersum.RunSucceeded})
	must(t, err)
	wantIDs(t, "ListRuns(succeeded)", list, []string{"run-cached-2", "run-cached"})
	if !list[0].Cached || list[0].Summary != "s" {
		t.Errorf("listed cached run: %+v", list[0])
	}
	list, err = s.ListRuns(ctx, papersum.RunFilter{Status: papersum.RunCanceled})
	must(t, err)
	wantIDs(t, "ListRuns(canceled)", list, nil)
}

func testQueuedAndCanceledRunsTakeNoWork[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:no-work")
	at := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	q := queuedRun("run-nw", p.ID, at)
	must(t, s.CreateRun(ctx, q))
	st := stageResult(papersum.StageSummarize, at)

	// A queued run must be started first.
	wantCode(t, s.AddStage(ctx, q.ID, &st), papersum.ECONFLICT)
	fin := *q
	fin.Status, fin.Summary = papersum.RunSucceeded, "s"
	wantCode(t, s.FinishRun(ctx, &fin), papersum.ECONFLICT)

	_, err := s.CancelRun(ctx, q.ID)
	must(t, err)
	wantCode(t, s.AddStage(ctx, q.ID, &st), papersum.ECONFLICT)
	fin = *q
	fin.Status, fin.Error = papersum.RunFailed, "late"
	wantCode(t, s.FinishRun(ctx, &fin), papersum.ECONFLICT)
	// FinishRun does not cancel: that is CancelRun's.
	fin.Status = papersum.RunCanceled
	wantCode(t, s.FinishRun(ctx, &fin), papersum.EINVALID)

	got, err := s.GetRun(ctx, q.ID)
	must(t, err)
	if got.Status != papersum.RunCanceled || len(got.Stages) != 0 || got.Error != "" || got.Summary != "" {
		t.Fatalf("canceled run changed: %+v", got)
	}
}

func testStartRun[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:start")
	at := time.Date(2026, 2, 3, 4, 5, 6, 7, zone)
	q := queuedRun("run-start", p.ID, at)
	must(t, s.CreateRun(ctx, q))

	before := time.Now()
	got, err := s.StartRun(ctx, q.ID)
	must(t, err)
	// The first start is stamped from the store's clock.
	if got.StartedAt == nil || got.StartedAt.Before(before.Add(-time.Minute)) || got.StartedAt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("StartedAt %v, want about %v", got.StartedAt, before)
	}
	want := *q
	want.Status = papersum.RunRunning
	want.StartedAt = got.StartedAt
	diffRun(t, got, &want)
	wantUTC(t, got)

	st := stageResult(papersum.StageSummarize, at.Add(time.Second))
	must(t, s.AddStage(ctx, q.ID, &st))

	// Again (a job rescued after a crash): unchanged, with its stages and
	// their raw output.
	got, err = s.StartRun(ctx, q.ID)
	must(t, err)
	want.Stages = []papersum.StageResult{st}
	diffRun(t, got, &want)

	finished := at.Add(time.Minute)
	q.Status, q.Summary, q.FinishedAt = papersum.RunSucceeded, "done", &finished
	must(t, s.FinishRun(ctx, q))
	got, err = s.StartRun(ctx, q.ID)
	must(t, err)
	want = *q
	want.StartedAt = got.StartedAt
	want.Stages = []papersum.StageResult{st}
	diffRun(t, got, &want)

	// A run the CLI created running, and a canceled one, come back as
	// they are.
	r := createRun(t, s, "run-start-cli", p.ID, at)
	got, err = s.StartRun(ctx, r.ID)
	must(t, err)
	diffRun(t, got, r)
	c := queuedRun("run-start-canceled", p.ID, at)
	must(t, s.CreateRun(ctx, c))
	canceled, err := s.CancelRun(ctx, c.ID)
	must(t, err)
	got, err = s.StartRun(ctx, c.ID)
	must(t, err)
	diffRun(t, got, canceled)

	_, err = s.StartRun(ctx, "run-missing")
	wantCode(t, err, papersum.ENOTFOUND)
}

// testWaitRun: a running run goes back to queued with why and until when
// it waits, shows so in GetRun and ListRuns, keeps its stages and first
// start time when started again (which clears the wait and keeps the
// count), and is refused when it is not running or the wait is invalid.
func testWaitRun[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:wait")
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	q := queuedRun("run-wait", p.ID, at)
	must(t, s.CreateRun(ctx, q))
	first, err := s.StartRun(ctx, q.ID)
	must(t, err)
	st := stageResult(papersum.StageSummarize, at.Add(time.Second))
	must(t, s.AddStage(ctx, q.ID, &st))

	w := papersum.RunWait{Class: papersum.ClassConnection, Reason: "critique: connection from anthropic: connection failed",
		NextAttemptAt: at.Add(time.Minute), Deadline: at.Add(time.Hour)}
	must(t, s.WaitRun(ctx, q.ID, w))
	got, err := s.GetRun(ctx, q.ID)
	must(t, err)
	if got.Status != papersum.RunQueued || got.Waits != 1 || got.Waiting == nil || !reflect.DeepEqual(*got.Waiting, w) {
		t.Fatalf("after WaitRun: status %s, waits %d, waiting %+v; want queued, 1, %+v", got.Status, got.Waits, got.Waiting, w)
	}
	if len(got.Stages) != 1 || got.StartedAt == nil || !got.StartedAt.Equal(*first.StartedAt) {
		t.Fatalf("after WaitRun: %d stages, StartedAt %v; want 1 and %v", len(got.Stages), got.StartedAt, first.StartedAt)
	}
	list, err := s.ListRuns(ctx, papersum.RunFilter{PaperID: p.ID, Status: papersum.RunQueued})
	must(t, err)
	if len(list) != 1 || list[0].Waiting == nil || list[0].Waiting.Class != papersum.ClassConnection {
		t.Fatalf("ListRuns queued: %d runs, waiting %+v", len(list), list)
	}
	// A queued run does not wait again before it has started.
	wantCode(t, s.WaitRun(ctx, q.ID, w), papersum.ECONFLICT)

	again, err := s.StartRun(ctx, q.ID)
	must(t, err)
	if again.Status != papersum.RunRunning || again.Waiting != nil || again.Waits != 1 ||
		again.StartedAt == nil || !again.StartedAt.Equal(*first.StartedAt) || len(again.Stages) != 1 {
		t.Fatalf("started again: status %s, waiting %+v, waits %d, StartedAt %v (first %v), %d stages",
			again.Status, again.Waiting, again.Waits, again.StartedAt, first.StartedAt, len(again.Stages))
	}
	w.Class = papersum.ClassRateLimit
	must(t, s.WaitRun(ctx, q.ID, w))
	got, err = s.GetRun(ctx, q.ID)
	must(t, err)
	if got.Waits != 2 || got.Waiting == nil || got.Waiting.Class != papersum.ClassRateLimit {
		t.Fatalf("second wait: waits %d, waiting %+v", got.Waits, got.Waiting)
	}
	// A canceled run shows no wait.
	canceled, err := s.CancelRun(ctx, q.ID)
	must(t, err)
	if canceled.Waiting != nil || canceled.Waits != 2 {
		t.Fatalf("canceled: waiting %+v, waits %d", canceled.Waiting, canceled.Waits)
	}
	wantCode(t, s.WaitRun(ctx, q.ID, w), papersum.ECONFLICT)
	wantCode(t, s.WaitRun(ctx, "run-missing", w), papersum.ENOTFOUND)

	r := createRun(t, s, "run-wait-invalid", p.ID, at)
	for name, bad := range map[string]papersum.RunWait{
		"not transient":   {Class: papersum.ClassAuth, NextAttemptAt: w.NextAttemptAt, Deadline: w.Deadline},
		"no class":        {NextAttemptAt: w.NextAttemptAt, Deadline: w.Deadline},
		"no next attempt": {Class: papersum.ClassServer, Deadline: w.Deadline},
		"no deadline":     {Class: papersum.ClassServer, NextAttemptAt: w.NextAttemptAt},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, s.WaitRun(ctx, r.ID, bad), papersum.EINVALID) })
	}
}

func testCancelRun[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:cancel")
	at := time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC)

	q := queuedRun("run-cancel-q", p.ID, at)
	must(t, s.CreateRun(ctx, q))
	got, err := s.CancelRun(ctx, q.ID)
	must(t, err)
	if got.Status != papersum.RunCanceled || got.FinishedAt == nil || got.FinishedAt.IsZero() {
		t.Fatalf("CancelRun(queued) = status %q, finished %v; want canceled with a finish time", got.Status, got.FinishedAt)
	}
	wantUTC(t, got)
	stored, err := s.GetRun(ctx, q.ID)
	must(t, err)
	diffRun(t, stored, got)
	want := *q
	want.Status, want.FinishedAt = papersum.RunCanceled, got.FinishedAt
	diffRun(t, got, &want)
	_, err = s.CancelRun(ctx, q.ID)
	wantCode(t, err, papersum.ECONFLICT)

	// A running run keeps the stages it has.
	r := queuedRun("run-cancel-r", p.ID, at.Add(time.Second))
	must(t, s.CreateRun(ctx, r))
	_, err = s.StartRun(ctx, r.ID)
	must(t, err)
	st := stageResult(papersum.StageSummarize, at)
	must(t, s.AddStage(ctx, r.ID, &st))
	got, err = s.CancelRun(ctx, r.ID)
	must(t, err)
	if got.Status != papersum.RunCanceled || len(got.Stages) != 1 || got.Stages[0].Raw != st.Raw {
		t.Fatalf("CancelRun(running) = status %q with %d stages; want canceled with its stage", got.Status, len(got.Stages))
	}

	// Finished runs stay as they are.
	for _, status := range []papersum.RunStatus{papersum.RunSucceeded, papersum.RunFailed} {
		f := createRun(t, s, "run-cancel-"+string(status), p.ID, at)
		f.Status, f.Error = status, ""
		if status == papersum.RunFailed {
			f.Error = "boom"
		}
		must(t, s.FinishRun(ctx, f))
		_, err := s.CancelRun(ctx, f.ID)
		wantCode(t, err, papersum.ECONFLICT)
		got, err := s.GetRun(ctx, f.ID)
		must(t, err)
		if got.Status != status {
			t.Fatalf("CancelRun changed a %s run to %s", status, got.Status)
		}
	}
	_, err = s.CancelRun(ctx, "run-missing")
	wantCode(t, err, papersum.ENOTFOUND)

	list, err := s.ListRuns(ctx, papersum.RunFilter{Status: papersum.RunCanceled})
	must(t, err)
	wantIDs(t, "ListRuns(canceled)", list, []string{"run-cancel-r", "run-cancel-q"})
}

func testSubmitRun[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:submit-run")
	at := time.Date(2026, 2, 5, 6, 7, 8, 9, zone)
	r := queuedRun("run-submit", p.ID, at)
	e := &enqueuer[TTx]{o: o, probe: "sha256:probe-submit-run"}
	existing, err := s.Submit(ctx, &papersum.Submission{Runs: []*papersum.Run{r}, IdempotencyKey: "key-run",
		Team: r.Team, RequestHash: "sha256:request"}, e.enqueue)
	must(t, err)
	if existing != "" {
		t.Fatalf("first Submit returned existing %q, want \"\"", existing)
	}
	e.wantCalls(t, []string{r.ID})
	e.wantProbe(t, s, true)
	if r.Status != papersum.RunQueued || r.BatchID != "" {
		t.Fatalf("submitted run: status %q, batch %q; want queued, none", r.Status, r.BatchID)
	}
	got, err := s.GetRun(ctx, r.ID)
	must(t, err)
	diffRun(t, got, r)
	wantUTC(t, got)

	// A zero creation time is stamped and written back.
	r2 := queuedRun("run-submit-now", p.ID, time.Time{})
	e2 := &enqueuer[TTx]{o: o}
	_, err = s.Submit(ctx, &papersum.Submission{Runs: []*papersum.Run{r2}}, e2.enqueue)
	must(t, err)
	if r2.CreatedAt.IsZero() {
		t.Fatal("Submit did not stamp a zero CreatedAt")
	}
	got, err = s.GetRun(ctx, r2.ID)
	must(t, err)
	if !got.CreatedAt.Equal(r2.CreatedAt) {
		t.Fatalf("stored CreatedAt %v, written back %v", got.CreatedAt, r2.CreatedAt)
	}
}

func testSubmitBatch[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:submit-batch")
	at := time.Date(2026, 2, 6, 0, 0, 0, 0, time.UTC)
	// IDs out of order: the batch keeps submission order, not ID order.
	ids := []string{"run-b-z", "run-b-a", "run-b-m"}
	var runs []*papersum.Run
	for i, id := range ids {
		runs = append(runs, queuedRun(id, p.ID, at.Add(time.Duration(i)*time.Millisecond)))
	}
	b := &papersum.SubmissionBatch{ID: "batch-1", Team: "team-ü", User: "user-論", CallbackURL: "https://hooks.example.test/b1",
		CreatedAt: at.In(zone)}
	e := &enqueuer[TTx]{o: o, probe: "sha256:probe-submit-batch"}
	existing, err := s.Submit(ctx, &papersum.Submission{Runs: runs, Batch: b}, e.enqueue)
	must(t, err)
	if existing != "" {
		t.Fatalf("Submit returned existing %q, want \"\"", existing)
	}
	e.wantCalls(t, ids)
	e.wantProbe(t, s, true)
	if !reflect.DeepEqual(b.RunIDs, ids) {
		t.Fatalf("batch RunIDs written back = %v, want %v", b.RunIDs, ids)
	}
	for _, r := range runs {
		if r.BatchID != b.ID {
			t.Fatalf("run %s: BatchID written back = %q, want %q", r.ID, r.BatchID, b.ID)
		}
		got, err := s.GetRun(ctx, r.ID)
		must(t, err)
		diffRun(t, got, r)
	}

	got, err := s.GetBatch(ctx, b.ID)
	must(t, err)
	if got.ID != b.ID || got.Team != b.Team || got.User != b.User || got.CallbackURL != b.CallbackURL ||
		!got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("GetBatch = %+v, want %+v (times in UTC)", got, b)
	}
	if !reflect.DeepEqual(got.RunIDs, ids) {
		t.Errorf("GetBatch RunIDs = %v, want %v", got.RunIDs, ids)
	}
	if want := map[papersum.RunStatus]int{papersum.RunQueued: 3}; !reflect.DeepEqual(got.Counts, want) {
		t.Errorf("GetBatch Counts = %v, want %v", got.Counts, want)
	}
	if got.CostUSD != 0 || got.UpdatedAt != nil {
		t.Errorf("GetBatch of an untouched batch: cost %v, updated %v; want 0, nil", got.CostUSD, got.UpdatedAt)
	}

	// A batch ID is used once; the refused submission stores nothing.
	e2 := &enqueuer[TTx]{o: o}
	_, err = s.Submit(ctx, &papersum.Submission{Runs: []*papersum.Run{queuedRun("run-b-again", p.ID, at)},
		Batch: &papersum.SubmissionBatch{ID: b.ID}}, e2.enqueue)
	wantCode(t, err, papersum.ECONFLICT)
	e2.wantCalls(t)
	wantNoRun(t, s, "run-b-again")

	// A zero creation time is stamped.
	b2 := &papersum.SubmissionBatch{ID: "batch-now"}
	_, err = s.Submit(ctx, &papersum.Submission{Runs: []*papersum.Run{queuedRun("run-b-now", p.ID, at)}, Batch: b2}, e2.enqueue)
	must(t, err)
	if b2.CreatedAt.IsZero() {
		t.Fatal("Submit did not stamp the batch's zero CreatedAt")
	}

	_, err = s.GetBatch(ctx, "batch-missing")
	wantCode(t, err, papersum.ENOTFOUND)
}

func testSubmitIdempotent[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:idempotent-submit")
	at := time.Date(2026, 2, 7, 0, 0, 0, 0, time.UTC)
	batchSub := func(batchID, key, hash, team string, runIDs ...string) *papersum.Submission {
		sub := &papersum.Submission{Batch: &papersum.SubmissionBatch{ID: batchID, Team: team}, IdempotencyKey: key, Team: team, RequestHash: hash}
		for _, id := range runIDs {
			sub.Runs = append(sub.Runs, queuedRun(id, p.ID, at))
		}
		return sub
	}

	e := &enqueuer[TTx]{o: o}
	existing, err := s.Submit(ctx, batchSub("batch-i1", "key-1", "hash-1", "team-a", "run-i1", "run-i2"), e.enqueue)
	must(t, err)
	if existing != "" {
		t.Fatalf("first Submit returned %q, want \"\"", existing)
	}
	e.wantCalls(t, []string{"run-i1", "run-i2"})

	// The same request again (a client's retry, with the new IDs the
	// service made for it): the first batch's ID, nothing written, no job.
	retry := &enqueuer[TTx]{o: o}
	existing, err = s.Submit(ctx, batchSub("batch-i2", "key-1", "hash-1", "team-a", "run-i3", "run-i4"), retry.enqueue)
	must(t, err)
	if existing != "batch-i1" {
		t.Fatalf("retried Submit returned %q, want batch-i1", existing)
	}
	retry.wantCalls(t)
	wantNoRun(t, s, "run-i3", "run-i4")
	wantNoBatch(t, s, "batch-i2")

	// The key reused for another request is refused.
	_, err = s.Submit(ctx, batchSub("batch-i5", "key-1", "hash-other", "team-a", "run-i5"), retry.enqueue)
	wantCode(t, err, papersum.ECONFLICT)
	retry.wantCalls(t)
	wantNoRun(t, s, "run-i5")
	wantNoBatch(t, s, "batch-i5")

	// Keys are per team.
	other := &enqueuer[TTx]{o: o}
	existing, err = s.Submit(ctx, batchSub("batch-i6", "key-1", "hash-other", "team-b", "run-i6"), other.enqueue)
	must(t, err)
	if existing != "" {
		t.Fatalf("another team's Submit with the same key returned %q, want \"\"", existing)
	}
	other.wantCalls(t, []string{"run-i6"})

	// Without a batch, the key names the single run.
	single := func(id string) *papersum.Submission {
		return &papersum.Submission{Runs: []*papersum.Run{queuedRun(id, p.ID, at)}, IdempotencyKey: "key-2", Team: "team-a", RequestHash: "hash-2"}
	}
	existing, err = s.Submit(ctx, single("run-i7"), other.enqueue)
	must(t, err)
	if existing != "" {
		t.Fatalf("Submit returned %q, want \"\"", existing)
	}
	existing, err = s.Submit(ctx, single("run-i8"), other.enqueue)
	must(t, err)
	if existing != "run-i7" {
		t.Fatalf("retried single-run Submit returned %q, want run-i7", existing)
	}
	wantNoRun(t, s, "run-i8")
	other.wantCalls(t, []string{"run-i6"}, []string{"run-i7"})
}

func testSubmitEnqueueErrorRollsBack[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:enqueue-fails")
	at := time.Date(2026, 2, 8, 0, 0, 0, 0, time.UTC)
	sub := func() *papersum.Submission {
		return &papersum.Submission{
			Runs:  []*papersum.Run{queuedRun("run-e1", p.ID, at), queuedRun("run-e2", p.ID, at)},
			Batch: &papersum.SubmissionBatch{ID: "batch-e"}, IdempotencyKey: "key-e", Team: "team-a", RequestHash: "hash-e",
		}
	}
	for name, failure := range map[string]error{
		"papersum error": papersum.Errorf(papersum.EUNAVAILABLE, "queue: the queue's database is down"),
		"plain error":    errors.New("river: insert failed"),
	} {
		e := &enqueuer[TTx]{o: o, err: failure, probe: "sha256:probe-enqueue-fails"}
		_, err := s.Submit(ctx, sub(), e.enqueue)
		if !errors.Is(err, failure) {
			t.Fatalf("%s: Submit = %v, want enqueue's error", name, err)
		}
		if got, want := papersum.ErrorCode(err), papersum.ErrorCode(failure); got != want {
			t.Fatalf("%s: Submit's error has code %s, want enqueue's %s", name, got, want)
		}
		e.wantCalls(t, []string{"run-e1", "run-e2"})
		e.wantProbe(t, s, false)
		wantNoRun(t, s, "run-e1", "run-e2")
		wantNoBatch(t, s, "batch-e")
	}

	// Nor was the key kept: the same request now goes through.
	e := &enqueuer[TTx]{o: o}
	existing, err := s.Submit(ctx, sub(), e.enqueue)
	must(t, err)
	if existing != "" {
		t.Fatalf("Submit after a rolled-back one returned %q, want \"\" (the key must not have been stored)", existing)
	}
	e.wantCalls(t, []string{"run-e1", "run-e2"})
}

func testSubmitErrors[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:submit-errors")
	at := time.Date(2026, 2, 9, 0, 0, 0, 0, time.UTC)
	createRun(t, s, "run-exists", p.ID, at)
	q := func(id string) *papersum.Run { return queuedRun(id, p.ID, at) }
	one := func(r *papersum.Run) *papersum.Submission { return &papersum.Submission{Runs: []*papersum.Run{r}} }
	st := stageResult(papersum.StageSummarize, at)

	cases := []struct {
		name string
		sub  *papersum.Submission
		code string
	}{
		{"nil submission", nil, papersum.EINVALID},
		{"no runs", &papersum.Submission{Batch: &papersum.SubmissionBatch{ID: "batch-x"}}, papersum.EINVALID},
		{"nil run", &papersum.Submission{Runs: []*papersum.Run{nil}}, papersum.EINVALID},
		{"running run", one(func() *papersum.Run { r := q("run-x1"); r.Status = papersum.RunRunning; return r }()), papersum.EINVALID},
		{"run without status", one(func() *papersum.Run { r := q("run-x2"); r.Status = ""; return r }()), papersum.EINVALID},
		{"run without ID", one(q("")), papersum.EINVALID},
		{"run without paper", one(func() *papersum.Run { r := q("run-x3"); r.PaperID = ""; return r }()), papersum.EINVALID},
		{"run with stages", one(func() *papersum.Run { r := q("run-x4"); r.Stages = []papersum.StageResult{st}; return r }()), papersum.EINVALID},
		{"cached run", one(func() *papersum.Run { r := q("run-x5"); r.Cached, r.Summary = true, "s"; return r }()), papersum.EINVALID},
		{"duplicate run", &papersum.Submission{Runs: []*papersum.Run{q("run-x6"), q("run-x6")}, Batch: &papersum.SubmissionBatch{ID: "batch-x"}}, papersum.EINVALID},
		{"batch without ID", &papersum.Submission{Runs: []*papersum.Run{q("run-x7")}, Batch: &papersum.SubmissionBatch{}}, papersum.EINVALID},
		{"key without hash", &papersum.Submission{Runs: []*papersum.Run{q("run-x8")}, IdempotencyKey: "k"}, papersum.EINVALID},
		{"key for several runs", &papersum.Submission{Runs: []*papersum.Run{q("run-x9"), q("run-x10")}, IdempotencyKey: "k", RequestHash: "h"}, papersum.EINVALID},
		{"run names a batch, none given", one(func() *papersum.Run { r := q("run-x11"); r.BatchID = "batch-x"; return r }()), papersum.EINVALID},
		{"run names another batch", &papersum.Submission{Runs: []*papersum.Run{func() *papersum.Run {
			r := q("run-x12")
			r.BatchID = "batch-other"
			return r
		}()}, Batch: &papersum.SubmissionBatch{ID: "batch-x"}}, papersum.EINVALID},
		{"paper not stored", one(func() *papersum.Run { r := q("run-x13"); r.PaperID = "sha256:nope"; return r }()), papersum.ENOTFOUND},
		// The new run before the existing one must be rolled back too.
		{"run exists", &papersum.Submission{Runs: []*papersum.Run{q("run-x14"), q("run-exists")}, Batch: &papersum.SubmissionBatch{ID: "batch-x"}}, papersum.ECONFLICT},
	}
	for _, tc := range cases {
		e := &enqueuer[TTx]{o: o}
		_, err := s.Submit(ctx, tc.sub, e.enqueue)
		if papersum.ErrorCode(err) != tc.code {
			t.Errorf("%s: Submit = %v, want %s", tc.name, err, tc.code)
			continue
		}
		e.wantCalls(t)
	}
	_, err := s.Submit(ctx, one(q("run-x15")), nil)
	wantCode(t, err, papersum.EINVALID)

	for i := 1; i <= 15; i++ {
		wantNoRun(t, s, fmt.Sprintf("run-x%d", i))
	}
	wantNoBatch(t, s, "batch-x")
	got, err := s.GetRun(ctx, "run-exists")
	must(t, err)
	if got.Status != papersum.RunRunning || got.BatchID != "" {
		t.Fatalf("a refused Submit changed an existing run: %+v", got)
	}
}

// testSubmitConcurrentSameKey races Submits of one request (one key, one
// hash, new IDs each, as retries from a client would be): one stores its
// batch and enqueues it, every other returns that batch's ID.
func testSubmitConcurrentSameKey[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:concurrent-submit")
	at := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	const n = 8
	var calls atomic.Int32
	enqueue := func(ctx context.Context, tx TTx, runIDs []string) error {
		calls.Add(1)
		if any(tx) == nil {
			return errors.New("nil tx")
		}
		// Hold the transaction a little, so that the others arrive while
		// it is open.
		time.Sleep(20 * time.Millisecond)
		return nil
	}
	results := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = s.Submit(ctx, &papersum.Submission{
				Runs:           []*papersum.Run{queuedRun(fmt.Sprintf("run-cc%d", i), p.ID, at)},
				Batch:          &papersum.SubmissionBatch{ID: fmt.Sprintf("batch-cc%d", i), Team: "team-a"},
				IdempotencyKey: "key-race", Team: "team-a", RequestHash: "hash-race",
			}, enqueue)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	if c := calls.Load(); c != 1 {
		t.Fatalf("enqueue called %d times, want once", c)
	}
	winner := -1
	for i, r := range results {
		if r == "" {
			if winner >= 0 {
				t.Fatalf("Submits %d and %d both stored the request", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no Submit stored the request: %v", results)
	}
	want := fmt.Sprintf("batch-cc%d", winner)
	for i, r := range results {
		if i == winner {
			continue
		}
		if r != want {
			t.Errorf("Submit %d returned %q, want the winner's %q", i, r, want)
		}
		wantNoRun(t, s, fmt.Sprintf("run-cc%d", i))
		wantNoBatch(t, s, fmt.Sprintf("batch-cc%d", i))
	}
	if _, err := s.GetBatch(ctx, want); err != nil {
		t.Fatalf("the winner's batch: %v", err)
	}
}

func testBatchCountsAndCost[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:batch-counts")
	at := time.Date(2026, 2, 11, 0, 0, 0, 0, time.UTC)
	var runs []*papersum.Run
	for i := range 5 {
		runs = append(runs, queuedRun(fmt.Sprintf("run-bc%d", i), p.ID, at))
	}
	e := &enqueuer[TTx]{o: o}
	_, err := s.Submit(ctx, &papersum.Submission{Runs: runs, Batch: &papersum.SubmissionBatch{ID: "batch-c"}}, e.enqueue)
	must(t, err)

	stage := func(runID string, cost float64) {
		t.Helper()
		st := stageResult(papersum.StageSummarize, at)
		st.CostUSD = cost
		must(t, s.AddStage(ctx, runID, &st))
	}
	finish := func(r *papersum.Run, status papersum.RunStatus, at time.Time) {
		t.Helper()
		r.Status, r.FinishedAt, r.Summary = status, &at, "s"
		if status == papersum.RunFailed {
			r.Error = "critique: overloaded"
		}
		must(t, s.FinishRun(ctx, r))
	}
	for _, r := range runs[:4] {
		_, err := s.StartRun(ctx, r.ID)
		must(t, err)
	}
	stage(runs[0].ID, 0.01)
	stage(runs[0].ID, 0.0200000001)
	finish(runs[0], papersum.RunSucceeded, at.Add(3*time.Second))
	stage(runs[1].ID, 3e-8)
	finish(runs[1], papersum.RunFailed, at.Add(5*time.Second))
	stage(runs[2].ID, 0.5) // canceled while running: its cost was spent
	_, err = s.CancelRun(ctx, runs[2].ID)
	must(t, err)
	// runs[3] is running, runs[4] still queued.

	// A run outside the batch costs the batch nothing.
	outside := createRun(t, s, "run-outside", p.ID, at)
	stage(outside.ID, 100)

	got, err := s.GetBatch(ctx, "batch-c")
	must(t, err)
	want := map[papersum.RunStatus]int{papersum.RunSucceeded: 1, papersum.RunFailed: 1, papersum.RunCanceled: 1,
		papersum.RunRunning: 1, papersum.RunQueued: 1}
	if !reflect.DeepEqual(got.Counts, want) {
		t.Errorf("Counts = %v, want %v", got.Counts, want)
	}
	var cost float64
	var last time.Time
	for _, r := range runs {
		stored, err := s.GetRun(ctx, r.ID)
		must(t, err)
		cost += stored.TotalCost()
		if stored.FinishedAt != nil && stored.FinishedAt.After(last) {
			last = *stored.FinishedAt
		}
	}
	// Summed in another order than in Go, so equal only to rounding.
	if math.Abs(got.CostUSD-cost) > 1e-12 {
		t.Errorf("CostUSD = %v, want %v", got.CostUSD, cost)
	}
	if got.UpdatedAt == nil || !got.UpdatedAt.Equal(last) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, want %v in UTC (the last finish)", got.UpdatedAt, last)
	}
	if !reflect.DeepEqual(got.RunIDs, ids(runs)) {
		t.Errorf("RunIDs = %v, want %v", got.RunIDs, ids(runs))
	}
}

// testListRunsTeamAndBatch lists and pages runs of two teams and two
// batches, with ties in creation time, by team, batch and status.
func testListRunsTeamAndBatch[TTx any](t *testing.T, s jobStore[TTx], o Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:team-batch")
	base := time.Date(2026, 2, 12, 0, 0, 0, 0, time.UTC)
	var all []*papersum.Run
	mk := func(id, team string, offset time.Duration) *papersum.Run {
		r := queuedRun(id, p.ID, base.Add(offset))
		r.Team = team
		all = append(all, r)
		return r
	}
	e := &enqueuer[TTx]{o: o}
	submit := func(batch string, runs ...*papersum.Run) {
		t.Helper()
		sub := &papersum.Submission{Runs: runs}
		if batch != "" {
			sub.Batch = &papersum.SubmissionBatch{ID: batch}
		}
		_, err := s.Submit(ctx, sub, e.enqueue)
		must(t, err)
	}
	submit("batch-x", mk("x1", "team-a", 3*time.Second), mk("x2", "team-a", 3*time.Second), mk("x3", "team-a", 1*time.Second))
	submit("batch-y", mk("y1", "team-b", 2*time.Second), mk("y2", "team-b", 4*time.Second))
	submit("batch-z", mk("z1", "team-b", 3*time.Second)) // another team's batch, tied with x1, x2
	submit("", mk("a1", "team-a", 5*time.Second))
	submit("", mk("a2", "team-a", 2*time.Second))
	cli := newRun("c1", p.ID, base.Add(3*time.Second))
	cli.Team = "team-a"
	must(t, s.CreateRun(ctx, cli))
	all = append(all, cli)
	for _, r := range all {
		if r.ID == "x2" || r.ID == "a2" {
			_, err := s.StartRun(ctx, r.ID)
			must(t, err)
			r.Status = papersum.RunRunning
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.After(all[j].CreatedAt)
		}
		return all[i].ID > all[j].ID
	})

	for _, f := range []papersum.RunFilter{
		{Team: "team-a"},
		{Team: "team-b"},
		{Team: "team-c"},
		{BatchID: "batch-x"},
		{BatchID: "batch-y"},
		{BatchID: "batch-none"},
		{Team: "team-a", BatchID: "batch-x"},
		{Team: "team-b", BatchID: "batch-x"},
		{Team: "team-a", Status: papersum.RunQueued},
		{Team: "team-a", Status: papersum.RunRunning},
		{BatchID: "batch-x", Status: papersum.RunRunning},
		{Team: "team-a", PaperID: p.ID},
	} {
		want := ids(filter(all, func(r *papersum.Run) bool {
			return (f.Team == "" || r.Team == f.Team) && (f.BatchID == "" || r.BatchID == f.BatchID) &&
				(f.Status == "" || r.Status == f.Status) && (f.PaperID == "" || r.PaperID == f.PaperID)
		}))
		got, err := s.ListRuns(ctx, f)
		must(t, err)
		wantIDs(t, fmt.Sprintf("ListRuns(%+v)", f), got, want)
		for _, limit := range []int{1, 2} {
			f := f
			f.Limit = limit
			var paged []string
			for page := 0; ; page++ {
				if page > len(all)+1 {
					t.Fatalf("filter %+v: paging does not end", f)
				}
				runs, err := s.ListRuns(ctx, f)
				must(t, err)
				if len(runs) == 0 {
					break
				}
				paged = append(paged, ids(runs)...)
				f.Before = runs[len(runs)-1].ID
			}
			if !reflect.DeepEqual(paged, want) && !(len(paged) == 0 && len(want) == 0) {
				t.Fatalf("filter %+v: paged %v, want %v", f, paged, want)
			}
		}
	}
}

func testDeliveries[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	at := time.Date(2026, 2, 13, 1, 2, 3, 4, zone)
	hook := "https://hooks.example.test/papersum?x=" + unicode
	for name, d := range map[string]*papersum.Delivery{
		"nil":               nil,
		"no webhook ID":     {RunID: "r", URL: hook, Attempt: 1, At: at},
		"no URL":            {WebhookID: "w", RunID: "r", Attempt: 1, At: at},
		"no run or batch":   {WebhookID: "w", URL: hook, Attempt: 1, At: at},
		"negative attempt":  {WebhookID: "w", RunID: "r", URL: hook, Attempt: -1, At: at},
		"negative duration": {WebhookID: "w", RunID: "r", URL: hook, Attempt: 1, At: at, Duration: -time.Second},
		"bad status":        {WebhookID: "w", RunID: "r", URL: hook, Attempt: 1, At: at, Status: 1000},
	} {
		if err := s.RecordDelivery(ctx, d); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: RecordDelivery = %v, want %s", name, err, papersum.EINVALID)
		}
	}
	if got, err := s.Deliveries(ctx, "r"); err != nil || len(got) != 0 {
		t.Fatalf("refused deliveries were stored: %v %v", got, err)
	}

	runAttempts := []papersum.Delivery{
		{WebhookID: "wh-run", RunID: "run-d", URL: hook, Attempt: 1, Status: 0, Error: "dial tcp: connection refused — " + unicode,
			At: at, Duration: 1500 * time.Millisecond},
		{WebhookID: "wh-run", RunID: "run-d", URL: hook, Attempt: 2, Status: 503, Error: "503 Service Unavailable",
			At: at.Add(2 * time.Second), Duration: 42 * time.Millisecond},
		{WebhookID: "wh-run", RunID: "run-d", URL: hook, Attempt: 3, Status: 200, At: at.Add(6 * time.Second), Duration: 7},
	}
	batchAttempt := papersum.Delivery{WebhookID: "wh-batch", BatchID: "batch-d", URL: hook, Attempt: 1, Status: 204,
		At: at.Add(time.Second), Duration: time.Millisecond}
	// Recorded out of order: listing orders by time.
	for _, d := range []papersum.Delivery{runAttempts[2], batchAttempt, runAttempts[0], runAttempts[1]} {
		d := d
		must(t, s.RecordDelivery(ctx, &d))
	}
	normDeliveries := func(ds []papersum.Delivery) []papersum.Delivery {
		out := append([]papersum.Delivery{}, ds...)
		for i := range out {
			out[i].At = normTime(out[i].At)
		}
		return out
	}
	check := func(id string, want []papersum.Delivery) {
		t.Helper()
		got, err := s.Deliveries(ctx, id)
		must(t, err)
		for _, d := range got {
			if d.At.Location() != time.UTC {
				t.Errorf("Deliveries(%s): At in %v, want UTC", id, d.At.Location())
			}
		}
		if g, w := normDeliveries(got), normDeliveries(want); !reflect.DeepEqual(g, w) {
			t.Fatalf("Deliveries(%s) =\n%+v\nwant\n%+v", id, g, w)
		}
	}
	check("run-d", runAttempts)
	check("batch-d", []papersum.Delivery{batchAttempt})
	check("run-none", []papersum.Delivery{})
	check("", []papersum.Delivery{})

	// A zero time is stamped and written back; a delivery that names a
	// run and its batch is listed under both.
	both := &papersum.Delivery{WebhookID: "wh-both", RunID: "run-d", BatchID: "batch-d", URL: hook, Attempt: 1}
	must(t, s.RecordDelivery(ctx, both))
	if both.At.IsZero() {
		t.Fatal("RecordDelivery did not stamp a zero At")
	}
	for _, id := range []string{"run-d", "batch-d"} {
		got, err := s.Deliveries(ctx, id)
		must(t, err)
		found := false
		for _, d := range got {
			found = found || d.WebhookID == "wh-both"
		}
		if !found {
			t.Errorf("Deliveries(%s) lacks the delivery that names both", id)
		}
	}
}
