package queue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/papersum/papersum"
	"github.com/riverqueue/river"
)

// Permanent marks err as one that no retry can fix (the run row is gone,
// the paper cannot be parsed): a Handler returning it has its job
// cancelled at once instead of retried. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err's chain holds an error marked by
// Permanent.
func IsPermanent(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Snooze marks err as a reason to run the job again after d without
// using an attempt (River's JobSnooze): the Handler has decided that its
// work must wait (a run waiting for its model provider to recover) and
// how long. A snoozed job is never discarded for its snoozes, so the
// Handler must bound them itself (the service's run deadline does). A
// negative d is taken as 0. Snooze(d, nil) is nil.
func Snooze(d time.Duration, err error) error {
	if err == nil {
		return nil
	}
	return &snoozeError{after: max(d, 0), err: err}
}

type snoozeError struct {
	after time.Duration
	err   error
}

func (e *snoozeError) Error() string {
	return fmt.Sprintf("snooze %s: %v", e.after, e.err)
}
func (e *snoozeError) Unwrap() error { return e.err }

// outcome turns the error of a job's work (Handler or Callback) into what
// River should do with the job; logAttrs identify the job in the logs.
// q.stopping is true while Stop is cancelling jobs that outlived its
// deadline.
func (q *Queue) outcome(ctx context.Context, err error, logAttrs ...any) error {
	if err == nil {
		return nil
	}
	log := q.logger.With(logAttrs...)
	if IsPermanent(err) {
		log.WarnContext(ctx, "queue: job cancelled by a permanent error", "error", err)
		return river.JobCancel(err)
	}
	var se *snoozeError
	if errors.As(err, &se) {
		log.InfoContext(ctx, "queue: job snoozed", "snooze", se.after.String(), "error", se.err)
		return river.JobSnooze(se.after)
	}
	var pe *papersum.ProviderError
	if errors.As(err, &pe) && (pe.Class == papersum.ClassRateLimit || pe.Class == papersum.ClassOverloaded) {
		d := q.snoozeFor(pe.RetryAfterSeconds)
		log.InfoContext(ctx, "queue: job snoozed", "class", string(pe.Class), "snooze", d.String())
		return river.JobSnooze(d)
	}
	if q.stopping.Load() && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Stop cut the job short: it did not fail, so it should not use
		// an attempt. Snooze(0) makes it available to the next client at
		// once, as River's docs recommend for shutdown.
		log.InfoContext(ctx, "queue: job interrupted by Stop; requeued")
		return river.JobSnooze(0)
	}
	log.WarnContext(ctx, "queue: job failed; River retries it", "error", err)
	return err
}

// snoozeFor is how long a rate-limited or overloaded job waits: the
// provider's hint when it gave a usable one, capped at MaxSnooze because a
// wild header must not park a job for days.
func (q *Queue) snoozeFor(retryAfterSeconds float64) time.Duration {
	if retryAfterSeconds <= 0 || math.IsNaN(retryAfterSeconds) {
		return q.cfg.RateLimitSnooze
	}
	if retryAfterSeconds >= q.cfg.MaxSnooze.Seconds() {
		return q.cfg.MaxSnooze
	}
	return time.Duration(retryAfterSeconds * float64(time.Second))
}
