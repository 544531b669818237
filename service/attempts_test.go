package service

import (
	"context"
	"sync"
	"testing"

	"github.com/papersum/papersum"
)

// startWatchStore signals on second when StartRun has returned for the
// second time: the run's second attempt has read the run.
type startWatchStore struct {
	Store
	mu     sync.Mutex
	starts int
	second chan struct{}
}

func (s *startWatchStore) StartRun(ctx context.Context, id string) (*papersum.Run, error) {
	run, err := s.Store.StartRun(ctx, id)
	s.mu.Lock()
	s.starts++
	if s.starts == 2 {
		close(s.second)
	}
	s.mu.Unlock()
	return run, err
}

// After a database outage the worker's lease can expire while the
// process lives: its own reaper then makes the job of a run it is still
// working on available again, and River hands it to this same process
// as a second attempt (the Postgres crash of the fault suite, with a
// lease renewal that came too late). The second attempt must not call
// the model for a stage the first one is calling: it waits for the first
// to end and carries on from what that stored. One paid answer per
// stage, each stored once, nothing repeated.
func TestSecondAttemptOfARunningRunWaitsForTheFirst(t *testing.T) {
	watch := &startWatchStore{second: make(chan struct{})}
	h := newHarnessWith(t, func(c *Config) { watch.Store = c.Store; c.Store = watch })
	h.model.block.Store(true)
	ctx := context.Background()
	res, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(1), Team: "t"})
	if err != nil {
		t.Fatal(err)
	}
	<-h.model.started // the queue's attempt is in the summarize call

	second := make(chan error, 1)
	go func() { second <- h.svc.Work(ctx, res.RunID) }() // the rescued job, run again
	<-watch.second
	h.model.block.Store(false)
	close(h.model.release)

	run := h.wait(t, res.RunID)
	if err := <-second; err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	if run.Status != papersum.RunSucceeded {
		t.Fatalf("run %s (%s), want succeeded", run.Status, run.Error)
	}
	// Read the run again: a stage stored by the second attempt after the
	// waiter woke would be missing from what Wait returned.
	run, err = h.store.GetRun(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	perStage := map[papersum.Stage]int{}
	for _, s := range run.Stages {
		perStage[s.Stage]++
	}
	for _, s := range papersum.Stages {
		if perStage[s] != 1 {
			t.Errorf("%d results of stage %s, want 1 (%v)", perStage[s], s, perStage)
		}
	}
	if n := h.model.calls.Load(); n != 3 {
		t.Errorf("the model was called %d times, want 3 (one per stage); %d repeated calls recorded", n, run.RepeatedCalls)
	}
	if run.RepeatedCalls != 0 {
		t.Errorf("RepeatedCalls %d, want 0", run.RepeatedCalls)
	}
}
