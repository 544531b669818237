package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/papersum/papersum"
	"github.com/sony/gobreaker/v2"
)

// ErrCircuitOpen is wrapped by the error of a call that a breaker refused
// without calling the model. That error is a *papersum.ProviderError of
// class overloaded, the class of a provider that cannot take more calls
// now, so code that knows only classes treats it right; code that must
// tell a refusal from a real 529 (the Chain's FallbackReason, the
// Retrier, which does not wait on it) uses errors.Is(err, ErrCircuitOpen).
var ErrCircuitOpen = errors.New("too many infrastructure failures, calls refused for a while")

// Default values of BreakerConfig.
const (
	DefaultConsecutiveFailures = 5
	DefaultOpenTimeout         = 30 * time.Second
	DefaultHalfOpenMaxRequests = 1
)

// BreakerConfig configures the breakers of a Breakers registry. Zero
// values take the documented defaults.
type BreakerConfig struct {
	// ConsecutiveFailures is the number of infrastructure failures in a
	// row (rate_limit, overloaded, server, timeout, connection) that opens
	// a circuit. Default 5.
	ConsecutiveFailures uint32
	// OpenTimeout is how long an open circuit refuses calls before it
	// lets probes through (half-open). It is wall time: gobreaker reads
	// time.Now and cannot be given a clock. Default 30s.
	OpenTimeout time.Duration
	// HalfOpenMaxRequests is the number of probe calls let through while
	// half-open; that many successes in a row close the circuit, and any
	// failure opens it again. Default 1.
	HalfOpenMaxRequests uint32
	// Logger receives a line per state change. Default: discard.
	Logger *slog.Logger
	// OnStateChange, when set, is called after every state change, for
	// metrics. It runs under the breaker's lock: it must be quick and must
	// not call the registry. Default nil.
	OnStateChange func(provider, model string, from, to CircuitState)
}

func (c BreakerConfig) withDefaults() BreakerConfig {
	if c.ConsecutiveFailures == 0 {
		c.ConsecutiveFailures = DefaultConsecutiveFailures
	}
	if c.OpenTimeout == 0 {
		c.OpenTimeout = DefaultOpenTimeout
	}
	if c.HalfOpenMaxRequests == 0 {
		c.HalfOpenMaxRequests = DefaultHalfOpenMaxRequests
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c BreakerConfig) validate() error {
	if c.OpenTimeout < 0 {
		return papersum.Errorf(papersum.EINVALID, "breaker: open timeout %s must be positive", c.OpenTimeout)
	}
	return nil
}

// CircuitState is the state of one breaker.
type CircuitState string

// The breaker states.
const (
	// CircuitClosed lets every call through.
	CircuitClosed CircuitState = "closed"
	// CircuitOpen refuses every call until OpenTimeout has passed.
	CircuitOpen CircuitState = "open"
	// CircuitHalfOpen lets HalfOpenMaxRequests probe calls through.
	CircuitHalfOpen CircuitState = "half-open"
)

func circuitState(s gobreaker.State) CircuitState {
	switch s {
	case gobreaker.StateOpen:
		return CircuitOpen
	case gobreaker.StateHalfOpen:
		return CircuitHalfOpen
	}
	return CircuitClosed
}

// BreakerCounts are a breaker's counters since its last state change.
// Calls refused while open are not counted.
type BreakerCounts struct {
	Requests             uint32 `json:"requests"`
	TotalSuccesses       uint32 `json:"total_successes"`
	TotalFailures        uint32 `json:"total_failures"`
	TotalExclusions      uint32 `json:"total_exclusions"`
	ConsecutiveSuccesses uint32 `json:"consecutive_successes"`
	ConsecutiveFailures  uint32 `json:"consecutive_failures"`
}

// BreakerState is the state of the breaker of one provider and model.
type BreakerState struct {
	Provider string        `json:"provider"`
	Model    string        `json:"model"`
	State    CircuitState  `json:"state"`
	Counts   BreakerCounts `json:"counts"`
}

// Breakers holds one circuit breaker per provider and model, shared by
// every stage and run of the process. It is safe for concurrent use.
type Breakers struct {
	cfg BreakerConfig
	mu  sync.Mutex
	m   map[breakerKey]*breaker
}

type breakerKey struct{ provider, model string }

// NewBreakers returns an empty registry, or an EINVALID error when cfg is
// invalid.
func NewBreakers(cfg BreakerConfig) (*Breakers, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Breakers{cfg: cfg, m: map[breakerKey]*breaker{}}, nil
}

// Wrap returns next behind the breaker of provider/model, creating that
// breaker on first use. Every model wrapped under the same names shares
// one breaker. next must not be nil.
//
// Only infrastructure failures count against the circuit; a call that
// fails with invalid_request, auth, context_too_large, parse or truncated
// got an answer from the provider and counts as a success. A call whose
// context the caller ended, or whose error has no class, is not counted.
// While the circuit is open, or half-open with its probes in flight, the
// call fails at once with a *papersum.ProviderError of class overloaded
// that wraps ErrCircuitOpen, with RetryAfterSeconds set to the rest of
// the open timeout (open) or halfOpenRetryAfter (1s, probes in flight).
func (b *Breakers) Wrap(provider, model string, next papersum.Model) papersum.Model {
	if next == nil {
		panic("llm: Breakers.Wrap of a nil model for " + provider + "/" + model)
	}
	return &breakerModel{br: b.get(provider, model), next: next}
}

func (b *Breakers) get(provider, model string) *breaker {
	k := breakerKey{provider, model}
	b.mu.Lock()
	defer b.mu.Unlock()
	if br, ok := b.m[k]; ok {
		return br
	}
	br := &breaker{provider: provider, model: model, openTimeout: b.cfg.OpenTimeout}
	name := provider + "/" + model
	br.open = fmt.Errorf("circuit open for %s: %w", name, ErrCircuitOpen)
	br.halfOpen = fmt.Errorf("circuit half-open for %s, probe in flight: %w", name, ErrCircuitOpen)
	cfg := b.cfg
	br.cb = gobreaker.NewCircuitBreaker[*papersum.Response](gobreaker.Settings{
		Name:        name,
		MaxRequests: cfg.HalfOpenMaxRequests,
		Timeout:     cfg.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= cfg.ConsecutiveFailures
		},
		IsSuccessful: func(err error) bool { return err == nil || !infrastructure(papersum.ClassOf(err)) },
		IsExcluded: func(err error) bool {
			_, ok := err.(*excludedError)
			return ok
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			f, t := circuitState(from), circuitState(to)
			if t == CircuitOpen {
				br.openedAt.Store(time.Now().UnixNano())
			}
			level := slog.LevelInfo
			if t == CircuitOpen {
				level = slog.LevelWarn
			}
			cfg.Logger.LogAttrs(context.Background(), level, "circuit breaker state change",
				slog.String("provider", provider), slog.String("model", model),
				slog.String("from", string(f)), slog.String("to", string(t)))
			if cfg.OnStateChange != nil {
				cfg.OnStateChange(provider, model, f, t)
			}
		},
	})
	b.m[k] = br
	return br
}

// States returns the state of every breaker, sorted by provider and model,
// for `papersum doctor` and metrics.
func (b *Breakers) States() []BreakerState {
	b.mu.Lock()
	brs := make([]*breaker, 0, len(b.m))
	for _, br := range b.m {
		brs = append(brs, br)
	}
	b.mu.Unlock()
	out := make([]BreakerState, 0, len(brs))
	for _, br := range brs {
		// State first: reading it moves an open circuit whose timeout
		// has passed to half-open, and clears the counts.
		st := circuitState(br.cb.State())
		c := br.cb.Counts()
		out = append(out, BreakerState{Provider: br.provider, Model: br.model, State: st,
			Counts: BreakerCounts{Requests: c.Requests, TotalSuccesses: c.TotalSuccesses,
				TotalFailures: c.TotalFailures, TotalExclusions: c.TotalExclusions,
				ConsecutiveSuccesses: c.ConsecutiveSuccesses, ConsecutiveFailures: c.ConsecutiveFailures}})
	}
	slices.SortFunc(out, func(x, y BreakerState) int {
		return cmp.Or(cmp.Compare(x.Provider, y.Provider), cmp.Compare(x.Model, y.Model))
	})
	return out
}

type breaker struct {
	provider, model string
	cb              *gobreaker.CircuitBreaker[*papersum.Response]
	// open and halfOpen are the inner errors of refusals, built once:
	// they are immutable, so every refusal can wrap the same value.
	open, halfOpen error
	// openTimeout is BreakerConfig.OpenTimeout, and openedAt the wall
	// time (UnixNano) the circuit last opened: together they say when
	// it lets a probe through, the retry-after of a refusal.
	openTimeout time.Duration
	openedAt    atomic.Int64
}

// halfOpenRetryAfter is the retry-after of a refusal while a half-open
// circuit's probe is in flight: the probe decides within one call, so a
// caller that waits (a run in the job queue) should look again soon
// rather than back off as from a failing provider.
const halfOpenRetryAfter = time.Second

// openRetryAfter is how long until the open circuit lets a probe through:
// the rest of its OpenTimeout, at least a millisecond.
func (br *breaker) openRetryAfter() time.Duration {
	left := br.openTimeout - time.Since(time.Unix(0, br.openedAt.Load()))
	return min(max(left, time.Millisecond), br.openTimeout)
}

type breakerModel struct {
	br   *breaker
	next papersum.Model
}

// Generate implements papersum.Model.
func (m *breakerModel) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	resp, err := m.br.cb.Execute(func() (*papersum.Response, error) {
		resp, err := m.next.Generate(ctx, req)
		if err != nil && (ctx.Err() != nil || papersum.ClassOf(err) == "") {
			// The caller gave up, or the error says nothing about the
			// provider's health: leave the counts alone.
			return nil, &excludedError{err}
		}
		return resp, err
	})
	if err == nil {
		return resp, nil
	}
	switch err {
	case gobreaker.ErrOpenState:
		after := m.br.openRetryAfter()
		circuitOpenEvent(ctx, m.br.provider, m.br.model, "open", after)
		return nil, m.refusal(m.br.open, after)
	case gobreaker.ErrTooManyRequests:
		circuitOpenEvent(ctx, m.br.provider, m.br.model, "half_open", halfOpenRetryAfter)
		return nil, m.refusal(m.br.halfOpen, halfOpenRetryAfter)
	}
	if x, ok := err.(*excludedError); ok {
		return nil, x.err
	}
	return nil, err
}

// refusal returns a new error for each refusal, because callers such as
// the pipeline set its Stage. retryAfter says when calls may go through
// again, for a caller that waits instead of falling back (the service
// snoozes a run's job that long).
func (m *breakerModel) refusal(inner error, retryAfter time.Duration) error {
	return &papersum.ProviderError{Class: papersum.ClassOverloaded, Provider: m.br.provider,
		Model: m.br.model, Err: inner, RetryAfterSeconds: retryAfter.Seconds()}
}

// excludedError carries an error through gobreaker that must not count.
type excludedError struct{ err error }

func (e *excludedError) Error() string { return e.err.Error() }
func (e *excludedError) Unwrap() error { return e.err }
