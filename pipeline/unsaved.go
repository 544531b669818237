package pipeline

import (
	"context"
	"fmt"
	"sync"

	"github.com/papersum/papersum"
)

// DefaultMaxUnsaved is RunnerConfig.MaxUnsaved's default: a few hundred
// kilobytes of answers per thousand, kept only while the store is down.
const DefaultMaxUnsaved = 1000

// unsaved keeps the stage results whose model call was answered, and paid
// for, but whose write to the store failed (the database restarting),
// so that the run's next attempt in this process writes them instead of
// calling the model again. It is in memory because the store is what
// failed: with Postgres the job queue lives in the same database, so
// nothing durable can take the answer while it is down. A crash loses
// what it holds; the next attempt then calls again, which nothing can
// count (the answer never reached a durable place).
//
// It holds at most max results; beyond that the oldest run's are dropped
// and the run is remembered as lost (up to max runs), so that its
// repeated calls are counted (Run.RepeatedCalls) when it resumes here.
type unsaved struct {
	mu    sync.Mutex
	max   int
	n     int
	order []string // run IDs, oldest first
	byRun map[string][]papersum.StageResult
	lost  map[string]map[papersum.Stage]bool
}

func newUnsaved(max int) *unsaved {
	return &unsaved{max: max, byRun: map[string][]papersum.StageResult{}, lost: map[string]map[papersum.Stage]bool{}}
}

// keep adds res, the unsaved result of run runID.
func (u *unsaved) keep(runID string, res papersum.StageResult) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.byRun[runID]; !ok {
		u.order = append(u.order, runID)
	}
	u.byRun[runID] = append(u.byRun[runID], res)
	u.n++
	for u.n > u.max && len(u.order) > 0 {
		old := u.order[0]
		u.order = u.order[1:]
		for _, r := range u.byRun[old] {
			u.markLost(old, r.Stage)
		}
		u.n -= len(u.byRun[old])
		delete(u.byRun, old)
	}
}

// markLost remembers that an answer of stage of run runID was lost.
// u.mu is held.
func (u *unsaved) markLost(runID string, stage papersum.Stage) {
	if u.lost[runID] == nil {
		if len(u.lost) >= max(u.max, 1) {
			return // bounded: a count missed is better than memory without end
		}
		u.lost[runID] = map[papersum.Stage]bool{}
	}
	u.lost[runID][stage] = true
}

// take removes and returns the unsaved results of run runID, oldest
// first, and the stages whose answers were lost.
func (u *unsaved) take(runID string) ([]papersum.StageResult, map[papersum.Stage]bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	res := u.byRun[runID]
	if res != nil {
		delete(u.byRun, runID)
		u.n -= len(res)
		for i, id := range u.order {
			if id == runID {
				u.order = append(u.order[:i], u.order[i+1:]...)
				break
			}
		}
	}
	lost := u.lost[runID]
	delete(u.lost, runID)
	return res, lost
}

// restoreUnsaved writes the results of run that this runner kept when
// the store could not take them, skipping any the store has after all (a
// write whose commit succeeded though its answer was lost), and adds
// them to run.Stages. It returns the stages whose answers were lost for
// good, whose next call is a repeat. What cannot be written yet is kept
// for the next attempt.
func (r *Runner) restoreUnsaved(ctx context.Context, run *papersum.Run) (map[papersum.Stage]bool, error) {
	pending, lost := r.unsaved.take(run.ID)
	for i, res := range pending {
		if storedAlready(run, &res) {
			continue
		}
		if err := r.store.AddStage(ctx, run.ID, &res); err != nil {
			for _, rest := range pending[i:] {
				r.unsaved.keep(run.ID, rest)
			}
			for st := range lost {
				r.unsaved.mu.Lock()
				r.unsaved.markLost(run.ID, st)
				r.unsaved.mu.Unlock()
			}
			return nil, fmt.Errorf("store the kept %s result: %w", res.Stage, err)
		}
		run.Stages = append(run.Stages, res)
		r.logger.Info("stored a stage result kept through a store outage; the model is not called again",
			"run", run.ID, "stage", res.Stage)
	}
	return lost, nil
}

// storedAlready reports whether run's stored stages hold res.
func storedAlready(run *papersum.Run, res *papersum.StageResult) bool {
	for i := range run.Stages {
		s := &run.Stages[i]
		if s.Stage == res.Stage && s.StartedAt.Equal(res.StartedAt) && s.Raw == res.Raw {
			return true
		}
	}
	return false
}

// countRepeat records that the model call of stage about to be made for
// run repeats one whose answer was paid for and lost.
func (r *Runner) countRepeat(ctx context.Context, run *papersum.Run, stage papersum.Stage) {
	if err := r.store.AddRepeatedCalls(ctx, run.ID, 1); err != nil {
		r.logger.Error("record a repeated model call", "run", run.ID, "stage", stage, "err", err)
		return
	}
	run.RepeatedCalls++
	r.logger.Warn("model call repeated: an earlier answer for this stage was paid for and lost", "run", run.ID, "stage", stage)
}
