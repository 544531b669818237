package pipeline

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/sqlite"
)

// flakyWrites is a store whose AddStage of summarize results fails while
// down is set: with committed set, after the row is written (the
// connection lost with the commit's answer), otherwise before.
type flakyWrites struct {
	papersum.Store
	mu        sync.Mutex
	down      bool
	committed bool
}

var errDown = &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "postgres: lost the connection"}

func (s *flakyWrites) AddStage(ctx context.Context, runID string, res *papersum.StageResult) error {
	s.mu.Lock()
	down, committed := s.down, s.committed
	s.mu.Unlock()
	if !down || res.Stage != papersum.StageSummarize {
		return s.Store.AddStage(ctx, runID, res)
	}
	if committed {
		if err := s.Store.AddStage(ctx, runID, res); err != nil {
			return err
		}
	}
	return errDown
}

func (s *flakyWrites) set(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// A summarize answer whose write fails is not paid for again: the next
// attempt stores it (or, when the failed write had committed after all,
// finds it stored and does not store it twice), while it is still down
// keeps it for the attempt after, and calls the model only for the
// stages after it. With MaxUnsaved < 0 the answer is not kept: the call
// is made again and counted on the run.
func TestUnsavedAnswersAreStoredNotPaidAgain(t *testing.T) {
	for _, tc := range []struct {
		name        string
		committed   bool
		maxUnsaved  int
		stillDown   bool
		wantCalls   int
		wantRepeats int
	}{
		{"write failed", false, 0, false, 3, 0},
		{"write committed", true, 0, false, 3, 0},
		{"still down at the next attempt", false, 0, true, 3, 0},
		{"not kept", false, -1, false, 4, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			store := &flakyWrites{Store: db, down: true, committed: tc.committed}
			m := goodModel()
			stages := map[papersum.Stage]StageModel{}
			for _, s := range papersum.Stages {
				stages[s] = StageModel{Provider: "test", Model: "m", Client: m, MaxTokens: 100}
			}
			r, err := NewRunner(RunnerConfig{Stages: stages, Store: store, Pricer: flatPricer{}, ConfigHash: "cfg", MaxUnsaved: tc.maxUnsaved})
			if err != nil {
				t.Fatal(err)
			}
			paper := testPaper()
			if err := db.PutPaper(ctx, paper); err != nil {
				t.Fatal(err)
			}
			run := r.NewRun(paper, Options{TargetWords: 40})
			if err := db.CreateRun(ctx, run); err != nil {
				t.Fatal(err)
			}
			retryable := func(err error) bool { return papersum.ErrorCode(err) == papersum.EUNAVAILABLE }
			resume := func() (*papersum.Run, error) {
				stored, err := db.GetRun(ctx, run.ID)
				if err != nil {
					t.Fatal(err)
				}
				return r.Resume(ctx, stored, paper, Options{Retryable: retryable})
			}
			if got, err := resume(); papersum.ErrorCode(err) != papersum.EUNAVAILABLE || got.Status != papersum.RunRunning {
				t.Fatalf("first attempt: %s, err %v; want running and the store's error", got.Status, err)
			}
			if tc.stillDown {
				if got, err := resume(); papersum.ErrorCode(err) != papersum.EUNAVAILABLE || got.Status != papersum.RunRunning {
					t.Fatalf("attempt while still down: %s, err %v", got.Status, err)
				}
			}
			store.set(false)
			if _, err := resume(); err != nil {
				t.Fatal(err)
			}
			final, err := db.GetRun(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			per := map[papersum.Stage]int{}
			for _, s := range final.Stages {
				per[s.Stage]++
			}
			if final.Status != papersum.RunSucceeded || per[papersum.StageSummarize] != 1 || len(final.Stages) != 3 {
				t.Fatalf("final run %s with stages %v; want succeeded, one of each", final.Status, per)
			}
			m.mu.Lock()
			calls := len(m.seen)
			m.mu.Unlock()
			if calls != tc.wantCalls || final.RepeatedCalls != tc.wantRepeats {
				t.Errorf("%d model calls, %d counted as repeated; want %d and %d", calls, final.RepeatedCalls, tc.wantCalls, tc.wantRepeats)
			}
		})
	}
}
