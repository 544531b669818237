package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/queue"
)

// Work does the job of run id: it is the queue's summarize handler. It is
// idempotent: a finished run is not run again (only its completion effects
// are repeated), and a run left running by a crash resumes from its stored
// stages.
//
// A model call that fails with a transient class after the retry layer's
// attempts (papersum.TransientClass: rate limits, overload, 5xx, timeouts,
// lost connections, an open circuit) does not end the run: the run goes
// back to queued with why and until when it waits (JobStore.WaitRun) and
// its job is snoozed, with backoff, until the provider answers or the
// run's deadline (Config.RunDeadline after its first start) passes; then
// the run fails with the class and the deadline in its error.
//
// A process works on a run in one attempt at a time: a second attempt
// of a run this process is already working on (its job made available
// again while the first went on, as the lease reaper does when the
// worker's lease expired during a database outage) waits for the first
// to end and then carries on from what it stored, so that no stage is
// paid for twice.
//
// Errors: nil when the run ended (succeeded, failed or canceled);
// otherwise an error for the queue's policy: queue.Snooze while the run
// waits for its provider or the store cannot be reached (an outage uses
// none of the job's attempts), a shutdown requeues it, anything else is
// retried.
func (s *Service) Work(ctx context.Context, id string) error {
	run, err := s.cfg.Store.StartRun(ctx, id)
	if papersum.ErrorCode(err) == papersum.ENOTFOUND {
		return queue.Permanent(err)
	}
	if err != nil {
		return s.storeDown(ctx, err)
	}
	if run.Status.Finished() {
		// A previous attempt finished the run but not its effects (it
		// crashed, or publishing failed): repeat them.
		return s.finished(ctx, run, false)
	}
	runner := s.cfg.Runners[run.Config]
	if runner == nil {
		return s.failRun(ctx, run, papersum.Errorf(papersum.EINVALID, "config %q is not configured on this server", run.Config))
	}
	paper, err := s.cfg.Store.GetPaper(ctx, run.PaperID)
	if err != nil {
		return s.storeDown(ctx, err)
	}

	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if earlier := s.claim(id, cancel); earlier != nil {
		// This process is working on the run already: the job was made
		// available again while its attempt went on (a lease that expired
		// during a database outage, its own reaper taking the job back)
		// and River handed it here again. Running both would pay for the
		// stage in flight twice. Wait for the earlier attempt, then read
		// the run again: it carries on from what that one stored, and
		// from the answers it kept if the store failed.
		s.log.Warn("run already being worked on in this process; this attempt waits for the earlier one", "run", id)
		select {
		case <-earlier:
		case <-ctx.Done():
			return fmt.Errorf("run %s: waiting for its earlier attempt: %w", id, ctx.Err())
		}
		return s.Work(ctx, id)
	}
	defer s.unclaim(id)

	run, err = runner.Resume(jobCtx, run, paper, pipeline.Options{Retryable: func(err error) bool {
		return jobCtx.Err() != nil || papersum.TransientClass(papersum.ClassOf(err)) || storeUnavailable(err)
	}})
	if err != nil {
		// A cancel (here or on another replica) shows in the store, not in
		// the error, which is then a context or conflict error.
		if now, gerr := s.cfg.Store.GetRun(context.WithoutCancel(ctx), id); gerr == nil && now.Status == papersum.RunCanceled {
			s.wake(id)
			return nil
		}
		if run.Status == papersum.RunRunning {
			if jobCtx.Err() == nil && papersum.TransientClass(papersum.ClassOf(err)) {
				return s.waitForProvider(ctx, run, err)
			}
			return s.storeDown(ctx, err) // the queue snoozes, requeues or retries the job
		}
	}
	return s.finished(ctx, run, true)
}

// attempt is one attempt of a run in this process (Service.working).
type attempt struct {
	cancel context.CancelFunc
	// done is closed when the attempt ends.
	done chan struct{}
}

// claim makes the caller the attempt of run id in this process, with
// cancel for Cancel. When another attempt holds it, it returns that
// attempt's done channel instead, and the caller must wait.
func (s *Service) claim(id string, cancel context.CancelFunc) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.working[id]; a != nil {
		return a.done
	}
	s.working[id] = &attempt{cancel: cancel, done: make(chan struct{})}
	return nil
}

// unclaim ends the attempt of run id that claim started.
func (s *Service) unclaim(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.working[id]; a != nil {
		close(a.done)
		delete(s.working, id)
	}
}

// storeDown is the job's outcome for err: a store that cannot be reached
// snoozes the job for FirstWait, so that an outage, however long, uses
// none of its attempts (River would discard the job after MaxAttempts,
// leaving its run queued or running for ever); other errors are retried
// as they are.
func (s *Service) storeDown(ctx context.Context, err error) error {
	if ctx.Err() == nil && storeUnavailable(err) {
		s.log.Warn("store unavailable; the job waits", "err", err, "wait", s.cfg.FirstWait)
		return queue.Snooze(s.cfg.FirstWait, err)
	}
	return err
}

// storeUnavailable reports an error of the store that trying again later
// may cure (a database restarting): the run stays running and the job is
// retried, instead of recording a failure that nothing caused but the
// outage.
func storeUnavailable(err error) bool {
	// The store's errors are *papersum.Error; a provider's are not (a
	// ProviderError's code is derived from its class). errors.As also
	// finds a store error joined to a provider's (a failure that could
	// not be recorded).
	var e *papersum.Error
	return errors.As(err, &e) && e.Code == papersum.EUNAVAILABLE
}

// waitForProvider puts run, whose model call failed with the transient
// error cause, back in the queue until its next attempt, or fails it when
// its deadline has passed. The wait is the provider's retry-after hint
// when it gave one; otherwise it doubles from FirstWait with every wait
// of the run, up to MaxWait. The last attempt is at the deadline itself.
func (s *Service) waitForProvider(ctx context.Context, run *papersum.Run, cause error) error {
	started := run.CreatedAt
	if run.StartedAt != nil {
		started = *run.StartedAt
	}
	deadline := started.Add(s.cfg.RunDeadline)
	now := s.cfg.Clock.Now()
	if !now.Before(deadline) {
		return s.storeDown(ctx, s.failRun(ctx, run, &deadlineError{cause: cause, deadline: deadline, after: s.cfg.RunDeadline}))
	}
	var hint float64
	var pe *papersum.ProviderError
	if errors.As(cause, &pe) {
		hint = pe.RetryAfterSeconds
	}
	wait := nextWait(run.Waits, s.cfg.FirstWait, s.cfg.MaxWait, hint, now, deadline)
	next := now.Add(wait)
	w := papersum.RunWait{Class: papersum.ClassOf(cause), Reason: cause.Error(), NextAttemptAt: next.UTC(), Deadline: deadline.UTC()}
	if err := s.cfg.Store.WaitRun(ctx, run.ID, w); err != nil {
		if papersum.ErrorCode(err) == papersum.ECONFLICT {
			// Canceled meanwhile: the next attempt finds it so and ends.
			return queue.Snooze(0, err)
		}
		return s.storeDown(ctx, fmt.Errorf("run %s waits for its provider: %w", run.ID, err))
	}
	s.log.Info("run waits for its provider", "run", run.ID, "class", w.Class, "next_attempt_at", w.NextAttemptAt,
		"deadline", w.Deadline, "waits", run.Waits+1)
	return queue.Snooze(wait, cause)
}

// nextWait is how long a run that has waited waits times already waits
// now: the provider's retry-after hint in seconds when it gave a usable
// one (capped at queue.DefaultMaxSnooze), else first doubled waits times,
// up to maxWait; never past deadline.
func nextWait(waits int, first, maxWait time.Duration, hint float64, now, deadline time.Time) time.Duration {
	wait := first
	for i := 0; i < waits && wait < maxWait; i++ {
		wait *= 2
	}
	wait = min(wait, maxWait)
	if hint > 0 && !math.IsInf(hint, 0) { // NaN fails hint > 0
		wait = time.Duration(min(hint, queue.DefaultMaxSnooze.Seconds()) * float64(time.Second))
	}
	return max(min(wait, deadline.Sub(now)), 0)
}

// deadlineError is the failure of a run whose provider failed
// transiently until the run's deadline passed. It keeps the cause's
// class (ClassOf sees through it).
type deadlineError struct {
	cause    error
	deadline time.Time
	after    time.Duration
}

func (e *deadlineError) Error() string {
	return fmt.Sprintf("%v; gave up at the run deadline %s (%s after the run first started)",
		e.cause, e.deadline.UTC().Format(time.RFC3339), e.after)
}

func (e *deadlineError) Unwrap() error { return e.cause }

// failRun records run as failed for a reason that no retry can fix.
func (s *Service) failRun(ctx context.Context, run *papersum.Run, cause error) error {
	run.Status = papersum.RunFailed
	run.Error = cause.Error()
	run.ErrorClass = papersum.ClassOf(cause)
	now := s.cfg.Clock.Now().UTC()
	run.FinishedAt = &now
	if err := s.cfg.Store.FinishRun(ctx, run); err != nil {
		return err
	}
	return s.finished(ctx, run, true)
}

// finished does what follows the end of a run: cache its result, count
// it, charge its tokens, publish it, queue its webhooks and wake its
// waiters. first is false when the effects are repeated (a retried job),
// so that the metrics and the token charge, which cannot be deduplicated,
// happen once. The others are safe to repeat: the cache write is
// idempotent, Kafka readers dedupe on run_id, and a webhook job is unique
// by its run.
func (s *Service) finished(ctx context.Context, run *papersum.Run, first bool) error {
	defer s.wake(run.ID)
	s.storeResult(ctx, run)
	if first {
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.ObserveRun(run)
		}
		if s.cfg.OnFinished != nil {
			s.cfg.OnFinished(ctx, run)
		}
		if s.cfg.Limiter != nil && run.KeyID != "" {
			u := run.TotalUsage()
			if err := s.cfg.Limiter.Record(ctx, run.KeyID, s.cfg.Clock.Now(), int64(u.TotalInput()+u.OutputTokens)); err != nil {
				s.log.Warn("charge tokens to the key", "run", run.ID, "err", err)
			}
		}
	}
	var errs []error
	if s.cfg.Publisher != nil && run.Status != papersum.RunCanceled {
		if err := s.cfg.Publisher.PublishSummary(ctx, run); err != nil {
			errs = append(errs, fmt.Errorf("publish run %s: %w", run.ID, err))
		}
	}
	if run.CallbackURL != "" && s.cfg.Deliverer != nil {
		if _, err := s.cfg.Queue.EnqueueCallback(ctx, queue.CallbackArgs{RunID: run.ID}); err != nil {
			errs = append(errs, err)
		}
	}
	if run.BatchID != "" {
		if err := s.batchStep(ctx, run.BatchID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// batchStep queues the batch's webhook when its last run has finished.
func (s *Service) batchStep(ctx context.Context, batchID string) error {
	b, err := s.cfg.Store.GetBatch(ctx, batchID)
	if err != nil {
		return err
	}
	if b.CallbackURL == "" || s.cfg.Deliverer == nil || !batchDone(b) {
		return nil
	}
	_, err = s.cfg.Queue.EnqueueCallback(ctx, queue.CallbackArgs{BatchID: batchID})
	return err
}

func batchDone(b *papersum.SubmissionBatch) bool {
	return b.Counts[papersum.RunQueued] == 0 && b.Counts[papersum.RunRunning] == 0
}

// callbackBody is the JSON a completion webhook carries.
type callbackBody struct {
	Type  string        `json:"type"`
	Run   *papersum.Run `json:"run,omitempty"`
	Batch any           `json:"batch,omitempty"`
}

// Deliver sends the completion webhook of a run or batch: it is the
// queue's callback handler. The webhook ID is the run or batch ID, the
// same on every attempt and every retried job, so that a receiver that
// dedupes on it (as Standard Webhooks asks) handles it once.
func (s *Service) Deliver(ctx context.Context, args queue.CallbackArgs) error {
	if s.cfg.Deliverer == nil {
		return queue.Permanent(papersum.Errorf(papersum.EINVALID, "callbacks are not enabled on this server"))
	}
	switch {
	case args.RunID != "":
		run, err := s.cfg.Store.GetRun(ctx, args.RunID)
		if err != nil {
			return err
		}
		if run.CallbackURL == "" {
			return nil
		}
		for i := range run.Stages {
			run.Stages[i].Raw = "" // the receiver can GET the run for the raw output
		}
		return s.cfg.Deliverer.Deliver(ctx, run.CallbackURL, run.ID, callbackBody{Type: "summary." + string(run.Status), Run: run})
	case args.BatchID != "":
		b, err := s.cfg.Store.GetBatch(ctx, args.BatchID)
		if err != nil {
			return err
		}
		if b.CallbackURL == "" {
			return nil
		}
		return s.cfg.Deliverer.Deliver(ctx, b.CallbackURL, b.ID, callbackBody{Type: "batch.finished", Batch: batchStatus(b)})
	}
	return queue.Permanent(papersum.Errorf(papersum.EINVALID, "callback job names neither a run nor a batch"))
}

// Deliveries returns the completion webhook attempts of a run or batch,
// if the caller's team may see it.
func (s *Service) Deliveries(ctx context.Context, id string) ([]papersum.Delivery, error) {
	if papersum.IsSubmissionBatchID(id) {
		if _, err := s.GetBatch(ctx, id); err != nil {
			return nil, err
		}
	} else if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.cfg.Store.Deliveries(ctx, id)
}
