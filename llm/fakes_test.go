package llm

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// fakeClock is a papersum.Clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeSleeper records waits and advances the clock instead of waiting.
type fakeSleeper struct {
	clock *fakeClock
	// before, when set, runs before each wait (to cancel a context).
	before func()
	mu     sync.Mutex
	waits  []time.Duration
}

func (s *fakeSleeper) Sleep(ctx context.Context, d time.Duration) error {
	if s.before != nil {
		s.before()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.clock.Advance(d)
	return nil
}

func (s *fakeSleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// step is one scripted outcome of a call.
type step struct {
	err  error
	text string
	// took advances the fake clock during the call.
	took time.Duration
	// block waits for ctx to end and returns its bare error.
	block bool
}

// scripted is a papersum.Model that plays its steps in order and repeats
// the last one. It records every request it receives.
type scripted struct {
	name  string
	clock *fakeClock
	mu    sync.Mutex
	steps []step
	calls []papersum.Request
	// deadlines records whether each call's context had a deadline.
	deadlines []time.Duration
}

func script(name string, steps ...step) *scripted {
	return &scripted{name: name, steps: steps}
}

func (s *scripted) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	s.mu.Lock()
	n := len(s.calls)
	s.calls = append(s.calls, *req)
	var left time.Duration
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	s.deadlines = append(s.deadlines, left)
	st := step{text: "answer from " + s.name}
	if len(s.steps) > 0 {
		st = s.steps[min(n, len(s.steps)-1)]
	}
	s.mu.Unlock()
	if st.took > 0 && s.clock != nil {
		// Honour Request.Timeout as an adapter does, on the fake clock.
		if req.Timeout > 0 && st.took > req.Timeout {
			s.clock.Advance(req.Timeout)
			return nil, &papersum.ProviderError{Class: papersum.ClassTimeout, Message: "scripted timeout"}
		}
		s.clock.Advance(st.took)
	}
	if st.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if st.err != nil {
		return nil, st.err
	}
	text := st.text
	if text == "" {
		text = "answer from " + s.name
	}
	return &papersum.Response{Text: text, StopReason: papersum.StopEnd}, nil
}

func (s *scripted) Calls() []papersum.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]papersum.Request(nil), s.calls...)
}

func (s *scripted) NCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// perr returns a provider error of class c.
func perr(c papersum.Class) *papersum.ProviderError {
	return &papersum.ProviderError{Class: c, Provider: "fake", Model: "m", Message: "scripted " + string(c)}
}

// fail is a step that fails with class c.
func fail(c papersum.Class) step { return step{err: perr(c)} }

// retryHarness builds a Retrier on a fake clock, sleeper and seeded rand.
type retryHarness struct {
	clock    *fakeClock
	sleeper  *fakeSleeper
	mu       sync.Mutex
	attempts []Attempt
}

func newRetryHarness() *retryHarness {
	c := newFakeClock()
	return &retryHarness{clock: c, sleeper: &fakeSleeper{clock: c}}
}

func (h *retryHarness) config(cfg RetryConfig) RetryConfig {
	cfg.Clock = h.clock
	cfg.Sleep = h.sleeper.Sleep
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	cfg.OnAttempt = func(a Attempt) {
		h.mu.Lock()
		h.attempts = append(h.attempts, a)
		h.mu.Unlock()
	}
	return cfg
}

func (h *retryHarness) retrier(t testing.TB, next papersum.Model, cfg RetryConfig) *Retrier {
	t.Helper()
	r, err := NewRetrier(next, h.config(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (h *retryHarness) Attempts() []Attempt {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Attempt(nil), h.attempts...)
}

func newRequest() *papersum.Request {
	return &papersum.Request{Model: "caller-model", Prompt: "summarize", Timeout: time.Minute}
}
