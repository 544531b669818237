package llm

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func TestBackoffCeiling(t *testing.T) {
	const base, maxD = 500 * time.Millisecond, 30 * time.Second
	tests := []struct {
		retry int
		want  time.Duration
	}{
		{0, 500 * time.Millisecond},
		{1, time.Second},
		{2, 2 * time.Second},
		{5, 16 * time.Second},
		{6, 30 * time.Second}, // 32s capped
		{7, 30 * time.Second},
		{1000, 30 * time.Second}, // no overflow
	}
	for _, tt := range tests {
		if got := backoffCeiling(tt.retry, base, maxD); got != tt.want {
			t.Errorf("backoffCeiling(%d) = %s, want %s", tt.retry, got, tt.want)
		}
	}
}

// TestFullJitter checks that waits are drawn uniformly from
// [0, ceiling): every draw in range, mean near ceiling/2, and each tenth of
// the range near 10% of the draws.
func TestFullJitter(t *testing.T) {
	for _, retry := range []int{0, 2, 8} {
		r, err := NewRetrier(script("m"), RetryConfig{Rand: rand.New(rand.NewPCG(7, 7)), Clock: newFakeClock()})
		if err != nil {
			t.Fatal(err)
		}
		ceiling := backoffCeiling(retry, DefaultBaseDelay, DefaultMaxDelay)
		const n = 20000
		var sum float64
		var buckets [10]int
		lo, hi := ceiling, time.Duration(0)
		for range n {
			d := r.delay(retry, 0)
			if d < 0 || d >= ceiling {
				t.Fatalf("retry %d: delay %s outside [0, %s)", retry, d, ceiling)
			}
			lo, hi = min(lo, d), max(hi, d)
			sum += float64(d)
			buckets[int(10*float64(d)/float64(ceiling))]++
		}
		mean := sum / n / float64(ceiling)
		if math.Abs(mean-0.5) > 0.01 {
			t.Errorf("retry %d: mean delay %.3f of the ceiling, want 0.5 ± 0.01", retry, mean)
		}
		for i, b := range buckets {
			if frac := float64(b) / n; math.Abs(frac-0.1) > 0.01 {
				t.Errorf("retry %d: bucket %d holds %.3f of draws, want 0.1 ± 0.01", retry, i, frac)
			}
		}
		// Full jitter reaches both ends, unlike "equal jitter" (c/2 + rand).
		if lo > ceiling/100 || hi < ceiling*99/100 {
			t.Errorf("retry %d: draws span [%s, %s], want near [0, %s)", retry, lo, hi, ceiling)
		}
	}
}

func TestDelayRetryAfter(t *testing.T) {
	r, err := NewRetrier(script("m"), RetryConfig{Rand: rand.New(rand.NewPCG(1, 1)), Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		seconds float64
		min     time.Duration
		max     time.Duration
	}{
		{"none", 0, 0, DefaultBaseDelay},
		{"above the jitter", 3, 3 * time.Second, 3 * time.Second},
		{"fractional", 1.5, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"capped by MaxDelay", 120, DefaultMaxDelay, DefaultMaxDelay},
		{"huge", 1e300, DefaultMaxDelay, DefaultMaxDelay},
		{"infinite ignored", math.Inf(1), 0, DefaultBaseDelay},
		{"NaN ignored", math.NaN(), 0, DefaultBaseDelay},
		{"negative ignored", -5, 0, DefaultBaseDelay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := perr(papersum.ClassRateLimit)
			pe.RetryAfterSeconds = tt.seconds
			for range 100 {
				d := r.delay(0, retryAfter(pe))
				if d < tt.min || d > tt.max {
					t.Fatalf("delay = %s, want in [%s, %s]", d, tt.min, tt.max)
				}
			}
		})
	}
}

func TestTimeoutFor(t *testing.T) {
	tests := []struct {
		words int
		want  time.Duration
	}{
		{-10, 30 * time.Second},
		{0, 30 * time.Second},
		{100, 31 * time.Second},
		{1000, 40 * time.Second},
		{5000, 80 * time.Second},
		{10000, 130 * time.Second},
		{14999, 179*time.Second + 990*time.Millisecond},
		{15000, 3 * time.Minute},
		{math.MaxInt, 3 * time.Minute},
	}
	for _, tt := range tests {
		if got := TimeoutFor(tt.words); got != tt.want {
			t.Errorf("TimeoutFor(%d) = %s, want %s", tt.words, got, tt.want)
		}
	}
}

func TestRetrierClasses(t *testing.T) {
	tests := []struct {
		class     papersum.Class
		retryable bool
	}{
		{papersum.ClassRateLimit, true},
		{papersum.ClassOverloaded, true},
		{papersum.ClassServer, true},
		{papersum.ClassTimeout, true},
		{papersum.ClassConnection, true},
		{papersum.ClassAuth, false},
		{papersum.ClassInvalidRequest, false},
		{papersum.ClassContextTooLarge, false},
		{papersum.ClassTruncated, false},
		{papersum.ClassParse, false},
	}
	if len(tests) != len(papersum.Classes) {
		t.Fatalf("table covers %d classes, papersum has %d", len(tests), len(papersum.Classes))
	}
	for _, tt := range tests {
		t.Run(string(tt.class), func(t *testing.T) {
			h := newRetryHarness()
			orig := perr(tt.class)
			m := script("m", step{err: orig}, step{})
			r := h.retrier(t, m, RetryConfig{})
			resp, err := r.Generate(context.Background(), newRequest())
			if tt.retryable {
				if err != nil || resp == nil {
					t.Fatalf("Generate = %v, %v; want the second call's answer", resp, err)
				}
				if m.NCalls() != 2 || len(h.sleeper.Waits()) != 1 {
					t.Fatalf("calls %d, waits %d; want 2, 1", m.NCalls(), len(h.sleeper.Waits()))
				}
				return
			}
			if err != orig {
				t.Fatalf("err = %v; want the adapter's error unchanged", err)
			}
			if m.NCalls() != 1 || len(h.sleeper.Waits()) != 0 {
				t.Fatalf("calls %d, waits %d; want 1, 0", m.NCalls(), len(h.sleeper.Waits()))
			}
		})
	}
}

func TestRetrierNotRetried(t *testing.T) {
	open := &papersum.ProviderError{Class: papersum.ClassOverloaded, Err: ErrCircuitOpen}
	plain := errors.New("adapter bug: not a provider error")
	for _, e := range []error{open, plain} {
		h := newRetryHarness()
		m := script("m", step{err: e}, step{})
		_, err := h.retrier(t, m, RetryConfig{}).Generate(context.Background(), newRequest())
		if err != e || m.NCalls() != 1 {
			t.Errorf("%v: err %v after %d calls; want it returned after 1", e, err, m.NCalls())
		}
	}
}

func TestRetrierExhausted(t *testing.T) {
	h := newRetryHarness()
	orig := perr(papersum.ClassOverloaded)
	orig.Status = 529
	m := script("m", step{err: orig})
	r := h.retrier(t, m, RetryConfig{Provider: "anthropic", MaxAttempts: 4})
	_, err := r.Generate(context.Background(), newRequest())
	var pe *papersum.ProviderError
	if !errors.As(err, &pe) || pe.Class != papersum.ClassOverloaded || pe.Status != 529 {
		t.Fatalf("err = %#v; want an overloaded ProviderError with status 529", err)
	}
	if pe == orig || orig.Message != "scripted overloaded" {
		t.Errorf("the adapter's error was modified or returned as is: %q", orig.Message)
	}
	if !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("err %q does not say how many attempts were made", err)
	}
	if m.NCalls() != 4 {
		t.Errorf("calls = %d, want 4", m.NCalls())
	}
	waits := h.sleeper.Waits()
	if len(waits) != 3 {
		t.Fatalf("waits = %v, want 3", waits)
	}
	for i, w := range waits {
		if c := backoffCeiling(i, DefaultBaseDelay, DefaultMaxDelay); w < 0 || w >= c {
			t.Errorf("wait %d = %s, want in [0, %s)", i, w, c)
		}
	}
	att := h.Attempts()
	if len(att) != 4 {
		t.Fatalf("attempts recorded = %d, want 4", len(att))
	}
	for i, a := range att {
		final := i == 3
		if a.N != i+1 || a.Class != papersum.ClassOverloaded || a.Final != final ||
			a.Provider != "anthropic" || a.Model != "caller-model" {
			t.Errorf("attempt %d = %+v", i, a)
		}
		if !final && a.Delay != waits[i] {
			t.Errorf("attempt %d delay %s, slept %s", i, a.Delay, waits[i])
		}
		if final && a.Delay != 0 {
			t.Errorf("final attempt has a delay %s", a.Delay)
		}
	}
}

func TestRetrierSuccessRecordsAttempts(t *testing.T) {
	h := newRetryHarness()
	m := script("m", fail(papersum.ClassRateLimit), step{took: 2 * time.Second})
	m.clock = h.clock
	resp, err := h.retrier(t, m, RetryConfig{}).Generate(context.Background(), newRequest())
	if err != nil || resp.Text != "answer from m" {
		t.Fatalf("Generate = %v, %v", resp, err)
	}
	att := h.Attempts()
	if len(att) != 2 || att[0].Err == nil || att[1].Err != nil || !att[1].Final ||
		att[1].Duration != 2*time.Second || att[1].N != 2 {
		t.Fatalf("attempts = %+v", att)
	}
}

func TestRetrierHonoursRetryAfter(t *testing.T) {
	h := newRetryHarness()
	e := perr(papersum.ClassRateLimit)
	e.RetryAfterSeconds = 7
	m := script("m", step{err: e}, step{})
	if _, err := h.retrier(t, m, RetryConfig{}).Generate(context.Background(), newRequest()); err != nil {
		t.Fatal(err)
	}
	if w := h.sleeper.Waits(); len(w) != 1 || w[0] != 7*time.Second {
		t.Fatalf("waits = %v, want [7s]", w)
	}
}

func TestRetrierDeadline(t *testing.T) {
	tests := []struct {
		name       string
		steps      []step
		retryAfter float64
		deadline   time.Duration
		wantCalls  int // negative: at least -wantCalls
		wantWhy    string
	}{
		{
			// Calls of 4s against a 10s deadline: the third call, if
			// any, is cut to the time left.
			name: "slow calls", steps: []step{{err: perr(papersum.ClassServer), took: 4 * time.Second}},
			deadline: 10 * time.Second, wantCalls: -2, wantWhy: "retry deadline",
		},
		{
			name: "retry-after beyond the deadline", steps: []step{fail(papersum.ClassRateLimit)},
			retryAfter: 20, deadline: 15 * time.Second, wantCalls: 1, wantWhy: "would pass the 15s retry deadline",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRetryHarness()
			for i := range tt.steps {
				if pe, ok := tt.steps[i].err.(*papersum.ProviderError); ok {
					pe.RetryAfterSeconds = tt.retryAfter
				}
			}
			m := script("m", tt.steps...)
			m.clock = h.clock
			start := h.clock.Now()
			r := h.retrier(t, m, RetryConfig{TotalDeadline: tt.deadline, MaxAttempts: 100})
			_, err := r.Generate(context.Background(), newRequest())
			if err == nil || !strings.Contains(err.Error(), tt.wantWhy) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantWhy)
			}
			if n := m.NCalls(); (tt.wantCalls >= 0 && n != tt.wantCalls) || n < -tt.wantCalls {
				t.Errorf("calls = %d, want %d", m.NCalls(), tt.wantCalls)
			}
			var slept time.Duration
			for _, w := range h.sleeper.Waits() {
				slept += w
			}
			if el := h.clock.Now().Sub(start); el > tt.deadline {
				t.Errorf("elapsed %s (slept %s) past the %s deadline", el, slept, tt.deadline)
			}
		})
	}
}

// TestRetrierAttemptTimeout checks the per-attempt timeout: taken from the
// request, else from the paper's length, and cut to the time left.
func TestRetrierAttemptTimeout(t *testing.T) {
	paper := &papersum.Document{Text: strings.Repeat("word ", 4999) + "end"}
	tests := []struct {
		name     string
		req      papersum.Request
		deadline time.Duration
		want     time.Duration
	}{
		{"from the request", papersum.Request{Timeout: 45 * time.Second, Paper: paper}, 0, 45 * time.Second},
		{"from the paper", papersum.Request{Paper: paper}, 0, TimeoutFor(5000)},
		{"from the task", papersum.Request{Task: papersum.Task{Paper: &papersum.Paper{
			Sections: []papersum.Section{{Sentences: []string{"a b c", "d e"}}}}}}, 0, TimeoutFor(5)},
		{"cut to the deadline", papersum.Request{Paper: paper}, 20 * time.Second, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRetryHarness()
			m := script("m")
			r := h.retrier(t, m, RetryConfig{TotalDeadline: tt.deadline})
			req := tt.req
			if _, err := r.Generate(context.Background(), &req); err != nil {
				t.Fatal(err)
			}
			if req.Timeout != tt.req.Timeout {
				t.Errorf("the caller's request was modified")
			}
			got := m.Calls()[0].Timeout
			if got != tt.want {
				t.Errorf("Request.Timeout seen by the model = %s, want %s", got, tt.want)
			}
			if dl := m.deadlines[0]; dl <= 0 || dl > tt.want {
				t.Errorf("context deadline in %s, want within %s", dl, tt.want)
			}
		})
	}
}

// TestRetrierBareDeadline: an adapter that returns the bare context error
// when the attempt's deadline fires has timed out, which is retryable.
func TestRetrierBareDeadline(t *testing.T) {
	h := newRetryHarness()
	m := script("m", step{block: true}, step{})
	req := newRequest()
	req.Timeout = 5 * time.Millisecond
	var first Attempt
	cfg := RetryConfig{}
	r := h.retrier(t, m, cfg)
	r.cfg.OnAttempt = func(a Attempt) {
		if a.N == 1 {
			first = a
		}
	}
	if _, err := r.Generate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if first.Class != papersum.ClassTimeout || !errors.Is(first.Err, context.DeadlineExceeded) {
		t.Fatalf("first attempt = %+v; want a timeout wrapping the deadline", first)
	}
}

func TestRetrierCancellation(t *testing.T) {
	t.Run("during the wait", func(t *testing.T) {
		h := newRetryHarness()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h.sleeper.before = cancel
		m := script("m", fail(papersum.ClassOverloaded))
		_, err := h.retrier(t, m, RetryConfig{}).Generate(ctx, newRequest())
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "overloaded") {
			t.Fatalf("err = %v; want cancelled, naming the last failure", err)
		}
		if m.NCalls() != 1 {
			t.Errorf("calls = %d, want 1", m.NCalls())
		}
	})
	t.Run("during the call", func(t *testing.T) {
		h := newRetryHarness()
		ctx, cancel := context.WithCancel(context.Background())
		m := &cancelling{cancel: cancel}
		_, err := h.retrier(t, m, RetryConfig{}).Generate(ctx, newRequest())
		if !errors.Is(err, context.Canceled) || m.calls != 1 || len(h.sleeper.Waits()) != 0 {
			t.Fatalf("err = %v after %d calls; want cancelled after 1", err, m.calls)
		}
	})
	t.Run("before the call", func(t *testing.T) {
		h := newRetryHarness()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m := script("m")
		_, err := h.retrier(t, m, RetryConfig{}).Generate(ctx, newRequest())
		if !errors.Is(err, context.Canceled) || m.NCalls() != 0 {
			t.Fatalf("err = %v after %d calls", err, m.NCalls())
		}
	})
	t.Run("real sleep", func(t *testing.T) {
		// The default sleep must end with the context, not the timer.
		e := perr(papersum.ClassRateLimit)
		e.RetryAfterSeconds = 30
		m := script("m", step{err: e})
		r, err := NewRetrier(m, RetryConfig{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = r.Generate(ctx, newRequest())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Fatalf("returned after %s; want at once", el)
		}
	})
}

// cancelling cancels the caller's context during the call, as a user
// pressing ^C would, and fails as an adapter would.
type cancelling struct {
	cancel context.CancelFunc
	calls  int
}

func (c *cancelling) Generate(ctx context.Context, _ *papersum.Request) (*papersum.Response, error) {
	c.calls++
	c.cancel()
	return nil, &papersum.ProviderError{Class: papersum.ClassConnection, Err: ctx.Err()}
}

func TestRetryConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  RetryConfig
		ok   bool
	}{
		{"defaults", RetryConfig{}, true},
		{"no retry", RetryConfig{MaxAttempts: 1}, true},
		{"negative attempts", RetryConfig{MaxAttempts: -1}, false},
		{"negative base", RetryConfig{BaseDelay: -time.Second}, false},
		{"max below base", RetryConfig{BaseDelay: time.Second, MaxDelay: time.Millisecond}, false},
		{"base above default max", RetryConfig{BaseDelay: time.Minute}, true},
		{"negative deadline", RetryConfig{TotalDeadline: -1}, false},
	}
	for _, tt := range tests {
		_, err := NewRetrier(script("m"), tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: code %s, want invalid", tt.name, papersum.ErrorCode(err))
		}
	}
	if _, err := NewRetrier(nil, RetryConfig{}); err == nil {
		t.Error("NewRetrier(nil) succeeded")
	}
	d := RetryConfig{}.withDefaults()
	if d.MaxAttempts != 4 || d.BaseDelay != 500*time.Millisecond || d.MaxDelay != 30*time.Second ||
		d.TotalDeadline != 5*time.Minute {
		t.Errorf("defaults = %+v", d)
	}
}

func TestRetrierConcurrent(t *testing.T) {
	h := newRetryHarness()
	m := script("m", fail(papersum.ClassServer), fail(papersum.ClassTimeout), step{})
	r := h.retrier(t, m, RetryConfig{MaxAttempts: 10})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 20 {
				if _, err := r.Generate(context.Background(), newRequest()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := m.NCalls(); n != 1002 {
		t.Errorf("calls = %d, want 1002", n)
	}
}

// afterDeadline waits for the call's context to end and then fails with
// err (or the bare context error when err is nil), as an adapter whose
// request was cut off by the deadline, or whose answer arrived just after
// it, does.
type afterDeadline struct{ err error }

func (m afterDeadline) Generate(ctx context.Context, _ *papersum.Request) (*papersum.Response, error) {
	<-ctx.Done()
	if m.err != nil {
		return nil, m.err
	}
	return nil, ctx.Err()
}

// TestRetrierAbandoned checks which attempts are abandoned (the Retrier
// stopped waiting before an answer came) and that each one is reported
// to the attempt hook and to the caller's CallTrace exactly once, with its
// provider and model: a deadline or a cancellation without an answer is;
// an answer with an HTTP status, however late, and a failure before the
// deadline are not.
func TestRetrierAbandoned(t *testing.T) {
	timeoutNoStatus := &papersum.ProviderError{Class: papersum.ClassTimeout, Message: "no answer in time"}
	late429 := &papersum.ProviderError{Class: papersum.ClassRateLimit, Status: 429}
	gateway := &papersum.ProviderError{Class: papersum.ClassTimeout, Status: 504}
	tests := []struct {
		name      string
		model     papersum.Model
		cancel    bool
		abandoned bool
	}{
		{"bare deadline", afterDeadline{}, false, true},
		{"timeout error without a status", afterDeadline{timeoutNoStatus}, false, true},
		{"connection error at the deadline", afterDeadline{perr(papersum.ClassConnection)}, false, true},
		{"429 read after the deadline", afterDeadline{late429}, false, false},
		{"504 from the server", script("m", step{err: gateway}), false, false},
		{"timeout before the deadline", script("m", step{err: timeoutNoStatus}), false, false},
		{"answer", script("m"), false, false},
		{"caller cancelled", &cancelling{}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRetryHarness()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c, ok := tt.model.(*cancelling); ok {
				c.cancel = cancel
			}
			var mu sync.Mutex
			var traced []string
			ctx = papersum.WithCallTrace(ctx, &papersum.CallTrace{Abandoned: func(provider, model string) {
				mu.Lock()
				traced = append(traced, provider+"/"+model)
				mu.Unlock()
			}})
			req := newRequest()
			req.Timeout = 5 * time.Millisecond
			req.Task.Stage = papersum.StageCritique
			r := h.retrier(t, tt.model, RetryConfig{Provider: "anthropic", MaxAttempts: 1})
			_, _ = r.Generate(ctx, req)
			as := h.Attempts()
			if len(as) != 1 {
				t.Fatalf("%d attempts observed, want 1", len(as))
			}
			if as[0].Abandoned != tt.abandoned || as[0].Stage != papersum.StageCritique {
				t.Errorf("attempt %+v: Abandoned = %v, want %v; stage %q", as[0], as[0].Abandoned, tt.abandoned, as[0].Stage)
			}
			var want []string
			if tt.abandoned {
				want = []string{"anthropic/caller-model"}
			}
			if !slices.Equal(traced, want) {
				t.Errorf("CallTrace.Abandoned calls = %v, want %v", traced, want)
			}
		})
	}
}

// TestRetrierAbandonedEachAttempt: every abandoned attempt of a retried
// request is reported, not only the last.
func TestRetrierAbandonedEachAttempt(t *testing.T) {
	h := newRetryHarness()
	n := 0
	ctx := papersum.WithCallTrace(context.Background(), &papersum.CallTrace{Abandoned: func(string, string) { n++ }})
	req := newRequest()
	req.Timeout = 5 * time.Millisecond
	r := h.retrier(t, afterDeadline{}, RetryConfig{MaxAttempts: 3})
	if _, err := r.Generate(ctx, req); papersum.ClassOf(err) != papersum.ClassTimeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if n != 3 {
		t.Fatalf("%d abandoned calls traced, want 3", n)
	}
	// No trace in the context: nothing to report to, and no panic.
	if _, err := r.Generate(context.Background(), req); err == nil {
		t.Fatal("want an error")
	}
}
