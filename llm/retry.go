package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pause"
)

// Default values of RetryConfig.
const (
	DefaultMaxAttempts   = 4
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 30 * time.Second
	DefaultTotalDeadline = 5 * time.Minute
)

// The scale of TimeoutFor.
const (
	// TimeoutBase is the timeout of a call on an empty paper: time for the
	// connection, the queue at the provider and a short answer.
	TimeoutBase = 30 * time.Second
	// TimeoutPer1000Words is added per 1,000 words of paper, pro rata: the
	// time to first token grows with the input.
	TimeoutPer1000Words = 10 * time.Second
	// TimeoutMax caps TimeoutFor, below DefaultTotalDeadline so that a
	// call that times out still leaves time for a retry.
	TimeoutMax = 3 * time.Minute
)

// TimeoutFor returns the timeout of one call on a paper of words words:
// TimeoutBase plus TimeoutPer1000Words per 1,000 words, at most TimeoutMax.
// A 5,000-word paper gets 80s, a 10,000-word paper 130s, and papers of
// 15,000 words or more get 3m. Negative word counts count as zero.
func TimeoutFor(words int) time.Duration {
	if words <= 0 {
		return TimeoutBase
	}
	// Compare in words before multiplying, so that a huge count cannot
	// overflow the Duration.
	maxWords := int((TimeoutMax - TimeoutBase) * 1000 / TimeoutPer1000Words)
	if words >= maxWords {
		return TimeoutMax
	}
	return TimeoutBase + time.Duration(words)*TimeoutPer1000Words/1000
}

// RetryConfig configures a Retrier. Zero values take the documented
// defaults; NewRetrier rejects negative or inconsistent values.
type RetryConfig struct {
	// Provider names the provider in logs and Attempts ("" if unknown).
	Provider string
	// MaxAttempts bounds the calls made for one request, the first one
	// included; 1 turns retrying off. Default 4.
	MaxAttempts int
	// BaseDelay is the backoff ceiling before the first retry; it doubles
	// before each later retry. Default 500ms.
	BaseDelay time.Duration
	// MaxDelay caps every wait, a server's retry-after included. It must
	// not be below BaseDelay. Default 30s, or BaseDelay when that is
	// longer.
	MaxDelay time.Duration
	// TotalDeadline bounds one request from its first call to its last
	// answer, waits included. The Retrier never waits past it: when the
	// next wait would end after it, it gives up with the last error, and
	// it cuts an attempt's timeout to the time left. Default 5m.
	TotalDeadline time.Duration
	// Timeout gives the timeout of an attempt from the paper's word count
	// when the request's Timeout is zero. Default TimeoutFor.
	Timeout func(words int) time.Duration
	// Clock tells the time for the deadline and for Attempt.Duration.
	// Default papersum.SystemClock.
	Clock papersum.Clock
	// Sleep waits d, or until ctx ends and then returns ctx's error.
	// Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand draws the jitter. The Retrier locks it for each draw, so it
	// must not be used by anything else. Default: a PCG seeded from Clock.
	Rand *rand.Rand
	// Logger receives a line per retry and per give-up. Default: discard.
	Logger *slog.Logger
	// OnAttempt, when set, is called after every attempt, synchronously
	// and possibly from many goroutines at once; it is the hook for
	// retry metrics. Default nil.
	OnAttempt func(Attempt)
}

// Attempt describes one call made by a Retrier.
type Attempt struct {
	// Provider is RetryConfig.Provider; Model is the request's model.
	Provider string
	Model    string
	// Stage is the pipeline stage the request is for ("" when unknown).
	Stage papersum.Stage
	// N counts the attempts of one request from 1; N > 1 is a retry.
	N int
	// Err is the attempt's error, nil when it succeeded, and Class its
	// class ("" for success or an error without a class).
	Err   error
	Class papersum.Class
	// Duration is how long the call took, by the Retrier's clock.
	Duration time.Duration
	// Delay is the wait before the next attempt; 0 when none follows.
	Delay time.Duration
	// Final is true when this attempt's outcome is what the Retrier
	// returns.
	Final bool
	// Abandoned is true when the Retrier stopped waiting for the call
	// before an answer arrived: the attempt's deadline passed, or the
	// caller's context ended. The provider may have answered it after all
	// and billed it; its tokens are unknown. An error answer (any HTTP
	// status) is an answer, so a 429 or a 504 is never abandoned.
	Abandoned bool
}

// withDefaults returns c with every zero field set to its default.
func (c RetryConfig) withDefaults() RetryConfig {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.BaseDelay == 0 {
		c.BaseDelay = DefaultBaseDelay
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = max(DefaultMaxDelay, c.BaseDelay)
	}
	if c.TotalDeadline == 0 {
		c.TotalDeadline = DefaultTotalDeadline
	}
	if c.Timeout == nil {
		c.Timeout = TimeoutFor
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	if c.Sleep == nil {
		c.Sleep = pause.For
	}
	if c.Rand == nil {
		seed := uint64(c.Clock.Now().UnixNano())
		c.Rand = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c RetryConfig) validate() error {
	switch {
	case c.MaxAttempts < 1:
		return papersum.Errorf(papersum.EINVALID, "retry: max attempts %d must be at least 1", c.MaxAttempts)
	case c.BaseDelay <= 0:
		return papersum.Errorf(papersum.EINVALID, "retry: base delay %s must be positive", c.BaseDelay)
	case c.MaxDelay < c.BaseDelay:
		return papersum.Errorf(papersum.EINVALID, "retry: max delay %s must not be below the base delay %s",
			c.MaxDelay, c.BaseDelay)
	case c.TotalDeadline <= 0:
		return papersum.Errorf(papersum.EINVALID, "retry: total deadline %s must be positive", c.TotalDeadline)
	}
	return nil
}

// Retrier is a papersum.Model that calls another model again, after an
// exponential backoff with full jitter, when it fails with a retryable
// class (rate_limit, overloaded, server, timeout, connection). Every other
// failure, and an open circuit (ErrCircuitOpen), is returned at once. It
// is safe for concurrent use.
type Retrier struct {
	next papersum.Model
	cfg  RetryConfig
	mu   sync.Mutex // guards cfg.Rand
}

// NewRetrier returns a Retrier around next, or an EINVALID error when cfg
// is invalid.
func NewRetrier(next papersum.Model, cfg RetryConfig) (*Retrier, error) {
	if next == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "retry: no model to wrap")
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Retrier{next: next, cfg: cfg}, nil
}

// Generate calls the wrapped model until it answers, fails with a class
// that is not retried, MaxAttempts calls have been made or the next wait
// would pass TotalDeadline. A failure of the first call that is not
// retried is returned as it came; otherwise the last error is returned as
// a copy of its *papersum.ProviderError (class, status and wrapped error
// kept) whose Message says how many attempts were made and, for the
// deadline, why it stopped.
//
// Each attempt runs under a context deadline: req.Timeout, or the
// configured Timeout of the paper's word count when req.Timeout is zero,
// cut to the time left before TotalDeadline. The wrapped model sees that
// timeout in Request.Timeout, and an attempt that outlives it without
// returning a class fails with ClassTimeout.
//
// When ctx ends, Generate returns at once with an error that matches
// ctx.Err() with errors.Is and names the last failure.
func (r *Retrier) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = r.cfg.Timeout(requestWords(req))
	}
	start := r.cfg.Clock.Now()
	deadline := start.Add(r.cfg.TotalDeadline)
	var lastErr error
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return nil, cancelled(err, lastErr)
		}
		t0 := r.cfg.Clock.Now()
		attemptTimeout := min(timeout, deadline.Sub(t0))
		if attemptTimeout <= 0 {
			// A wait never ends past the deadline by plan, but a real
			// timer may fire late: no time is left for another call.
			return nil, r.giveUp(lastErr, n-1, "no time left before the retry deadline")
		}
		resp, err, abandoned := r.attempt(ctx, req, attemptTimeout)
		a := Attempt{Provider: r.cfg.Provider, Model: req.Model, Stage: req.Task.Stage, N: n, Err: err,
			Duration: r.cfg.Clock.Now().Sub(t0), Abandoned: abandoned}
		if abandoned {
			if tr := papersum.ContextCallTrace(ctx); tr != nil && tr.Abandoned != nil {
				tr.Abandoned(r.cfg.Provider, req.Model)
			}
		}
		if err == nil {
			a.Final = true
			r.observe(a)
			return resp, nil
		}
		a.Class = papersum.ClassOf(err)
		if ctxErr := ctx.Err(); ctxErr != nil {
			a.Final = true
			r.observe(a)
			return nil, cancelled(ctxErr, err)
		}
		lastErr = err
		if !retryable(err) {
			a.Final = true
			r.observe(a)
			if n == 1 {
				return nil, err
			}
			return nil, r.giveUp(err, n, "")
		}
		if n >= r.cfg.MaxAttempts {
			a.Final = true
			r.observe(a)
			return nil, r.giveUp(err, n, "")
		}
		delay := r.delay(n-1, retryAfter(err))
		now := r.cfg.Clock.Now()
		if !now.Add(delay).Before(deadline) {
			a.Final = true
			r.observe(a)
			return nil, r.giveUp(err, n, fmt.Sprintf("the next wait of %s would pass the %s retry deadline",
				delay.Round(time.Millisecond), r.cfg.TotalDeadline))
		}
		a.Delay = delay
		r.observe(a)
		retryEvent(ctx, r.cfg.Provider, req.Model, n, string(a.Class), delay)
		r.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "retrying model call",
			slog.String("provider", r.cfg.Provider), slog.String("model", req.Model),
			slog.Int("attempt", n), slog.String("class", string(a.Class)),
			slog.Duration("delay", delay), slog.String("err", err.Error()))
		if err := r.cfg.Sleep(ctx, delay); err != nil {
			return nil, cancelled(err, lastErr)
		}
	}
}

// attempt makes one call under its own deadline. abandoned reports that
// the call failed because that deadline passed or ctx ended, with no
// answer from the provider (see Attempt.Abandoned).
func (r *Retrier) attempt(ctx context.Context, req *papersum.Request, timeout time.Duration) (_ *papersum.Response, _ error, abandoned bool) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	call := req
	if req.Timeout != timeout {
		// Copy rather than write to the caller's request, which may be
		// shared, so that the adapter's own timer agrees with ours.
		c := *req
		c.Timeout = timeout
		call = &c
	}
	resp, err := r.next.Generate(actx, call)
	if err != nil && ctx.Err() == nil && actx.Err() != nil && papersum.ClassOf(err) == "" {
		// An adapter that returns the bare context error when our
		// deadline fires: that is a provider timeout, and retryable.
		err = &papersum.ProviderError{Class: papersum.ClassTimeout, Provider: r.cfg.Provider,
			Model: req.Model, Message: fmt.Sprintf("no answer within %s", timeout), Err: err}
	}
	if err == nil && resp == nil {
		err = &papersum.ProviderError{Class: papersum.ClassServer, Provider: r.cfg.Provider,
			Model: req.Model, Message: "model returned neither an answer nor an error"}
	}
	return resp, err, err != nil && actx.Err() != nil && !answered(err)
}

// answered reports whether err carries the provider's answer: an HTTP
// status. A failure without one (a deadline, a cancellation, a broken
// connection) left the outcome of the call unknown to us.
func answered(err error) bool {
	var pe *papersum.ProviderError
	return errors.As(err, &pe) && pe.Status != 0
}

// delay returns the wait before retry number retry (0 for the first
// retry): a uniform draw from [0, min(MaxDelay, BaseDelay·2^retry)) (full
// jitter, so that clients that failed together do not come back together),
// raised to the server's retry-after when that is longer, and at most
// MaxDelay.
func (r *Retrier) delay(retry int, after time.Duration) time.Duration {
	ceiling := backoffCeiling(retry, r.cfg.BaseDelay, r.cfg.MaxDelay)
	r.mu.Lock()
	d := time.Duration(r.cfg.Rand.Int64N(int64(ceiling)))
	r.mu.Unlock()
	return min(max(d, after), r.cfg.MaxDelay)
}

// backoffCeiling returns min(maxDelay, base·2^retry) without overflowing.
func backoffCeiling(retry int, base, maxDelay time.Duration) time.Duration {
	c := base
	for i := 0; i < retry && c < maxDelay; i++ {
		c *= 2
	}
	return min(c, maxDelay)
}

func (r *Retrier) observe(a Attempt) {
	if r.cfg.OnAttempt != nil {
		r.cfg.OnAttempt(a)
	}
}

// giveUp returns err with how many attempts were made and why they
// stopped, keeping it a *papersum.ProviderError so that its class still
// drives fallback and the pipeline.
func (r *Retrier) giveUp(err error, attempts int, why string) error {
	note := fmt.Sprintf("after %d attempts", attempts)
	if attempts == 1 {
		note = "after 1 attempt"
	}
	if why != "" {
		note += ": " + why
	}
	r.cfg.Logger.Warn("model call failed", "provider", r.cfg.Provider, "attempts", attempts,
		"class", string(papersum.ClassOf(err)), "err", err)
	return annotate(err, note)
}

// annotate returns a copy of err's *papersum.ProviderError with note
// appended to its Message. The original is never written to: an adapter
// or a fake may hand the same error to several callers.
func annotate(err error, note string) error {
	if pe, ok := err.(*papersum.ProviderError); ok {
		c := *pe
		if c.Message == "" {
			c.Message = note
		} else {
			c.Message += " (" + note + ")"
		}
		return &c
	}
	return fmt.Errorf("%w (%s)", err, note)
}

// cancelled is the error returned when the caller's context ended: it
// matches ctxErr, and names the last failure for the log.
func cancelled(ctxErr, last error) error {
	if last == nil {
		return ctxErr
	}
	return fmt.Errorf("%w (last error: %v)", ctxErr, last)
}

// retryable reports whether the same call may succeed if made again.
// An open circuit is not: the breaker refuses without calling, so waiting
// here would only delay the fallback to another model.
func retryable(err error) bool {
	return infrastructure(papersum.ClassOf(err)) && !errors.Is(err, ErrCircuitOpen)
}

// infrastructure reports whether c says that the provider, not the
// request, is at fault: the classes that are retried, that count against
// a circuit and that send a chain to its next model. It is the set of
// papersum.ProviderError.Retryable, spelled out here because all three
// policies of this package hang on it.
func infrastructure(c papersum.Class) bool {
	switch c {
	case papersum.ClassRateLimit, papersum.ClassOverloaded, papersum.ClassServer,
		papersum.ClassTimeout, papersum.ClassConnection:
		return true
	}
	return false
}

// retryAfter returns the server's retry-after hint of err, 0 when there is
// none or it is not a usable number.
func retryAfter(err error) time.Duration {
	var pe *papersum.ProviderError
	if !errors.As(err, &pe) {
		return 0
	}
	s := pe.RetryAfterSeconds
	if !(s > 0) || math.IsInf(s, 0) {
		return 0
	}
	if s >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}

// requestWords returns the paper's word count for TimeoutFor. It counts
// separators with strings.Count, which is vectorised: on a 10,000-word
// paper an exact count (strings.Fields) would cost tens of microseconds of
// the per-call budget for a figure that only sizes a timeout.
func requestWords(req *papersum.Request) int {
	if req.Paper != nil && req.Paper.Text != "" {
		return approxWords(req.Paper.Text)
	}
	n := 0
	if p := req.Task.Paper; p != nil {
		for _, s := range p.Sections {
			for _, t := range s.Sentences {
				n += approxWords(t)
			}
		}
	}
	return n
}

func approxWords(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, " ") + strings.Count(s, "\n") + 1
}
