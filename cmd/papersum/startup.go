package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/depwait"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/ratelimit"
)

// defaultStartupTimeout is --startup-timeout: long enough for a database
// restarted with its host, or started by the same orchestrator at the same
// time, short enough that a wrong URL or password ends in a clear exit.
const defaultStartupTimeout = 2 * time.Minute

// startProgress is what serve still waits for while it starts, for the
// start-up probes: each awaited step fails with the cause of its last
// attempt until it is done.
type startProgress struct {
	mu    sync.Mutex
	steps []startStep
}

type startStep struct {
	name   string
	reason string
	err    error
	done   bool
}

func newStartProgress() *startProgress {
	return &startProgress{steps: []startStep{
		{name: "store", reason: "connecting", err: errors.New("not connected yet")},
		{name: "workers", reason: "not started", err: errors.New("not started")},
	}}
}

// failing records the last failure of step name.
func (p *startProgress) failing(name string, cause depwait.Cause, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.steps {
		if p.steps[i].name == name {
			p.steps[i].reason, p.steps[i].err = string(cause), err
		}
	}
}

// done marks step name as done.
func (p *startProgress) done(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.steps {
		if p.steps[i].name == name {
			p.steps[i] = startStep{name: name, done: true}
		}
	}
}

// checks are the probes' view: httpapi.StartingConfig.Checks.
func (p *startProgress) checks() []httpapi.Check {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]httpapi.Check, 0, len(p.steps))
	for _, s := range p.steps {
		c := httpapi.Check{Name: s.name}
		if !s.done {
			c.Err, c.Reason = s.err, s.reason
		}
		out = append(out, c)
	}
	return out
}

// awaitDependency runs try until it succeeds, retrying the failures that
// say the database cannot be reached (depwait.Classify) until deadline,
// the end of --startup-timeout that every step of start-up shares. Each
// failure is logged with its cause and shown on the start-up probes.
//
// Errors: try's own error when it is not about reaching the database;
// ctx's error when serve is stopped meanwhile; an EUNAVAILABLE error that
// exitCode turns into exitUnavailable (69) when the deadline passes.
func awaitDependency(ctx context.Context, step string, deadline time.Time, timeout time.Duration, logger *slog.Logger,
	progress *startProgress, try func(context.Context) error) error {
	left := time.Until(deadline)
	if left <= 0 {
		left = time.Millisecond // one attempt: the deadline has passed
	}
	name := step
	if step == "store" {
		name = "database"
	}
	err := depwait.Wait(ctx, depwait.Config{Name: name, Timeout: left, Logger: logger,
		OnFailure: func(c depwait.Cause, err error) { progress.failing(step, c, err) }}, try)
	var gu *depwait.GaveUpError
	if errors.As(err, &gu) {
		return &papersum.Error{Code: papersum.EUNAVAILABLE, Op: "serve",
			Message: fmt.Sprintf("the %s is still unreachable after --startup-timeout %s: %s (%d attempts; last: %s)",
				name, timeout, gu.Cause, gu.Attempts, papersum.ErrorMessage(gu.Err)),
			Err: gu}
	}
	return err
}

// dependencyUnavailable reports whether err is start-up giving up on a
// dependency, for exitCode.
func dependencyUnavailable(err error) bool {
	var gu *depwait.GaveUpError
	return errors.As(err, &gu)
}

// policyNames are the values of --ratelimit-fallback.
func policyNames() []string {
	out := make([]string, len(ratelimit.Policies))
	for i, p := range ratelimit.Policies {
		out[i] = string(p)
	}
	return out
}

// redisLogger takes go-redis's own log lines (a pool that cannot dial,
// a connection that failed its handshake) into serve's structured log:
// go-redis otherwise writes them to stderr unstructured ("redis: ...
// pool.go:770: ..."), in the middle of the JSON lines. It is go-redis's
// Logging interface.
type redisLogger struct{ log *slog.Logger }

// Printf logs one go-redis line as a warning: go-redis logs only failures.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
