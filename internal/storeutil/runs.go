package storeutil

import (
	"context"
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

// ValidStatus reports whether st is one of the run states.
func ValidStatus(st papersum.RunStatus) bool {
	switch st {
	case papersum.RunQueued, papersum.RunRunning, papersum.RunSucceeded, papersum.RunFailed, papersum.RunCanceled:
		return true
	}
	return false
}

// CheckRunFilter validates f and returns the limit to apply.
//
// Errors: EINVALID for an unknown status or a negative limit.
func CheckRunFilter(op string, f papersum.RunFilter) (int, error) {
	if f.Status != "" && !ValidStatus(f.Status) {
		return 0, Invalid(op, "unknown run status %q", f.Status)
	}
	switch {
	case f.Limit < 0:
		return 0, Invalid(op, "negative limit %d", f.Limit)
	case f.Limit == 0:
		return DefaultListLimit, nil
	case f.Limit > MaxListLimit:
		return MaxListLimit, nil
	}
	return f.Limit, nil
}

// CheckNewRun validates a run about to be created and returns the state
// to store it in: running for an empty Status, else Status.
//
// A new run is running (the CLI) or queued (the service), and then has no
// finish time; a queued run has no stages either, since no worker has
// touched it. The one run created finished is a cache hit: succeeded with
// Cached set and the cached summary, and no stages because it made no
// model call.
//
// Errors: EINVALID.
func CheckNewRun(op string, run *papersum.Run) (papersum.RunStatus, error) {
	switch {
	case run == nil || run.ID == "":
		return "", Invalid(op, "run has no ID")
	case run.PaperID == "":
		return "", Invalid(op, "run %s has no paper ID", run.ID)
	case run.TargetWords < 0:
		return "", Invalid(op, "run %s: negative target length %d", run.ID, run.TargetWords)
	case run.CacheHits < 0:
		return "", Invalid(op, "run %s: negative cache hits %d", run.ID, run.CacheHits)
	case run.CacheHits > 0 && !run.Cached:
		return "", Invalid(op, "run %s: cache hits on a run that is not cached", run.ID)
	case !ValidClass(run.ErrorClass):
		return "", Invalid(op, "run %s: unknown error class %q", run.ID, run.ErrorClass)
	case !ValidScores(run.Scores) || !ValidScores(run.RevisedScores):
		return "", Invalid(op, "run %s: scores must be finite numbers", run.ID)
	case len(run.Abandoned) > 0:
		// Counted as they happen, with AddAbandonedCalls, never created.
		return "", Invalid(op, "run %s: a new run has no abandoned calls", run.ID)
	}
	status := run.Status
	if status == "" {
		status = papersum.RunRunning
	}
	switch status {
	case papersum.RunRunning, papersum.RunQueued:
		switch {
		case run.Cached:
			return "", Invalid(op, "run %s: a run answered from the cache is created succeeded, not %s", run.ID, status)
		case run.FinishedAt != nil:
			return "", Invalid(op, "run %s: a new run has no finish time", run.ID)
		case status == papersum.RunQueued && len(run.Stages) > 0:
			return "", Invalid(op, "run %s: a queued run has no stages yet", run.ID)
		}
	case papersum.RunSucceeded:
		switch {
		case !run.Cached:
			return "", Invalid(op, "run %s: only a run answered from the cache is created succeeded; others start running or queued", run.ID)
		case run.Summary == "":
			return "", Invalid(op, "run %s: a run answered from the cache needs the cached summary", run.ID)
		case len(run.Stages) > 0:
			return "", Invalid(op, "run %s: a run answered from the cache made no model call and has no stages", run.ID)
		}
	default:
		return "", Invalid(op, "run %s: a new run is running or queued (succeeded only from the cache), not %q", run.ID, run.Status)
	}
	return status, nil
}

// Enqueue is the callback of papersum.JobStore.Submit.
type Enqueue = func(ctx context.Context, tx any, runIDs []string) error

// CheckSubmission validates s and enqueue before Submit writes anything.
// Every run must be queued and otherwise valid for CheckNewRun, appear
// once, and name no batch other than s.Batch. An idempotency key needs the
// request hash it is compared by, and names one thing: a batch, or a
// single run.
//
// Errors: EINVALID.
func CheckSubmission(op string, s *papersum.Submission, enqueue Enqueue) error {
	switch {
	case s == nil || len(s.Runs) == 0:
		return Invalid(op, "a submission needs at least one run")
	case enqueue == nil:
		// Without it the runs would be stored with no job to run them.
		return Invalid(op, "a submission needs an enqueue function")
	case s.Batch != nil && s.Batch.ID == "":
		return Invalid(op, "the submission's batch has no ID")
	case s.IdempotencyKey != "" && s.RequestHash == "":
		return Invalid(op, "idempotency key %q comes without a request hash", s.IdempotencyKey)
	case s.IdempotencyKey != "" && s.Batch == nil && len(s.Runs) > 1:
		return Invalid(op, "idempotency key %q would name %d runs; submit several runs as a batch", s.IdempotencyKey, len(s.Runs))
	}
	seen := make(map[string]bool, len(s.Runs))
	for i, r := range s.Runs {
		if r == nil {
			return Invalid(op, "run %d of the submission is nil", i)
		}
		if _, err := CheckNewRun(op, r); err != nil {
			return err
		}
		if r.Status != papersum.RunQueued {
			return Invalid(op, "run %s: a submitted run is queued, not %q", r.ID, r.Status)
		}
		if seen[r.ID] {
			return Invalid(op, "run %s appears twice in the submission", r.ID)
		}
		seen[r.ID] = true
		switch {
		case s.Batch == nil && r.BatchID != "":
			return Invalid(op, "run %s names batch %s, but the submission has no batch", r.ID, r.BatchID)
		case s.Batch != nil && r.BatchID != "" && r.BatchID != s.Batch.ID:
			return Invalid(op, "run %s names batch %s, but the submission's batch is %s", r.ID, r.BatchID, s.Batch.ID)
		}
	}
	return nil
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

// CheckDelivery validates a webhook delivery attempt.
//
// Errors: EINVALID.
func CheckDelivery(op string, d *papersum.Delivery) error {
	switch {
	case d == nil:
		return Invalid(op, "nil delivery")
	case d.WebhookID == "" || d.URL == "":
		return Invalid(op, "a delivery needs a webhook ID and a URL")
	case d.RunID == "" && d.BatchID == "":
		return Invalid(op, "delivery %s names neither a run nor a batch", d.WebhookID)
	case d.Attempt < 0:
		return Invalid(op, "delivery %s: negative attempt %d", d.WebhookID, d.Attempt)
	case d.Status < 0 || d.Status > 999:
		return Invalid(op, "delivery %s: HTTP status %d out of range", d.WebhookID, d.Status)
	case d.Duration < 0:
		return Invalid(op, "delivery %s: negative duration", d.WebhookID)
	}
	return nil
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

// CheckAbandoned validates a count of abandoned calls of run runID.
//
// Errors: EINVALID for an unknown stage, an empty model or a count below 1.
func CheckAbandoned(op, runID string, a papersum.AbandonedCalls) error {
	switch {
	case runID == "":
		return Invalid(op, "no run ID")
	case !slices.Contains(papersum.Stages, a.Stage):
		return Invalid(op, "run %s: unknown stage %q", runID, a.Stage)
	case a.Model == "":
		return Invalid(op, "run %s: %s: abandoned calls name no model", runID, a.Stage)
	case a.Calls < 1:
		return Invalid(op, "run %s: %s: %d abandoned calls; the count added must be at least 1", runID, a.Stage, a.Calls)
	}
	return nil
}

// TakesAbandoned reports whether a run in state st may count abandoned
// calls: a running run, and a canceled one, since a cancel abandons the
// calls in flight and their count arrives after it.
func TakesAbandoned(st papersum.RunStatus) bool {
	return st == papersum.RunRunning || st == papersum.RunCanceled
}

// EncodeWait validates w, the wait of run runID, and returns its JSON.
//
// Errors: EINVALID for a class that is not transient, or a zero time.
func EncodeWait(op, runID string, w papersum.RunWait) ([]byte, error) {
	switch {
	case !papersum.TransientClass(w.Class):
		return nil, Invalid(op, "run %s: class %q is not transient; only a transient failure waits", runID, w.Class)
	case w.NextAttemptAt.IsZero() || w.Deadline.IsZero():
		return nil, Invalid(op, "run %s: a wait needs its next attempt and deadline times", runID)
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
