package papersum

import (
	"context"
	"math"
	"time"
)

// DriftState is the saved state of one streaming drift detector of serve:
// the detector (Detector, a drift.Kind) watching one signal of the runs of
// one model. State is the detector's JSON form (drift.Save), which holds
// its kind, parameters and complete state, so that a restarted server (or
// another replica) continues it where it stopped.
type DriftState struct {
	// Signal names the watched signal, e.g. "output.summary_words".
	Signal string
	// Model is the model whose runs the detector watches, "provider/model".
	Model string
	// Detector is the detector's kind, e.g. "ADWIN".
	Detector string
	// State is the detector's JSON form.
	State []byte
	// Observations counts the values the detector has seen.
	Observations int64
	// Since is when the detector's current window began: its first value,
	// or the value after its last detection.
	Since time.Time
	// UpdatedAt is when it last saw a value.
	UpdatedAt time.Time
}

// DriftEvent is a drift that a streaming detector of serve detected.
type DriftEvent struct {
	// ID identifies the event (and its webhook); assigned by the caller.
	ID       string
	Signal   string
	Model    string
	Detector string
	// Statistic is the detector's statistic at the detection (for
	// example ADWIN's estimate, Page-Hinkley's cumulative sum).
	Statistic float64
	// RunID is the run whose value triggered the detection.
	RunID string
	// WindowStart and WindowEnd bound the values the detection looked
	// at: from the detector's window start to the triggering run.
	WindowStart time.Time
	WindowEnd   time.Time
	// Detail is the event's full JSON document (the webhook's payload).
	Detail []byte
	// DetectedAt is when it was detected.
	DetectedAt time.Time
}

// DriftStore keeps serve's streaming drift detectors and what they
// detected.
//
// Errors: EINVALID for a state or event without its names, or with an ID
// (event) already stored (ECONFLICT).
type DriftStore interface {
	// PutDriftStates stores states, replacing the stored state of the
	// same (Signal, Model, Detector), in one transaction.
	PutDriftStates(ctx context.Context, states []DriftState) error
	// DriftStates returns every stored state, ordered by signal, model
	// and detector.
	DriftStates(ctx context.Context) ([]DriftState, error)
	// AddDriftEvent records a detection.
	AddDriftEvent(ctx context.Context, e *DriftEvent) error
	// DriftEvents returns the detections of [from, to) (a zero bound is
	// open) in order of detection.
	DriftEvents(ctx context.Context, from, to time.Time) ([]DriftEvent, error)
}

// Validate reports a state without its names or state (EINVALID).
func (s *DriftState) Validate() error {
	if s.Signal == "" || s.Detector == "" || len(s.State) == 0 {
		return Errorf(EINVALID, "drift state needs a signal, a detector and a state")
	}
	if s.Observations < 0 {
		return Errorf(EINVALID, "drift state %s/%s: negative observations", s.Signal, s.Detector)
	}
	return nil
}

// Validate reports an event without its ID, names or detail, or with a
// statistic that is not a finite number (EINVALID).
func (e *DriftEvent) Validate() error {
	if e.ID == "" || e.Signal == "" || e.Detector == "" || len(e.Detail) == 0 {
		return Errorf(EINVALID, "drift event needs an ID, a signal, a detector and a detail")
	}
	if math.IsNaN(e.Statistic) || math.IsInf(e.Statistic, 0) {
		return Errorf(EINVALID, "drift event %s: statistic is %v", e.ID, e.Statistic)
	}
	return nil
}
