package papersum

import (
	"context"
	"math"
	"time"
)

// AnomalyRecord is one anomaly that the online detectors (package
// anomaly) raised on a finished run, as the stores keep it for
// `papersum report anomalies`.
type AnomalyRecord struct {
	// ID is unique (the run's ID and the signal). Required.
	ID string `json:"id"`
	// RunID is the run whose value raised the alarm. Required.
	RunID string `json:"run_id"`
	// Signal is the series' signal ("cost", "latency.summarize",
	// "tokens.revise", "quality:local-critique/3"), Model its model
	// ("provider/model", or the run's models joined by "+"). Required.
	Signal string `json:"signal"`
	Model  string `json:"model"`
	// Direction is "up" or "down": the side of the baseline the recent
	// values lie on. Required.
	Direction string `json:"direction"`
	// Value is the run's value; Recent the mean of the newest values
	// scored together; Baseline the window's centre, all in the signal's
	// units (US dollars, tokens, seconds, score 0-10). Finite.
	Value    float64 `json:"value"`
	Recent   float64 `json:"recent"`
	Baseline float64 `json:"baseline"`
	// Score is the z statistic (standard errors from the baseline).
	Score float64 `json:"score"`
	// Method is "zscore" or "robust"; N how many values the series had
	// seen.
	Method string `json:"method"`
	N      int    `json:"n"`
	// DetectedAt is when the run finished and the alarm was raised.
	// Required.
	DetectedAt time.Time `json:"detected_at"`
}

// Validate checks the required fields and that the numbers are finite.
//
// Errors: EINVALID naming the first bad field.
func (a *AnomalyRecord) Validate() error {
	switch {
	case a == nil:
		return Errorf(EINVALID, "anomaly: nil record")
	case a.ID == "" || a.RunID == "" || a.Signal == "" || a.Model == "":
		return Errorf(EINVALID, "anomaly: id, run_id, signal and model are required")
	case a.Direction != "up" && a.Direction != "down":
		return Errorf(EINVALID, "anomaly %s: direction must be up or down, not %q", a.ID, a.Direction)
	case a.DetectedAt.IsZero():
		return Errorf(EINVALID, "anomaly %s: detected_at is required", a.ID)
	case a.N < 0:
		return Errorf(EINVALID, "anomaly %s: n must not be negative", a.ID)
	}
	for _, v := range []float64{a.Value, a.Recent, a.Baseline, a.Score} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Errorf(EINVALID, "anomaly %s: values must be finite numbers", a.ID)
		}
	}
	return nil
}

// AnomalyFilter selects stored anomalies.
type AnomalyFilter struct {
	// Since and Until bound DetectedAt: Since ≤ DetectedAt < Until. A
	// zero value leaves that side open.
	Since, Until time.Time
	// Limit bounds the result; zero means the store's default (50), a
	// value above 1000 is cut to 1000 and a negative one is EINVALID.
	Limit int
}

// AnomalyStore keeps the anomalies the detectors raise.
type AnomalyStore interface {
	// PutAnomalies stores records in one transaction. A record whose ID
	// is already stored is left as it is (a retried run's anomalies
	// are stored once). Errors: EINVALID for an invalid record (nothing
	// is stored).
	PutAnomalies(ctx context.Context, records []*AnomalyRecord) error
	// ListAnomalies returns the anomalies of f, newest first (DetectedAt
	// descending, then ID). Errors: EINVALID for a negative limit.
	ListAnomalies(ctx context.Context, f AnomalyFilter) ([]*AnomalyRecord, error)
}
