package depwait

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Defaults of Config.
const (
	// DefaultMinBackoff is the first wait after a failed attempt.
	DefaultMinBackoff = 500 * time.Millisecond
	// DefaultMaxBackoff caps the wait between attempts, so that a service
	// that comes back is seen within this long.
	DefaultMaxBackoff = 10 * time.Second
)

// Config configures Wait.
type Config struct {
	// Name names the service in logs and errors, e.g. "postgres". Required.
	Name string
	// Timeout is how long Wait tries before it gives up with a
	// *GaveUpError. Required (positive).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the waits between attempts, which
	// double from MinBackoff with ±50% jitter. Defaults DefaultMinBackoff
	// (500ms) and DefaultMaxBackoff (10s).
	MinBackoff, MaxBackoff time.Duration
	// Logger receives one warning per failed attempt with its cause and
	// the wait before the next. Default: discard.
	Logger *slog.Logger
	// OnFailure, when set, is told the cause of every failed attempt (for
	// a start-up probe). Default: none.
	OnFailure func(Cause, error)
}

func (c Config) withDefaults() Config {
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Name == "":
		return errors.New("depwait: no Name")
	case c.Timeout <= 0:
		return fmt.Errorf("depwait: %s: Timeout %s is not positive", c.Name, c.Timeout)
	case c.MinBackoff <= 0 || c.MaxBackoff < c.MinBackoff:
		return fmt.Errorf("depwait: %s: backoff %s..%s is not a positive range", c.Name, c.MinBackoff, c.MaxBackoff)
	}
	return nil
}

// GaveUpError is Wait's error when the service could not be reached
// within Config.Timeout.
type GaveUpError struct {
	// Name is Config.Name.
	Name string
	// Cause is the cause of the last failed attempt.
	Cause Cause
	// Timeout is Config.Timeout.
	Timeout time.Duration
	// Attempts is how many attempts failed.
	Attempts int
	// Err is the last attempt's error.
	Err error
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("%s unavailable for %s (%d attempts): %s", e.Name, e.Timeout, e.Attempts, e.Cause)
}

// Unwrap returns the last attempt's error.
func (e *GaveUpError) Unwrap() error { return e.Err }

// errTimedOut is the cause of Wait's deadline, which tells it from the
// caller's own.
var errTimedOut = errors.New("depwait: timed out")

// Wait calls try until it returns nil, and returns nil. An error that
// Classify recognises is logged with its cause and tried again after a
// backoff; any other error is returned at once, as it is. try gets a
// context that ends at the deadline, so an attempt in flight then is cut
// short.
//
// Errors: *GaveUpError when Timeout passes first; ctx's error when ctx
// ends first (the caller stopped); try's own unclassified error; an error
// for an invalid Config.
func Wait(ctx context.Context, cfg Config, try func(ctx context.Context) error) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeoutCause(ctx, cfg.Timeout, errTimedOut)
	defer cancel()
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = cfg.MinBackoff, cfg.MaxBackoff
	var last error
	var lastCause Cause
	attempts := 0
	start := time.Now()
	_, err := backoff.Retry(wctx, func() (struct{}, error) {
		err := try(wctx)
		if err == nil {
			return struct{}{}, nil
		}
		if ctx.Err() != nil {
			return struct{}{}, backoff.Permanent(ctx.Err())
		}
		cause, ok := Classify(err)
		if !ok && context.Cause(wctx) == errTimedOut {
			// The attempt was cut by the deadline in a way the driver
			// reports as its own error.
			cause, ok = Timeout, true
		}
		if !ok {
			return struct{}{}, backoff.Permanent(err)
		}
		attempts++
		last, lastCause = err, cause
		if cfg.OnFailure != nil {
			cfg.OnFailure(cause, err)
		}
		return struct{}{}, err
	},
		backoff.WithBackOff(b),
		// The deadline is wctx's: Retry's own limit would give up a whole
		// backoff before it.
		backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, next time.Duration) {
			left := cfg.Timeout - time.Since(start)
			cfg.Logger.Warn(cfg.Name+" unavailable; waiting for it", "dependency", cfg.Name, "cause", string(lastCause),
				"err", err.Error(), "attempt", attempts, "retry_in", next.Round(time.Millisecond).String(),
				"gives_up_in", max(left, 0).Round(time.Second).String())
		}))
	switch {
	case err == nil:
		if attempts > 0 {
			cfg.Logger.Info(cfg.Name+" reachable", "dependency", cfg.Name, "failed_attempts", attempts,
				"waited", time.Since(start).Round(time.Millisecond).String())
		}
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case context.Cause(wctx) == errTimedOut && last != nil:
		return &GaveUpError{Name: cfg.Name, Cause: lastCause, Timeout: cfg.Timeout, Attempts: attempts, Err: last}
	}
	return err
}
