package storeutil

import (
	"time"

	"github.com/papersum/papersum"
)

// AnomalyRow is an anomaly record checked and with its time encoded,
// ready for either store's INSERT.
type AnomalyRow struct {
	*papersum.AnomalyRecord
	DetectedAt int64
}

// NewAnomalyRows validates every record before anything is written.
//
// Errors: EINVALID for an invalid record or a time out of range.
func NewAnomalyRows(op string, records []*papersum.AnomalyRecord) ([]AnomalyRow, error) {
	rows := make([]AnomalyRow, 0, len(records))
	for _, a := range records {
		if err := a.Validate(); err != nil {
			return nil, WithOp(op, err)
		}
		at, ok := EncodeTime(a.DetectedAt)
		if !ok {
			return nil, Invalid(op, "anomaly %s: detected_at out of range", a.ID)
		}
		rows = append(rows, AnomalyRow{AnomalyRecord: a, DetectedAt: at})
	}
	return rows, nil
}

// AnomalyBounds returns the limit and the encoded [since, until) bounds
// of f (0 and MaxInt64 for open sides).
//
// Errors: EINVALID for a negative limit.
func AnomalyBounds(op string, f papersum.AnomalyFilter) (limit int, since, until int64, err error) {
	switch {
	case f.Limit < 0:
		return 0, 0, 0, Invalid(op, "limit must not be negative, not %d", f.Limit)
	case f.Limit == 0:
		limit = DefaultListLimit
	case f.Limit > MaxListLimit:
		limit = MaxListLimit
	default:
		limit = f.Limit
	}
	since, until = -1<<63, 1<<63-1
	if !f.Since.IsZero() {
		since = clampTime(f.Since)
	}
	if !f.Until.IsZero() {
		until = clampTime(f.Until)
	}
	return limit, since, until, nil
}

func clampTime(t time.Time) int64 {
	if ns, ok := EncodeTime(t); ok {
		return ns
	}
	if t.Before(time.Unix(0, 0)) {
		return -1 << 63
	}
	return 1<<63 - 1
}
