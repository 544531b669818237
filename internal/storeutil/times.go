package storeutil

import (
	"time"

	"github.com/papersum/papersum"
)

// RunTimes are the times a store stamps on a new run, as time.Time and
// encoded (see EncodeTime).
type RunTimes struct {
	CreatedAt time.Time
	Created   int64
	// FinishedAt is set only for the one run created finished, a cache
	// hit (status succeeded), and Finished is then its encoding.
	FinishedAt *time.Time
	Finished   int64
}

// NewRunTimes stamps a new run in state status: its CreatedAt, or the
// clock's time when it has none, and for a run created succeeded its
// FinishedAt, or the clock's time.
//
// Errors: EINVALID for a time EncodeTime cannot store.
func NewRunTimes(op string, run *papersum.Run, status papersum.RunStatus, clock papersum.Clock) (RunTimes, error) {
	t := RunTimes{CreatedAt: run.CreatedAt}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = clock.Now()
	}
	var ok bool
	if t.Created, ok = EncodeTime(t.CreatedAt); !ok {
		return RunTimes{}, Invalid(op, "run %s: creation time %s out of range", run.ID, t.CreatedAt)
	}
	if status == papersum.RunSucceeded {
		at := clock.Now()
		if run.FinishedAt != nil {
			at = *run.FinishedAt
		}
		if t.Finished, ok = EncodeTime(at); !ok {
			return RunTimes{}, Invalid(op, "run %s: finish time %s out of range", run.ID, at)
		}
		t.FinishedAt = &at
	}
	return t, nil
}

// SubmissionTimes are the times a store stamps on a Submit: the batch's
// creation (when there is a batch) and the idempotency key's.
type SubmissionTimes struct {
	BatchAt time.Time
	Batch   int64
	Now     int64
}

// NewSubmissionTimes stamps sub: its batch's CreatedAt, or the clock's
// time when it has none, and the clock's time for the key.
//
// Errors: EINVALID for a time EncodeTime cannot store.
func NewSubmissionTimes(op string, sub *papersum.Submission, clock papersum.Clock) (SubmissionTimes, error) {
	var t SubmissionTimes
	if b := sub.Batch; b != nil {
		t.BatchAt = b.CreatedAt
		if t.BatchAt.IsZero() {
			t.BatchAt = clock.Now()
		}
		var ok bool
		if t.Batch, ok = EncodeTime(t.BatchAt); !ok {
			return SubmissionTimes{}, Invalid(op, "batch %s: creation time %s out of range", b.ID, t.BatchAt)
		}
	}
	var ok bool
	if t.Now, ok = EncodeTime(clock.Now()); !ok {
		return SubmissionTimes{}, Invalid(op, "clock time out of range")
	}
	return t, nil
}
