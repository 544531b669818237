package papersum

import (
	"math"
	"slices"
)

// The rules of the domain's values, one copy for every store: a store
// calls Validate before it writes and keeps only its SQL. The errors are
// EINVALID, with messages written for the user; a store adds its
// operation (and, for a stage, the run it belongs to).

// invalid returns an EINVALID error with a formatted message.
func invalid(format string, args ...any) error { return Errorf(EINVALID, format, args...) }

// Valid reports whether s is one of the run states.
func (s RunStatus) Valid() bool {
	switch s {
	case RunQueued, RunRunning, RunSucceeded, RunFailed, RunCanceled:
		return true
	}
	return false
}

// Valid reports whether c is empty (no provider failure) or one of
// Classes.
func (c Class) Valid() bool {
	return c == "" || slices.Contains(Classes, c)
}

// Finite reports whether every score is a finite number. nil is finite:
// no scores.
func (s *Scores) Finite() bool {
	if s == nil {
		return true
	}
	for _, v := range []float64{s.Accuracy, s.Completeness, s.Clarity, s.Coherence} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Validate checks a listing's filter: a known status, or none, and a
// limit that is not negative. (Which limit applies is the store's.)
func (f RunFilter) Validate() error {
	switch {
	case f.Status != "" && !f.Status.Valid():
		return invalid("unknown run status %q", f.Status)
	case f.Limit < 0:
		return invalid("negative limit %d", f.Limit)
	}
	return nil
}

// Validate checks a stage result before it is stored: a known stage, no
// negative token count or latency, a cost that is a non-negative number
// and finite critique scores. The message names the stage but not the
// run, which the caller knows.
func (r *StageResult) Validate() error {
	if r == nil {
		return invalid("nil stage result")
	}
	u := r.Usage
	switch {
	case !slices.Contains(Stages, r.Stage):
		return invalid("unknown stage %q", r.Stage)
	case u.InputTokens < 0 || u.OutputTokens < 0 || u.CacheCreation5mTokens < 0 ||
		u.CacheCreation1hTokens < 0 || u.CacheReadTokens < 0:
		return invalid("%s: negative token count", r.Stage)
	case math.IsNaN(r.CostUSD) || math.IsInf(r.CostUSD, 0) || r.CostUSD < 0:
		return invalid("%s: cost %v is not a non-negative number", r.Stage, r.CostUSD)
	case r.Latency < 0:
		return invalid("%s: negative latency", r.Stage)
	case r.Critique != nil && !r.Critique.Scores.Finite():
		return invalid("%s: critique scores must be finite numbers", r.Stage)
	}
	return nil
}

// ValidateNew checks a run about to be created and returns the state to
// store it in: running for an empty Status, else Status. Its stages are
// the caller's to check, one by one (StageResult.Validate).
//
// A new run is running (the CLI) or queued (the service), and then has no
// finish time; a queued run has no stages either, since no worker has
// touched it. The one run created finished is a cache hit: succeeded with
// Cached set and the cached summary, and no stages because it made no
// model call.
func (r *Run) ValidateNew() (RunStatus, error) {
	switch {
	case r == nil || r.ID == "":
		return "", invalid("run has no ID")
	case r.PaperID == "":
		return "", invalid("run %s has no paper ID", r.ID)
	case r.TargetWords < 0:
		return "", invalid("run %s: negative target length %d", r.ID, r.TargetWords)
	case r.CacheHits < 0:
		return "", invalid("run %s: negative cache hits %d", r.ID, r.CacheHits)
	case r.CacheHits > 0 && !r.Cached:
		return "", invalid("run %s: cache hits on a run that is not cached", r.ID)
	case !r.ErrorClass.Valid():
		return "", invalid("run %s: unknown error class %q", r.ID, r.ErrorClass)
	case !r.Scores.Finite() || !r.RevisedScores.Finite():
		return "", invalid("run %s: scores must be finite numbers", r.ID)
	case len(r.Abandoned) > 0:
		// Counted as they happen, with AddAbandonedCalls, never created.
		return "", invalid("run %s: a new run has no abandoned calls", r.ID)
	}
	status := r.Status
	if status == "" {
		status = RunRunning
	}
	switch status {
	case RunRunning, RunQueued:
		switch {
		case r.Cached:
			return "", invalid("run %s: a run answered from the cache is created succeeded, not %s", r.ID, status)
		case r.FinishedAt != nil:
			return "", invalid("run %s: a new run has no finish time", r.ID)
		case status == RunQueued && len(r.Stages) > 0:
			return "", invalid("run %s: a queued run has no stages yet", r.ID)
		}
	case RunSucceeded:
		switch {
		case !r.Cached:
			return "", invalid("run %s: only a run answered from the cache is created succeeded; others start running or queued", r.ID)
		case r.Summary == "":
			return "", invalid("run %s: a run answered from the cache needs the cached summary", r.ID)
		case len(r.Stages) > 0:
			return "", invalid("run %s: a run answered from the cache made no model call and has no stages", r.ID)
		}
	default:
		return "", invalid("run %s: a new run is running or queued (succeeded only from the cache), not %q", r.ID, r.Status)
	}
	return status, nil
}

// ValidateFinish checks a run about to be finished (Store.FinishRun): it
// finishes succeeded, or failed with a reason, with a known error class
// and finite scores. A run is canceled otherwise (CancelRun).
func (r *Run) ValidateFinish() error {
	switch {
	case r == nil || r.ID == "":
		return invalid("run has no ID")
	case r.Status != RunSucceeded && r.Status != RunFailed:
		return invalid("run %s: a run finishes as succeeded or failed, not %q", r.ID, r.Status)
	case r.Status == RunFailed && r.Error == "":
		// A failed run must say why; an empty reason would be lost for good.
		return invalid("run %s: a failed run needs an error message", r.ID)
	case !r.ErrorClass.Valid():
		return invalid("run %s: unknown error class %q", r.ID, r.ErrorClass)
	case !r.Scores.Finite() || !r.RevisedScores.Finite():
		return invalid("run %s: scores must be finite numbers", r.ID)
	}
	return nil
}

// Validate checks a submission before anything of it is written. Every
// run must be queued and otherwise valid for Run.ValidateNew, appear once,
// and name no batch other than s.Batch. An idempotency key needs the
// request hash it is compared by, and names one thing: a batch, or a
// single run.
func (s *Submission) Validate() error {
	switch {
	case s == nil || len(s.Runs) == 0:
		return invalid("a submission needs at least one run")
	case s.Batch != nil && s.Batch.ID == "":
		return invalid("the submission's batch has no ID")
	case s.IdempotencyKey != "" && s.RequestHash == "":
		return invalid("idempotency key %q comes without a request hash", s.IdempotencyKey)
	case s.IdempotencyKey != "" && s.Batch == nil && len(s.Runs) > 1:
		return invalid("idempotency key %q would name %d runs; submit several runs as a batch", s.IdempotencyKey, len(s.Runs))
	}
	seen := make(map[string]bool, len(s.Runs))
	for i, r := range s.Runs {
		if r == nil {
			return invalid("run %d of the submission is nil", i)
		}
		if _, err := r.ValidateNew(); err != nil {
			return err
		}
		if r.Status != RunQueued {
			return invalid("run %s: a submitted run is queued, not %q", r.ID, r.Status)
		}
		if seen[r.ID] {
			return invalid("run %s appears twice in the submission", r.ID)
		}
		seen[r.ID] = true
		switch {
		case s.Batch == nil && r.BatchID != "":
			return invalid("run %s names batch %s, but the submission has no batch", r.ID, r.BatchID)
		case s.Batch != nil && r.BatchID != "" && r.BatchID != s.Batch.ID:
			return invalid("run %s names batch %s, but the submission's batch is %s", r.ID, r.BatchID, s.Batch.ID)
		}
	}
	return nil
}

// Validate checks a webhook delivery attempt before it is recorded.
func (d *Delivery) Validate() error {
	switch {
	case d == nil:
		return invalid("nil delivery")
	case d.WebhookID == "" || d.URL == "":
		return invalid("a delivery needs a webhook ID and a URL")
	case d.RunID == "" && d.BatchID == "":
		return invalid("delivery %s names neither a run nor a batch", d.WebhookID)
	case d.Attempt < 0:
		return invalid("delivery %s: negative attempt %d", d.WebhookID, d.Attempt)
	case d.Status < 0 || d.Status > 999:
		return invalid("delivery %s: HTTP status %d out of range", d.WebhookID, d.Status)
	case d.Duration < 0:
		return invalid("delivery %s: negative duration", d.WebhookID)
	}
	return nil
}

// Validate checks a count of abandoned calls of run runID before it is
// added: a known stage, a model and a count of at least 1.
func (a AbandonedCalls) Validate(runID string) error {
	switch {
	case runID == "":
		return invalid("no run ID")
	case !slices.Contains(Stages, a.Stage):
		return invalid("run %s: unknown stage %q", runID, a.Stage)
	case a.Model == "":
		return invalid("run %s: %s: abandoned calls name no model", runID, a.Stage)
	case a.Calls < 1:
		return invalid("run %s: %s: %d abandoned calls; the count added must be at least 1", runID, a.Stage, a.Calls)
	}
	return nil
}

// ValidateRepeatedCalls checks a count of repeated calls of run runID
// before it is added (Store.AddRepeatedCalls): at least 1.
func ValidateRepeatedCalls(runID string, n int) error {
	switch {
	case runID == "":
		return invalid("no run ID")
	case n < 1:
		return invalid("run %s: %d repeated calls; the count added must be at least 1", runID, n)
	}
	return nil
}

// Validate checks the wait of run runID before it is recorded
// (JobStore.WaitRun): only a transient failure waits, and a wait has its
// next attempt and deadline times.
func (w RunWait) Validate(runID string) error {
	switch {
	case runID == "":
		return invalid("no run ID")
	case !TransientClass(w.Class):
		return invalid("run %s: class %q is not transient; only a transient failure waits", runID, w.Class)
	case w.NextAttemptAt.IsZero() || w.Deadline.IsZero():
		return invalid("run %s: a wait needs its next attempt and deadline times", runID)
	}
	return nil
}

// Validate checks a new API key before it is stored: an ID, a team, a
// user and a known scope. (The hash of its secret is the store's to
// check, since the key does not carry it.)
func (k *APIKey) Validate() error {
	switch {
	case k == nil || k.ID == "":
		return invalid("API key has no ID")
	case k.Team == "" || k.User == "":
		return invalid("API key %s needs a team and a user", k.ID)
	case !k.Scope.Valid():
		return invalid("API key %s: scope %q is not one of read, write, admin", k.ID, k.Scope)
	}
	return nil
}

// Validate checks a provider batch before it is recorded: it names its
// job, stage, provider and the provider's batch ID.
func (b *ProviderBatch) Validate() error {
	if b == nil || b.JobID == "" || b.Provider == "" || b.BatchID == "" || b.Stage == "" {
		return invalid("job, stage, provider and batch IDs are required")
	}
	return nil
}

// Validate checks a paper before it is stored: it has its ID, the hash of
// its content.
func (p *Paper) Validate() error {
	if p == nil || p.ID == "" {
		return invalid("paper has no ID")
	}
	return nil
}
