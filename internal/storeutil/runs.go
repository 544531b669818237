package storeutil

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// List limits of ListRuns. RunFilter.Limit 0 means DefaultListLimit;
// larger than MaxListLimit is cut to MaxListLimit, so one request cannot
// load the whole table.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// CheckRunFilter validates f (papersum.RunFilter.Validate) and returns
// the limit to apply.
//
// Errors: EINVALID for an unknown status or a negative limit.
func CheckRunFilter(op string, f papersum.RunFilter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, WithOp(op, err)
	}
	switch {
	case f.Limit == 0:
		return DefaultListLimit, nil
	case f.Limit > MaxListLimit:
		return MaxListLimit, nil
	}
	return f.Limit, nil
}

// CheckSubmission validates s (papersum.Submission.Validate) and enqueue
// before Submit writes anything.
//
// Errors: EINVALID.
func CheckSubmission[TTx any](op string, s *papersum.Submission, enqueue papersum.EnqueueTx[TTx]) error {
	if enqueue == nil {
		// Without it the runs would be stored with no job to run them.
		return Invalid(op, "a submission needs an enqueue function")
	}
	return WithOp(op, s.Validate())
}

// SubmissionTarget is the ID an idempotency key records for s: its batch,
// or its single run.
func SubmissionTarget(s *papersum.Submission) string {
	if s.Batch != nil {
		return s.Batch.ID
	}
	return s.Runs[0].ID
}

// RunIDs returns the IDs of runs in order.
func RunIDs(runs []*papersum.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

// KeyReused is the ECONFLICT of Submit when an idempotency key was
// recorded for a request with another hash.
func KeyReused(op, team, key string) error {
	return Conflict(op, "idempotency key %q of team %q was already used for a different request; use a new key for a new request", key, team)
}

// HitGroup is the cache hits of one key (papersum.Run.CacheHitKey) in one
// RecordCacheHits call. A store writes each group with one statement,
// which inserts the first hit's run or adds len(Indexes) hits to the run
// of the key: hits of one key that arrive together (a group commit of a
// load test's identical requests) cost one row update, not one each.
type HitGroup struct {
	Key string
	// Indexes are the positions of the key's hits in the call, in order;
	// the first is the hit whose run is stored when the key is new.
	Indexes []int
}

// GroupHits groups hits by key, in key order, so that two calls with keys
// in common lock them in the same order (no deadlock between them).
func GroupHits(hits []*papersum.Run) []HitGroup {
	byKey := map[string]int{}
	var groups []HitGroup
	for i, h := range hits {
		k := h.CacheHitKey()
		g, ok := byKey[k]
		if !ok {
			g = len(groups)
			byKey[k] = g
			groups = append(groups, HitGroup{Key: k})
		}
		groups[g].Indexes = append(groups[g].Indexes, i)
	}
	slices.SortFunc(groups, func(a, b HitGroup) int { return strings.Compare(a.Key, b.Key) })
	return groups
}

// CopyRun returns a copy of r that shares no pointer with it, so that the
// hits of one key, which all get the stored run, do not share its scores
// and times.
func CopyRun(r *papersum.Run) *papersum.Run {
	c := *r
	if r.Scores != nil {
		sc := *r.Scores
		c.Scores = &sc
	}
	if r.Waiting != nil {
		w := *r.Waiting
		c.Waiting = &w
	}
	for _, t := range []**time.Time{&c.FinishedAt, &c.LastHitAt, &c.StartedAt} {
		if *t != nil {
			v := **t
			*t = &v
		}
	}
	c.Stages = slices.Clone(r.Stages)
	return &c
}

// TakesAbandoned reports whether a run in state st may count abandoned
// calls: a running run, and a canceled one, since a cancel abandons the
// calls in flight and their count arrives after it.
func TakesAbandoned(st papersum.RunStatus) bool {
	return st == papersum.RunRunning || st == papersum.RunCanceled
}

// EncodeWait checks w, the wait of run runID, by papersum.RunWait.Validate
// and returns its JSON, times in UTC.
//
// Errors: EINVALID for a class that is not transient, or a zero time.
func EncodeWait(op, runID string, w papersum.RunWait) ([]byte, error) {
	if err := w.Validate(runID); err != nil {
		return nil, WithOp(op, err)
	}
	w.NextAttemptAt, w.Deadline = w.NextAttemptAt.UTC(), w.Deadline.UTC()
	return json.Marshal(w)
}

// DecodeWait reads what EncodeWait wrote.
func DecodeWait(data []byte) (*papersum.RunWait, error) {
	w := new(papersum.RunWait)
	if err := json.Unmarshal(data, w); err != nil {
		return nil, fmt.Errorf("decode waiting: %w", err)
	}
	return w, nil
}
